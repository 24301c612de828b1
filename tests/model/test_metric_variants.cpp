// The cheaper per-lane error formulations of spec 8.2 (metric.hpp: error_fx_prescale, error_fx_binade): directed
// values derived by hand, the relation of PRESCALE to the canonical metric, the bounds between BINADE and
// PRESCALE, and zero / non-finite handling.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>

#include "mor/core/convert.hpp"
#include "mor/core/element.hpp"
#include "mor/core/metric.hpp"

namespace mor {
namespace {

constexpr uint32_t kCap = 2u << 24;  // 2.0 on the grid

uint32_t b(float v) { return f32_bits(v); }

// ---- directed values (each derivation in the comment; none taken from the code under test) ----

TEST(metric_variants, PrescaleDirected) {
  // y = 1.125, q = 1.0: q - y = -0.125 exactly, / 1.125 = -1/9. RN32(1/9): 1/9 = 0.000111000111..b, significand
  // 1.11000111000111000111000|111.. rounds up to 0xE38E39 * 2^-27, so e * 2^24 = 0xE38E39 / 8 = 14913081 / 8 =
  // 1864135.125 -> 1864135.
  EXPECT_EQ(error_fx_prescale(b(1.125f), b(1.0f)), 1864135u);
  EXPECT_EQ(error_fx_prescale(b(-1.125f), b(-1.0f)), 1864135u);  // signs cancel in |.|
  // y = 3.25, q = 3.0: 0.25 / 3.25 = 1/13; 2^24 / 13 = 1290555.077; RN32 moves e by at most half an ulp of
  // [2^-4, 2^-3), 2^-28, i.e. 2^-4 = 0.0625 grid units: e * 2^24 in [1290555.01, 1290555.14] -> 1290555.
  EXPECT_EQ(error_fx_prescale(b(3.25f), b(3.0f)), 1290555u);
  // y = 2^20, q = 2^20 + 1: 1 / 2^20 = 2^-20 exactly -> 2^4 = 16.
  EXPECT_EQ(error_fx_prescale(b(1048576.0f), b(1048577.0f)), 16u);
  // y = 1, q = 448: e = 447 >= 2 -> the cap.
  EXPECT_EQ(error_fx_prescale(b(1.0f), b(448.0f)), kCap);
  // y = 3 * 2^-149 (subnormal), q = 0 (E4M3 underflow): |0 - y| / y = 1 exactly -> 2^24.
  EXPECT_EQ(error_fx_prescale(0x00000003u, 0u), 1u << 24);
  // q == y: 0.
  EXPECT_EQ(error_fx_prescale(b(2.0f), b(2.0f)), 0u);
}

TEST(metric_variants, BinadeDirected) {
  // y = 1.125 (binade 2^0), q = 1.0: D = 0.125, / 1 -> 0.125 * 2^24 = 2^21 = 2097152 (PRESCALE gave 1864135: the
  // overestimate factor is 1.125, the significand of y).
  EXPECT_EQ(error_fx_binade(b(1.125f), b(1.0f)), 2097152u);
  EXPECT_EQ(error_fx_binade(b(-1.125f), b(-1.0f)), 2097152u);
  // y = 3.25 (binade 2^1), q = 3.0: D = 0.25, / 2 = 0.125 -> 2097152.
  EXPECT_EQ(error_fx_binade(b(3.25f), b(3.0f)), 2097152u);
  // y = 0.75 (binade 2^-1), q = 0.6875 (0x3F300000): D = 0.0625 = 2^-4, / 2^-1 = 2^-3 -> 2^21.
  EXPECT_EQ(error_fx_binade(b(0.75f), b(0.6875f)), 2097152u);
  // y = 1.75, q = 0: D = 1.75, binade 1 -> 1.75 * 2^24 = 29360128 (< cap 33554432).
  EXPECT_EQ(error_fx_binade(b(1.75f), 0u), 29360128u);
  // y = 1.75, q = -1.75: D = 3.5 -> 3.5 >= 2 -> cap.
  EXPECT_EQ(error_fx_binade(b(1.75f), b(-1.75f)), kCap);
  // y = 2^20, q = 2^20 + 1: D = 1, / 2^20 -> 2^4 = 16 (|y| a power of two: same as PRESCALE).
  EXPECT_EQ(error_fx_binade(b(1048576.0f), b(1048577.0f)), 16u);
  // y = 1.5 * 2^20 = 1572864, q = 1572865: D = 1, binade 2^20 -> 16 (PRESCALE: 2^24 / 1572864 = 10.67 -> 10).
  EXPECT_EQ(error_fx_binade(b(1572864.0f), b(1572865.0f)), 16u);
  EXPECT_EQ(error_fx_prescale(b(1572864.0f), b(1572865.0f)), 10u);
  // y = 3 * 2^-149 (subnormal; floor(log2 y) = 1 - 149 = -148), q = 0: D = 3 * 2^-149, / 2^-148 = 1.5 -> 25165824.
  EXPECT_EQ(error_fx_binade(0x00000003u, 0u), 25165824u);
  // y = 2^-149 (the smallest subnormal, binade 2^-149), q = 0: D / 2^-149 = 1 -> 2^24.
  EXPECT_EQ(error_fx_binade(0x00000001u, 0u), 1u << 24);
  // y = 2^-126 (smallest normal), q = 2^-126 + 2^-149 (0x00800001): D = 2^-149 (subnormal difference),
  // / 2^-126 = 2^-23 -> 2.
  EXPECT_EQ(error_fx_binade(0x00800000u, 0x00800001u), 2u);
  // y = 2^100, q = 0: D / 2^100 = 1 -> 2^24; y = 2^100, q = 448: D = 2^100 - 448 rounds to 2^100 in FP32 -> 2^24.
  EXPECT_EQ(error_fx_binade(0x71800000u, 0u), 1u << 24);
  EXPECT_EQ(error_fx_binade(0x71800000u, b(448.0f)), 1u << 24);
  // y = 2^-100, q = 448: D = 448 (y lost in the rounding), 448 / 2^-100 is far above 2 -> cap.
  EXPECT_EQ(error_fx_binade(0x0D800000u, b(448.0f)), kCap);
  EXPECT_EQ(error_fx_binade(b(2.0f), b(2.0f)), 0u);
}

TEST(metric_variants, ZeroAndNonFinite) {
  // A zero y contributes 0 whatever q (the canonical lane's zero-x rule; the caller skips zero x itself).
  for (uint32_t q : {0u, 0x80000000u, b(1.0f), b(-448.0f), kF32QuietNan}) {
    EXPECT_EQ(error_fx_prescale(0u, q), 0u);
    EXPECT_EQ(error_fx_prescale(0x80000000u, q), 0u);
    EXPECT_EQ(error_fx_binade(0u, q), 0u);
    EXPECT_EQ(error_fx_binade(0x80000000u, q), 0u);
  }
  // q = +-0 with y != 0: the relative error is exactly 1 in PRESCALE.
  EXPECT_EQ(error_fx_prescale(b(5.0f), 0x80000000u), 1u << 24);
  // NaN or Inf: the cap, as error_fx does for the canonical metric.
  for (uint32_t y : {kF32Inf, kF32Inf | 0x80000000u, kF32QuietNan, 0x7F800001u}) {
    EXPECT_EQ(error_fx_prescale(y, b(448.0f)), kCap);
    EXPECT_EQ(error_fx_binade(y, b(448.0f)), kCap);
  }
  EXPECT_EQ(error_fx_prescale(b(1.0f), kF32QuietNan), kCap);
  EXPECT_EQ(error_fx_binade(b(1.0f), kF32QuietNan), kCap);
  // q - y overflowing to Inf: y = -FLT_MAX, q = FLT_MAX (arbitrary pair) -> cap.
  EXPECT_EQ(error_fx_binade(kF32Max | 0x80000000u, kF32Max), kCap);
  EXPECT_EQ(error_fx_prescale(kF32Max | 0x80000000u, kF32Max), kCap);
}

// ---- properties ----

// An independent oracle for BINADE in double: D is exact in double, scaling by 2^-k is exact, floor of the
// product after the cap.
uint32_t binade_oracle(uint32_t y, uint32_t q) {
  const double dy = static_cast<double>(f32_from_bits(y));
  const double d = std::fabs(static_cast<double>(fsub_rn(f32_from_bits(q), f32_from_bits(y))));
  int k = 0;
  (void)std::frexp(std::fabs(dy), &k);  // |y| = m * 2^k, m in [0.5, 1): floor(log2|y|) = k - 1
  const double v = std::ldexp(d, 24 - (k - 1));
  return v >= 33554432.0 ? kCap : static_cast<uint32_t>(std::floor(v));
}

bool is_normal_or_zero(uint32_t v) { return f32_is_zero(v) || (f32_exp_field(v) != 0 && f32_is_finite(v)); }

uint32_t random_finite(std::mt19937& rng) {
  uint32_t v;
  do v = static_cast<uint32_t>(rng()); while (!f32_is_finite(v));
  return v;
}

// A realistic y: random sign, exponent in [-14, 9] (E4M3's range with subnormals and saturation), random mantissa.
uint32_t random_scaled(std::mt19937& rng) {
  const uint32_t r = static_cast<uint32_t>(rng());
  const uint32_t exp = 127 - 14 + (r % 24);
  return (r & 0x80000000u) | (exp << 23) | (static_cast<uint32_t>(rng()) & 0x7FFFFFu);
}

// Bounds, proven in metric.hpp's terms: with D = |RN32(q - y)|, 2^k <= |y| < 2^(k+1), v = D / |y|, e = RN32(v),
// p = floor(min(e, 2) 2^24) and B = D / 2^k (so v <= B < 2 v), binade = floor(min(B, 2) 2^24):
//   p <= binade: B >= v and RN32 is monotone; if B is an FP32 number, e = RN32(v) <= B. If B exceeds FLT_MAX,
//     binade is the cap. If B is below 2^-126 (not representable), e <= 2^-126 and p = 0.
//   binade <= 2 p + 6: if e >= 2, p is the cap and binade <= cap. Otherwise, when v >= 2^-126, v <= e / (1 - 2^-24)
//     and e * 2^24 < p + 1 <= 2^25, so B * 2^24 < 2 (p + 1) / (1 - 2^-24) < 2 p + 2 + 2^26 * 2^-24 * 1.0000001
//     < 2 p + 6.0001, hence binade <= 2 p + 6. When v < 2^-126, B < 2^-125 and binade = 0.
//   binade == p when |y| is a power of two: B = v is then D scaled by a power of two; if it is an FP32 number e = B.
//     (If B is below the FP32 normal range both are 0; above FLT_MAX both are the cap.)
TEST(metric_variants, BinadeBoundsOverRandomPairs) {
  std::mt19937 rng(2024);
  uint64_t checked = 0, pow2 = 0, bad_low = 0, bad_high = 0, bad_pow2 = 0, bad_oracle = 0, above = 0;
  for (int i = 0; i < 1000000; ++i) {
    uint32_t y, q;
    switch (i % 4) {
      case 0:  // realistic: q = decode(cvt_e4m3(y))
      case 1:
        y = random_scaled(rng);
        q = f32_from_e4m3(e4m3_from_f32(y));
        break;
      case 2:  // arbitrary finite pairs
        y = random_finite(rng);
        q = random_finite(rng);
        break;
      default:  // |y| a power of two, q near it
        y = (static_cast<uint32_t>(rng()) & 0x80000000u) | ((1 + static_cast<uint32_t>(rng()) % 254) << 23);
        q = f32_from_e4m3(e4m3_from_f32(fmul_rn_bits(y, random_scaled(rng))));
        break;
    }
    if (f32_is_zero(y)) continue;
    const uint32_t p = error_fx_prescale(y, q), bn = error_fx_binade(y, q);
    ++checked;
    bad_low += bn < p;
    bad_high += static_cast<uint64_t>(bn) > 2ull * p + 6;
    above += bn > p;
    bad_oracle += bn != binade_oracle(y, q);
    if (f32_man_field(y) == 0 && f32_exp_field(y) != 0) {
      ++pow2;
      bad_pow2 += bn != p;
    }
  }
  EXPECT_GT(checked, 990000u);
  EXPECT_GT(pow2, 200000u);
  EXPECT_GT(above, 100000u);  // the overestimate is real
  EXPECT_EQ(bad_low, 0u);
  EXPECT_EQ(bad_high, 0u);
  EXPECT_EQ(bad_pow2, 0u);
  EXPECT_EQ(bad_oracle, 0u);
}

// PRESCALE vs canonical: with s = 2^j and x, y, d, q - y, d - x normal or zero, x = y / s, d = q / s and
// d - x = (q - y) / s exactly in the reals, and RN32 commutes with the power-of-two scaling in the normal range,
// so RN32(d - x) / x and RN32(q - y) / y are the same real number and the same after RN32.
TEST(metric_variants, PrescaleEqualsCanonicalForPowerOfTwoScales) {
  std::mt19937 rng(99);
  uint64_t tested = 0, bad = 0;
  for (int i = 0; i < 1000000; ++i) {
    const uint32_t x = (static_cast<uint32_t>(rng()) & 0x80000000u) | ((60 + static_cast<uint32_t>(rng()) % 130) << 23) |
                       (static_cast<uint32_t>(rng()) & 0x7FFFFFu);
    const int j = static_cast<int>(rng() % 61) - 30;
    const uint32_t s = static_cast<uint32_t>(127 + j) << 23;
    const uint32_t y = fmul_rn_bits(x, s);
    const uint8_t code = e4m3_from_f32(y);
    const uint32_t q = f32_from_e4m3(code);
    const uint32_t d = quantize_element<E4M3>(x, s).dequant;
    const uint32_t dx = f32_bits(fsub_rn(f32_from_bits(d), f32_from_bits(x)));
    const uint32_t qy = f32_bits(fsub_rn(f32_from_bits(q), f32_from_bits(y)));
    if (!is_normal_or_zero(x) || !is_normal_or_zero(y) || !is_normal_or_zero(d) || !is_normal_or_zero(dx) ||
        !is_normal_or_zero(qy) || f32_is_zero(x))
      continue;
    ++tested;
    bad += error_fx_prescale(y, q) != error_fx(relative_error(x, d));
  }
  EXPECT_GT(tested, 500000u);
  EXPECT_EQ(bad, 0u);
}

// ... and the power-of-two condition is needed: for general s, y and d are rounded and the two differ sometimes.
TEST(metric_variants, PrescaleDiffersForGeneralScales) {
  std::mt19937 rng(5);
  uint64_t differ = 0;
  for (int i = 0; i < 100000; ++i) {
    const uint32_t x = random_scaled(rng);
    const uint32_t s = (127u << 23) | (static_cast<uint32_t>(rng()) & 0x7FFFFFu);  // s in [1, 2)
    const uint32_t y = fmul_rn_bits(x, s);
    const uint32_t q = f32_from_e4m3(e4m3_from_f32(y));
    differ += error_fx_prescale(y, q) != error_fx(relative_error(x, quantize_element<E4M3>(x, s).dequant));
  }
  EXPECT_GT(differ, 0u);
}

}  // namespace
}  // namespace mor
