// The canonical error metric and its fixed-point grid (D5), and the FP32 environment guard (D0).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mor/core/element.hpp"
#include "mor/core/metric.hpp"

namespace mor {
namespace {

TEST(metric, ThresholdOnTheGrid) {
  EXPECT_EQ(threshold_fx(0.045), 754974u);  // floor(0.045 * 16777216) = floor(754974.72)
  EXPECT_EQ(threshold_fx(0.0), 0u);
  EXPECT_EQ(threshold_fx(1.0), 16777216u);
}

TEST(metric, ErrorFxIsFloorOnTheGrid) {
  EXPECT_EQ(error_fx(f32_bits(1.0f)), 1u << 24);
  EXPECT_EQ(error_fx(f32_bits(1.5f)), 3u << 23);
  EXPECT_EQ(error_fx(f32_bits(0.5f)), 1u << 23);
  EXPECT_EQ(error_fx(f32_bits(0x1p-24f)), 1u);
  EXPECT_EQ(error_fx(f32_bits(0x1.fffffep-25f)), 0u);
  EXPECT_EQ(error_fx(f32_bits(2.0f)), 2u << 24);
  EXPECT_EQ(error_fx(f32_bits(3.0f)), 2u << 24);  // capped
  EXPECT_EQ(error_fx(0), 0u);
  // Against an independent computation in double for random e in [0, 2).
  std::mt19937 rng(7);
  for (int i = 0; i < 1000000; ++i) {
    const uint32_t e = rng() % 0x40000000u;  // every FP32 below 2.0
    const double want = std::floor(static_cast<double>(f32_from_bits(e)) * 16777216.0);
    ASSERT_EQ(static_cast<double>(error_fx(e)), want) << std::hex << e;
  }
}

TEST(metric, DecisionIsStrictOnTheGrid) {
  EXPECT_FALSE(metric_rejects(754974u * 10, 10, 754974u));  // equal: MRE == T is accepted
  EXPECT_TRUE(metric_rejects(754974u * 10 + 1, 10, 754974u));
  EXPECT_FALSE(metric_rejects(0, 0, 754974u));
}

TEST(metric, RelativeErrorForms) {
  const uint32_t x = f32_bits(1.1f), d = f32_bits(1.125f);
  EXPECT_EQ(relative_error(x, d), f32_bits(std::fabs((1.125f - 1.1f) / 1.1f)));
  EXPECT_EQ(relative_error_mor_ref(x, d), f32_bits(std::fabs(1.125f / 1.1f - 1.0f)));
  EXPECT_EQ(relative_error(f32_bits(-2.0f), 0x80000000u), f32_bits(1.0f));  // underflow to -0: error 1
}

TEST(metric, MorRefBf16RoundingAndItsNanMangling) {
  EXPECT_EQ(bf16_round_mor_ref(0x3F808000u), 0x3F81);  // tie goes away from zero
  EXPECT_EQ(bf16_round_mor_ref(0x3F807FFFu), 0x3F80);
  EXPECT_EQ(bf16_round_mor_ref(0x7F7F8000u), 0x7F80);  // carry into the exponent: Inf
  EXPECT_EQ(bf16_round_mor_ref(0x7FFFFFFFu), 0x8000);  // NaN with bit 15 set carries into the sign position
  EXPECT_EQ(bf16_round_mor_ref(0xFFFFFFFFu), 0x8000);
  EXPECT_EQ(bf16_from_f32(0x7FFFFFFFu), 0x7FC0);  // the project default gives the quiet NaN
}

TEST(metric, FpEnvironmentIsIeee) { EXPECT_NO_THROW(require_ieee_fp_env()); }

}  // namespace
}  // namespace mor
