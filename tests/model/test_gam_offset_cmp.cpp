// The comparator form of the GAM block step (model/include/mor/core/gam_offset_cmp.hpp, docs/gam-comparator.md) against
// mor::gam_block_scale, bit for bit, for FMAX = 448 (E4M3) and 57344 (E5M2).
//
// The proof that the threshold form is exact for every (m_g, a_j) is the conjunction of:
//   - MantissaMonotoneInEachBranch: m_j(f) non-increasing on each branch, all 2^23 f (and exp(b_j) as predicted);
//   - ScaleInvarianceOverAllExponents: b_j at 2^E * 1.f is 2^-E times b_j at 1.f, every exponent of the legal
//     range, strided f (every f under MOR_SWEEP=full);
//   - ThresholdsForAllGroupMantissas: the binary search returns, for all 2^23 m_g, the threshold counted from the
//     table of all m_j(f) (so "m_g > m_j(f) <=> f >= T" holds for every m_g and f, given monotonicity).
// AgreesWithGamBlockScale and Sweep check the implementation end to end; BrokenVariantsAreDetected shows that the
// checker fails on an off-by-one.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "mor/core/gam.hpp"
#include "mor/core/gam_offset_cmp.hpp"
#include "sweep.hpp"

namespace mor {
namespace {

constexpr float kFmax[] = {448.0f, 57344.0f};
constexpr uint32_t kMan = 1u << 23;

std::vector<uint32_t> mantissa_table(float fmax) {
  std::vector<uint32_t> m(kMan);
  for (uint32_t f = 0; f < kMan; ++f) m[f] = gam_mantissa_at(f, f32_bits(fmax));
  return m;
}

// (a) m_j(f) over all 2^23 mantissas at exponent 127: non-increasing within each branch, and exp(b_j) =
// exp(FMAX) - [f > split] (so RN32(q) never reaches 2 in branch A nor 1 in branch B).
TEST(gam_offset_cmp, MantissaMonotoneInEachBranch) {
  require_ieee_fp_env();
  for (const float fmax : kFmax) {
    const uint32_t fb = f32_bits(fmax), split = f32_man_field(fb);
    EXPECT_EQ(split, 0x600000u);
    uint64_t bad_mono = 0, bad_exp = 0;
    uint32_t prev = 0;
    for (uint32_t f = 0; f < kMan; ++f) {
      const uint32_t b = fdiv_rn_bits(fb, kF32One | f);
      const uint32_t m = f32_man_field(b), br = f > split;
      bad_exp += f32_exp_field(b) != f32_exp_field(fb) - br;
      if (f != 0 && f != split + 1 && m > prev) ++bad_mono;  // a branch start has no predecessor in the branch
      prev = m;
    }
    EXPECT_EQ(bad_mono, 0u) << fmax;
    EXPECT_EQ(bad_exp, 0u) << fmax;
  }
}

// (a) For every exponent field ea of the legal range (a_j' >= floor, up to FLT_MAX) and f strided (all f under
// MOR_SWEEP=full): RN32(FMAX / (2^E * 1.f)) has the mantissa of RN32(FMAX / 1.f) and exponent exp(FMAX)+127-ea-br.
TEST(gam_offset_cmp, ScaleInvarianceOverAllExponents) {
  require_ieee_fp_env();
  const uint32_t stride = test::full_sweep() ? 1u : 29u;
  for (const float fmax : kFmax) {
    const uint32_t fb = f32_bits(fmax), split = f32_man_field(fb), floor = gam_amax_floor(fmax);
    const std::vector<uint32_t> m = mantissa_table(fmax);
    test::Check check(fmax == 448.0f ? "e4m3" : "e5m2");
    uint64_t bad = 0, checked = 0, full_exponents = 0;
    for (uint32_t ea = f32_exp_field(floor); ea <= 254; ++ea) {
      if (!test::shard_owns(ea)) continue;  // --shard I/N: every N-th exponent
      full_exponents += ea > f32_exp_field(floor);
      for (uint32_t f = (ea * 7u) % stride; f < kMan; f += stride) {
        const uint32_t a = ea << 23 | f;
        if (a < floor) continue;
        const uint32_t b = fdiv_rn_bits(fb, a);
        const uint32_t e_pred = f32_exp_field(fb) + 127u - ea - (f > split);
        const bool wrong = f32_man_field(b) != m[f] || f32_exp_field(b) != e_pred;
        if (wrong) check.mismatch(a, "a_j " + std::to_string(a) + ": b_j " + std::to_string(b));
        bad += wrong;
        ++checked;
      }
    }
    check.add(checked, bad);
    EXPECT_EQ(bad, 0u) << fmax;
    EXPECT_GE(checked, full_exponents * (kMan / stride - 1));
    EXPECT_GT(full_exponents, 0u);
  }
}

// (a) For all 2^23 group mantissas, the binary-search thresholds equal the thresholds counted from the table:
// T_A(m_g) = split + 1 - #{f in A : m_j(f) < m_g}, T_B(m_g) = 2^23 - #{f in B : m_j(f) < m_g} (valid because m_j
// is non-increasing on each branch, previous test). Also records the search cost (divisions per tensor).
TEST(gam_offset_cmp, ThresholdsForAllGroupMantissas) {
  require_ieee_fp_env();
  const uint32_t stride = test::full_sweep() ? 1u : 3u;
  for (const float fmax : kFmax) {
    const uint32_t split = f32_man_field(f32_bits(fmax));
    const std::vector<uint32_t> m = mantissa_table(fmax);
    // less_a[v] = #{f in A : m(f) < v}, for v in [0, 2^23]; likewise less_b.
    std::vector<uint32_t> less_a(kMan + 1, 0), less_b(kMan + 1, 0);
    for (uint32_t f = 0; f < kMan; ++f) ++(f <= split ? less_a : less_b)[m[f] + 1];
    for (uint32_t v = 1; v <= kMan; ++v) {
      less_a[v] += less_a[v - 1];
      less_b[v] += less_b[v - 1];
    }
    test::Check check(fmax == 448.0f ? "e4m3" : "e5m2");
    uint64_t bad = 0, checked = 0;
    int max_steps = 0;
    for (uint32_t m_g = 0, k = 0; m_g < kMan; m_g += (m_g < 64 || m_g > kMan - 64) ? 1u : stride, ++k) {
      if (!test::shard_owns(k)) continue;  // --shard I/N: every N-th group mantissa
      int steps = 0;
      const GamThresholds t = gam_thresholds((1u << 23) | m_g, fmax, &steps);
      max_steps = steps > max_steps ? steps : max_steps;
      const bool wrong = t.t_a != split + 1 - less_a[m_g] || t.t_b != kMan - less_b[m_g] || t.t_a > split + 1 ||
                         t.t_b < split + 1 || t.t_b > kMan;
      if (wrong) check.mismatch(m_g, "m_g " + std::to_string(m_g) + ": T_A " + std::to_string(t.t_a) + " T_B " + std::to_string(t.t_b));
      bad += wrong;
      ++checked;
    }
    check.add(checked, bad);
    EXPECT_EQ(bad, 0u) << fmax;
    EXPECT_LE(max_steps, 44) << fmax;  // 23 (branch A, 0x600002 candidates) + 21 (branch B, 0x200000)
    std::printf("fmax %g: threshold search, at most %d divisions per tensor\n", static_cast<double>(fmax), max_steps);
  }
}

// Group mantissas for the end-to-end checks: boundaries, values equal to some m_j(f) (and +-1), random.
std::vector<uint32_t> group_mantissas(float fmax, std::size_t n_random, uint32_t seed) {
  std::vector<uint32_t> v = {0, 1, 2, 0x7FFFFF, 0x7FFFFE, 0x600000, 0x5FFFFF, 0x600001, 0x400000, 0x3FFFFF,
                             0x155555, 0x2AAAAA, 0x12492492 & 0x7FFFFF};
  std::mt19937 rng(seed);
  const uint32_t fb = f32_bits(fmax);
  // m_j at both ends of both branches, and at random f, each with +-1.
  std::vector<uint32_t> fs = {0, 1, 0x5FFFFF, 0x600000, 0x600001, 0x600002, 0x7FFFFE, 0x7FFFFF};
  for (std::size_t i = 0; i < n_random; ++i) fs.push_back(rng() & 0x7FFFFF);
  for (uint32_t f : fs) {
    const uint32_t mj = gam_mantissa_at(f, fb);
    v.push_back(mj);
    v.push_back((mj + 1) & 0x7FFFFF);
    v.push_back((mj - 1) & 0x7FFFFF);
  }
  for (std::size_t i = 0; i < n_random; ++i) v.push_back(rng() & 0x7FFFFF);
  return v;
}

// Group scale bits with mantissa m_g and exponent field 1, so every k_j = exp(s_j) - 1 is in [0, 254] and
// gam_exp_offset does not wrap (s_j's exponent is >= 6 on the whole domain).
uint32_t group_scale_with(uint32_t m_g) { return 1u << 23 | m_g; }

// The checker: for every block amax `a` from amaxes(visit), every group scale: s_j and k_j of the comparator form
// (with thresholds `th`, possibly tampered) against gam_block_scale. Returns the mismatch count.
struct Case {
  uint32_t group_scale;
  GamThresholds th;
};
std::vector<Case> cases_for(float fmax, const std::vector<uint32_t>& mgs) {
  std::vector<Case> c;
  for (uint32_t m_g : mgs) {
    const uint32_t r = group_scale_with(m_g);
    c.push_back({r, gam_thresholds(r, fmax)});
  }
  return c;
}

uint64_t mismatches_at(const std::vector<Case>& cases, float fmax, uint32_t a) {
  uint64_t bad = 0;
  for (const Case& c : cases) {
    const uint32_t s_ref = gam_block_scale(c.group_scale, a, fmax);
    const uint32_t k_ref = gam_exp_offset(c.group_scale, s_ref);
    bad += gam_block_scale_cmp(c.th, a) != s_ref;
    bad += gam_exp_offset_cmp(c.th, a) != k_ref;
  }
  return bad;
}

// Every block mantissa f at the exponent fields `exps`, plus the special amax values. Per exponent, b_j =
// RN32(FMAX / max(a_j, floor)) is tabulated once (the first line of gam_block_scale) and the reference splice of
// gam_block_scale is applied per group mantissa, so the inner loop over f is integer-only; that the transcription
// is gam_block_scale is checked on every table entry with a group mantissa that varies with f (`direct`).
uint32_t splice_ref(uint32_t b, uint32_t group_scale) {  // == gam_block_scale given b (see gam.hpp)
  const uint32_t m_g = f32_man_field(group_scale);
  return (f32_exp_field(b) - (m_g > f32_man_field(b) ? 1u : 0u)) << 23 | m_g;
}

uint64_t check_all_mantissas(const std::vector<Case>& cases, float fmax, const std::vector<uint32_t>& exps) {
  uint64_t bad = 0, direct = 0;
  constexpr uint32_t kChunk = 4096;  // b[] stays in L1 while every case runs over it
  uint32_t b[kChunk];
  for (uint32_t ea : exps)
    for (uint32_t f0 = 0; f0 < kMan; f0 += kChunk) {
      for (uint32_t i = 0; i < kChunk; ++i) {
        const uint32_t a = ea << 23 | (f0 + i);
        b[i] = fdiv_rn_bits(f32_bits(fmax), gam_floor(a, fmax));
        const uint32_t r = cases[(f0 + i) % cases.size()].group_scale;
        direct += splice_ref(b[i], r) != gam_block_scale(r, a, fmax);
      }
      for (const Case& c : cases) {
        const GamThresholds t = c.th;
        const uint32_t r = c.group_scale, e_g = f32_exp_field(r);
        uint32_t n = 0;  // 32-bit lanes throughout, so the loop vectorizes
        for (uint32_t i = 0; i < kChunk; ++i) {
          const uint32_t a = ea << 23 | (f0 + i);
          const uint32_t s_ref = splice_ref(b[i], r);
          const uint32_t k_ref = f32_exp_field(s_ref) - e_g;  // gam_exp_offset
          n += static_cast<uint32_t>((gam_block_scale_cmp(t, a) != s_ref) | (gam_exp_offset_cmp(t, a) != k_ref));
        }
        bad += n;
      }
    }
  const uint32_t floor = gam_amax_floor(fmax);
  for (uint32_t a : {0u, 1u, 0x007FFFFFu, 0x00800000u, floor - 1, floor, floor + 1, kF32One, f32_bits(fmax),
                     0x7F7FFFFEu, kF32Max})
    bad += mismatches_at(cases, fmax, a);
  EXPECT_EQ(direct, 0u) << "splice_ref differs from gam_block_scale";
  return bad + direct;
}

// (b) All 2^23 block mantissas x 217 group mantissas at the exponent 127 and at the floor's binade (partly
// floored), and x 24 of them at the exponents 0 (zero, subnormals), 1 (floored), one above the floor's binade and
// 254 (up to FLT_MAX); the special amax values (gam_block_scale called directly) for all of them.
TEST(gam_offset_cmp, AgreesWithGamBlockScale) {
  require_ieee_fp_env();
  for (const float fmax : kFmax) {
    const auto t0 = std::chrono::steady_clock::now();
    const uint32_t ef = f32_exp_field(gam_amax_floor(fmax));
    const std::vector<uint32_t> mgs = group_mantissas(fmax, 45, 1234);
    const std::vector<Case> cases = cases_for(fmax, mgs);
    const std::vector<Case> few = cases_for(fmax, std::vector<uint32_t>(mgs.begin(), mgs.begin() + 24));
    EXPECT_EQ(check_all_mantissas(cases, fmax, {127u, ef}), 0u) << fmax;
    EXPECT_EQ(check_all_mantissas(few, fmax, {0u, 1u, ef + 1, 254u}), 0u) << fmax;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("fmax %g: 2^23 block mantissas x (%zu group mantissas x 2 exponents + %zu x 4), %.1f s\n",
                static_cast<double>(fmax), cases.size(), few.size(), s);
  }
}

// (b) Real (group amax, block amax) pairs with a_j <= a_g: r_g from gam_group_scale, including the spec's worked
// values; k_j and s_j as gam_block_scale gives them.
TEST(gam_offset_cmp, AgreesOnRealGroups) {
  require_ieee_fp_env();
  std::mt19937 rng(99);
  for (const float fmax : kFmax) {
    uint64_t bad = 0;
    const std::pair<float, float> worked[] = {{3.0f, 0.7f}, {3.0f, 1.7f}, {448.0f, 1.0f}, {1.0f, 0.5f},
                                              {100.0f, 0.011f}, {1e-3f, 3.0517578125e-5f}};
    for (auto [ag, aj] : worked) {
      const uint32_t r = gam_group_scale(f32_bits(ag), fmax);
      const GamThresholds t = gam_thresholds(r, fmax);
      const uint32_t s = gam_block_scale(r, f32_bits(aj), fmax);
      bad += gam_block_scale_cmp(t, f32_bits(aj)) != s || gam_exp_offset_cmp(t, f32_bits(aj)) != gam_exp_offset(r, s);
    }
    for (int g = 0; g < 2000; ++g) {
      const uint32_t a_g = static_cast<uint32_t>(rng() % 0x7F800000u);
      const uint32_t r = gam_group_scale(a_g, fmax);
      const GamThresholds t = gam_thresholds(r, fmax);
      for (int j = 0; j < 200; ++j) {
        const uint32_t a_j = j == 0 ? a_g : static_cast<uint32_t>(rng() % (uint64_t{a_g} + 1));
        const uint32_t s = gam_block_scale(r, a_j, fmax);
        const uint32_t k = gam_exp_offset(r, s);
        bad += gam_block_scale_cmp(t, a_j) != s || gam_exp_offset_cmp(t, a_j) != k || k > 254;
        if (j == 0) bad += k != 0;
      }
    }
    EXPECT_EQ(bad, 0u) << fmax;
  }
}

// (c) The same checker detects broken comparator variants: each threshold off by one, the split off by one, and
// the exponent constant off by one.
TEST(gam_offset_cmp, BrokenVariantsAreDetected) {
  require_ieee_fp_env();
  for (const float fmax : kFmax) {
    const uint32_t fb = f32_bits(fmax);
    const std::vector<Case> good = cases_for(fmax, {0u, 0x7FFFFFu, 0x600000u, 0x2AAAAAu, gam_mantissa_at(0x300000, fb),
                                                    gam_mantissa_at(0x700000, fb)});
    ASSERT_EQ(check_all_mantissas(good, fmax, {127u}), 0u);
    auto broken = [&](auto tamper) {
      std::vector<Case> c = good;
      for (Case& x : c) tamper(x.th);
      return check_all_mantissas(c, fmax, {127u});
    };
    EXPECT_GT(broken([](GamThresholds& t) { t.t_a += 1; }), 0u) << fmax;
    EXPECT_GT(broken([](GamThresholds& t) { t.t_a -= t.t_a > 0 ? 1 : 0; }), 0u) << fmax;
    EXPECT_GT(broken([](GamThresholds& t) { t.t_b += 1; }), 0u) << fmax;
    EXPECT_GT(broken([](GamThresholds& t) { t.t_b -= 1; }), 0u) << fmax;
    // (split + 1 is an equivalent design, not a bug: at f = split + 1, m_j = 0x7FFFFF >= every m_g, so branch B
    // never halves there and branch A always would: both give exp(a) + 1 below exp_base.)
    EXPECT_GT(broken([](GamThresholds& t) { t.split += 2; }), 0u) << fmax;
    EXPECT_GT(broken([](GamThresholds& t) { t.split -= 1; }), 0u) << fmax;
    EXPECT_GT(broken([](GamThresholds& t) { t.exp_base += 1; }), 0u) << fmax;
  }
}

// Exhaustive (MOR_SWEEP=full, label `exhaustive`): every positive finite block amax bit pattern (2^31 - 2^23)
// x 22 group mantissas x both FMAX, gam_block_scale called directly. Strided (every 251st pattern) in the default
// run.
TEST(gam_offset_cmp, Sweep) {
  require_ieee_fp_env();
  std::vector<std::vector<Case>> cases;
  for (const float fmax : kFmax) {  // 22 group mantissas: the fixed boundaries and m_j(f) +- 1 at three f
    const std::vector<uint32_t> mgs = group_mantissas(fmax, 0, 5);
    cases.push_back(cases_for(fmax, std::vector<uint32_t>(mgs.begin(), mgs.begin() + 22)));
  }
  const uint64_t bad = test::sweep_u32(
      test::fp32_stride(),
      [&](uint64_t first, uint64_t count, uint64_t stride) {
        uint64_t b = 0;
        for (uint64_t i = 0; i < count; ++i) {
          const uint64_t a = first + i * stride;
          if (a >= kF32Inf) continue;  // positive finite only
          for (std::size_t k = 0; k < 2; ++k) b += mismatches_at(cases[k], kFmax[k], static_cast<uint32_t>(a));
        }
        return b;
      },
      "gam_offset_cmp");
  EXPECT_EQ(bad, 0u);
}

}  // namespace
}  // namespace mor
