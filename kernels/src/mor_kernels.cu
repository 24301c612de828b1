// MoR kernels: tensor-level MoR with GAM, sub-tensor MoR, current scaling and MXFP8, bit-exact with the model.
// This file holds the kernels verified on an H100 on 2026-11-22 (KernelVersion::kVerified, the default) and the
// public entry points; mor_kernels_v2.cu holds the rewrites of issue 21.
//
// The per-element math is the model's shared scalar code (gam.hpp, metric.hpp, scale.hpp, amax.hpp) compiled for
// the device, and the decisions are the model's own functions (decision.hpp); FP8 conversion uses the hardware
// cvt.rn.satfinite instructions (device/fp8_ptx.cuh), which tests/gpu checks against the model on all 2^32 FP32
// inputs. A "team" is the set of threads that owns one block (tiling.hpp), so every block is reduced without
// atomics between teams and the block results do not depend on scheduling. Global sums (NNZ, error) are exact
// integer atomics.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "common.cuh"
#include "mor/core/amax.hpp"
#include "mor/core/contract.hpp"
#include "mor/core/convert.hpp"
#include "mor/core/decision.hpp"
#include "mor/core/element.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/gam.hpp"
#include "mor/core/metric.hpp"
#include "mor/core/scale.hpp"
#include "mor/kernels/device/element.cuh"
#include "mor/kernels/mor_kernels.hpp"
#include "mor/kernels/timing.hpp"

namespace mor::gpu {
namespace {

using namespace detail;

// ---- element conversions ----

// Quantize 8 elements with multiplier s in format F (E4M3/E5M2 by hardware, E2M3 by the shared scalar code);
// writes codes and fake BF16 when asked and returns the canonical error sum of the nonzero elements.
template <int kFmt>
__device__ uint64_t quantize8(const uint32_t (&x)[8], uint32_t s, uint8_t* codes_out, uint16_t* fake_out, bool store) {
  uint32_t q[8], qf[8];
  if constexpr (kFmt == kTagE2M3) {
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      q[k] = convert<E2M3, FP32>(fmul_rn_bits(x[k], s), kFp8Default);
      qf[k] = convert<FP32, E2M3>(static_cast<uint8_t>(q[k]), kIeeeDefault);
    }
  } else {
    constexpr bool e5 = kFmt == kTagE5M2;
#pragma unroll
    for (int k = 0; k < 8; k += 2) {
      const uint32_t c = cvt_f32x2_to_fp8x2<e5>(fmul_rn_bits(x[k + 1], s), fmul_rn_bits(x[k], s));
      q[k] = c & 0xFFu;
      q[k + 1] = c >> 8;
      decode_pair<e5>(c, &qf[k], &qf[k + 1]);
    }
  }
  uint64_t err = 0;
  uint32_t d[8];
#pragma unroll
  for (int k = 0; k < 8; ++k) {
    d[k] = fdiv_rn_bits(qf[k], s);
    if (!f32_is_zero(x[k])) err += error_fx(relative_error(x[k], d[k]));
  }
  if (store) {
    uint2 c8;
    c8.x = q[0] | q[1] << 8 | q[2] << 16 | q[3] << 24;
    c8.y = q[4] | q[5] << 8 | q[6] << 16 | q[7] << 24;
    *reinterpret_cast<uint2*>(codes_out) = c8;
    uint4 f;
    f.x = bf16_out(d[0]) | static_cast<uint32_t>(bf16_out(d[1])) << 16;
    f.y = bf16_out(d[2]) | static_cast<uint32_t>(bf16_out(d[3])) << 16;
    f.z = bf16_out(d[4]) | static_cast<uint32_t>(bf16_out(d[5])) << 16;
    f.w = bf16_out(d[6]) | static_cast<uint32_t>(bf16_out(d[7])) << 16;
    *reinterpret_cast<uint4*>(fake_out) = f;
  }
  return err;
}

__device__ void keep8_bf16(const uint32_t (&x)[8], uint8_t* codes_out, uint16_t* fake_out) {
  *reinterpret_cast<uint2*>(codes_out) = make_uint2(0, 0);
  uint4 f;
  f.x = bf16_from_f32(x[0]) | static_cast<uint32_t>(bf16_from_f32(x[1])) << 16;
  f.y = bf16_from_f32(x[2]) | static_cast<uint32_t>(bf16_from_f32(x[3])) << 16;
  f.z = bf16_from_f32(x[4]) | static_cast<uint32_t>(bf16_from_f32(x[5])) << 16;
  f.w = bf16_from_f32(x[6]) | static_cast<uint32_t>(bf16_from_f32(x[7])) << 16;
  *reinterpret_cast<uint4*>(fake_out) = f;
}

// ---- pass 1: per-block statistics and the tensor's amax / NNZ / non-finite count ----

template <InputType kIn>
__global__ void __launch_bounds__(kCtaThreads) stats_kernel(const void* x, Geometry g, bool propagate_nan,
                                                            uint32_t* block_amax, TensorSummary* sum) {
  const Team t = team_of(g);
  const bool active = t.block < g.blocks;
  BlockStats s;
  const NanPolicy policy = propagate_nan ? NanPolicy::kPropagateNan : NanPolicy::kIgnoreNan;
  if (active) {
    for (int v = t.lane; v < g.vec_per_block; v += t.size) {
      uint32_t e[8];
      load8<kIn>(x, g.vector_element(t.block, v), e);
#pragma unroll
      for (int k = 0; k < 8; ++k) stats_add(s, e[k], policy);
    }
  }
  const uint32_t amax = team_reduce(t, s.amax, MaxOp{});
  const uint32_t nnz = team_reduce(t, s.nnz, SumOp{});
  const uint32_t nonfinite = team_reduce(t, s.nonfinite, SumOp{});
  if (active && t.lane == 0) {
    block_amax[t.block] = amax;
    atomicMax(&sum->group_amax, amax);  // |x| bits order like the values; the propagated NaN is the largest
    atomicAdd(&sum->nnz, static_cast<unsigned long long>(nnz));
    atomicAdd(&sum->nonfinite, static_cast<unsigned long long>(nonfinite));
  }
}

// ---- pass 2 of tensor-level MoR: GAM scales, quantize, measure ----

template <InputType kIn>
__global__ void __launch_bounds__(kCtaThreads) tensor_quantize_kernel(const void* x, Geometry g,
                                                                      const uint32_t* block_amax, DeviceOutputs out,
                                                                      TensorSummary* sum) {
  if (sum->nonfinite > 0) return;  // D2: the finalize kernel passes the tensor through
  const Team t = team_of(g);
  const bool active = t.block < g.blocks;
  const uint32_t r_g = gam_group_scale(sum->group_amax);
  uint64_t err = 0;
  if (active) {
    const uint32_t s = gam_block_scale(r_g, block_amax[t.block]);
    if (t.lane == 0) {
      out.block_scale[t.block] = s;
      out.block_exp_offset[t.block] = static_cast<uint8_t>(gam_exp_offset(r_g, s));
      out.block_tag[t.block] = kTagE4M3;
    }
    for (int v = t.lane; v < g.vec_per_block; v += t.size) {
      const int64_t i = g.vector_element(t.block, v);
      uint32_t e[8];
      load8<kIn>(x, i, e);
      err += quantize8<kTagE4M3>(e, s, out.codes + i, out.fake_bf16 + i, true);
    }
  }
  const unsigned long long block_err = team_reduce(t, static_cast<unsigned long long>(err), SumOp{});
  if (active && t.lane == 0) atomicAdd(&sum->err_sum, block_err);
  if (blockIdx.x == 0 && threadIdx.x == 0) sum->group_scale = r_g;
}

// ---- pass 3 of tensor-level MoR: the decision, and BF16 passthrough when the tensor is not kept in FP8 ----

template <InputType kIn>
__global__ void __launch_bounds__(kCtaThreads) tensor_finalize_kernel(const void* x, Geometry g, uint32_t threshold_fx,
                                                                      DeviceOutputs out, TensorSummary* sum) {
  const TensorDecision decision = tensor_decision(sum->nonfinite, sum->nnz, sum->err_sum, threshold_fx);
  const int64_t tid = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (tid == 0) {
    sum->decision_tag = static_cast<uint32_t>(decision.tag);
    sum->reason = static_cast<uint32_t>(decision.reason);
  }
  if (decision.tag != FormatTag::kBF16) return;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t b = tid; b < g.blocks; b += stride) {
    out.block_tag[b] = kTagBF16;
    out.block_scale[b] = 0;
  }
  const int64_t vectors = g.rows * g.cols / 8;
  for (int64_t v = tid; v < vectors; v += stride) {
    uint32_t e[8];
    load8<kIn>(x, v * 8, e);
    keep8_bf16(e, out.codes + v * 8, out.fake_bf16 + v * 8);
  }
}

// ---- current scaling: one multiplier for the tensor ----

template <InputType kIn>
__global__ void __launch_bounds__(kCtaThreads) current_quantize_kernel(const void* x, int64_t vectors, DeviceOutputs out,
                                                                       TensorSummary* sum) {
  const uint32_t s = te_current_scale(sum->group_amax, kE4M3Max);
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t v = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; v < vectors; v += stride) {
    uint32_t e[8];
    load8<kIn>(x, v * 8, e);
    (void)quantize8<kTagE4M3>(e, s, out.codes + v * 8, out.fake_bf16 + v * 8, true);
  }
  if (blockIdx.x == 0 && threadIdx.x == 0) {
    sum->group_scale = s;
    sum->decision_tag = kTagE4M3;
    sum->reason = static_cast<uint32_t>(Reason::kAccepted);
  }
}

// ---- sub-tensor MoR: one pass, the block held in registers ----

template <InputType kIn>
__global__ void __launch_bounds__(kCtaThreads) subtensor_kernel(const void* x, Geometry g, SubTensorParams p,
                                                                DeviceOutputs out, TensorSummary* sum) {
  const Team t = team_of(g);
  const bool active = t.block < g.blocks;
  const NanPolicy policy = p.propagate_nan ? NanPolicy::kPropagateNan : NanPolicy::kIgnoreNan;
  uint32_t e[kMaxVecPerThread][8];
  BlockStats s;
  int n_vec = 0;
#pragma unroll
  for (int k = 0; k < kMaxVecPerThread; ++k) {
    const int v = t.lane + k * t.size;
    if (active && v < g.vec_per_block) {
      load8<kIn>(x, g.vector_element(t.block, v), e[k]);
#pragma unroll
      for (int j = 0; j < 8; ++j) stats_add(s, e[k][j], policy);
      n_vec = k + 1;
    }
  }
  const uint32_t amax = team_reduce(t, s.amax, MaxOp{});
  const uint32_t amin = team_reduce(t, s.min_nonzero, MinOp{});
  const uint32_t nonfinite = team_reduce(t, s.nonfinite, SumOp{});
  const uint32_t nnz = team_reduce(t, s.nnz, SumOp{});
  // Band decision (spec 7, D7) by the model's functions, identical in every thread of the team. D2: a non-finite
  // block is decided BF16 before its dynamic range is formed.
  const SubTensorRules rules{p.quant_error_mode, p.e5m2_to_bf16, p.enable_e2m3};
  const uint32_t dr = nonfinite > 0 ? kF32One : subtensor_dynamic_range(amax, amin);
  const SubTensorBand band = subtensor_band(dr, nonfinite > 0, rules);
  uint32_t tag = static_cast<uint32_t>(band.tag);
  auto scale_for = [&](float fmax) {
    return p.fp32_scales ? fp32_block_scale(amax, fmax) : mor_e8_rz_scale(amax, fmax);
  };
  if (band.measure) {  // quant-error mode: only this team's lanes take the branch (team_reduce uses the team mask)
    const uint32_t s4 = scale_for(kE4M3Max), s5 = scale_for(kE5M2Max);
    uint64_t e4 = 0, e5 = 0;
#pragma unroll
    for (int k = 0; k < kMaxVecPerThread; ++k)
      if (k < n_vec) {
        e4 += quantize8<kTagE4M3>(e[k], s4, nullptr, nullptr, false);
        e5 += quantize8<kTagE5M2>(e[k], s5, nullptr, nullptr, false);
      }
    const unsigned long long t4 = team_reduce(t, static_cast<unsigned long long>(e4), SumOp{});
    const unsigned long long t5 = team_reduce(t, static_cast<unsigned long long>(e5), SumOp{});
    tag = static_cast<uint32_t>(subtensor_quant_error_choice(t4, t5));
  }
  if (!active) return;
  const uint32_t scale = tag == kTagBF16 ? 0u : scale_for(fmax_of(static_cast<FormatTag>(tag)));
  if (t.lane == 0) {
    out.block_tag[t.block] = static_cast<uint8_t>(tag);
    out.block_scale[t.block] = scale;
    atomicAdd(&sum->nnz, static_cast<unsigned long long>(nnz));
    atomicAdd(&sum->nonfinite, static_cast<unsigned long long>(nonfinite));
    atomicAdd(&sum->elements_per_format[tag], static_cast<unsigned long long>(g.block_elements()));
    atomicMax(&sum->group_amax, amax);
  }
#pragma unroll
  for (int k = 0; k < kMaxVecPerThread; ++k) {
    if (k >= n_vec) break;
    const int64_t i = g.vector_element(t.block, t.lane + k * t.size);
    if (tag == kTagE4M3) quantize8<kTagE4M3>(e[k], scale, out.codes + i, out.fake_bf16 + i, true);
    else if (tag == kTagE5M2) quantize8<kTagE5M2>(e[k], scale, out.codes + i, out.fake_bf16 + i, true);
    else if (tag == kTagE2M3) quantize8<kTagE2M3>(e[k], scale, out.codes + i, out.fake_bf16 + i, true);
    else keep8_bf16(e[k], out.codes + i, out.fake_bf16 + i);
  }
}

// ---- MXFP8: 1x32 blocks, NV_RCEIL E8M0 scales, four threads per block ----

template <InputType kIn>
__global__ void __launch_bounds__(kCtaThreads) mxfp8_kernel(const void* x, int64_t blocks, DeviceOutputs out) {
  const int64_t block = (int64_t{blockIdx.x} * kCtaThreads + threadIdx.x) / 4;
  const int lane = threadIdx.x % 4;
  const bool active = block < blocks;
  uint32_t e[8] = {};
  uint32_t amax = 0;
  if (active) {
    load8<kIn>(x, block * 32 + lane * 8, e);
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      const uint32_t a = f32_abs_bits(e[k]);
      if (a <= kF32Inf && a > amax) amax = a;  // IGNORE_NAN
    }
  }
  for (int off = 2; off > 0; off /= 2) amax = max(amax, __shfl_xor_sync(0xFFFFFFFFu, amax, off, 4));
  if (!active) return;
  const uint8_t X = nv_rceil_scale_e8m0(amax, kE4M3Max);
  const uint32_t Xf = f32_from_e8m0(X);
  // x / X equals x * (1/X) bit for bit: 1/X is an exact power of two, so both are the correctly rounded x * 2^-k.
  const uint32_t inv = fdiv_rn_bits(kF32One, Xf);
  uint32_t q[8], qf[8];
#pragma unroll
  for (int k = 0; k < 8; k += 2) {
    const uint32_t c = cvt_f32x2_to_fp8x2<false>(fmul_rn_bits(e[k + 1], inv), fmul_rn_bits(e[k], inv));
    q[k] = c & 0xFFu;
    q[k + 1] = c >> 8;
    decode_pair<false>(c, &qf[k], &qf[k + 1]);
  }
  uint2 c8;
  c8.x = q[0] | q[1] << 8 | q[2] << 16 | q[3] << 24;
  c8.y = q[4] | q[5] << 8 | q[6] << 16 | q[7] << 24;
  *reinterpret_cast<uint2*>(out.codes + block * 32 + lane * 8) = c8;
  uint16_t f[8];
#pragma unroll
  for (int k = 0; k < 8; ++k) f[k] = bf16_out(fmul_rn_bits(qf[k], Xf));
  *reinterpret_cast<uint4*>(out.fake_bf16 + block * 32 + lane * 8) =
      make_uint4(f[0] | static_cast<uint32_t>(f[1]) << 16, f[2] | static_cast<uint32_t>(f[3]) << 16,
                 f[4] | static_cast<uint32_t>(f[5]) << 16, f[6] | static_cast<uint32_t>(f[7]) << 16);
  if (lane == 0) {
    out.block_e8m0[block] = X;
    out.block_tag[block] = kTagE4M3;
  }
}

__global__ void subtensor_summary(TensorSummary* sum) {
  uint64_t elements[kFormatTagCount];
  for (int f = 0; f < kFormatTagCount; ++f) elements[f] = sum->elements_per_format[f];
  sum->decision_tag = static_cast<uint32_t>(subtensor_tensor_tag(elements));
  sum->reason = static_cast<uint32_t>(sum->nonfinite > 0 ? Reason::kNonFinite : Reason::kAccepted);
}

bool outputs_ok(const DeviceOutputs& o, bool gam, KernelVersion v) {
  const bool fake_ok = o.fake_bf16 || v == KernelVersion::kV2;
  return o.codes && fake_ok && o.block_tag && o.block_scale && (!gam || o.block_exp_offset);
}

Status validate(const DeviceTensor& x, int64_t br, int64_t bc, const DeviceOutputs& out, Geometry* g) {
  if (!x.data) return {false, "empty tensor"};
  Status s = make_geometry(x.rows, x.cols, br, bc, g);
  if (s) s = check_alignment(x, out);
  return s;
}

}  // namespace

void detail::launch_subtensor_summary(TensorSummary* sum, cudaStream_t stream) { subtensor_summary<<<1, 1, 0, stream>>>(sum); }

Workspace::~Workspace() {
  cudaFree(block_amax_);
  cudaFree(summary_);
}

Status Workspace::reserve(int64_t blocks) {
  if (!summary_) {
    Status s = cuda_check(cudaMalloc(&summary_, sizeof(TensorSummary)), "cudaMalloc summary");
    if (!s) return s;
  }
  if (blocks <= capacity_) return {};
  cudaFree(block_amax_);
  block_amax_ = nullptr;
  capacity_ = 0;
  Status s = cuda_check(cudaMalloc(&block_amax_, static_cast<std::size_t>(blocks) * sizeof(uint32_t)), "cudaMalloc");
  if (s) capacity_ = blocks;
  return s;
}

Status tensor_level_mor(const DeviceTensor& x, const TensorLevelParams& p, const DeviceOutputs& out, Workspace& ws,
                        cudaStream_t stream, TensorSummary* host_summary) {
  Geometry g;
  Status s = validate(x, p.block_rows, p.block_cols, out, &g);
  if (!s) return s;
  if (!outputs_ok(out, true, p.version))
    return {false, "tensor_level_mor needs codes, fake_bf16, block_tag, block_scale, block_exp_offset"};
  if (!(s = ws.reserve(g.blocks))) return s;
  TensorSummary* sum = ws.summary();
  if (!(s = cuda_check(cudaMemsetAsync(sum, 0, sizeof *sum, stream), "memset"))) return s;
  if (p.version == KernelVersion::kV2) {
    if (!(s = v2::tensor_level_mor(x, g, p, out, sum, ws.block_amax(), stream))) return s;
    return finish(sum, host_summary, stream);
  }
  const int64_t vectors = g.rows * g.cols / 8;
  if (x.type == InputType::kBF16) {
    stats_kernel<InputType::kBF16><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, p.propagate_nan, ws.block_amax(), sum);
    tensor_quantize_kernel<InputType::kBF16><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, ws.block_amax(), out, sum);
    tensor_finalize_kernel<InputType::kBF16><<<stream_grid(vectors), kCtaThreads, 0, stream>>>(x.data, g, p.threshold_fx, out, sum);
  } else {
    stats_kernel<InputType::kF32><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, p.propagate_nan, ws.block_amax(), sum);
    tensor_quantize_kernel<InputType::kF32><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, ws.block_amax(), out, sum);
    tensor_finalize_kernel<InputType::kF32><<<stream_grid(vectors), kCtaThreads, 0, stream>>>(x.data, g, p.threshold_fx, out, sum);
  }
  return finish(sum, host_summary, stream);
}

Status subtensor_mor(const DeviceTensor& x, const SubTensorParams& p, const DeviceOutputs& out, Workspace& ws,
                     cudaStream_t stream, TensorSummary* host_summary) {
  Geometry g;
  Status s = validate(x, p.block_rows, p.block_cols, out, &g);
  if (!s) return s;
  if (g.vec_per_block > g.team * kMaxVecPerThread) return {false, "sub-tensor blocks are limited to 16384 elements"};
  if (!outputs_ok(out, false, p.version)) return {false, "subtensor_mor needs codes, fake_bf16, block_tag, block_scale"};
  if (!(s = ws.reserve(g.blocks))) return s;
  TensorSummary* sum = ws.summary();
  if (!(s = cuda_check(cudaMemsetAsync(sum, 0, sizeof *sum, stream), "memset"))) return s;
  if (p.version == KernelVersion::kV2) {
    if (!(s = v2::subtensor_mor(x, g, p, out, sum, stream))) return s;
  } else if (x.type == InputType::kBF16) {
    subtensor_kernel<InputType::kBF16><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, p, out, sum);
  } else {
    subtensor_kernel<InputType::kF32><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, p, out, sum);
  }
  launch_subtensor_summary(sum, stream);
  return finish(sum, host_summary, stream);
}

Status current_scaling(const DeviceTensor& x, const DeviceOutputs& out, Workspace& ws, cudaStream_t stream,
                       TensorSummary* host_summary, KernelVersion version) {
  Geometry g;
  Status s = validate(x, 1, x.cols % 256 == 0 ? 256 : 8, out, &g);  // any tiling works for the amax pass
  if (!s) return s;
  if (!out.codes || (!out.fake_bf16 && version != KernelVersion::kV2)) return {false, "current_scaling needs codes and fake_bf16"};
  if (!(s = ws.reserve(g.blocks))) return s;
  TensorSummary* sum = ws.summary();
  if (!(s = cuda_check(cudaMemsetAsync(sum, 0, sizeof *sum, stream), "memset"))) return s;
  if (version == KernelVersion::kV2) {
    if (!(s = v2::current_scaling(x, out, sum, stream))) return s;
    return finish(sum, host_summary, stream);
  }
  const int64_t vectors = g.rows * g.cols / 8;
  if (x.type == InputType::kBF16) {
    stats_kernel<InputType::kBF16><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, false, ws.block_amax(), sum);
    current_quantize_kernel<InputType::kBF16><<<stream_grid(vectors), kCtaThreads, 0, stream>>>(x.data, vectors, out, sum);
  } else {
    stats_kernel<InputType::kF32><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, false, ws.block_amax(), sum);
    current_quantize_kernel<InputType::kF32><<<stream_grid(vectors), kCtaThreads, 0, stream>>>(x.data, vectors, out, sum);
  }
  return finish(sum, host_summary, stream);
}

Status mxfp8(const DeviceTensor& x, const DeviceOutputs& out, cudaStream_t stream, KernelVersion version) {
  if (!x.data || x.rows <= 0 || x.cols <= 0 || x.cols % 32) return {false, "mxfp8 needs a tensor with columns % 32 == 0"};
  if (!out.codes || (!out.fake_bf16 && version != KernelVersion::kV2) || !out.block_e8m0 || !out.block_tag)
    return {false, "mxfp8 needs codes, fake_bf16, block_e8m0, block_tag"};
  Status s = check_alignment(x, out);
  if (!s) return s;
  if (version == KernelVersion::kV2) return v2::mxfp8(x, out, stream);
  const int64_t blocks = x.rows * x.cols / 32;
  const unsigned grid = static_cast<unsigned>((blocks * 4 + kCtaThreads - 1) / kCtaThreads);
  if (x.type == InputType::kBF16) mxfp8_kernel<InputType::kBF16><<<grid, kCtaThreads, 0, stream>>>(x.data, blocks, out);
  else mxfp8_kernel<InputType::kF32><<<grid, kCtaThreads, 0, stream>>>(x.data, blocks, out);
  return cuda_check(cudaGetLastError(), "kernel launch");
}

Status device_alloc(void** ptr, std::size_t bytes) { return cuda_check(cudaMalloc(ptr, bytes), "cudaMalloc"); }
Status device_free(void* ptr) { return cuda_check(cudaFree(ptr), "cudaFree"); }
Status copy_to_device(void* dst, const void* src, std::size_t bytes) {
  return cuda_check(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy H2D");
}
Status copy_to_host(void* dst, const void* src, std::size_t bytes) {
  return cuda_check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
}
Status device_fill(void* dst, int byte, std::size_t bytes) { return cuda_check(cudaMemset(dst, byte, bytes), "cudaMemset"); }

}  // namespace mor::gpu
