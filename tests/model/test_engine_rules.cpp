// The engine's rules without a divider (model/include/mor/core/engine_rules.hpp) against the model's definitions,
// which divide: each proof is exhaustive over what the argument leaves open, strided in the default run and complete
// under MOR_SWEEP=full (`make exhaustive`).
//   BandComparator*:   DR = RN32(a / a_min) <= R  vs  band_contains, for every a_min of the swept exponents and
//                      significands (all 2^23 under full), at the switch point of each (both predicates are monotone
//                      in a, so equal there and on random a means equal everywhere), each band of the engine.
//   E8Scale*:          mor_e8_rz_scale vs e8_rz_scale_cmp, every non-negative 32-bit pattern (full), both FMAX.
//   GamThresholds*:    gam_thresholds (binary search, 44 divisions) vs one division, every group mantissa (full).
//   LaneProduct*:      the lanes' flushed product gives the model's codes and interval bounds.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <random>
#include <thread>
#include <vector>

#include "mor/core/convert.hpp"
#include "mor/core/decision.hpp"
#include "mor/core/engine_rules.hpp"
#include "mor/core/gam.hpp"
#include "mor/core/metric_interval.hpp"
#include "mor/core/scale.hpp"
#include "sweep.hpp"

namespace mor {
namespace {

const uint32_t kBands[] = {f32_bits(kBandE4M3), f32_bits(kBandE4M3QuantError), f32_bits(kBandE5M2)};

// The model's test: subtensor_band's DR <= R on subtensor_dynamic_range.
bool model_in_band(uint32_t amax, uint32_t min_nonzero, uint32_t band) {
  return f32_from_bits(subtensor_dynamic_range(amax, min_nonzero)) <= f32_from_bits(band);
}


// For one a_min: both predicates at every a in a window of 7 FP32 numbers around the largest a <= M * a_min (the
// switch point), and that the window holds the switch. Returns the mismatches; counts how often the naive test
// a <= R * a_min would have differed.
uint64_t check_band_at(uint32_t b, uint32_t band, uint64_t* naive_wrong) {
  const int e = static_cast<int>(f32_exp_field(band)) - 127;
  const double m = static_cast<double>(f32_from_bits(band)) + std::ldexp(1.0, e - 24);  // R + ulp(R) / 2
  const double boundary = m * static_cast<double>(f32_from_bits(b));                         // exact in double
  if (boundary >= static_cast<double>(f32_from_bits(kF32Max))) return 0;  // every finite a is inside: random test
  float a0 = static_cast<float>(boundary);
  if (static_cast<double>(a0) > boundary) a0 = std::nextafter(a0, 0.0f);
  uint64_t bad = 0;
  const uint32_t center = f32_bits(a0);
  for (int k = -3; k <= 3; ++k) {
    const uint32_t a = center + static_cast<uint32_t>(k);
    if (a < b || a >= kF32Inf) continue;
    const bool want = model_in_band(a, b, band);
    bad += band_contains(a, b, band) != want;
    if (k == 0) bad += !want;  // the switch: inside at a0 ...
    if (k == 1) bad += want;   // ... outside one step above
    const double naive = static_cast<double>(f32_from_bits(a)) <= static_cast<double>(f32_from_bits(band)) *
                                                                     static_cast<double>(f32_from_bits(b));
    *naive_wrong += naive != want;
  }
  return bad;
}

TEST(engine_rules, BandComparatorAtEverySwitchPoint) {
  require_ieee_fp_env();
  const uint32_t stride = test::full_sweep() ? 1u : 61u;
  // a_min's exponent fields: subnormal, the bottom, the middle and the top of the range (the quotient overflows).
  const uint32_t exps[] = {0, 1, 2, 60, 127, 200, 226, 254};
  for (const uint32_t band : kBands) {
    ASSERT_EQ(f32_man_field(band) & 1u, 0u) << "the comparator needs an even significand";
    std::atomic<uint64_t> bad{0}, naive{0};
    std::vector<std::thread> pool;
    for (const uint32_t e : exps)
      pool.emplace_back([&, e] {
        uint64_t my_bad = 0, my_naive = 0;
        for (uint32_t f = e == 0 ? 1 : 0; f < (1u << 23); f += stride) my_bad += check_band_at(e << 23 | f, band, &my_naive);
        bad += my_bad;
        naive += my_naive;
      });
    for (auto& t : pool) t.join();
    EXPECT_EQ(bad.load(), 0u) << "band " << f32_from_bits(band);
    EXPECT_GT(naive.load(), 0u) << "a <= R * a_min should differ at some switch points (the half ulp)";
  }
}

TEST(engine_rules, BandComparatorRandomPairs) {
  require_ieee_fp_env();
  std::mt19937_64 rng(17);
  uint64_t bad = 0;
  for (int i = 0; i < 2'000'000; ++i) {
    uint32_t a = static_cast<uint32_t>(rng() % kF32Inf), b = static_cast<uint32_t>(rng() % kF32Inf);
    if (i % 4 == 0) b = a - std::min<uint32_t>(a, static_cast<uint32_t>(rng() % (64u << 23)));  // close ratios
    if (a < b) std::swap(a, b);
    if (b == 0) continue;
    for (const uint32_t band : kBands) bad += band_contains(a, b, band) != model_in_band(a, b, band);
  }
  for (const uint32_t band : kBands) {
    bad += !band_contains(0, kF32Inf, band);  // an all-zero block: DR = 1
    bad += band_contains(kF32Max, 1, band) != model_in_band(kF32Max, 1, band);
  }
  EXPECT_EQ(bad, 0u);
}

TEST(engine_rules, E8ScaleComparatorEveryAmax) {
  require_ieee_fp_env();
  for (const float fmax : {kE4M3Max, kE5M2Max}) {
    const uint32_t fb = f32_bits(fmax);
    const uint64_t bad = test::sweep_u32(test::fp32_stride(251), [&](uint64_t first, uint64_t count, uint64_t stride) {
      uint64_t n = 0;
      for (uint64_t i = 0; i < count; ++i) {
        const uint32_t a = static_cast<uint32_t>(first + i * stride) & 0x7FFFFFFFu;  // |x| bits
        n += e8_rz_scale_cmp(a, fb) != mor_e8_rz_scale(a, fmax);
      }
      return n;
    }, "e8 scale");
    EXPECT_EQ(bad, 0u) << fmax;
  }
  for (const uint32_t a : {0u, 1u, 0x7FFFFFu, 0x800000u, kF32One, kF32Max, kF32Inf, kF32QuietNan})
    EXPECT_EQ(e8_rz_scale_cmp(a, f32_bits(kE4M3Max)), mor_e8_rz_scale(a, kE4M3Max)) << a;
}

TEST(engine_rules, GamThresholdsFromOneDivisionEveryGroupMantissa) {
  require_ieee_fp_env();
  const uint32_t stride = test::full_sweep() ? 1u : 7u;
  std::atomic<uint64_t> bad{0};
  const unsigned n_threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < n_threads; ++t)
    pool.emplace_back([&, t] {
      uint64_t my = 0;
      for (uint32_t m = t * stride; m < (1u << 23); m += stride * n_threads) {
        const uint32_t r_g = kF32One | m;
        const GamThresholds want = gam_thresholds(r_g), got = gam_thresholds_from_quotient(r_g, gam_threshold_quotient(r_g));
        my += want.t_a != got.t_a || want.t_b != got.t_b || want.floor != got.floor || want.split != got.split ||
              want.exp_base != got.exp_base || want.group_scale != got.group_scale;
      }
      bad += my;
    });
  for (auto& t : pool) t.join();
  EXPECT_EQ(bad.load(), 0u);
  for (const uint32_t m : {0u, 1u, 0x5FFFFFu, 0x600000u, 0x600001u, 0x7FFFFEu, 0x7FFFFFu}) {
    const GamThresholds want = gam_thresholds(kF32One | m), got = gam_thresholds_from_quotient(kF32One | m, gam_threshold_quotient(kF32One | m));
    EXPECT_EQ(want.t_a, got.t_a) << m;
    EXPECT_EQ(want.t_b, got.t_b) << m;
  }
}

TEST(engine_rules, GamBlockScaleFromOneDivisionRandomGroups) {
  require_ieee_fp_env();
  std::mt19937_64 rng(5);
  uint64_t bad = 0;
  for (int g = 0; g < 20000; ++g) {
    const uint32_t group_amax = static_cast<uint32_t>(rng() % kF32Inf);
    const uint32_t r_g = gam_group_scale(group_amax);
    const GamThresholds th = gam_thresholds_from_quotient(r_g, gam_threshold_quotient(r_g));
    for (int j = 0; j < 100; ++j) {
      const uint32_t a = j == 0 ? group_amax : static_cast<uint32_t>(rng() % (group_amax + 1u));
      bad += gam_block_scale_cmp(th, a) != gam_block_scale(r_g, a);
    }
  }
  EXPECT_EQ(bad, 0u);
}

// The codes and the interval bounds (K = 8) from the flushed product equal the model's from RN32(x * s), and the
// product itself is RN32(x * s) wherever the exact product is at least 2^-126.
uint64_t check_lane_product(uint32_t x, uint32_t s, uint64_t* flushed) {
  const uint32_t y = fmul_rn_bits(x, s), yl = lane_product(x, s);
  uint64_t bad = 0;
  if (yl != y) {
    ++*flushed;
    bad += f32_exp_field(y) > 1 || (yl & 0x7FFFFFFFu) != 0 || (yl >> 31) != (y >> 31);  // only tiny y are flushed
  }
  const uint8_t c4 = e4m3_from_f32(y), c5 = e5m2_from_f32(y);
  bad += e4m3_from_f32(yl) != c4 || e5m2_from_f32(yl) != c5;
  for (const uint8_t c : {c4, c5}) {
    const uint32_t q = c == c4 ? f32_from_e4m3(c) : f32_from_e5m2(c);
    const uint32_t ql = c == c4 ? f32_from_e4m3(e4m3_from_f32(yl)) : f32_from_e5m2(e5m2_from_f32(yl));
    const ErrorFxInterval want = error_fx_interval(x, y, q, kEngineIntervalK), got = error_fx_interval(x, yl, ql, kEngineIntervalK);
    bad += want.lo != got.lo || want.hi != got.hi;
  }
  return bad;
}

TEST(engine_rules, LaneProductKeepsCodesAndBounds) {
  require_ieee_fp_env();
  std::mt19937_64 rng(11);
  uint64_t bad = 0, flushed = 0;
  for (int i = 0; i < 3'000'000; ++i) {
    const uint32_t x = static_cast<uint32_t>(rng()) & 0xFF7FFFFFu;  // finite (exponent field below 255)
    const uint32_t s = static_cast<uint32_t>(1 + rng() % 254) << 23 | static_cast<uint32_t>(rng() % (1u << 23));
    bad += check_lane_product(x, s, &flushed);
  }
  // Directed: products around 2^-126 (the flush boundary) and around FLT_MAX (overflow to Inf).
  for (int i = 0; i < 1'000'000; ++i) {
    const uint32_t s = static_cast<uint32_t>(64 + rng() % 128) << 23 | static_cast<uint32_t>(rng() % (1u << 23));
    const float target = i % 2 ? 0x1p-126f : 0x1.fffffep127f;
    const uint32_t x0 = f32_bits(fdiv_rn(target, f32_from_bits(s)));
    const uint32_t x = (x0 + static_cast<uint32_t>(rng() % 9) - 4u) | (rng() % 2 ? 0x80000000u : 0u);
    if (f32_is_finite(x)) bad += check_lane_product(x, s, &flushed);
  }
  EXPECT_EQ(bad, 0u);
  EXPECT_GT(flushed, 1000u) << "the flush boundary was not reached";
}

}  // namespace
}  // namespace mor
