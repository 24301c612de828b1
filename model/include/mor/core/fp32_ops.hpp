// FP32 arithmetic with one defined rounding (IEEE 754 binary32, round-to-nearest-even, subnormals kept), the same
// on the host and on the device (DECISIONS D0). Host: the SSE unit, in translation units built with
// -ffp-contract=off, after require_ieee_fp_env() has checked that FTZ and DAZ are clear. Device: the explicit
// __f*_rn intrinsics, which the compiler never contracts into FMA or approximates.
#pragma once

#include "mor/core/hd.hpp"

namespace mor {

MOR_HD float fmul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}

MOR_HD float fdiv_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}

MOR_HD float fsub_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}

MOR_HD float fadd_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}

MOR_HD uint32_t fmul_rn_bits(uint32_t a, uint32_t b) { return f32_bits(fmul_rn(f32_from_bits(a), f32_from_bits(b))); }
MOR_HD uint32_t fdiv_rn_bits(uint32_t a, uint32_t b) { return f32_bits(fdiv_rn(f32_from_bits(a), f32_from_bits(b))); }

// FP32 classification on bits.
MOR_HD uint32_t f32_abs_bits(uint32_t x) { return x & 0x7FFFFFFFu; }
MOR_HD bool f32_is_nan(uint32_t x) { return f32_abs_bits(x) > 0x7F800000u; }
MOR_HD bool f32_is_finite(uint32_t x) { return f32_abs_bits(x) < 0x7F800000u; }
MOR_HD bool f32_is_zero(uint32_t x) { return f32_abs_bits(x) == 0; }
MOR_HD uint32_t f32_exp_field(uint32_t x) { return (x >> 23) & 0xFFu; }
MOR_HD uint32_t f32_man_field(uint32_t x) { return x & 0x7FFFFFu; }

inline constexpr uint32_t kF32One = 0x3F800000u;
inline constexpr uint32_t kF32Max = 0x7F7FFFFFu;
inline constexpr uint32_t kF32Inf = 0x7F800000u;
inline constexpr uint32_t kF32QuietNan = 0x7FC00000u;

// Throws std::runtime_error (host only) if the FPU flushes subnormals (FTZ) or treats them as zero (DAZ).
void require_ieee_fp_env();

}  // namespace mor
