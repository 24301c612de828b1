// MoR kernels: tensor-level MoR with GAM, sub-tensor MoR, current scaling and MXFP8, bit-exact with the model.
//
// The per-element math is the model's shared scalar code (gam.hpp, metric.hpp, scale.hpp, amax.hpp) compiled for
// the device; FP8 conversion uses the hardware cvt.rn.satfinite instructions, which tests/gpu checks against the
// model on all 2^32 FP32 inputs. A "team" is the set of threads that owns one block: a whole CTA for large blocks,
// a power-of-two slice of a warp for small ones (1x128, 1x32), so every block is reduced without atomics between
// teams and the block results do not depend on scheduling. Global sums (NNZ, error) are exact integer atomics.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "mor/core/amax.hpp"
#include "mor/core/convert.hpp"
#include "mor/core/element.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/gam.hpp"
#include "mor/kernels/mor_kernels.hpp"
#include "mor/kernels/timing.hpp"
#include "mor/core/metric.hpp"
#include "mor/core/scale.hpp"

namespace mor::gpu {
namespace {

constexpr int kCtaThreads = 256;
constexpr int kMaxVecPerThread = 8;  // sub-tensor keeps its block in registers: <= 8 x 8 elements per thread
constexpr uint32_t kTagE4M3 = 0, kTagE5M2 = 1, kTagBF16 = 2, kTagE2M3 = 3;
constexpr uint32_t kReasonAccepted = 0, kReasonRejected = 1, kReasonNonFinite = 2, kReasonAllZero = 3;

// ---- geometry ----

struct Geometry {
  int64_t rows, cols, br, bc;
  int64_t grid_cols, blocks;
  int vec_per_block;  // 8-element vectors per block
  int team;           // threads per block: kCtaThreads, or vec_per_block (<= 32, a power of two)
  __host__ __device__ int64_t vector_element(int64_t block, int v) const {  // first element index of vector v
    const int64_t vpr = bc / 8;
    const int64_t r = (block / grid_cols) * br + v / vpr, c = (block % grid_cols) * bc + (v % vpr) * 8;
    return r * cols + c;
  }
};

Status make_geometry(const DeviceTensor& x, int64_t br, int64_t bc, Geometry* g) {
  if (!x.data || x.rows <= 0 || x.cols <= 0) return {false, "empty tensor"};
  if (br <= 0 || bc <= 0 || bc % 8 || x.rows % br || x.cols % bc)
    return {false, "unsupported tiling: block columns must be a multiple of 8 and blocks must tile the tensor"};
  const int64_t elems = br * bc;
  g->rows = x.rows;
  g->cols = x.cols;
  g->br = br;
  g->bc = bc;
  g->grid_cols = x.cols / bc;
  g->blocks = (x.rows / br) * g->grid_cols;
  g->vec_per_block = static_cast<int>(elems / 8);
  if (elems >= 256) {
    if (elems / 8 > int64_t{kCtaThreads} * 64) return {false, "block too large (more than 131072 elements)"};
    g->team = kCtaThreads;
  } else {
    if (elems & (elems - 1)) return {false, "small blocks must have a power-of-two element count"};
    g->team = static_cast<int>(elems / 8);
  }
  return {};
}

// ---- loading 8 elements as FP32 bits ----

template <InputType kIn>
__device__ __forceinline__ void load8(const void* base, int64_t idx, uint32_t (&v)[8]) {
  if constexpr (kIn == InputType::kBF16) {
    const uint4 raw = *reinterpret_cast<const uint4*>(static_cast<const uint16_t*>(base) + idx);
    const uint32_t w[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      v[2 * k] = w[k] << 16;
      v[2 * k + 1] = w[k] & 0xFFFF0000u;
    }
  } else {
    const uint4* p = reinterpret_cast<const uint4*>(static_cast<const float*>(base) + idx);
    const uint4 a = p[0], b = p[1];
    v[0] = a.x; v[1] = a.y; v[2] = a.z; v[3] = a.w;
    v[4] = b.x; v[5] = b.y; v[6] = b.z; v[7] = b.w;
  }
}

// ---- teams: reductions over the threads that own one block ----

struct Team {
  int size;        // threads per block
  int lane;        // this thread's index in its team
  int64_t block;   // the block this team owns (may be >= blocks for idle teams)
  uint32_t mask;   // shuffle mask of the team's warp slice (small teams)
};

__device__ Team team_of(const Geometry& g) {
  Team t;
  t.size = g.team;
  if (g.team == kCtaThreads) {
    t.lane = threadIdx.x;
    t.block = blockIdx.x;
    t.mask = 0xFFFFFFFFu;
  } else {
    t.lane = threadIdx.x % g.team;
    t.block = int64_t{blockIdx.x} * (kCtaThreads / g.team) + threadIdx.x / g.team;
    t.mask = 0xFFFFFFFFu;  // whole warps stay converged: idle teams run the same reductions with neutral values
  }
  return t;
}

template <class T, class Op>
__device__ T team_reduce(const Team& t, T v, Op op) {
  const int width = t.size < 32 ? t.size : 32;
  for (int off = width / 2; off > 0; off /= 2) v = op(v, __shfl_xor_sync(t.mask, v, off, width));
  if (t.size <= 32) return v;
  __shared__ T partial[kCtaThreads / 32];
  __syncthreads();
  if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = v;
  __syncthreads();
  T r = partial[0];
  for (int w = 1; w < kCtaThreads / 32; ++w) r = op(r, partial[w]);
  return r;
}

struct MaxOp { __device__ uint32_t operator()(uint32_t a, uint32_t b) const { return a > b ? a : b; } };
struct MinOp { __device__ uint32_t operator()(uint32_t a, uint32_t b) const { return a < b ? a : b; } };
struct SumOp {
  template <class T>
  __device__ T operator()(T a, T b) const { return a + b; }
};

// ---- element conversions ----

// Two FP32 values to E4M3 or E5M2 codes (RNE, SATFINITE) with the hardware instruction; lo in bits 7:0.
template <bool kE5M2>
__device__ __forceinline__ uint32_t cvt_pair(uint32_t lo, uint32_t hi) {
  uint16_t d;
  if constexpr (kE5M2)
    asm("cvt.rn.satfinite.e5m2x2.f32 %0, %1, %2;" : "=h"(d) : "f"(__uint_as_float(hi)), "f"(__uint_as_float(lo)));
  else
    asm("cvt.rn.satfinite.e4m3x2.f32 %0, %1, %2;" : "=h"(d) : "f"(__uint_as_float(hi)), "f"(__uint_as_float(lo)));
  return d;
}

// Two codes to FP32 bits (exact, through FP16).
template <bool kE5M2>
__device__ __forceinline__ void decode_pair(uint32_t codes, uint32_t* lo, uint32_t* hi) {
  uint32_t h2;
  const uint16_t c = static_cast<uint16_t>(codes);
  if constexpr (kE5M2)
    asm("cvt.rn.f16x2.e5m2x2 %0, %1;" : "=r"(h2) : "h"(c));
  else
    asm("cvt.rn.f16x2.e4m3x2 %0, %1;" : "=r"(h2) : "h"(c));
  *lo = __float_as_uint(__half2float(__ushort_as_half(static_cast<unsigned short>(h2 & 0xFFFFu))));
  *hi = __float_as_uint(__half2float(__ushort_as_half(static_cast<unsigned short>(h2 >> 16))));
}

// BF16 of a dequantized value: RNE by the hardware for numbers; NaN as the model's bf16_from_f32 (quiet, signed).
__device__ __forceinline__ uint16_t bf16_out(uint32_t d) {
  if (f32_is_nan(d)) return static_cast<uint16_t>(((d >> 16) & 0x8000u) | 0x7FC0u);
  return __bfloat16_as_ushort(__float2bfloat16_rn(__uint_as_float(d)));
}

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
      const uint32_t c = cvt_pair<e5>(fmul_rn_bits(x[k], s), fmul_rn_bits(x[k + 1], s));
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

__device__ void decide(TensorSummary* sum, uint32_t threshold_fx, uint32_t* tag, uint32_t* reason) {
  if (sum->nonfinite > 0) { *tag = kTagBF16; *reason = kReasonNonFinite; }
  else if (sum->nnz == 0) { *tag = kTagE4M3; *reason = kReasonAllZero; }
  else if (metric_rejects(sum->err_sum, sum->nnz, threshold_fx)) { *tag = kTagBF16; *reason = kReasonRejected; }
  else { *tag = kTagE4M3; *reason = kReasonAccepted; }
}

template <InputType kIn>
__global__ void __launch_bounds__(kCtaThreads) tensor_finalize_kernel(const void* x, Geometry g, uint32_t threshold_fx,
                                                                      DeviceOutputs out, TensorSummary* sum) {
  uint32_t tag, reason;
  decide(sum, threshold_fx, &tag, &reason);
  const int64_t tid = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (tid == 0) {
    sum->decision_tag = tag;
    sum->reason = reason;
  }
  if (tag != kTagBF16) return;
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
  // Band decision (spec 7, D7), identical in every thread of the team.
  uint32_t tag;
  const float dr = amax == 0 ? 1.0f : fdiv_rn(__uint_as_float(amax), __uint_as_float(amin));
  const float e4_range = p.quant_error_mode ? 4 * 28672.0f : 28672.0f;
  bool measure = false;
  if (nonfinite > 0) tag = kTagBF16;
  else if (p.enable_e2m3 && dr <= 7.5f) tag = kTagE2M3;
  else if (dr <= e4_range) tag = kTagE4M3;
  else if (dr <= 939524096.0f) {
    if (p.quant_error_mode) measure = true, tag = kTagE4M3;
    else tag = p.e5m2_to_bf16 ? kTagBF16 : kTagE5M2;
  } else tag = kTagBF16;
  auto scale_for = [&](float fmax) {
    return p.fp32_scales ? fp32_block_scale(amax, fmax) : mor_e8_rz_scale(amax, fmax);
  };
  if (measure) {  // quant-error mode: E4M3 if its error sum is not larger than E5M2's, else BF16
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
    tag = t4 <= t5 ? kTagE4M3 : kTagBF16;
  }
  if (!active) return;
  const uint32_t scale = tag == kTagBF16 ? 0u : scale_for(tag == kTagE4M3 ? kE4M3Max : tag == kTagE5M2 ? kE5M2Max : 7.5f);
  if (t.lane == 0) {
    out.block_tag[t.block] = static_cast<uint8_t>(tag);
    out.block_scale[t.block] = scale;
    atomicAdd(&sum->nnz, static_cast<unsigned long long>(nnz));
    atomicAdd(&sum->nonfinite, static_cast<unsigned long long>(nonfinite));
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
    const uint32_t c = cvt_pair<false>(fmul_rn_bits(e[k], inv), fmul_rn_bits(e[k + 1], inv));
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

// ---- launch helpers ----

unsigned grid_for(const Geometry& g) {
  const int64_t teams_per_cta = kCtaThreads / g.team;
  return static_cast<unsigned>((g.blocks + teams_per_cta - 1) / teams_per_cta);
}

unsigned stream_grid(int64_t vectors) {
  int sms = 132;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  const int64_t want = (vectors + kCtaThreads - 1) / kCtaThreads;
  return static_cast<unsigned>(want < int64_t{sms} * 16 ? want : int64_t{sms} * 16);
}

Status finish(TensorSummary* dev, TensorSummary* host, cudaStream_t stream) {
  Status s = cuda_check(cudaGetLastError(), "kernel launch");
  if (s && host) {
    s = cuda_check(cudaMemcpyAsync(host, dev, sizeof *host, cudaMemcpyDeviceToHost, stream), "summary copy");
    if (s) s = cuda_check(cudaStreamSynchronize(stream), "kernel execution");
  }
  return s;
}

bool outputs_ok(const DeviceOutputs& o, bool gam) {
  return o.codes && o.fake_bf16 && o.block_tag && o.block_scale && (!gam || o.block_exp_offset);
}

}  // namespace

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
  Status s = make_geometry(x, p.block_rows, p.block_cols, &g);
  if (!s) return s;
  if (!outputs_ok(out, true)) return {false, "tensor_level_mor needs codes, fake_bf16, block_tag, block_scale, block_exp_offset"};
  if (!(s = ws.reserve(g.blocks))) return s;
  TensorSummary* sum = ws.summary();
  if (!(s = cuda_check(cudaMemsetAsync(sum, 0, sizeof *sum, stream), "memset"))) return s;
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
  Status s = make_geometry(x, p.block_rows, p.block_cols, &g);
  if (!s) return s;
  if (g.vec_per_block > g.team * kMaxVecPerThread) return {false, "sub-tensor blocks are limited to 16384 elements"};
  if (!outputs_ok(out, false)) return {false, "subtensor_mor needs codes, fake_bf16, block_tag, block_scale"};
  if (!(s = ws.reserve(g.blocks))) return s;
  TensorSummary* sum = ws.summary();
  if (!(s = cuda_check(cudaMemsetAsync(sum, 0, sizeof *sum, stream), "memset"))) return s;
  if (x.type == InputType::kBF16)
    subtensor_kernel<InputType::kBF16><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, p, out, sum);
  else
    subtensor_kernel<InputType::kF32><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, p, out, sum);
  return finish(sum, host_summary, stream);
}

Status current_scaling(const DeviceTensor& x, const DeviceOutputs& out, Workspace& ws, cudaStream_t stream,
                       TensorSummary* host_summary) {
  Geometry g;
  Status s = make_geometry(x, 1, x.cols % 256 == 0 ? 256 : 8, &g);  // any tiling works for the amax pass
  if (!s) return s;
  if (!out.codes || !out.fake_bf16) return {false, "current_scaling needs codes and fake_bf16"};
  if (!(s = ws.reserve(g.blocks))) return s;
  TensorSummary* sum = ws.summary();
  if (!(s = cuda_check(cudaMemsetAsync(sum, 0, sizeof *sum, stream), "memset"))) return s;
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

Status mxfp8(const DeviceTensor& x, const DeviceOutputs& out, cudaStream_t stream) {
  if (!x.data || x.rows <= 0 || x.cols <= 0 || x.cols % 32) return {false, "mxfp8 needs a tensor with columns % 32 == 0"};
  if (!out.codes || !out.fake_bf16 || !out.block_e8m0 || !out.block_tag) return {false, "mxfp8 needs codes, fake_bf16, block_e8m0, block_tag"};
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
