// The GAM scale unit ("Group Amax Mantissa", spec section 4, DECISIONS D3). One FP32 group_scale r_g per group and
// one unsigned exponent offset k_j per block; the block scale is s_j = r_g * 2^k_j exactly. Named gam_* here, in
// the RTL (mor_gam_group_scale, mor_gam_block_scale) and in the kernels.
#pragma once

#include "mor/core/contract.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/hd.hpp"

namespace mor {

// The amax floor of D3 (kGamAmaxFloor = 1e-35f, contract.hpp): applied to the group and to every block, so r_g is
// always finite. For the E5M2 candidate (FMAX = 57344 = 448 * 2^7) the floor is scaled by the same 2^7
// (kGamAmaxFloorE5M2), else 57344 / 1e-35 would overflow FP32.
MOR_HD uint32_t gam_amax_floor(float fmax) {
  return kGamAmaxFloor + ((f32_exp_field(f32_bits(fmax)) - f32_exp_field(f32_bits(kE4M3Max))) << 23);
}

MOR_HD uint32_t gam_floor(uint32_t amax, float fmax = kE4M3Max) {
  const uint32_t floor = gam_amax_floor(fmax);
  return amax > floor ? amax : floor;
}

// r_g = RN32(fmax / max(a_g, floor)). fmax = 448 (E4M3) or 57344 (E5M2): both have significand 1.75.
MOR_HD uint32_t gam_group_scale(uint32_t group_amax, float fmax = kE4M3Max) {
  return fdiv_rn_bits(f32_bits(fmax), gam_floor(group_amax, fmax));
}

// s_j by the bit splice: exponent of b_j = RN32(fmax / a_j), mantissa of r_g, halved when m_g > m_j.
MOR_HD uint32_t gam_block_scale(uint32_t group_scale, uint32_t block_amax, float fmax = kE4M3Max) {
  const uint32_t b = fdiv_rn_bits(f32_bits(fmax), gam_floor(block_amax, fmax));
  const uint32_t m_g = f32_man_field(group_scale);
  const uint32_t e = f32_exp_field(b) - (m_g > f32_man_field(b) ? 1u : 0u);
  return e << 23 | m_g;
}

// k_j = exp(s_j) - exp(r_g); always in [0, 254] for finite amax (tested).
MOR_HD uint32_t gam_exp_offset(uint32_t group_scale, uint32_t block_scale) {
  return f32_exp_field(block_scale) - f32_exp_field(group_scale);
}

// The stored form back to the scale: r_g * 2^k, by adding k to the exponent field (exact, no rounding).
MOR_HD uint32_t gam_scale_from_offset(uint32_t group_scale, uint32_t exp_offset) {
  return group_scale + (exp_offset << 23);
}

}  // namespace mor
