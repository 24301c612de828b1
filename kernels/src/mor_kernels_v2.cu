// The second generation of the MoR kernels (issue 21, KernelVersion::kV2). Same outputs as the verified kernels
// (mor_kernels.cu) bit for bit, by construction and by the CPU proofs of tests/gpu/test_kernel_rewrites.cpp; not yet
// run on a GPU, hence not the default. What changes, and why (the 2026-11-22 SASS and bandwidth of issue 21):
//   - no IEEE divider for the dequantization: d = RN32(q / s) by the reciprocal and two FMAs (tensor-level, current
//     scaling; exact for scale exponent fields [27, 227], the divider outside), or one multiply by the exact
//     reciprocal of a power-of-two scale (sub-tensor MOR_E8_RZ) (core/exact_rewrites.hpp);
//   - error_fx as FMNMX + FMUL + F2I instead of a data-dependent shift; the 8 errors of a vector summed in 32 bits;
//   - every load of a thread's vectors issued before the first is used; block positions walked without divisions;
//   - one reduction round per block (all statistics together), one set of global atomics per CTA;
//   - the format dispatch outside the vector loop; BF16 kept blocks stored from the input bits;
//   - 128-bit fake-output stores and 64-bit code stores with the streaming hint (__stcs), loads of data read once
//     with __ldcs; the fake-quantized output optional (fake_bf16 == nullptr);
//   - current scaling's amax as a grid-stride pass (at most 16 CTAs per SM, one atomic per CTA and statistic).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cooperative_groups.h>
#include <cuda_runtime.h>

#include "common.cuh"
#include "mor/core/amax.hpp"
#include "mor/core/contract.hpp"
#include "mor/core/convert.hpp"
#include "mor/core/decision.hpp"
#include "mor/core/exact_rewrites.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/gam.hpp"
#include "mor/core/metric.hpp"
#include "mor/core/scale.hpp"
#include "mor/kernels/device/element.cuh"

namespace mor::gpu::v2 {
namespace {

namespace cg = cooperative_groups;
using namespace detail;

// ---- raw vectors: 8 elements as loaded (BF16: one 16-byte word, FP32: two) ----

template <InputType kIn>
struct Raw8 {
  uint4 w[kIn == InputType::kBF16 ? 1 : 2];
};

template <InputType kIn>
__device__ __forceinline__ const uint4* vector_address(const void* base, int64_t element) {
  if constexpr (kIn == InputType::kBF16) return reinterpret_cast<const uint4*>(static_cast<const uint16_t*>(base) + element);
  else return reinterpret_cast<const uint4*>(static_cast<const float*>(base) + element);
}

// kLastUse: the data is not read again (streaming, evict-first); else a plain load that may stay in L2.
template <InputType kIn, bool kLastUse>
__device__ __forceinline__ void load_raw(const void* base, int64_t element, Raw8<kIn>& r) {
  const uint4* p = vector_address<kIn>(base, element);
#pragma unroll
  for (int k = 0; k < (kIn == InputType::kBF16 ? 1 : 2); ++k) r.w[k] = kLastUse ? __ldcs(p + k) : p[k];
}

template <InputType kIn>
__device__ __forceinline__ void expand(const Raw8<kIn>& r, uint32_t (&v)[8]) {
  if constexpr (kIn == InputType::kBF16) {
    const uint32_t w[4] = {r.w[0].x, r.w[0].y, r.w[0].z, r.w[0].w};
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      v[2 * k] = w[k] << 16;
      v[2 * k + 1] = w[k] & 0xFFFF0000u;
    }
  } else {
    v[0] = r.w[0].x; v[1] = r.w[0].y; v[2] = r.w[0].z; v[3] = r.w[0].w;
    v[4] = r.w[1].x; v[5] = r.w[1].y; v[6] = r.w[1].z; v[7] = r.w[1].w;
  }
}

// ---- the element path ----

enum class Dequant : uint8_t {
  kPow2,        // s a power of two: d = RN32(q * (1 / s)), 1 / s exact
  kReciprocal,  // s with exponent field in [27, 227]: reciprocal and two FMAs
  kDivide,      // anything else: the IEEE divider
};

template <Dequant kD>
__device__ __forceinline__ uint32_t dequant(uint32_t q, const DequantScale& ds) {
  if constexpr (kD == Dequant::kPow2) return fmul_rn_bits(q, ds.reciprocal);
  else if constexpr (kD == Dequant::kReciprocal) return dequant_by_reciprocal(q, ds.scale, ds.reciprocal);
  else return fdiv_rn_bits(q, ds.scale);
}

struct Out8 {
  uint2 codes;
  uint4 fake;
};

// Quantize 8 elements in format kFmt with multiplier ds.scale: codes and BF16 fake output into *o, and the sum of
// the canonical errors of the nonzero elements (at most 8 * 2^25, so 32 bits hold it) when kError.
template <uint32_t kFmt, Dequant kD, bool kError, bool kMayBeNan>
__device__ __forceinline__ uint32_t quantize8(const uint32_t (&x)[8], const DequantScale& ds, Out8* o) {
  uint32_t q[8], qf[8];
  if constexpr (kFmt == kTagE2M3) {
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      q[k] = convert<E2M3, FP32>(fmul_rn_bits(x[k], ds.scale), kFp8Default);
      qf[k] = convert<FP32, E2M3>(static_cast<uint8_t>(q[k]), kIeeeDefault);
    }
  } else {
    constexpr bool e5 = kFmt == kTagE5M2;
#pragma unroll
    for (int k = 0; k < 8; k += 2) {
      const uint32_t c = cvt_f32x2_to_fp8x2<e5>(fmul_rn_bits(x[k + 1], ds.scale), fmul_rn_bits(x[k], ds.scale));
      q[k] = c & 0xFFu;
      q[k + 1] = c >> 8;
      decode_pair<e5>(c, &qf[k], &qf[k + 1]);
    }
  }
  uint32_t d[8], err = 0;
#pragma unroll
  for (int k = 0; k < 8; ++k) {
    d[k] = dequant<kD>(qf[k], ds);
    if constexpr (kError) {
      const uint32_t e = error_fx_by_float(relative_error(x[k], d[k]));
      err += f32_is_zero(x[k]) ? 0u : e;
    }
  }
  if (o) {
    o->codes = make_uint2(q[0] | q[1] << 8 | q[2] << 16 | q[3] << 24, q[4] | q[5] << 8 | q[6] << 16 | q[7] << 24);
    o->fake = make_uint4(bf16_pair_out<kMayBeNan>(d[0], d[1]), bf16_pair_out<kMayBeNan>(d[2], d[3]),
                         bf16_pair_out<kMayBeNan>(d[4], d[5]), bf16_pair_out<kMayBeNan>(d[6], d[7]));
  }
  return err;
}

__device__ __forceinline__ void store8(const DeviceOutputs& out, int64_t element, const Out8& o) {
  __stcs(reinterpret_cast<uint2*>(out.codes + element), o.codes);
  if (out.fake_bf16) __stcs(reinterpret_cast<uint4*>(out.fake_bf16 + element), o.fake);
}

// A vector kept in BF16 (codes 0, fake = bf16_from_f32(x)). Without NaN in the data the BF16 input is its own
// output (bit moves only) and FP32 input is one cvt per pair; with NaN, the model's function element by element.
template <InputType kIn>
__device__ __forceinline__ Out8 keep8(const Raw8<kIn>& r, bool may_have_nan) {
  Out8 o;
  o.codes = make_uint2(0, 0);
  if (kIn == InputType::kBF16 && !may_have_nan) {
    o.fake = r.w[0];
    return o;
  }
  uint32_t x[8];
  expand(r, x);
  if (!may_have_nan) {
    o.fake = make_uint4(cvt_f32x2_to_bf16x2(x[1], x[0]), cvt_f32x2_to_bf16x2(x[3], x[2]),
                        cvt_f32x2_to_bf16x2(x[5], x[4]), cvt_f32x2_to_bf16x2(x[7], x[6]));
    return o;
  }
  uint32_t f[4];
#pragma unroll
  for (int k = 0; k < 4; ++k) f[k] = bf16_from_f32(x[2 * k]) | static_cast<uint32_t>(bf16_from_f32(x[2 * k + 1])) << 16;
  o.fake = make_uint4(f[0], f[1], f[2], f[3]);
  return o;
}

// ---- reductions ----

// Per-thread statistics of the summary; combined over the CTA in one round, then one atomic per statistic.
struct CtaTotals {
  uint32_t amax = 0, nnz = 0, nonfinite = 0;
  uint32_t elements[kFormatTagCount] = {0, 0, 0, 0};
};

template <bool kFormats>
__device__ __forceinline__ void combine(CtaTotals& a, const CtaTotals& b) {
  a.amax = a.amax > b.amax ? a.amax : b.amax;  // |x| bits; the propagated NaN 0x7FC00000 is the largest
  a.nnz += b.nnz;
  a.nonfinite += b.nonfinite;
  if constexpr (kFormats) {
#pragma unroll
    for (int f = 0; f < kFormatTagCount; ++f) a.elements[f] += b.elements[f];
  }
}

template <bool kFormats>
__device__ __forceinline__ CtaTotals shfl_xor(const CtaTotals& v, int off) {
  CtaTotals r;
  r.amax = __shfl_xor_sync(0xFFFFFFFFu, v.amax, off);
  r.nnz = __shfl_xor_sync(0xFFFFFFFFu, v.nnz, off);
  r.nonfinite = __shfl_xor_sync(0xFFFFFFFFu, v.nonfinite, off);
  if constexpr (kFormats) {
#pragma unroll
    for (int f = 0; f < kFormatTagCount; ++f) r.elements[f] = __shfl_xor_sync(0xFFFFFFFFu, v.elements[f], off);
  }
  return r;
}

// Every thread of the CTA calls this, converged (full-warp shuffles); thread 0 adds the CTA's totals to the summary
// and gets the CTA's amax back (the block amax when the CTA is one block).
template <bool kFormats>
__device__ uint32_t publish_cta_totals(CtaTotals v, TensorSummary* sum) {
  for (int off = kWarp / 2; off > 0; off /= 2) {
    const CtaTotals o = shfl_xor<kFormats>(v, off);
    combine<kFormats>(v, o);
  }
  __shared__ CtaTotals partial[kCtaThreads / kWarp];
  if (threadIdx.x % kWarp == 0) partial[threadIdx.x / kWarp] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < kCtaThreads / kWarp; ++w) combine<kFormats>(v, partial[w]);
    if (v.amax) atomicMax(&sum->group_amax, v.amax);
    if (v.nnz) atomicAdd(&sum->nnz, static_cast<unsigned long long>(v.nnz));
    if (v.nonfinite) atomicAdd(&sum->nonfinite, static_cast<unsigned long long>(v.nonfinite));
    if constexpr (kFormats) {
#pragma unroll
      for (int f = 0; f < kFormatTagCount; ++f)
        if (v.elements[f]) atomicAdd(&sum->elements_per_format[f], static_cast<unsigned long long>(v.elements[f]));
    }
  }
  __syncthreads();  // partial[] is free again (a persistent kernel calls this once per unit)
  return v.amax;
}

// A block's statistics over its team in one round: max amax, min nonzero, sum of non-finite counts. Small teams
// shuffle with their lane mask; CTA teams add one shared-memory exchange (every thread gets the result).
struct BlockTotals {
  uint32_t amax, min_nonzero, nonfinite;
};

__device__ __forceinline__ BlockTotals team_totals(const Team& t, BlockTotals v) {
  const int width = t.size < kWarp ? t.size : kWarp;
  for (int off = width / 2; off > 0; off /= 2) {
    const uint32_t a = __shfl_xor_sync(t.mask, v.amax, off, width);
    const uint32_t m = __shfl_xor_sync(t.mask, v.min_nonzero, off, width);
    const uint32_t n = __shfl_xor_sync(t.mask, v.nonfinite, off, width);
    v.amax = a > v.amax ? a : v.amax;
    v.min_nonzero = m < v.min_nonzero ? m : v.min_nonzero;
    v.nonfinite += n;
  }
  if (t.size <= kWarp) return v;
  __shared__ BlockTotals partial[kCtaThreads / kWarp];
  if (threadIdx.x % kWarp == 0) partial[threadIdx.x / kWarp] = v;
  __syncthreads();
  BlockTotals r = partial[0];
#pragma unroll
  for (int w = 1; w < kCtaThreads / kWarp; ++w) {
    const BlockTotals o = partial[w];
    r.amax = o.amax > r.amax ? o.amax : r.amax;
    r.min_nonzero = o.min_nonzero < r.min_nonzero ? o.min_nonzero : r.min_nonzero;
    r.nonfinite += o.nonfinite;
  }
  return r;
}

// Two 64-bit sums over a team (quant-error mode's E4M3 and E5M2 error sums), in one round.
__device__ __forceinline__ void team_sum2(const Team& t, unsigned long long& a, unsigned long long& b) {
  const int width = t.size < kWarp ? t.size : kWarp;
  for (int off = width / 2; off > 0; off /= 2) {
    a += __shfl_xor_sync(t.mask, a, off, width);
    b += __shfl_xor_sync(t.mask, b, off, width);
  }
  if (t.size <= kWarp) return;
  __shared__ unsigned long long partial[2][kCtaThreads / kWarp];
  if (threadIdx.x % kWarp == 0) {
    partial[0][threadIdx.x / kWarp] = a;
    partial[1][threadIdx.x / kWarp] = b;
  }
  __syncthreads();
  a = b = 0;
#pragma unroll
  for (int w = 0; w < kCtaThreads / kWarp; ++w) {
    a += partial[0][w];
    b += partial[1][w];
  }
}

__device__ __forceinline__ uint32_t team_max(const Team& t, uint32_t v) {
  const int width = t.size < kWarp ? t.size : kWarp;
  for (int off = width / 2; off > 0; off /= 2) {
    const uint32_t o = __shfl_xor_sync(t.mask, v, off, width);
    v = o > v ? o : v;
  }
  return v;  // small teams only; CTA teams take the CTA totals
}

// ---- tensor-level MoR ----
//
// Three passes: statistics, quantize, decide (+ BF16 passthrough). Each pass is a device function over one "unit"
// (the blocks one CTA owns); the three-kernel launch runs one unit per CTA, and for tensors whose input fits in half
// the L2 cache a persistent cooperative kernel runs all three passes in one launch, its CTAs walking the units, so
// the quantize pass reads the input from L2 and two launches are saved.

constexpr int kStatsUnroll = 8;     // vectors in flight per thread in the statistics pass
constexpr int kQuantizeUnroll = 4;  // and in the quantize pass

// Pass 1 on one unit: per-block amax (the GAM block scales need it) and the tensor's amax, NNZ, non-finite count.
template <InputType kIn>
__device__ void stats_unit(const void* x, const Geometry& g, int64_t unit, NanPolicy policy, uint32_t* block_amax,
                           TensorSummary* sum) {
  const Team t = team_of(g, unit);
  const bool active = t.block < g.blocks;
  BlockStats s;
  if (active) {
    VectorWalk walk(g, t.block, t.lane);
    for (int v0 = t.lane; v0 < g.vec_per_block; v0 += t.size * kStatsUnroll) {
      Raw8<kIn> raw[kStatsUnroll];
#pragma unroll
      for (int k = 0; k < kStatsUnroll; ++k)
        if (v0 + k * t.size < g.vec_per_block) {
          load_raw<kIn, false>(x, walk.element(g), raw[k]);  // the quantize pass reads it again: keep it in L2
          walk.advance(g);
        }
#pragma unroll
      for (int k = 0; k < kStatsUnroll; ++k)
        if (v0 + k * t.size < g.vec_per_block) {
          uint32_t e[8];
          expand(raw[k], e);
          stats_add_span(s, e, 8, policy);
        }
    }
  }
  if (t.size < kCtaThreads) {  // small teams: the block amax by a team shuffle; CTA teams: the CTA total below
    const uint32_t amax = team_max(t, s.amax);
    if (active && t.lane == 0) block_amax[t.block] = amax;
  }
  CtaTotals mine;
  mine.amax = s.amax;
  mine.nnz = s.nnz;
  mine.nonfinite = s.nonfinite;
  const uint32_t cta_amax = publish_cta_totals<false>(mine, sum);
  if (t.size == kCtaThreads && threadIdx.x == 0) block_amax[t.block] = cta_amax;
}

template <InputType kIn>
__global__ void __launch_bounds__(kCtaThreads) stats_kernel(const void* x, Geometry g, bool propagate_nan,
                                                            uint32_t* block_amax, TensorSummary* sum) {
  stats_unit<kIn>(x, g, blockIdx.x, propagate_nan ? NanPolicy::kPropagateNan : NanPolicy::kIgnoreNan, block_amax, sum);
}

// Quantizes one block with its GAM scale; returns this thread's error sum.
template <InputType kIn, Dequant kD, bool kFake>
__device__ uint64_t tensor_quantize_block(const void* x, const Geometry& g, const Team& t, const DequantScale& ds,
                                          const DeviceOutputs& out) {
  uint64_t err = 0;
  VectorWalk walk(g, t.block, t.lane);
  for (int v0 = t.lane; v0 < g.vec_per_block; v0 += t.size * kQuantizeUnroll) {
    Raw8<kIn> raw[kQuantizeUnroll];
    int64_t at[kQuantizeUnroll];
#pragma unroll
    for (int k = 0; k < kQuantizeUnroll; ++k)
      if (v0 + k * t.size < g.vec_per_block) {
        at[k] = walk.element(g);
        load_raw<kIn, true>(x, at[k], raw[k]);
        walk.advance(g);
      }
#pragma unroll
    for (int k = 0; k < kQuantizeUnroll; ++k)
      if (v0 + k * t.size < g.vec_per_block) {
        uint32_t e[8];
        expand(raw[k], e);
        Out8 o;
        err += quantize8<kTagE4M3, kD, true, false>(e, ds, &o);
        if (!kFake) o.fake = make_uint4(0, 0, 0, 0);
        store8(out, at[k], o);
      }
  }
  return err;
}

// Pass 2 on one unit: GAM scales, quantize, measure. The caller skips it when the tensor holds NaN or Inf (D2: pass 3
// keeps the tensor in BF16). r_g and the block amax are read past L1 (__ldcg): in the persistent kernel other SMs
// wrote them during the same launch.
template <InputType kIn, bool kFake>
__device__ void quantize_unit(const void* x, const Geometry& g, int64_t unit, uint32_t r_g, const uint32_t* block_amax,
                              const DeviceOutputs& out, TensorSummary* sum) {
  const Team t = team_of(g, unit);
  uint64_t err = 0;
  if (t.block < g.blocks) {
    const uint32_t s = gam_block_scale(r_g, __ldcg(block_amax + t.block));
    if (t.lane == 0) {
      out.block_scale[t.block] = s;
      out.block_exp_offset[t.block] = static_cast<uint8_t>(gam_exp_offset(r_g, s));
      out.block_tag[t.block] = static_cast<uint8_t>(kTagE4M3);
    }
    const DequantScale ds = dequant_scale(s);  // uniform over the team
    err = ds.use_reciprocal ? tensor_quantize_block<kIn, Dequant::kReciprocal, kFake>(x, g, t, ds, out)
                            : tensor_quantize_block<kIn, Dequant::kDivide, kFake>(x, g, t, ds, out);
  }
  // Exact integer sum: the order of the additions does not matter. One atomic per warp.
  for (int off = kWarp / 2; off > 0; off /= 2) err += __shfl_xor_sync(0xFFFFFFFFu, err, off);
  if (threadIdx.x % kWarp == 0 && err) atomicAdd(&sum->err_sum, static_cast<unsigned long long>(err));
}

template <InputType kIn, bool kFake>
__global__ void __launch_bounds__(kCtaThreads) tensor_quantize_kernel(const void* x, Geometry g,
                                                                      const uint32_t* block_amax, DeviceOutputs out,
                                                                      TensorSummary* sum) {
  if (sum->nonfinite > 0) return;  // uniform over the grid
  const uint32_t r_g = gam_group_scale(sum->group_amax);
  quantize_unit<kIn, kFake>(x, g, blockIdx.x, r_g, block_amax, out, sum);
  if (blockIdx.x == 0 && threadIdx.x == 0) sum->group_scale = r_g;
}

template <InputType kIn, bool kMayHaveNan>
__device__ void passthrough_loop(const void* x, int64_t vectors, int64_t first, int64_t stride, const DeviceOutputs& out) {
  for (int64_t v = first; v < vectors; v += stride) {
    Raw8<kIn> raw;
    load_raw<kIn, true>(x, v * 8, raw);
    store8(out, v * 8, keep8<kIn>(raw, kMayHaveNan));
  }
}

// Pass 3: the decision, and BF16 passthrough when the tensor is not kept in FP8 (grid-stride over all threads).
template <InputType kIn>
__device__ void finalize_grid(const void* x, const Geometry& g, uint32_t threshold_fx, const DeviceOutputs& out,
                              TensorSummary* sum) {
  const unsigned long long nonfinite = __ldcg(&sum->nonfinite);
  const TensorDecision decision = tensor_decision(nonfinite, __ldcg(&sum->nnz), __ldcg(&sum->err_sum), threshold_fx);
  const int64_t tid = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (tid == 0) {
    sum->decision_tag = static_cast<uint32_t>(decision.tag);
    sum->reason = static_cast<uint32_t>(decision.reason);
  }
  if (decision.tag != FormatTag::kBF16) return;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t b = tid; b < g.blocks; b += stride) {
    out.block_tag[b] = static_cast<uint8_t>(kTagBF16);
    out.block_scale[b] = 0;
  }
  const int64_t vectors = g.rows * g.cols / 8;
  if (nonfinite > 0) passthrough_loop<kIn, true>(x, vectors, tid, stride, out);  // uniform: two loops
  else passthrough_loop<kIn, false>(x, vectors, tid, stride, out);
}

template <InputType kIn>
__global__ void __launch_bounds__(kCtaThreads) tensor_finalize_kernel(const void* x, Geometry g, uint32_t threshold_fx,
                                                                      DeviceOutputs out, TensorSummary* sum) {
  finalize_grid<kIn>(x, g, threshold_fx, out, sum);
}

// All three passes in one cooperative launch (grid-wide barriers between them), for tensors that fit in L2.
template <InputType kIn, bool kFake>
__global__ void __launch_bounds__(kCtaThreads) tensor_level_persistent_kernel(const void* x, Geometry g,
                                                                              bool propagate_nan, uint32_t threshold_fx,
                                                                              uint32_t* block_amax, DeviceOutputs out,
                                                                              TensorSummary* sum, int64_t units) {
  const cg::grid_group grid = cg::this_grid();
  const NanPolicy policy = propagate_nan ? NanPolicy::kPropagateNan : NanPolicy::kIgnoreNan;
  for (int64_t u = blockIdx.x; u < units; u += gridDim.x) stats_unit<kIn>(x, g, u, policy, block_amax, sum);
  grid.sync();  // also a fence: the atomics and block_amax stores of every CTA are visible past L1
  if (__ldcg(&sum->nonfinite) == 0) {  // uniform over the grid
    const uint32_t r_g = gam_group_scale(__ldcg(&sum->group_amax));
    for (int64_t u = blockIdx.x; u < units; u += gridDim.x) quantize_unit<kIn, kFake>(x, g, u, r_g, block_amax, out, sum);
    if (blockIdx.x == 0 && threadIdx.x == 0) sum->group_scale = r_g;
  }
  grid.sync();
  finalize_grid<kIn>(x, g, threshold_fx, out, sum);
}

// ---- sub-tensor MoR: one pass, the block held in registers as loaded ----
//
// The default MOR_E8_RZ scales are powers of two (exponent field in [1, 254]): dequantization is one multiply by the
// exact reciprocal. The fp32_scales option (RN32(FMAX / amax) multipliers) is a separate instantiation that keeps
// the IEEE divider, as the verified kernel does: an option, not worth the registers and compile time of a third path.

template <bool kFp32Scales>
constexpr Dequant kSubTensorDequant = kFp32Scales ? Dequant::kDivide : Dequant::kPow2;

template <bool kFp32Scales>
__device__ __forceinline__ DequantScale subtensor_dequant_scale(uint32_t s) {
  return DequantScale{s, kFp32Scales ? 0u : pow2_reciprocal(s), !kFp32Scales};
}

// Quantizes and stores this thread's vectors in format kFmt (the dispatch is outside the loop). The positions are
// walked again rather than kept: 16 registers of addresses cost more than a few adds.
template <InputType kIn, uint32_t kFmt, bool kFp32Scales>
__device__ void subtensor_store(const Raw8<kIn> (&raw)[kMaxVecPerThread], VectorWalk walk, const Geometry& g, int n_vec,
                                uint32_t scale, const DeviceOutputs& out) {
  const DequantScale ds = subtensor_dequant_scale<kFp32Scales>(scale);
#pragma unroll
  for (int k = 0; k < kMaxVecPerThread; ++k)
    if (k < n_vec) {
      uint32_t e[8];
      expand(raw[k], e);
      Out8 o;
      quantize8<kFmt, kSubTensorDequant<kFp32Scales>, false, false>(e, ds, &o);  // a finite block: no NaN out
      store8(out, walk.element(g), o);
      walk.advance(g);
    }
}

template <InputType kIn>
__device__ void subtensor_keep(const Raw8<kIn> (&raw)[kMaxVecPerThread], VectorWalk walk, const Geometry& g, int n_vec,
                               bool may_have_nan, const DeviceOutputs& out) {
#pragma unroll
  for (int k = 0; k < kMaxVecPerThread; ++k)
    if (k < n_vec) {
      store8(out, walk.element(g), keep8<kIn>(raw[k], may_have_nan));
      walk.advance(g);
    }
}

// Quant-error mode's measurement of one block: this thread's E4M3 and E5M2 error sums.
template <InputType kIn, bool kFp32Scales>
__device__ void subtensor_measure(const Raw8<kIn> (&raw)[kMaxVecPerThread], int n_vec, uint32_t s4, uint32_t s5,
                                  unsigned long long* e4, unsigned long long* e5) {
  const DequantScale d4 = subtensor_dequant_scale<kFp32Scales>(s4), d5 = subtensor_dequant_scale<kFp32Scales>(s5);
#pragma unroll
  for (int k = 0; k < kMaxVecPerThread; ++k)
    if (k < n_vec) {
      uint32_t e[8];
      expand(raw[k], e);
      *e4 += quantize8<kTagE4M3, kSubTensorDequant<kFp32Scales>, true, false>(e, d4, nullptr);
      *e5 += quantize8<kTagE5M2, kSubTensorDequant<kFp32Scales>, true, false>(e, d5, nullptr);
    }
}

template <InputType kIn, bool kFp32Scales>
__global__ void __launch_bounds__(kCtaThreads) subtensor_kernel(const void* x, Geometry g, SubTensorParams p,
                                                                DeviceOutputs out, TensorSummary* sum) {
  const Team t = team_of(g);
  const bool active = t.block < g.blocks;
  const NanPolicy policy = p.propagate_nan ? NanPolicy::kPropagateNan : NanPolicy::kIgnoreNan;
  // This thread's vectors lane, lane + team, ...: all loads issued before the first is used.
  const int n_vec = active ? (g.vec_per_block - t.lane + t.size - 1) / t.size : 0;
  const VectorWalk start(g, active ? t.block : 0, t.lane);
  Raw8<kIn> raw[kMaxVecPerThread];
  {
    VectorWalk walk = start;
#pragma unroll
    for (int k = 0; k < kMaxVecPerThread; ++k)
      if (k < n_vec) {
        load_raw<kIn, true>(x, walk.element(g), raw[k]);
        walk.advance(g);
      }
  }
  BlockStats s;
#pragma unroll
  for (int k = 0; k < kMaxVecPerThread; ++k)
    if (k < n_vec) {
      uint32_t e[8];
      expand(raw[k], e);
      stats_add_span(s, e, 8, policy);
    }
  const BlockTotals b = team_totals(t, BlockTotals{s.amax, s.min_nonzero, s.nonfinite});
  // Band decision (spec 7, D7) by the model's functions; D2: a non-finite block is BF16 before its DR is formed.
  const SubTensorRules rules{p.quant_error_mode, p.e5m2_to_bf16, p.enable_e2m3};
  const uint32_t dr = b.nonfinite > 0 ? kF32One : subtensor_dynamic_range(b.amax, b.min_nonzero);
  const SubTensorBand band = subtensor_band(dr, b.nonfinite > 0, rules);
  uint32_t tag = static_cast<uint32_t>(band.tag);
  auto scale_for = [&](float fmax) {
    return kFp32Scales ? fp32_block_scale(b.amax, fmax) : mor_e8_rz_scale(b.amax, fmax);
  };
  if (band.measure) {  // only this team's lanes (small teams) or the whole CTA (CTA teams) take the branch
    unsigned long long e4 = 0, e5 = 0;
    subtensor_measure<kIn, kFp32Scales>(raw, n_vec, scale_for(kE4M3Max), scale_for(kE5M2Max), &e4, &e5);
    team_sum2(t, e4, e5);
    tag = static_cast<uint32_t>(subtensor_quant_error_choice(e4, e5));
  }
  const uint32_t scale = tag == kTagBF16 ? 0u : scale_for(fmax_of(static_cast<FormatTag>(tag)));
  if (active && t.lane == 0) {
    out.block_tag[t.block] = static_cast<uint8_t>(tag);
    out.block_scale[t.block] = scale;
  }
  switch (tag) {
    case kTagE4M3: subtensor_store<kIn, kTagE4M3, kFp32Scales>(raw, start, g, n_vec, scale, out); break;
    case kTagE5M2: subtensor_store<kIn, kTagE5M2, kFp32Scales>(raw, start, g, n_vec, scale, out); break;
    case kTagE2M3: subtensor_store<kIn, kTagE2M3, kFp32Scales>(raw, start, g, n_vec, scale, out); break;
    default: subtensor_keep<kIn>(raw, start, g, n_vec, b.nonfinite > 0, out);
  }
  CtaTotals mine;
  mine.amax = s.amax;
  mine.nnz = s.nnz;
  mine.nonfinite = s.nonfinite;
  if (active && t.lane == 0) mine.elements[tag] = static_cast<uint32_t>(g.block_elements());
  publish_cta_totals<true>(mine, sum);  // converged again: every branch above has closed
}

// ---- current scaling: a grid-stride amax pass, then quantize with the one multiplier ----

constexpr int kStreamUnroll = 4;

template <InputType kIn>
__global__ void __launch_bounds__(kCtaThreads) amax_kernel(const void* x, int64_t vectors, TensorSummary* sum) {
  BlockStats s;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t v0 = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; v0 < vectors; v0 += stride * kStreamUnroll) {
    Raw8<kIn> raw[kStreamUnroll];
#pragma unroll
    for (int k = 0; k < kStreamUnroll; ++k)
      if (v0 + k * stride < vectors) load_raw<kIn, false>(x, (v0 + k * stride) * 8, raw[k]);
#pragma unroll
    for (int k = 0; k < kStreamUnroll; ++k)
      if (v0 + k * stride < vectors) {
        uint32_t e[8];
        expand(raw[k], e);
        stats_add_span(s, e, 8, NanPolicy::kIgnoreNan);
      }
  }
  CtaTotals mine;
  mine.amax = s.amax;
  mine.nnz = s.nnz;
  mine.nonfinite = s.nonfinite;
  publish_cta_totals<false>(mine, sum);
}

template <InputType kIn, Dequant kD, bool kFake>
__device__ void current_quantize_loop(const void* x, int64_t vectors, const DequantScale& ds, const DeviceOutputs& out) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  constexpr int kUnroll = 2;
  for (int64_t v0 = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; v0 < vectors; v0 += stride * kUnroll) {
    Raw8<kIn> raw[kUnroll];
#pragma unroll
    for (int k = 0; k < kUnroll; ++k)
      if (v0 + k * stride < vectors) load_raw<kIn, true>(x, (v0 + k * stride) * 8, raw[k]);
#pragma unroll
    for (int k = 0; k < kUnroll; ++k)
      if (v0 + k * stride < vectors) {
        uint32_t e[8];
        expand(raw[k], e);
        Out8 o;
        quantize8<kTagE4M3, kD, false, true>(e, ds, &o);  // NaN elements are quantized too: bf16_out keeps the sign
        if (!kFake) o.fake = make_uint4(0, 0, 0, 0);
        store8(out, (v0 + k * stride) * 8, o);
      }
  }
}

template <InputType kIn, bool kFake>
__global__ void __launch_bounds__(kCtaThreads) current_quantize_kernel(const void* x, int64_t vectors,
                                                                       DeviceOutputs out, TensorSummary* sum) {
  const uint32_t s = te_current_scale(sum->group_amax, kE4M3Max);
  const DequantScale ds = dequant_scale(s);  // uniform over the grid
  if (ds.use_reciprocal) current_quantize_loop<kIn, Dequant::kReciprocal, kFake>(x, vectors, ds, out);
  else current_quantize_loop<kIn, Dequant::kDivide, kFake>(x, vectors, ds, out);
  if (blockIdx.x == 0 && threadIdx.x == 0) {
    sum->group_scale = s;
    sum->decision_tag = kTagE4M3;
    sum->reason = static_cast<uint32_t>(Reason::kAccepted);
  }
}

// ---- MXFP8: 1x32 blocks, NV_RCEIL E8M0 scales, four threads per block ----

template <InputType kIn>
__global__ void __launch_bounds__(kCtaThreads) mxfp8_kernel(const void* x, int64_t blocks, DeviceOutputs out) {
  const int64_t block = (int64_t{blockIdx.x} * kCtaThreads + threadIdx.x) / 4;
  const int lane = threadIdx.x % 4;
  const bool active = block < blocks;
  Raw8<kIn> raw{};
  if (active) load_raw<kIn, true>(x, block * 32 + lane * 8, raw);
  uint32_t e[8];
  expand(raw, e);
  uint32_t amax = 0;
#pragma unroll
  for (int k = 0; k < 8; ++k) {
    const uint32_t a = f32_abs_bits(e[k]);
    amax = a <= kF32Inf && a > amax ? a : amax;  // IGNORE_NAN
  }
  // Four-lane groups are aligned within the warp and every lane is still converged here.
  for (int off = 2; off > 0; off /= 2) amax = max(amax, __shfl_xor_sync(0xFFFFFFFFu, amax, off, 4));
  if (!active) return;
  const uint8_t X = nv_rceil_scale_e8m0(amax, kE4M3Max);
  const uint32_t Xf = f32_from_e8m0(X);
  // x / X equals x * (1/X) bit for bit: 1/X is an exact power of two (2^-127 is subnormal, still exact), so both
  // are the correctly rounded x * 2^-k. RN32(1/X) by the reciprocal instead of the divider.
  const uint32_t inv = f32_bits(frcp_rn(f32_from_bits(Xf)));
  uint32_t q[8], qf[8];
#pragma unroll
  for (int k = 0; k < 8; k += 2) {
    const uint32_t c = cvt_f32x2_to_fp8x2<false>(fmul_rn_bits(e[k + 1], inv), fmul_rn_bits(e[k], inv));
    q[k] = c & 0xFFu;
    q[k + 1] = c >> 8;
    decode_pair<false>(c, &qf[k], &qf[k + 1]);
  }
  Out8 o;
  o.codes = make_uint2(q[0] | q[1] << 8 | q[2] << 16 | q[3] << 24, q[4] | q[5] << 8 | q[6] << 16 | q[7] << 24);
  uint32_t f[8];
#pragma unroll
  for (int k = 0; k < 8; ++k) f[k] = fmul_rn_bits(qf[k], Xf);
  o.fake = make_uint4(bf16_pair_out<true>(f[0], f[1]), bf16_pair_out<true>(f[2], f[3]), bf16_pair_out<true>(f[4], f[5]),
                      bf16_pair_out<true>(f[6], f[7]));
  store8(out, block * 32 + lane * 8, o);
  if (lane == 0) {
    out.block_e8m0[block] = X;
    out.block_tag[block] = static_cast<uint8_t>(kTagE4M3);
  }
}

// One cooperative launch when the input fits in half the L2 cache and the device supports it; else three kernels.
template <InputType kIn, bool kFake>
bool launch_persistent(const DeviceTensor& x, const Geometry& g, const TensorLevelParams& p, const DeviceOutputs& out,
                       TensorSummary* sum, uint32_t* block_amax, cudaStream_t stream) {
  int cooperative = 0, l2_bytes = 0, per_sm = 0;
  cudaDeviceGetAttribute(&cooperative, cudaDevAttrCooperativeLaunch, 0);
  cudaDeviceGetAttribute(&l2_bytes, cudaDevAttrL2CacheSize, 0);
  const double in_bytes = static_cast<double>(x.rows) * static_cast<double>(x.cols) * (kIn == InputType::kBF16 ? 2 : 4);
  if (!cooperative || in_bytes > l2_bytes / 2.0) return false;
  auto* kernel = tensor_level_persistent_kernel<kIn, kFake>;
  if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kCtaThreads, 0) != cudaSuccess || per_sm < 1) {
    cudaGetLastError();
    return false;
  }
  int64_t units = grid_for(g);
  const int64_t resident = int64_t{per_sm} * sm_count();
  dim3 grid(static_cast<unsigned>(units < resident ? units : resident)), block(kCtaThreads);
  bool propagate_nan = p.propagate_nan;
  uint32_t threshold_fx = p.threshold_fx;
  Geometry geometry = g;
  DeviceOutputs outputs = out;
  const void* data = x.data;
  void* args[] = {&data, &geometry, &propagate_nan, &threshold_fx, &block_amax, &outputs, &sum, &units};
  return cudaLaunchCooperativeKernel(reinterpret_cast<const void*>(kernel), grid, block, args, 0, stream) == cudaSuccess;
}

template <InputType kIn>
void launch_tensor_level(const DeviceTensor& x, const Geometry& g, const TensorLevelParams& p,
                         const DeviceOutputs& out, TensorSummary* sum, uint32_t* block_amax, cudaStream_t stream) {
  if (p.single_launch_in_l2) {
    const bool launched = out.fake_bf16 ? launch_persistent<kIn, true>(x, g, p, out, sum, block_amax, stream)
                                        : launch_persistent<kIn, false>(x, g, p, out, sum, block_amax, stream);
    if (launched) return;
    cudaGetLastError();  // a refused cooperative launch: the three kernels below do the same work
  }
  stats_kernel<kIn><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, p.propagate_nan, block_amax, sum);
  if (out.fake_bf16)
    tensor_quantize_kernel<kIn, true><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, block_amax, out, sum);
  else
    tensor_quantize_kernel<kIn, false><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, block_amax, out, sum);
  tensor_finalize_kernel<kIn><<<stream_grid(g.rows * g.cols / 8), kCtaThreads, 0, stream>>>(x.data, g, p.threshold_fx, out, sum);
}

template <InputType kIn>
void launch_current(const DeviceTensor& x, const DeviceOutputs& out, TensorSummary* sum, cudaStream_t stream) {
  const int64_t vectors = x.rows * x.cols / 8;
  amax_kernel<kIn><<<stream_grid(vectors), kCtaThreads, 0, stream>>>(x.data, vectors, sum);
  if (out.fake_bf16) current_quantize_kernel<kIn, true><<<stream_grid(vectors), kCtaThreads, 0, stream>>>(x.data, vectors, out, sum);
  else current_quantize_kernel<kIn, false><<<stream_grid(vectors), kCtaThreads, 0, stream>>>(x.data, vectors, out, sum);
}

}  // namespace

Status tensor_level_mor(const DeviceTensor& x, const Geometry& g, const TensorLevelParams& p, const DeviceOutputs& out,
                        TensorSummary* sum, uint32_t* block_amax, cudaStream_t stream) {
  if (x.type == InputType::kBF16) launch_tensor_level<InputType::kBF16>(x, g, p, out, sum, block_amax, stream);
  else launch_tensor_level<InputType::kF32>(x, g, p, out, sum, block_amax, stream);
  return cuda_check(cudaGetLastError(), "kernel launch");
}

Status subtensor_mor(const DeviceTensor& x, const Geometry& g, const SubTensorParams& p, const DeviceOutputs& out,
                     TensorSummary* sum, cudaStream_t stream) {
  const bool bf16 = x.type == InputType::kBF16;
  if (bf16 && !p.fp32_scales) subtensor_kernel<InputType::kBF16, false><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, p, out, sum);
  else if (bf16) subtensor_kernel<InputType::kBF16, true><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, p, out, sum);
  else if (!p.fp32_scales) subtensor_kernel<InputType::kF32, false><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, p, out, sum);
  else subtensor_kernel<InputType::kF32, true><<<grid_for(g), kCtaThreads, 0, stream>>>(x.data, g, p, out, sum);
  return cuda_check(cudaGetLastError(), "kernel launch");
}

Status current_scaling(const DeviceTensor& x, const DeviceOutputs& out, TensorSummary* sum, cudaStream_t stream) {
  if (x.cols % 8) return {false, "current_scaling needs columns % 8 == 0"};
  if (x.type == InputType::kBF16) launch_current<InputType::kBF16>(x, out, sum, stream);
  else launch_current<InputType::kF32>(x, out, sum, stream);
  return cuda_check(cudaGetLastError(), "kernel launch");
}

Status mxfp8(const DeviceTensor& x, const DeviceOutputs& out, cudaStream_t stream) {
  const int64_t blocks = x.rows * x.cols / 32;
  const unsigned grid = static_cast<unsigned>((blocks * 4 + kCtaThreads - 1) / kCtaThreads);
  if (x.type == InputType::kBF16) mxfp8_kernel<InputType::kBF16><<<grid, kCtaThreads, 0, stream>>>(x.data, blocks, out);
  else mxfp8_kernel<InputType::kF32><<<grid, kCtaThreads, 0, stream>>>(x.data, blocks, out);
  return cuda_check(cudaGetLastError(), "kernel launch");
}

}  // namespace mor::gpu::v2
