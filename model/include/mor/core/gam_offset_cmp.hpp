// The GAM block step without a per-block divider (spec 4, "open hardware question"; docs/gam-comparator.md).
//
// mor::gam_block_scale computes per block b_j = RN32(FMAX / a_j') with a_j' = max(a_j, floor), then
// e_s = exp(b_j) - (m_g > m_j) and k_j = e_s - exp(r_g). This header gives the same bits from the amax bits with
// comparisons only, plus per-tensor thresholds found once with the group-step divider. Why it is exact:
//
//  1. Scale invariance. FMAX = 1.75 * 2^K (448: K = 8, 57344: K = 15) and a_j' = 2^E * 1.f is normal (the floor,
//     0x0554AD2E or 0x08D4AD2E, is normal; subnormal and smaller amax are floored). FMAX / a_j' = 2^(K-E) * q with
//     q = 1.75 / 1.f in (0.875, 1.75], and for every a_j' in [floor, FLT_MAX] the quotient is a normal FP32 number
//     (at most 4.48e37, at least 1.3e-36 for 448 and 1.7e-34 for 57344), so RN32 commutes with the power of two:
//     b_j = 2^(K-E) * RN32(q). Hence m_j depends on f only, and exp(b_j) = (exp(FMAX) + 127) - exp(a_j') - [f > s],
//     where s = 0x600000 is the mantissa field of FMAX (q >= 1 iff 1.f <= 1.75; RN32(q) never rounds up to 1 when
//     q < 1: q <= 1.75 / (1.75 + 2^-23) = 1 - 1.14 * 2^-24, which rounds to 1 - 2^-24).
//  2. Monotonicity. q decreases with f and RN32 is monotone, so within each branch A = [0, s] and
//     B = [s + 1, 2^23 - 1] the mantissa m_j(f) is non-increasing in f. So {f in branch : m_g > m_j(f)} is a suffix
//     of the branch: m_g > m_j(f) <=> f >= T_branch(m_g), T = the first f of the branch with m_j(f) < m_g (or the
//     end of the branch + 1 when there is none). T is found once per tensor by binary search (23 + 21 divisions
//     on the group-step divider), each step evaluating m_j at a_j' = 1.f, which by 1 is the m_j of every exponent.
//
// Both facts are checked over all 2^23 mantissas (and the scale invariance over all exponents for a strided set of
// mantissas) in tests/model/test_gam_offset_cmp.cpp; the RTL twin is rtl/src/mor_gam_offset_cmp.sv.
#pragma once

#include "mor/core/fp32_ops.hpp"
#include "mor/core/gam.hpp"
#include "mor/core/hd.hpp"

namespace mor {

// Per-tensor (per-group) state of the comparator form: 2 x 24-bit thresholds, the floor, and two 8/9-bit constants.
struct GamThresholds {
  uint32_t group_scale;  // r_g bits (its mantissa m_g is spliced into every block scale)
  uint32_t floor;        // amax floor bits for this FMAX (gam_amax_floor)
  uint32_t split;        // mantissa field of FMAX (0x600000): branch A is f <= split, branch B is f > split
  uint32_t exp_base;     // exp(FMAX) + 127: exp(b_j) = exp_base - exp(a_j') - [f > split]  (262 or 269)
  uint32_t t_a;          // halve (m_g > m_j) iff f >= t_a, for f in branch A; t_a in [0, split + 1]
  uint32_t t_b;          // halve iff f >= t_b, for f in branch B; t_b in [split + 2, 2^23] (m_j(split+1) = max)
};

// m_j for a block amax with mantissa f, at the exponent 127 (a_j' = 1.f); by scale invariance the m_j of every
// exponent. This is the one division per binary-search step, done on the group-step divider.
MOR_HD uint32_t gam_mantissa_at(uint32_t f, uint32_t fmax_bits) {
  return f32_man_field(fdiv_rn_bits(fmax_bits, kF32One | f));
}

// First f in [lo, hi) with m_j(f) < m_g, or hi when there is none; m_j is non-increasing on [lo, hi).
// ceil(log2(hi - lo + 1)) divisions.
MOR_HD uint32_t gam_threshold_search(uint32_t m_g, uint32_t lo, uint32_t hi, uint32_t fmax_bits, int* steps = nullptr) {
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (gam_mantissa_at(mid, fmax_bits) < m_g)
      hi = mid;
    else
      lo = mid + 1;
    if (steps) ++*steps;
  }
  return lo;
}

// Once per tensor (group): r_g and the two thresholds. fmax = 448 (E4M3) or 57344 (E5M2).
MOR_HD GamThresholds gam_thresholds(uint32_t group_scale, float fmax = kE4M3Max, int* steps = nullptr) {
  const uint32_t fmax_bits = f32_bits(fmax);
  GamThresholds t{};
  t.group_scale = group_scale;
  t.floor = gam_amax_floor(fmax);
  t.split = f32_man_field(fmax_bits);
  t.exp_base = f32_exp_field(fmax_bits) + 127u;
  const uint32_t m_g = f32_man_field(group_scale);
  t.t_a = gam_threshold_search(m_g, 0u, t.split + 1u, fmax_bits, steps);
  t.t_b = gam_threshold_search(m_g, t.split + 1u, 1u << 23, fmax_bits, steps);
  return t;
}

// Per block, comparisons only: one 31-bit compare with the floor constant, one 23-bit compare with the split
// constant, the threshold compare of the block's branch, and a subtract. Returns s_j bits (== gam_block_scale).
// block_amax: |x| bits, finite (the same domain as gam_block_scale).
MOR_HD uint32_t gam_block_scale_cmp(const GamThresholds& t, uint32_t block_amax) {
  const uint32_t a = block_amax > t.floor ? block_amax : t.floor;
  const uint32_t f = f32_man_field(a);
  const uint32_t branch_b = f > t.split ? 1u : 0u;
  const uint32_t halve = f >= (branch_b ? t.t_b : t.t_a) ? 1u : 0u;
  const uint32_t e = t.exp_base - f32_exp_field(a) - branch_b - halve;  // in [1, 253] on the domain
  return (e & 0xFFu) << 23 | f32_man_field(t.group_scale);
}

// k_j = exp(s_j) - exp(r_g), the stored 8-bit exponent offset (== gam_exp_offset(r_g, gam_block_scale(r_g, a_j))).
MOR_HD uint32_t gam_exp_offset_cmp(const GamThresholds& t, uint32_t block_amax) {
  return (f32_exp_field(gam_block_scale_cmp(t, block_amax)) - f32_exp_field(t.group_scale)) & 0xFFu;
}

}  // namespace mor
