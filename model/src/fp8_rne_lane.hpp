// One element of FP32 -> E4M3 / E5M2 with RNE + SATFINITE + CANON (the hot default of DECISIONS D0) as branch-free
// integer arithmetic and one FP32 addition, so a loop of it vectorizes. Internal to the model library: fast_convert.cpp (batch
// conversions) and quant_kernel.cpp (the policies' element path) both compile it for each instruction set.
// Equal to mor::convert<E4M3|E5M2, FP32>(x, kFp8Default) for every x (tests/format checks all 2^32 inputs).
#pragma once

#include <cstdint>

#include "mor/core/fp32_ops.hpp"

namespace mor::detail {

// Normal results by adding the rounding increment to the FP32 bits and shifting (the carry lifts the exponent);
// subnormal results by one FP32 addition: |x| + C with C = 2^(24 - B - M), whose ulp is the subnormal step
// 2^(1 - B - M), rounds |x| to that step by RNE (host FP32 addition: IEEE RNE, DAZ clear, D0), and the sum's
// mantissa field is the code (8 steps carry into the smallest normal code, as the conversion does); then
// saturation and NaN by selects.
template <int M, int B, uint32_t kMaxMag>
inline __attribute__((always_inline)) uint8_t fp8_rne_sat_one(uint32_t x) {
  constexpr int kDrop = 23 - M;
  constexpr uint32_t kMinNormal = static_cast<uint32_t>(127 + 1 - B) << 23;
  constexpr uint32_t kStepMagic = static_cast<uint32_t>(127 + 24 - B - M) << 23;  // C
  const uint32_t a = x & 0x7FFFFFFFu;
  const uint32_t sign = (x >> 24) & 0x80u;
  // Normal range: a + (half - 1) + lsb, then drop the low bits and rebias the exponent.
  const uint32_t rounded = (a + ((1u << (kDrop - 1)) - 1) + ((a >> kDrop) & 1u)) >> kDrop;
  const uint32_t normal = rounded - (static_cast<uint32_t>(127 - B) << M);
  // Subnormal range (the sum is not used for a >= min normal, Inf or NaN).
  const uint32_t sub = f32_bits(fadd_rn(f32_from_bits(a), f32_from_bits(kStepMagic))) - kStepMagic;
  uint32_t mag = a >= kMinNormal ? normal : sub;
  mag = mag > kMaxMag ? kMaxMag : mag;
  return static_cast<uint8_t>(a > 0x7F800000u ? 0x7Fu : (sign | mag));
}

inline __attribute__((always_inline)) uint8_t e4m3_rne_sat(uint32_t x) { return fp8_rne_sat_one<3, 7, 0x7E>(x); }
inline __attribute__((always_inline)) uint8_t e5m2_rne_sat(uint32_t x) { return fp8_rne_sat_one<2, 15, 0x7B>(x); }

}  // namespace mor::detail
