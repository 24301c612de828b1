// The interval metric (issue 16; the theorem and its proof: docs/interval-metric.md).
//
// Each lane bounds the canonical per-element error of D5, e_fx = floor(min(|RN32(RN32(d - x) / x)|, 2) * 2^24),
// by two integers lo <= e_fx <= hi computed from the scaled value y = RN32(x * s) and the decoded FP8 value q
// without a divider: the distance |q - y| on y's significand grid (an integer D, from q's top bits and y's low
// bits) times a reciprocal table of y's significand indexed by its top k fraction bits, plus a fixed margin for
// the four roundings of the canonical chain. The sums of lo and hi are exact (uint64), so the tensor decision
//
//   reject iff Sum lo > T_fx * NNZ;   accept iff Sum hi <= T_fx * NNZ;   otherwise fall back to the exact err_sum
//
// is always the canonical one (strict '>', order-independent). Integer math only: the same source runs in the
// model, the kernels, and as the specification of rtl/src/mor_error_lane_interval.sv (bit for bit, both bounds).
#pragma once

#include "mor/core/contract.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/hd.hpp"

namespace mor {

// k: the table has 2^k entries, indexed by y's top k fraction bits.
inline constexpr int kIntervalMinK = 6;   // S = k + 3 >= 9: both alignment shifts are right shifts
inline constexpr int kIntervalMaxK = 12;
inline constexpr int kIntervalDefaultK = 8;
// The table holds F(j) = floor(2^(k+1+S) / (2^k + j)) with S = k + kIntervalGuardBits fraction bits: its floor
// costs at most one unit in 2^S, a few percent of the interval's width next to the table step 2^-k.
inline constexpr int kIntervalGuardBits = 3;
// The distance D (< 2^23) enters the multiply as 14 bits: D >> 6 when D < 2^20 (every normal FP8 output), else
// D >> 9.
inline constexpr int kIntervalDistBits = 14;
inline constexpr int kIntervalShiftNear = 6;
inline constexpr int kIntervalShiftFar = 9;
// The rounding margin of Lemma B (docs/interval-metric.md): |e * 2^24 - tau| < 7.000001 for a normal x.
inline constexpr uint32_t kIntervalMargin = 8;
// Bounds of the special classes (grid units, 2^24 = an error of 1).
inline constexpr uint32_t kIntervalOne = 1u << kErrorFracBits;  // q = 0, or y = Inf: e = 1 exactly
inline constexpr uint32_t kIntervalCap = 2u << kErrorFracBits;  // the cap of D5: no information
inline constexpr uint32_t kIntervalSatLo = (1u << 21) - kIntervalMargin;  // |y| >= 2^(E_FMAX + 1): q / y <= 7/8
inline constexpr uint32_t kIntervalSatHi = kIntervalOne + kIntervalMargin;
// |x| >= 2^126: d = RN32(q / s) may overflow to Inf (e_fx = cap), so the upper bound is the cap.
inline constexpr uint32_t kIntervalHugeXExp = 253;

struct ErrorFxInterval {
  uint32_t lo, hi;
};

MOR_HD int interval_frac_bits(int k) { return k + kIntervalGuardBits; }

// F(j) = floor(2^(k+1+S) / (2^k + j)) for j in [0, 2^k]; F(j) in [2^S, 2^(S+1)], F(0) = 2^(S+1).
MOR_HD uint32_t interval_recip(int k, uint32_t j) {
  const uint64_t num = uint64_t{1} << (k + 1 + interval_frac_bits(k));
  return static_cast<uint32_t>(num / ((uint64_t{1} << k) + j));
}

// The table index: y's top k fraction bits.
MOR_HD uint32_t interval_index(uint32_t y, int k) { return f32_man_field(y) >> (23 - k); }

// D' = |q - y| on y's grid (units of 2^(E - 23), E = floor(log2|y|)), or that minus one when q > |y|: q is
// q_sig * 2^(E - 3) with q_sig in [8, 16] (q_exp == E: 1.abc; q == 2^(E+1): 16); y is y_top * 2^(E - 3) + r with
// r < 2^20. q's fraction bits below the top three are zero (an FP8 value) and are not read.
MOR_HD uint32_t interval_distance(uint32_t y, uint32_t q_sig) {
  const uint32_t y_top = 8u | ((y >> 20) & 7u);
  const uint32_t r = y & 0xFFFFFu;
  if (q_sig > y_top) return ((q_sig - y_top - 1u) << 20) | (~r & 0xFFFFFu);  // (q - y) - 1 = ... + (2^20 - 1 - r)
  return ((y_top - q_sig) << 20) | r;
}

// Which case of the theorem an element falls in (docs/interval-metric.md, "The classes").
enum class IntervalClass : uint8_t {
  kZero,        // x = 0: outside NNZ, bounds [0, 0] (the canonical lane contributes 0)
  kOne,         // q = 0 (d = 0, d - x = -x), or y = Inf (|d| < ulp(x) / 4): e = 1 exactly, bounds [2^24, 2^24]
  kOutside,     // x non-finite, or q no FP8 rounding of y: outside the contract, bounds [0, cap]
  kSaturated,   // q = FMAX < 2^E <= |y|: q / |y| <= 7/8, bounds [2^21 - 8, 2^24 + 8]
  kSubnormalX,  // FP32-subnormal x: d's rounding error is absolute, bounds [0, cap]
  kGeneral,     // q in [2^E, 2^(E+1)], E = floor(log2|y|): the table bound
};

MOR_HD IntervalClass interval_class(uint32_t x, uint32_t y, uint32_t q_f32) {
  if (f32_is_zero(x)) return IntervalClass::kZero;
  if (!f32_is_finite(x)) return IntervalClass::kOutside;  // D2 decides non-finite tensors before any metric
  if (f32_is_zero(q_f32) || f32_abs_bits(y) == kF32Inf) return IntervalClass::kOne;
  const uint32_t ye = f32_exp_field(y), qe = f32_exp_field(q_f32), q_top = (q_f32 >> 20) & 7u;
  if (ye == 0 || ye == 0xFF || qe == 0xFF || qe > ye + 1 || (qe == ye + 1 && q_top != 0))
    return IntervalClass::kOutside;
  if (qe < ye) return IntervalClass::kSaturated;
  if (f32_exp_field(x) == 0) return IntervalClass::kSubnormalX;
  return IntervalClass::kGeneral;
}

// Lemma A (general class): tau = 2^24 |q - y| / |y| satisfies lo <= tau < hi + 1, with
// lo = floor(D_t F(i+1) 2^(j-S)) and hi = floor((D_t + 1)(F(i) + 1) 2^(j-S)).
struct IntervalTau {
  uint64_t lo, hi;
};

MOR_HD IntervalTau interval_tau(uint32_t y, uint32_t q_f32, int k, uint32_t f_this, uint32_t f_next) {
  const uint32_t q_top = (q_f32 >> 20) & 7u;
  const bool same_binade = f32_exp_field(q_f32) == f32_exp_field(y);
  const uint32_t dist = interval_distance(y, same_binade ? (8u | q_top) : 16u);
  const int shift_d = dist < (1u << 20) ? kIntervalShiftNear : kIntervalShiftFar;
  const uint64_t dt = dist >> shift_d;                  // < 2^14; D_t 2^j <= D <= (D_t + 1) 2^j
  const uint64_t g = uint64_t{f_this} + 1u - f_next;    // G(i) = F(i) + 1 - F(i+1)
  const uint64_t p_lo = dt * f_next;                    // D_t F(i+1)
  const uint64_t p_hi = p_lo + f_next + g * (dt + 1u);  // (D_t + 1)(F(i) + 1)
  const int shift_p = interval_frac_bits(k) - shift_d;  // >= 0 for k >= kIntervalMinK
  return {p_lo >> shift_p, p_hi >> shift_p};
}

// The bounds from the two table entries f_this = F(i), f_next = F(i+1), i = interval_index(y, k).
MOR_HD ErrorFxInterval error_fx_interval_entries(uint32_t x, uint32_t y, uint32_t q_f32, int k, uint32_t f_this,
                                                 uint32_t f_next) {
  switch (interval_class(x, y, q_f32)) {
    case IntervalClass::kZero: return {0, 0};
    case IntervalClass::kOne: return {kIntervalOne, kIntervalOne};
    case IntervalClass::kOutside:
    case IntervalClass::kSubnormalX: return {0, kIntervalCap};
    case IntervalClass::kSaturated: return {kIntervalSatLo, kIntervalSatHi};
    case IntervalClass::kGeneral: break;
  }
  const IntervalTau tau = interval_tau(y, q_f32, k, f_this, f_next);
  ErrorFxInterval b;
  b.lo = tau.lo > kIntervalMargin ? static_cast<uint32_t>(tau.lo) - kIntervalMargin : 0u;  // Lemma B: -7.000001
  b.hi = static_cast<uint32_t>(tau.hi) + kIntervalMargin;  // tau < hi + 1, then Lemma B: + 7.000001, floored
  if (f32_exp_field(x) >= kIntervalHugeXExp) b.hi = kIntervalCap;  // d = RN32(q / s) may be Inf: e_fx = cap
  return b;
}

// The bounds with the table entries computed on the spot (two integer divisions; callers in a loop keep a table).
MOR_HD ErrorFxInterval error_fx_interval(uint32_t x, uint32_t y, uint32_t q_f32, int k) {
  const uint32_t i = interval_index(y, k);
  return error_fx_interval_entries(x, y, q_f32, k, interval_recip(k, i), interval_recip(k, i + 1));
}

enum class IntervalVerdict : uint8_t { kAccept, kReject, kUndecided };

// The tensor decision from the sums of the bounds (D5's strict '>'): undecided means the exact err_sum decides.
MOR_HD IntervalVerdict interval_verdict(uint64_t lo_sum, uint64_t hi_sum, uint64_t nnz, uint32_t t_fx) {
  const uint64_t limit = static_cast<uint64_t>(t_fx) * nnz;
  if (lo_sum > limit) return IntervalVerdict::kReject;
  if (hi_sum <= limit) return IntervalVerdict::kAccept;
  return IntervalVerdict::kUndecided;
}

}  // namespace mor
