// The engine's once-per-block and once-per-tensor rules without a divider (issue 17, docs/ENGINE.md "Rules without
// a divider"), each written as the integer arithmetic the RTL does, and each proven equal to the model's definition
// by tests/model/test_engine_rules.cpp (exhaustively where the argument needs it):
//
//   band_contains            DR = RN32(a / a_min) <= R   (decision.hpp subtensor_dynamic_range + subtensor_band)
//   e8_rz_scale_cmp          MOR_E8_RZ block scale       (scale.hpp mor_e8_rz_scale)
//   gam_thresholds_from_quotient                         (gam_offset_cmp.hpp gam_thresholds: one division, not 44)
//   lane_product             the lanes' y = RN32(x * s), with products below 2^-126 flushed to a signed zero
//
// None of them divides per block or per element; the GAM thresholds take one division per tensor on the engine's
// shared iterative divider (rtl/src/mor_div_unit.sv).
#pragma once

#include <cstdint>

#include "mor/core/contract.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/gam_offset_cmp.hpp"
#include "mor/core/hd.hpp"

namespace mor {

// A positive finite FP32 value as sig * 2^exp with sig in [2^23, 2^24): subnormals normalized (a leading-zero count
// in hardware). bits must be finite and nonzero.
struct NormalizedF32 {
  uint32_t sig;
  int exp;
};

MOR_HD NormalizedF32 normalized_f32(uint32_t bits) {
  const uint32_t e = f32_exp_field(bits);
  uint32_t m = f32_man_field(bits);
  if (e != 0) return {m | 0x800000u, static_cast<int>(e) - 150};
  int lz = 0;
  while ((m & 0x800000u) == 0) {
    m <<= 1;
    ++lz;
  }
  return {m, -149 - lz};
}

// ---- sub-tensor band: RN32(a / a_min) <= R by a comparison ----
//
// Let R = S_R * 2^(E - 23) (S_R its 24-bit significand). When S_R is even (every band of the engine is 1.75 * 2^E:
// 28672, 114688, 939524096), the midpoint M = R + ulp(R) / 2 between R and the next FP32 number rounds to R (ties
// to even). RN32 is monotone, so RN32(t) <= R <=> t <= M for every real t >= 0 (an overflow to Inf is t > M).
// With t = a / a_min:
//   DR <= R  <=>  a <= M * a_min  <=>  A * 2^d <= C * B,
// a = A 2^alpha, a_min = B 2^beta (normalized: A, B in [2^23, 2^24)), M = C 2^gamma with C = 2 S_R + 1 (25 bits) and
// gamma = E - 24, d = alpha - beta - gamma. C * B lies in (2^47, 2^49), so d <= 23 is always inside and d >= 26 always
// outside; d = 24 and 25 compare 50-bit integers. (a <= R * a_min, without the half ulp, is not the same test: it
// rejects the ratios that round down to R.)
MOR_HD uint64_t band_midpoint_sig(uint32_t band) { return 2u * (f32_man_field(band) | 0x800000u) + 1u; }

// amax and min_nonzero as the statistics give them: |x| bits, finite, amax >= min_nonzero > 0 unless amax = 0
// (an all-zero block: DR = 1, inside every band). band: an FP32 band limit with an even significand.
MOR_HD bool band_contains(uint32_t amax, uint32_t min_nonzero, uint32_t band) {
  if (amax == 0) return true;
  const NormalizedF32 a = normalized_f32(amax), b = normalized_f32(min_nonzero);
  const int gamma = static_cast<int>(f32_exp_field(band)) - 127 - 24;
  const int d = a.exp - b.exp - gamma;
  if (d <= 23) return true;
  if (d >= 26) return false;
  return (uint64_t{a.sig} << d) <= band_midpoint_sig(band) * b.sig;
}

// ---- MOR_E8_RZ block scale: the exponent field of RN32(fmax / amax), by exponent arithmetic ----
//
// For a normal amax = 1.f * 2^e the quotient fmax / amax = 2^(K - e) * 1.75 / 1.f is a normal FP32 number or
// overflows (both FMAX are 1.75 * 2^K); RN32(1.75 / 1.f) stays in [1, 1.75] for 1.f <= 1.75 and in [0.5, 1) above
// (docs/gam-comparator.md, argument 1), so the exponent field is exp(fmax) + 127 - e - [f > 0x600000], and 255 or
// more means Inf, which the rule turns into FLT_MAX (exponent field 254). A subnormal amax always overflows.
// Zero, Inf and NaN amax give the scale 1 (te_current_scale).
MOR_HD uint32_t e8_rz_scale_cmp(uint32_t amax, uint32_t fmax_bits) {
  const uint32_t e = f32_exp_field(amax);
  if (f32_is_zero(amax) || e == 0xFFu) return kF32One;
  if (e == 0) return 254u << 23;
  const int exp = static_cast<int>(f32_exp_field(fmax_bits)) + 127 - static_cast<int>(e) -
                  (f32_man_field(amax) > f32_man_field(fmax_bits) ? 1 : 0);
  return static_cast<uint32_t>(exp > 254 ? 254 : exp) << 23;
}

// ---- GAM thresholds from one division ----
//
// gam_thresholds finds T_A and T_B, the first mantissa f of each branch with m(f) = man(RN32(1.75 / 1.f)) < m_g, by
// binary search (44 divisions). Directly: RN32(q) < V (V the value with mantissa m_g in q's binade) <=> q < the
// midpoint below V (a tie there is impossible: it would need the odd N below to divide 7 * 2^46). With
// F = 2^23 + f and N = 2^24 + 2 m_g - 1:
//   branch A (q in [1, 1.75]):    q < N 2^-24  <=>  F N > 7 * 2^45  <=>  F > floor(7 * 2^45 / N)
//   branch B (q in (0.875, 1)):   q < N 2^-25  <=>  F N > 7 * 2^46  <=>  F > floor(7 * 2^46 / N)
// Both quotients come from one: Q = floor(7 * 2^47 / N) = floor(0xE00000 * 2^26 / N), which is the significand
// quotient the shared divider computes for the significands 0xE00000 (1.75, FMAX's) and N (27 quotient bits).
MOR_HD uint32_t gam_threshold_divisor(uint32_t group_scale) { return (1u << 24) + 2u * f32_man_field(group_scale) - 1u; }
MOR_HD uint32_t gam_threshold_dividend() { return f32_man_field(f32_bits(kE4M3Max)) | 0x800000u; }  // FMAX's significand

MOR_HD uint32_t gam_threshold_quotient(uint32_t group_scale) {  // the divider's result, floor(1.75 * 2^49 / N)
  return static_cast<uint32_t>((uint64_t{gam_threshold_dividend()} << 26) / gam_threshold_divisor(group_scale));
}

MOR_HD GamThresholds gam_thresholds_from_quotient(uint32_t group_scale, uint32_t quotient) {
  const uint32_t fmax_bits = f32_bits(kE4M3Max);
  GamThresholds t{};
  t.group_scale = group_scale;
  t.floor = gam_amax_floor(kE4M3Max);
  t.split = f32_man_field(fmax_bits);
  t.exp_base = f32_exp_field(fmax_bits) + 127u;
  const int64_t a = static_cast<int64_t>(quotient >> 2) + 1 - (int64_t{1} << 23);
  const int64_t b = static_cast<int64_t>(quotient >> 1) + 1 - (int64_t{1} << 23);
  const int64_t a_hi = t.split + 1, b_lo = t.split + 1, b_hi = int64_t{1} << 23;
  t.t_a = static_cast<uint32_t>(a < 0 ? 0 : (a > a_hi ? a_hi : a));
  t.t_b = static_cast<uint32_t>(b < b_lo ? b_lo : (b > b_hi ? b_hi : b));
  return t;
}

// ---- the lanes' product ----
//
// y = RN32(x * s) as the lanes form it: a product whose exact value is below 2^-126 in magnitude comes out as a
// signed zero instead of its subnormal rounding (the lanes round in the normal range only). Nothing the engine
// emits changes: such a |y| is far below half of the smallest E4M3 (2^-9) and E5M2 (2^-16) value, so q = 0 from
// either y, and the interval lane classifies every q = 0 element as kOne ([2^24, 2^24]) whatever y is.
// x: any finite value; s: a positive normal scale (every scale the engine uses is one).
MOR_HD uint32_t lane_product(uint32_t x, uint32_t s) {
  const uint32_t sign = (x ^ s) & 0x80000000u;
  if (f32_is_zero(x)) return sign;
  const NormalizedF32 a = normalized_f32(x), b = normalized_f32(s);
  const uint64_t p = uint64_t{a.sig} * b.sig;                        // in [2^46, 2^48)
  const int top = (p >> 47) != 0 ? 47 : 46;
  if (top + a.exp + b.exp < -126) return sign;                       // exact |x s| < 2^-126
  return fmul_rn_bits(x, s);
}

}  // namespace mor
