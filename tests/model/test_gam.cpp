// The GAM scale unit (spec 4, D3): the worked values of the spec, and its properties over structured and random
// (group amax, block amax) pairs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mor/core/convert.hpp"
#include "mor/core/gam.hpp"

namespace mor {
namespace {

uint32_t b(float x) { return f32_bits(x); }

// Spec section 4, "Worked values (FP32 hex)": a_g, a_j, r_g, b_j, s_j, k_j.
struct Worked {
  float a_g, a_j;
  uint32_t r_g, b_j, s_j, k_j;
};
constexpr Worked kWorked[] = {
    {3.0f, 0.7f, 0x43155555, 0x44200000, 0x44155555, 2},
    {3.0f, 1.7f, 0x43155555, 0x4383c3c4, 0x43155555, 0},
    {448.0f, 1.0f, 0x3f800000, 0x43e00000, 0x43800000, 8},
    {1.0f, 0.5f, 0x43e00000, 0x44600000, 0x44600000, 1},
    {100.0f, 0.011f, 0x408f5c29, 0x471f1746, 0x470f5c29, 13},
    {1e-3f, 3.0517578125e-5f, 0x48dabfff, 0x4b600000, 0x4b5abfff, 5},
};

TEST(gam, WorkedValuesOfTheSpec) {
  for (const Worked& w : kWorked) {
    const uint32_t r_g = gam_group_scale(b(w.a_g));
    EXPECT_EQ(r_g, w.r_g) << w.a_g;
    EXPECT_EQ(b(448.0f / w.a_j), w.b_j) << w.a_j;
    const uint32_t s = gam_block_scale(r_g, b(w.a_j));
    EXPECT_EQ(s, w.s_j) << w.a_g << " " << w.a_j;
    EXPECT_EQ(gam_exp_offset(r_g, s), w.k_j);
    EXPECT_EQ(gam_scale_from_offset(r_g, w.k_j), w.s_j);
  }
}

// Every property of spec 4 for one (a_g, a_j) with a_j <= a_g; returns false (with a message) on a violation.
::testing::AssertionResult gam_properties(uint32_t a_g, uint32_t a_j) {
  const uint32_t r_g = gam_group_scale(a_g);
  const uint32_t s = gam_block_scale(r_g, a_j);
  const uint32_t k = gam_exp_offset(r_g, s);
  const double bj = static_cast<double>(448.0f / f32_from_bits(gam_floor(a_j)));
  const double sv = static_cast<double>(f32_from_bits(s));
  auto fail = [&](const char* what) {
    return ::testing::AssertionFailure() << what << std::hex << " a_g=0x" << a_g << " a_j=0x" << a_j << " r_g=0x"
                                         << r_g << " s=0x" << s << std::dec << " k=" << k;
  };
  if (!f32_is_finite(r_g) || !f32_is_finite(s)) return fail("non-finite scale");
  if (k > 254) return fail("k out of range (negative?)");
  if (gam_scale_from_offset(r_g, k) != s) return fail("s != r_g * 2^k");
  if (sv * std::ldexp(1.0, -static_cast<int>(k)) != static_cast<double>(f32_from_bits(r_g))) return fail("not a power-of-two multiple");
  if (!(bj / 2 < sv && sv <= bj)) return fail("not b/2 < s <= b");
  // The block maximum lands in (FMAX/2, FMAX] up to the rounding of the FP32 multiply (RN32(a_j * s) can be one
  // ulp above 448 when RN32(448 / a_j) rounded up), so E4M3 never overflows: even NOSAT gives a finite code.
  if (a_j >= kGamAmaxFloor) {
    const float y = f32_from_bits(a_j) * f32_from_bits(s);
    if (!(y <= 448.0f * (1.0f + 0x1p-23f))) return fail("block max above FMAX by more than one ulp");
    if (!(y > 224.0f)) return fail("block max not above FMAX/2");
    const ConvertMode nosat{Rounding::kRNE, Overflow::kNoSat, NanEncoding::kCanonical};
    if ((e4m3_from_f32(f32_bits(y), nosat) & 0x7F) == 0x7F) return fail("block max overflows E4M3");
  }
  if (a_j == a_g && k != 0) return fail("the block holding the group amax has k != 0");
  return ::testing::AssertionSuccess();
}

TEST(gam, PropertiesOverStructuredAmaxClasses) {
  // Significand classes of spec 9: [1, 1.75], (1.75, 1.8125], (1.8125, 1.875], (1.875, 2), and the edges.
  const uint32_t mantissas[] = {0x000000, 0x000001, 0x3FFFFF, 0x400000, 0x5FFFFF, 0x600000, 0x600001,
                                0x680000, 0x680001, 0x700000, 0x700001, 0x7FFFFE, 0x7FFFFF, 0x155555, 0x2AAAAA};
  uint64_t checked = 0;
  for (uint32_t eg = 1; eg < 255; eg += 3)
    for (uint32_t mg : mantissas) {
      const uint32_t a_g = eg << 23 | mg;
      for (uint32_t ej = 1; ej <= eg; ej += 2)
        for (uint32_t mj : mantissas) {
          const uint32_t a_j = ej << 23 | mj;
          if (a_j > a_g) continue;
          ASSERT_TRUE(gam_properties(a_g, a_j));
          ++checked;
        }
      ASSERT_TRUE(gam_properties(a_g, a_g));
      ASSERT_TRUE(gam_properties(a_g, 0));           // all-zero block
      ASSERT_TRUE(gam_properties(a_g, 0x00000001));  // FP32 subnormal block amax
    }
  EXPECT_GT(checked, 100000u);
}

TEST(gam, PropertiesOverTenMillionRandomPairs) {
  std::mt19937_64 rng(4242);
  for (int i = 0; i < 10'000'000; ++i) {
    const uint64_t r = rng();
    uint32_t a = static_cast<uint32_t>(r) & 0x7FFFFFFFu, c = static_cast<uint32_t>(r >> 32) & 0x7FFFFFFFu;
    if (a >= kF32Inf) a = kF32Max;
    if (c >= kF32Inf) c = 0x3F800000u;
    if (c > a) std::swap(a, c);
    if (i % 2) c = a - (static_cast<uint32_t>(r >> 40) % std::max<uint32_t>(1, a >> 8));  // close to the group amax
    ASSERT_TRUE(gam_properties(a, c));
  }
}

TEST(gam, TinyGroupAmaxUsesTheFloor) {
  // D3: the floor applies to the group too, so r_g stays finite even for amax below 1.32e-36.
  for (uint32_t a : {0u, 1u, 0x00400000u, 0x01000000u, kGamAmaxFloor - 1, kGamAmaxFloor}) {
    EXPECT_EQ(gam_group_scale(a), f32_bits(448.0f / 1e-35f)) << a;
    EXPECT_TRUE(gam_properties(a, a));
  }
}

TEST(gam, E5M2CandidateStaysFiniteForTinyAmax) {
  // 57344 / 1e-35 overflows FP32: the E5M2 floor is 1e-35 * 2^7, which gives the same r_g significand.
  EXPECT_EQ(gam_amax_floor(57344.0f), 0x08D4AD2Eu);
  for (uint32_t a : {0u, 1u, 0x00400000u, kGamAmaxFloor, 0x3F800000u, kF32Max}) {
    const uint32_t r_g = gam_group_scale(a, 57344.0f);
    EXPECT_TRUE(f32_is_finite(r_g)) << std::hex << a;
    EXPECT_EQ(r_g & 0x7FFFFFu, gam_group_scale(a) & 0x7FFFFFu) << std::hex << a;  // same m_g as for 448
    const uint32_t s = gam_block_scale(r_g, a, 57344.0f);
    EXPECT_TRUE(f32_is_finite(s));
    EXPECT_EQ(gam_exp_offset(r_g, s), 0u);
  }
}

}  // namespace
}  // namespace mor
