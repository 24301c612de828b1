// One element of FP32 -> E4M3 / E5M2 with RNE + SATFINITE + CANON (the hot default of DECISIONS D0) as branch-free
// integer arithmetic, so a loop of it vectorizes. Internal to the model library: fast_convert.cpp (batch
// conversions) and quant_kernel.cpp (the policies' element path) both compile it for each instruction set.
// Equal to mor::convert<E4M3|E5M2, FP32>(x, kFp8Default) for every x (tests/format checks all 2^32 inputs).
#pragma once

#include <cstdint>

namespace mor::detail {

// Normal results by adding the rounding increment to the FP32 bits and shifting (the carry lifts the exponent);
// subnormal results by a variable right shift with round-half-even; then saturation and NaN by selects.
template <int M, int B, uint32_t kMaxMag>
inline __attribute__((always_inline)) uint8_t fp8_rne_sat_one(uint32_t x) {
  constexpr int kDrop = 23 - M;
  constexpr uint32_t kMinNormal = static_cast<uint32_t>(127 + 1 - B) << 23;
  const uint32_t a = x & 0x7FFFFFFFu;
  const uint32_t sign = (x >> 24) & 0x80u;
  // Normal range: a + (half - 1) + lsb, then drop the low bits and rebias the exponent.
  const uint32_t rounded = (a + ((1u << (kDrop - 1)) - 1) + ((a >> kDrop) & 1u)) >> kDrop;
  const uint32_t normal = rounded - (static_cast<uint32_t>(127 - B) << M);
  // Subnormal range: value = sig * 2^(e - 150); code = RNE(value * 2^(B - 1 + M)) = RNE(sig >> s).
  const uint32_t e = a >> 23;
  const uint32_t sig = (a & 0x7FFFFFu) | (e ? 0x800000u : 0u);
  uint32_t s = static_cast<uint32_t>(150 + 1 - B - M) - (e ? e : 1u);
  s = s > 31 ? 31 : s;
  const uint32_t q = sig >> s;
  const uint32_t rem = sig - (q << s);
  const uint32_t half = (1u << s) >> 1;  // 2^(s-1); s is 0 only for normal results, where `sub` is not selected
  const uint32_t sub = q + ((rem > half || (rem == half && (q & 1u))) ? 1u : 0u);
  uint32_t mag = a >= kMinNormal ? normal : sub;
  mag = mag > kMaxMag ? kMaxMag : mag;
  return static_cast<uint8_t>(a > 0x7F800000u ? 0x7Fu : (sign | mag));
}

inline __attribute__((always_inline)) uint8_t e4m3_rne_sat(uint32_t x) { return fp8_rne_sat_one<3, 7, 0x7E>(x); }
inline __attribute__((always_inline)) uint8_t e5m2_rne_sat(uint32_t x) { return fp8_rne_sat_one<2, 15, 0x7B>(x); }

}  // namespace mor::detail
