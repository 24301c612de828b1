// The interval metric (issue 16; the theorem and its proof: docs/interval-metric.md).
//
// Each lane bounds the canonical per-element error of D5, e_fx = floor(min(|RN32(RN32(d - x) / x)|, 2) * 2^24),
// by two integers lo <= e_fx <= hi computed from the scaled value y = RN32(x * s) and the decoded FP8 value q
// without a divider: the distance |q - y| on y's significand grid (an integer D, from q's top bits and y's low
// bits) times an upper bound R of 2/m, m = y's significand in [1, 2), and a fixed margin for the four roundings of
// the canonical chain. R is the chord of a small reciprocal table (2^k + 1 nodes, indexed by y's top k fraction
// bits) interpolated on the next 11 - k bits, so it is within 2^-10 of 2/m (relative) and ONE product D * R gives
// both bounds: hi adds the truncations of D and of the product, lo takes 2^-10 of the product off. The sums of lo
// and hi are exact (uint64), so the tensor decision
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

// k: the table has 2^k + 1 nodes, indexed by y's top k fraction bits; the next kIntervalSpanBits - k bits are the
// interpolation fraction. Every k in [kIntervalMinK, kIntervalMaxK] keeps R within 2^-10 of 2/m (Lemma R).
inline constexpr int kIntervalMinK = 6;
inline constexpr int kIntervalMaxK = 10;
inline constexpr int kIntervalDefaultK = 6;
static_assert(kEngineIntervalK >= kIntervalMinK && kEngineIntervalK <= kIntervalMaxK, "the engine's K must keep Lemma R");
inline constexpr int kIntervalSpanBits = 11;  // index + interpolation fraction: y's top 11 fraction bits
// R = 2/m in units of 2^-11: R in [2049, 4096], so R - 2049 fits 11 bits. The table nodes carry one bit more
// (units of 2^-12) and R is rounded up once, at the end.
inline constexpr int kIntervalRecipBits = 11;
inline constexpr uint32_t kIntervalRecipBase = (1u << kIntervalRecipBits) + 1u;  // R = base + r, r < 2^11
// lo takes R's relative error bound off the product: (R * 2^-11 - 2/m) / (R * 2^-11) <= 2^-kIntervalRelBits.
inline constexpr int kIntervalRelBits = 10;
// The distance D (< 2^23) enters the product as 14 bits D_t: D' >> 6 when D' < 2^20 (every normal FP8 output),
// else D' >> 9 (subnormal outputs, saturation inside FMAX's binade).
inline constexpr int kIntervalDistBits = 14;
inline constexpr int kIntervalShiftNear = 6;
inline constexpr int kIntervalShiftFar = 9;
// The product D_t * R keeps only its partial-product bits of weight >= 2^kIntervalDropBits (a truncated
// multiplier); what it drops is at most kIntervalDropMax.
inline constexpr int kIntervalDropBits = 9;
// Column c < kIntervalDropBits of D_t * (2049 + r) holds c + 1 bits of D_t * r and one of the D_t row.
MOR_HD constexpr uint64_t interval_drop_max() {
  uint64_t s = 0;
  for (int c = 0; c < kIntervalDropBits; ++c) s += static_cast<uint64_t>(c + 2) << c;
  return s;
}
inline constexpr uint64_t kIntervalDropMax = interval_drop_max();
// The rounding margin of Lemma B (docs/interval-metric.md): |e * 2^24 - tau| < 7.000001 for a normal x.
inline constexpr uint32_t kIntervalMargin = 8;
// hi = z + margin: D's truncation (2^(j+1), R <= 2^12), the dropped partial products (kIntervalDropMax scaled
// by 2^(j - 11)), z's floor (1) and Lemma B (7.000001 -> 8 after the floor: 1 + 7 = kIntervalMargin).
MOR_HD constexpr uint32_t interval_hi_margin(int shift_d) {
  const int down = kIntervalRecipBits - shift_d;  // z = P_t >> down
  return (2u << shift_d) + static_cast<uint32_t>((kIntervalDropMax + (uint64_t{1} << down) - 1) >> down) +
         kIntervalMargin;
}
// lo = z - (z >> 10) - 9: the relative bound's floor (1) and Lemma B (7.000001 -> 8 after the floor).
inline constexpr uint32_t kIntervalLoMargin = kIntervalMargin + 1u;
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

// Bits of y's fraction below the table index that interpolate.
MOR_HD int interval_phi_bits(int k) { return kIntervalSpanBits - k; }

// The table node F(j) = ceil(2^(13+k) / (2^k + j)) = 2/m_j in units of 2^-12 (m_j = 1 + j 2^-k, rounded up), for
// j in [0, 2^k]: F(0) = 8192, F(2^k) = 4096.
MOR_HD uint32_t interval_recip(int k, uint32_t j) {
  const uint64_t num = uint64_t{1} << (13 + k), den = (uint64_t{1} << k) + j;
  return static_cast<uint32_t>((num + den - 1) / den);
}

// The table index: y's top k fraction bits.
MOR_HD uint32_t interval_index(uint32_t y, int k) { return f32_man_field(y) >> (23 - k); }

// r = R - 2049 from the two nodes around y's significand: R = ceil((F(i) 2^p - G(i) phi) / 2^(p + 1)), the chord
// between the nodes at phi = y's next p = 11 - k fraction bits, G(i) = F(i) - F(i+1). In the form the RTL adds:
// r = ((F(i) - 4097) 2^p + 2^p - 1 - G(i) phi) >> (p + 1).
MOR_HD uint32_t interval_recip_r(uint32_t y, int k, uint32_t f_this, uint32_t f_next) {
  const int p = interval_phi_bits(k);
  const uint32_t phi = (f32_man_field(y) >> (23 - kIntervalSpanBits)) & ((1u << p) - 1u);
  const uint32_t num = ((f_this - 4097u) << p) + ((1u << p) - 1u) - (f_this - f_next) * phi;
  return num >> (p + 1);
}

// D' = |q - y| on y's grid (units of 2^(E - 23), E = floor(log2|y|)), or that minus one when q > |y|: q is
// q_sig * 2^(E - 3) with q_sig in [8, 16] (q_exp == E: 1.abc; q == 2^(E+1): 16); y is y_top * 2^(E - 3) + r with
// r < 2^20. With d = y_top - q_sig in [-8, 7], D' is the 23 bits {d, r}, complemented when d < 0 (then
// ~{d, r} = -{d, r} - 1 = D - 1). q's fraction bits below the top three are zero (an FP8 value) and are not read.
MOR_HD uint32_t interval_distance(uint32_t y, uint32_t q_sig) {
  const uint32_t d = (8u | ((y >> 20) & 7u)) - q_sig;  // two's complement: bit 31 set when q_sig > y_top
  const uint32_t word = ((d & 7u) << 20) | (y & 0xFFFFFu);
  return (d >> 31) ? (~word & 0x7FFFFFu) : word;
}

// Which case of the theorem an element falls in (docs/interval-metric.md, "The classes").
enum class IntervalClass : uint8_t {
  kZero,        // x = 0: outside NNZ, bounds [0, 0] (the canonical lane contributes 0)
  kOne,         // q = 0 (d = 0, d - x = -x), or y = Inf (|d| < ulp(x) / 4): e = 1 exactly, bounds [2^24, 2^24]
  kOutside,     // x non-finite, or q no FP8 rounding of y: outside the contract, bounds [0, cap]
  kSaturated,   // q = FMAX < 2^E <= |y|: q / |y| <= 7/8, bounds [2^21 - 8, 2^24 + 8]
  kSubnormalX,  // FP32-subnormal x: d's rounding error is absolute, bounds [0, cap]
  kGeneral,     // q in [2^E, 2^(E+1)], E = floor(log2|y|): the product bound
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

// The truncated product D_t * R = (D_t << 11) + D_t + D_t * r, summing only the partial-product bits of weight
// >= 2^kIntervalDropBits: P - kIntervalDropMax <= interval_product <= P.
MOR_HD uint64_t interval_product(uint32_t dt, uint32_t r) {
  constexpr uint64_t keep = ~((uint64_t{1} << kIntervalDropBits) - 1u);
  const uint64_t d = dt, rr = r;
  uint64_t p = ((d << kIntervalRecipBits) & keep) + (d & keep) + (d >> kIntervalDropBits) * (rr << kIntervalDropBits);
  for (int a = 0; a < kIntervalDropBits; ++a)  // rows of D_t's low bits: their bits under the cut are dropped
    if ((d >> a) & 1u) p += ((rr << a) & keep);
  return p;
}

// Lemma A (general class): the lane's integer z = floor(P_t 2^(j - 11)) and the exact tau = 2^24 |q - y| / |y|
// satisfy z - floor(z / 2^10) - 1 < tau < z + interval_hi_margin(j) - kIntervalMargin + 1.
struct IntervalTau {
  uint32_t z;
  int shift_d;  // j: 6 (near) or 9 (far)
};

MOR_HD IntervalTau interval_tau(uint32_t y, uint32_t q_f32, int k, uint32_t f_this, uint32_t f_next) {
  const uint32_t q_top = (q_f32 >> 20) & 7u;
  const bool same_binade = f32_exp_field(q_f32) == f32_exp_field(y);
  const uint32_t dist = interval_distance(y, same_binade ? (8u | q_top) : 16u);
  const int shift_d = dist < (1u << 20) ? kIntervalShiftNear : kIntervalShiftFar;
  const uint32_t dt = dist >> shift_d;  // < 2^14; D_t 2^j <= D <= (D_t + 1) 2^j
  const uint64_t p = interval_product(dt, interval_recip_r(y, k, f_this, f_next));
  return {static_cast<uint32_t>(p >> (kIntervalRecipBits - shift_d)), shift_d};  // z < 2^24
}

// The bounds from the two table nodes f_this = F(i), f_next = F(i+1), i = interval_index(y, k).
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
  const IntervalTau t = interval_tau(y, q_f32, k, f_this, f_next);
  const uint32_t lo_raw = t.z - (t.z >> kIntervalRelBits);  // Lemma R: R is within 2^-10 of 2/m
  ErrorFxInterval b;
  b.lo = lo_raw > kIntervalLoMargin ? lo_raw - kIntervalLoMargin : 0u;
  b.hi = t.z + interval_hi_margin(t.shift_d);
  if (f32_exp_field(x) >= kIntervalHugeXExp) b.hi = kIntervalCap;  // d = RN32(q / s) may be Inf: e_fx = cap
  return b;
}

// The bounds with the table nodes computed on the spot (two integer divisions; callers in a loop keep a table).
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
