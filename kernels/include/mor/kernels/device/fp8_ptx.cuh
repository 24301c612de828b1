// The hardware conversion instructions the kernels use, each written once as inline PTX (sm_89+/sm_90). The
// exhaustive device sweep (kernels/src/cvt_sweep.cu, tests/gpu/test_gpu_convert) and the MoR kernels call these same
// functions, so what the sweep proves is what the kernels run.
#pragma once

#include <cstdint>

namespace mor::gpu {

// cvt.rn.satfinite.{e4m3x2,e5m2x2}.f32 d, hi, lo: two FP32 values to two FP8 codes (RNE, SATFINITE; the only
// FP32 -> FP8 forms sm_90 has), lo in bits 7:0.
template <bool kE5M2>
__device__ __forceinline__ uint16_t cvt_f32x2_to_fp8x2(uint32_t hi, uint32_t lo) {
  uint16_t d;
  if constexpr (kE5M2)
    asm("cvt.rn.satfinite.e5m2x2.f32 %0, %1, %2;" : "=h"(d) : "f"(__uint_as_float(hi)), "f"(__uint_as_float(lo)));
  else
    asm("cvt.rn.satfinite.e4m3x2.f32 %0, %1, %2;" : "=h"(d) : "f"(__uint_as_float(hi)), "f"(__uint_as_float(lo)));
  return d;
}

// cvt.rn.satfinite.{e4m3x2,e5m2x2}.f16x2: two FP16 values (one 32-bit register) to two FP8 codes.
template <bool kE5M2>
__device__ __forceinline__ uint16_t cvt_f16x2_to_fp8x2(uint32_t pair) {
  uint16_t d;
  if constexpr (kE5M2)
    asm("cvt.rn.satfinite.e5m2x2.f16x2 %0, %1;" : "=h"(d) : "r"(pair));
  else
    asm("cvt.rn.satfinite.e4m3x2.f16x2 %0, %1;" : "=h"(d) : "r"(pair));
  return d;
}

// cvt.rn.f16x2.{e4m3x2,e5m2x2}: two FP8 codes to two FP16 values (exact), code bits 7:0 to bits 15:0.
template <bool kE5M2>
__device__ __forceinline__ uint32_t cvt_fp8x2_to_f16x2(uint16_t codes) {
  uint32_t h2;
  if constexpr (kE5M2)
    asm("cvt.rn.f16x2.e5m2x2 %0, %1;" : "=r"(h2) : "h"(codes));
  else
    asm("cvt.rn.f16x2.e4m3x2 %0, %1;" : "=r"(h2) : "h"(codes));
  return h2;
}

// cvt.rn.bf16x2.f32 d, hi, lo: two FP32 values to BF16 (RNE, overflow to Inf, subnormals kept), lo in bits 15:0.
// Equal to the model's bf16_from_f32 for every non-NaN input (tests/gpu sweeps all of them); a NaN comes out as
// the canonical 0x7FFF, not the model's sign | 0x7FC0, so callers use it only where no NaN can occur.
__device__ __forceinline__ uint32_t cvt_f32x2_to_bf16x2(uint32_t hi, uint32_t lo) {
  uint32_t d;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(d) : "f"(__uint_as_float(hi)), "f"(__uint_as_float(lo)));
  return d;
}

}  // namespace mor::gpu
