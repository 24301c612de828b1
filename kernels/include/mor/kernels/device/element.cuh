// Element operations of the MoR kernels built on the hardware conversions (fp8_ptx.cuh) and the model's shared
// scalar code. Shared by the kernels (kernels/src) and the GPU tests' device sweeps (tests/gpu), which compare them
// with the model on every input.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "mor/core/convert.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/kernels/device/fp8_ptx.cuh"

namespace mor::gpu {

// Two codes to FP32 bits (exact, through FP16).
template <bool kE5M2>
__device__ __forceinline__ void decode_pair(uint32_t codes, uint32_t* lo, uint32_t* hi) {
  const uint32_t h2 = cvt_fp8x2_to_f16x2<kE5M2>(static_cast<uint16_t>(codes));
  *lo = __float_as_uint(__half2float(__ushort_as_half(static_cast<unsigned short>(h2 & 0xFFFFu))));
  *hi = __float_as_uint(__half2float(__ushort_as_half(static_cast<unsigned short>(h2 >> 16))));
}

// BF16 of a dequantized value: RNE by the hardware for numbers; NaN as the model's bf16_from_f32 (quiet, signed).
__device__ __forceinline__ uint16_t bf16_out(uint32_t d) {
  if (f32_is_nan(d)) return static_cast<uint16_t>(((d >> 16) & 0x8000u) | 0x7FC0u);
  return __bfloat16_as_ushort(__float2bfloat16_rn(__uint_as_float(d)));
}

// Two BF16 outputs packed lo | hi << 16: one instruction where the caller knows neither is NaN, else bf16_out.
template <bool kMayBeNan>
__device__ __forceinline__ uint32_t bf16_pair_out(uint32_t lo, uint32_t hi) {
  if constexpr (kMayBeNan) return bf16_out(lo) | static_cast<uint32_t>(bf16_out(hi)) << 16;
  else return cvt_f32x2_to_bf16x2(hi, lo);
}

}  // namespace mor::gpu
