// Directed edge cases of spec section 2, with expected codes written from the spec's tables (not from the code).
#include <gtest/gtest.h>

#include <limits>

#include "mor/core/convert.hpp"

namespace mor {
namespace {

constexpr ConvertMode kSat{Rounding::kRNE, Overflow::kSatFinite, NanEncoding::kCanonical};
constexpr ConvertMode kNoSat{Rounding::kRNE, Overflow::kNoSat, NanEncoding::kCanonical};
constexpr ConvertMode kMlDtypes{Rounding::kRNE, Overflow::kNoSat, NanEncoding::kKeepSign};
constexpr ConvertMode kMlDtypesSat{Rounding::kRNE, Overflow::kSatFiniteOnly, NanEncoding::kKeepSign};

uint32_t b(float x) { return f32_bits(x); }
const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

TEST(directed, SpecPeerTableE4M3) {
  // Rows of the spec's "where peers differ" table: CUDA SATFINITE, CUDA NOSAT, ml_dtypes, ml_dtypes saturating.
  EXPECT_EQ(e4m3_from_f32(b(kInf), kSat), 0x7E);
  EXPECT_EQ(e4m3_from_f32(b(-kInf), kSat), 0xFE);
  EXPECT_EQ(e4m3_from_f32(b(kInf), kNoSat), 0x7F);
  EXPECT_EQ(e4m3_from_f32(b(-kInf), kNoSat), 0xFF);
  EXPECT_EQ(e4m3_from_f32(b(kInf), kMlDtypes), 0x7F);
  EXPECT_EQ(e4m3_from_f32(b(kInf), kMlDtypesSat), 0x7F);
  EXPECT_EQ(e4m3_from_f32(b(465.0f), kSat), 0x7E);
  EXPECT_EQ(e4m3_from_f32(b(465.0f), kNoSat), 0x7F);
  EXPECT_EQ(e4m3_from_f32(b(465.0f), kMlDtypes), 0x7F);
  EXPECT_EQ(e4m3_from_f32(b(465.0f), kMlDtypesSat), 0x7E);
  EXPECT_EQ(e4m3_from_f32(b(-kNaN), kSat), 0x7F);
  EXPECT_EQ(e4m3_from_f32(b(-kNaN), kMlDtypes), 0xFF);
  EXPECT_EQ(e4m3_from_f32(b(-0.0f), kSat), 0x80);
  EXPECT_EQ(e4m3_from_f32(b(-1e-30f), kSat), 0x80);
}

TEST(directed, SpecPeerTableE5M2) {
  EXPECT_EQ(e5m2_from_f32(b(61440.0f), kSat), 0x7B);
  EXPECT_EQ(e5m2_from_f32(b(61440.0f), kNoSat), 0x7C);
  EXPECT_EQ(e5m2_from_f32(b(61440.0f), kMlDtypes), 0x7C);
  EXPECT_EQ(e5m2_from_f32(b(61440.0f), kMlDtypesSat), 0x7B);
  EXPECT_EQ(e5m2_from_f32(b(-kInf), kNoSat), 0xFC);
  EXPECT_EQ(e5m2_from_f32(b(-kNaN), kMlDtypes), 0xFE);
}

TEST(directed, OverflowBoundaries) {
  EXPECT_EQ(e4m3_from_f32(b(464.0f), kNoSat), 0x7E);  // tie between 448 (mantissa 110, even) and 480: down
  EXPECT_EQ(e4m3_from_f32(b(463.99997f), kNoSat), 0x7E);
  EXPECT_EQ(e4m3_from_f32(b(464.00003f), kNoSat), 0x7F);  // above the tie: rounds to 480, overflow, NaN
  EXPECT_EQ(e5m2_from_f32(b(61439.996f), kNoSat), 0x7B);
}

TEST(directed, SubnormalsAndHalfMin) {
  // E4M3 min subnormal 2^-9; half of it is a tie between 0 (even) and 2^-9.
  EXPECT_EQ(e4m3_from_f32(b(0x1p-10f), kSat), 0x00);
  EXPECT_EQ(e4m3_from_f32(b(0x1.000002p-10f), kSat), 0x01);
  EXPECT_EQ(e4m3_from_f32(b(-0x1p-10f), kSat), 0x80);
  EXPECT_EQ(e4m3_from_f32(b(0x3p-10f), kSat), 0x02);  // 1.5 * 2^-9: tie between 1 and 2 -> even (2)
  // E5M2 min subnormal 2^-16.
  EXPECT_EQ(e5m2_from_f32(b(0x1p-17f), kSat), 0x00);
  EXPECT_EQ(e5m2_from_f32(b(0x1.8p-17f), kSat), 0x01);
  // FP32 subnormal inputs underflow to signed zero.
  EXPECT_EQ(e4m3_from_f32(0x00000001u, kSat), 0x00);
  EXPECT_EQ(e4m3_from_f32(0x80400000u, kSat), 0x80);
}

TEST(directed, RoundingModes) {
  auto with = [](Rounding r) { return ConvertMode{r, Overflow::kSatFinite, NanEncoding::kCanonical}; };
  // 1.0625 = 1 + 1/16 is the midpoint between 1.0 (0x38) and 1.125 (0x39).
  EXPECT_EQ(e4m3_from_f32(b(1.0625f), with(Rounding::kRNE)), 0x38);
  EXPECT_EQ(e4m3_from_f32(b(1.0625f), with(Rounding::kRNA)), 0x39);
  EXPECT_EQ(e4m3_from_f32(b(1.0625f), with(Rounding::kRZ)), 0x38);
  EXPECT_EQ(e4m3_from_f32(b(1.0625f), with(Rounding::kRU)), 0x39);
  EXPECT_EQ(e4m3_from_f32(b(1.0625f), with(Rounding::kRD)), 0x38);
  EXPECT_EQ(e4m3_from_f32(b(-1.0625f), with(Rounding::kRU)), 0xB8);
  EXPECT_EQ(e4m3_from_f32(b(-1.0625f), with(Rounding::kRD)), 0xB9);
  EXPECT_EQ(e4m3_from_f32(b(1.0625f), with(Rounding::kRTO)), 0x39);
  EXPECT_EQ(e4m3_from_f32(b(1.125f), with(Rounding::kRTO)), 0x39);  // exact stays
  EXPECT_EQ(e4m3_from_f32(b(1.25f + 0x1p-20f), with(Rounding::kRTO)), 0x3B);
}

TEST(directed, StochasticRoundingUsesCallerBits) {
  const ConvertMode sr{Rounding::kSR, Overflow::kSatFinite, NanEncoding::kCanonical};
  // 1.03125 is a quarter of the way from 1.0 to 1.125: the fraction is 0x40000000 of 2^32.
  EXPECT_EQ((convert<E4M3, FP32>(b(1.03125f), sr, 0xBFFFFFFFu)), 0x38);
  EXPECT_EQ((convert<E4M3, FP32>(b(1.03125f), sr, 0xC0000000u)), 0x39);
  EXPECT_EQ((convert<E4M3, FP32>(b(1.0f), sr, 0xFFFFFFFFu)), 0x38);  // exact values never move
}

TEST(directed, NoSatDirectedRoundingFollowsIeee) {
  auto nosat = [](Rounding r) { return ConvertMode{r, Overflow::kNoSat, NanEncoding::kCanonical}; };
  EXPECT_EQ(e4m3_from_f32(b(1000.0f), nosat(Rounding::kRZ)), 0x7E);
  EXPECT_EQ(e4m3_from_f32(b(1000.0f), nosat(Rounding::kRU)), 0x7F);
  EXPECT_EQ(e4m3_from_f32(b(-1000.0f), nosat(Rounding::kRU)), 0xFE);
  EXPECT_EQ(e5m2_from_f32(b(1e6f), nosat(Rounding::kRD)), 0x7B);
  EXPECT_EQ(e5m2_from_f32(b(-1e6f), nosat(Rounding::kRD)), 0xFC);
}

TEST(directed, Bf16) {
  EXPECT_EQ(bf16_from_f32(0x3F808000u), 0x3F80);  // tie to even
  EXPECT_EQ(bf16_from_f32(0x3F818000u), 0x3F82);
  EXPECT_EQ(bf16_from_f32(0x3F808000u, Rounding::kRNA), 0x3F81);
  EXPECT_EQ(bf16_from_f32(0x7F7FFFFFu), 0x7F80);  // FLT_MAX rounds up to Inf (IEEE)
  EXPECT_EQ(bf16_from_f32(0xFFC00001u), 0xFFC0);  // NaN keeps sign, quiet
  EXPECT_EQ(bf16_from_f32(0x00000001u), 0x0000);
}

TEST(directed, E8M0) {
  EXPECT_EQ(e8m0_from_f32(b(1.0f)), 0x7F);
  EXPECT_EQ(e8m0_from_f32(b(1.5f)), 0x7F);
  EXPECT_EQ(e8m0_from_f32(b(1.5f), Rounding::kRU), 0x80);
  EXPECT_EQ(e8m0_from_f32(b(-3.0f)), 0x80);  // |x|
  EXPECT_EQ(e8m0_from_f32(b(0.0f)), 0x00);    // no zero: 2^-127
  EXPECT_EQ(e8m0_from_f32(0x00400000u, Rounding::kRU), 0x00);
  EXPECT_EQ(e8m0_from_f32(0x00400001u, Rounding::kRU), 0x01);
  EXPECT_EQ(e8m0_from_f32(b(kInf)), 0xFE);
  EXPECT_EQ(e8m0_from_f32(b(kInf), Rounding::kRZ, Overflow::kNoSat), 0xFF);
  EXPECT_EQ(e8m0_from_f32(b(kNaN)), 0xFF);
  EXPECT_EQ(e8m0_from_f32(0x7F7FFFFFu, Rounding::kRU), 0xFE);
  EXPECT_EQ(e8m0_from_f32(0x7F7FFFFFu, Rounding::kRU, Overflow::kNoSat), 0xFF);
}

TEST(directed, Fp64RoundsOnce) {
  // 1 + 2^-4 + 2^-30: via FP32 it would become the tie 1.0625 and round to even (1.0); directly it rounds up.
  const double x = 1.0 + 0x1p-4 + 0x1p-30;
  EXPECT_EQ((convert<E4M3, FP64>(f64_bits(x), kSat)), 0x39);
}

}  // namespace
}  // namespace mor
