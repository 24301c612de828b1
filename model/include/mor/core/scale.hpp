// Scale rules (spec section 3). Inputs and outputs are FP32 bits; amax is |x| bits (non-negative).
// A "multiplier" scale s is applied as y = RN32(x * s) and undone as RN32(q / s) (spec 5); an E8M0 block scale X is
// the OCP MX convention y = x / X, dequantized as q * X (both exact for powers of two away from underflow).
#pragma once

#include "mor/core/convert.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/hd.hpp"

namespace mor {

// TransformerEngine current scaling: amax < eps -> eps; amax NaN, Inf or 0 -> 1; RN32(fmax / amax); an infinite
// quotient -> FLT_MAX; optionally only the sign and exponent bits (a power of two, rounded down).
MOR_HD uint32_t te_current_scale(uint32_t amax, float fmax, float eps = 0.0f, bool power_of_two = false) {
  if (!f32_is_finite(amax) || f32_is_zero(amax)) return kF32One;
  float a = f32_from_bits(amax);
  if (a < eps) a = eps;
  uint32_t s = f32_bits(fdiv_rn(fmax, a));
  if (s == kF32Inf) s = kF32Max;
  if (power_of_two) s &= 0xFF800000u;
  return s;
}

// FP32 per-block multiplier (DeepSeek-style 1x128 / 128x128 blocks): RN32(fmax / amax), 1 for a zero block.
MOR_HD uint32_t fp32_block_scale(uint32_t amax, float fmax) { return te_current_scale(amax, fmax); }

// MOR_E8_RZ: 2^floor(log2(RN32(fmax / amax))), the exponent field of the FP32 multiplier (never saturates).
MOR_HD uint32_t mor_e8_rz_scale(uint32_t amax, float fmax) { return te_current_scale(amax, fmax) & 0x7F800000u; }

// OCP_FLOOR: X = 2^(floor(log2 amax) - emax_elem) as an E8M0 code (emax_elem 8 for E4M3, 15 for E5M2). The block
// max can exceed the element max and saturate. Zero amax gives the smallest code; NaN amax gives 0xFF.
MOR_HD uint8_t ocp_floor_scale_e8m0(uint32_t amax, int emax_elem) {
  if (f32_is_nan(amax)) return 0xFF;
  if (f32_is_zero(amax)) return 0x00;
  const Unpacked u = unpack<FP32>(amax);  // exponent of the leading bit, subnormals normalized
  if (u.cls == Class::kInf) return 0xFE;
  int code = u.exp - emax_elem + 127;
  code = code < 0 ? 0 : (code > 254 ? 254 : code);
  return static_cast<uint8_t>(code);
}

// NV_RCEIL (TE MXFP8, cuBLAS, torchao RCEIL): X = 2^ceil(log2(RN32(amax * RN32(1 / fmax)))); never overflows.
MOR_HD uint8_t nv_rceil_scale_e8m0(uint32_t amax, float fmax) {
  if (f32_is_nan(amax)) return 0xFF;
  const float inv = fdiv_rn(1.0f, fmax);
  const uint32_t ratio = fmul_rn_bits(amax, f32_bits(inv));
  return e8m0_from_f32(ratio, Rounding::kRU, Overflow::kSatFinite);
}

}  // namespace mor
