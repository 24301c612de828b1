// Per-element cost of the tensor-level metric in a CUDA kernel, from PTX (issue 16 item 5; no GPU needed):
// the canonical per-element error with the exact rewrites of issue 21 against the interval metric's two bounds.
// Both loops read x, quantize with the block scale and accumulate; only the metric differs.
//
//   nvcc -arch=sm_90a -std=c++17 -I model/include -ptx bench/ptx/interval_ptx.cu -o interval.ptx
//   nvcc -arch=sm_90a -std=c++17 -I model/include -cubin -Xptxas -v bench/ptx/interval_ptx.cu   (registers)
//
// Not part of the build: kernels/ (issue 21) decides whether the interval metric becomes a kernel option.
#include <cuda_fp8.h>

#include "mor/core/metric_interval.hpp"

namespace {

__device__ __forceinline__ float e4m3_round_trip(float y) {
  const __nv_fp8_storage_t q = __nv_cvt_float_to_fp8(y, __NV_SATFINITE, __NV_E4M3);
  return __half2float(__half(__nv_cvt_fp8_to_halfraw(q, __NV_E4M3)));
}

// Canonical D5 with issue 21's rewrites: d = q / s without a division (r = RN32(1/s) per block, two FMAs, exact
// for scale exponent fields in [27, 227]), error_fx(e) = (uint32)(min(e, 2) * 2^24). The quotient (d - x) / x is
// still an IEEE division.
__device__ __forceinline__ uint32_t canonical_e_fx(float x, float s, float r) {
  const float y = __fmul_rn(x, s);
  const float q = e4m3_round_trip(y);
  const float p = __fmul_rn(q, r);
  const float d = __fmaf_rn(__fmaf_rn(-p, s, q), r, p);
  const float e = fabsf(__fdiv_rn(__fsub_rn(d, x), x));
  return x == 0.0f ? 0u : static_cast<uint32_t>(fminf(e, 2.0f) * 16777216.0f);
}

}  // namespace

__constant__ uint32_t c_recip[(1 << mor::kIntervalDefaultK) + 1];  // F(0 .. 2^k)

extern "C" __global__ void canonical_metric(const float* __restrict__ x, float s, float r, int n,
                                            unsigned long long* err_sum) {
  unsigned long long acc = 0;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    acc += canonical_e_fx(x[i], s, r);
  atomicAdd(err_sum, acc);
}

extern "C" __global__ void interval_metric(const float* __restrict__ x, float s, int n, unsigned long long* lo_sum,
                                           unsigned long long* hi_sum) {
  constexpr int k = mor::kIntervalDefaultK;
  unsigned long long lo = 0, hi = 0;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    const float xv = x[i], y = __fmul_rn(xv, s), q = e4m3_round_trip(y);
    const uint32_t yb = __float_as_uint(y), idx = mor::interval_index(yb, k);
    const mor::ErrorFxInterval e =
        mor::error_fx_interval_entries(__float_as_uint(xv), yb, __float_as_uint(q), k, c_recip[idx], c_recip[idx + 1]);
    lo += e.lo;
    hi += e.hi;
  }
  atomicAdd(lo_sum, lo);
  atomicAdd(hi_sum, hi);
}
