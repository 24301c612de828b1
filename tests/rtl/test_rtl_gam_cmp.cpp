// The comparator-only GAM block unit (rtl/src/mor_gam_offset_cmp.sv), driven with the model's per-tensor
// thresholds (mor::gam_thresholds), against mor::gam_block_scale bit for bit: block_scale and exp_offset, all 2^23
// block mantissas x 7 group mantissas x exponents (0: zero/subnormal, the floor's binade and the next, 127, 254),
// both FMAX, plus special amax values.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "Vgam_cmp_e4m3.h"
#include "Vgam_cmp_e5m2.h"
#include "mor/core/gam.hpp"
#include "mor/core/gam_offset_cmp.hpp"

namespace mor {
namespace {

template <class V>
uint64_t check(V& u, float fmax, uint64_t* evals) {
  const uint32_t fb = f32_bits(fmax);
  // m_g: 0, max, the split, values equal to some m_j (branch ends and middles), and one of them +1.
  const uint32_t m_j_mid_a = gam_mantissa_at(0x300000, fb), m_j_mid_b = gam_mantissa_at(0x700000, fb);
  const uint32_t mgs[] = {0u, 0x7FFFFFu, 0x600000u, m_j_mid_a, m_j_mid_b, m_j_mid_b + 1, 0x2AAAAAu};
  const uint32_t ef = f32_exp_field(gam_amax_floor(fmax));
  const uint32_t exps[] = {0u, ef, ef + 1, 127u, 254u};
  const uint32_t floor = gam_amax_floor(fmax);
  const uint32_t specials[] = {0u, 1u, 0x007FFFFFu, 0x00800000u, floor - 1, floor, floor + 1, kF32Max};
  uint64_t bad = 0;
  for (uint32_t m_g : mgs) {
    const uint32_t r = 1u << 23 | m_g;  // exponent field 1: k_j = exp(s_j) - 1 never wraps
    const GamThresholds t = gam_thresholds(r, fmax);
    u.group_scale = r;
    u.thr_a = t.t_a;
    u.thr_b = t.t_b;
    auto one = [&](uint32_t a) {
      u.block_amax = a;
      u.eval();
      const uint32_t s = gam_block_scale(r, a, fmax);
      const uint32_t k = gam_exp_offset(r, s);
      ++*evals;
      const bool ok = u.block_scale == s && u.exp_offset == k;
      if (!ok && bad < 5)
        ADD_FAILURE() << std::hex << "fmax " << fmax << " r_g=0x" << r << " a=0x" << a << " rtl s=0x"
                      << u.block_scale << " k=0x" << unsigned{u.exp_offset} << " model s=0x" << s << " k=0x" << k;
      return ok ? 0u : 1u;
    };
    for (uint32_t ea : exps)
      for (uint32_t f = 0; f < (1u << 23); ++f) bad += one(ea << 23 | f);
    for (uint32_t a : specials) bad += one(a);
  }
  return bad;
}

TEST(rtl_gam_cmp, AllBlockMantissasE4M3) {
  require_ieee_fp_env();
  Vgam_cmp_e4m3 u;
  uint64_t evals = 0;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(check(u, 448.0f, &evals), 0u);
  std::printf("E4M3: %llu evaluations, %.1f s\n", static_cast<unsigned long long>(evals),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

TEST(rtl_gam_cmp, AllBlockMantissasE5M2) {
  require_ieee_fp_env();
  Vgam_cmp_e5m2 u;
  uint64_t evals = 0;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(check(u, 57344.0f, &evals), 0u);
  std::printf("E5M2: %llu evaluations, %.1f s\n", static_cast<unsigned long long>(evals),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

// The harness can fail: a threshold off by one in the inputs is caught.
TEST(rtl_gam_cmp, WrongThresholdIsDetected) {
  require_ieee_fp_env();
  Vgam_cmp_e4m3 u;
  const uint32_t r = 1u << 23 | gam_mantissa_at(0x300000, f32_bits(448.0f));
  const GamThresholds t = gam_thresholds(r, 448.0f);
  u.group_scale = r;
  u.thr_a = t.t_a + 1;
  u.thr_b = t.t_b;
  uint64_t bad = 0;
  for (uint32_t f = 0; f < (1u << 23); ++f) {
    u.block_amax = 127u << 23 | f;
    u.eval();
    bad += u.block_scale != gam_block_scale(r, u.block_amax);
  }
  EXPECT_GT(bad, 0u);
}

}  // namespace
}  // namespace mor
