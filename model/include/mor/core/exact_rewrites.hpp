// Division-free forms of the element path that give the same bits as the definitions (spec 5, 6; DECISIONS D0,
// D5). The CUDA kernels use them to take the IEEE divider out of their inner loops; the model keeps the plain
// definitions. tests/model/test_exact_rewrites.cpp proves each identity on the host (the full sets under the ctest
// label `exhaustive`), and tests/gpu checks the device instantiation against the definitions on the GPU.
//
// Host: frcp_rn is the SSE division 1/x (RN), ffma_rn is the C library's correctly rounded fmaf; device: __frcp_rn
// and __fmaf_rn, the same IEEE operations. Nothing here depends on contraction (D0: -ffp-contract=off).
#pragma once

#include <cstdint>

#include "mor/core/contract.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/hd.hpp"

namespace mor {

// RN32(1 / x).
MOR_HD float frcp_rn(float x) {
#if defined(__CUDA_ARCH__)
  return __frcp_rn(x);
#else
  return 1.0f / x;
#endif
}

// RN32(a * b + c) with one rounding.
MOR_HD float ffma_rn(float a, float b, float c) {
#if defined(__CUDA_ARCH__)
  return __fmaf_rn(a, b, c);
#else
  return __builtin_fmaf(a, b, c);
#endif
}

// ---- dequantize without division: d = RN32(q / s) ----
//
// With r = RN32(1 / s), y = RN32(|q| * r) and the exact-residual correction d = RN32(RN32(|q| - y * s) * r + y)
// (two FMAs), then q's sign put in place of d's, d equals RN32(q / s) for every finite FP8 code q (E4M3, E5M2, E2M3 values)
// and every s whose exponent field is in [kDequantRcpMinExp, kDequantRcpMaxExp]: proven over every finite
// E4M3/E5M2 code x every scale significand at exponent fields 27, 127 and 227. Between those fields every
// operand and intermediate is a normal number, so multiplying s by a power of two scales r, y, the residual and d
// exactly and the identity at one field carries over to all. Outside the range (GAM scales of tensors with amax
// near FLT_MAX or under 1e-30, or the 1e-35 floor) the divider is used.
inline constexpr uint32_t kDequantRcpMinExp = 27;
inline constexpr uint32_t kDequantRcpMaxExp = 227;

struct DequantScale {
  uint32_t scale;       // s, FP32 bits
  uint32_t reciprocal;  // RN32(1 / s), FP32 bits
  bool use_reciprocal;  // exponent field of s in [kDequantRcpMinExp, kDequantRcpMaxExp]
};

MOR_HD DequantScale dequant_scale(uint32_t s) {
  const uint32_t e = f32_exp_field(s);
  return {s, f32_bits(frcp_rn(f32_from_bits(s))), e >= kDequantRcpMinExp && e <= kDequantRcpMaxExp};
}

// The reciprocal form only (valid where use_reciprocal is set); q is the decoded FP8 value as FP32 bits. d's sign
// is replaced by q's (one LOP3): a no-op for numbers (|q| / s >= 0), and for a NaN q it makes host and device agree
// (the host's fma passes on the sign of -y, the GPU's canonical NaN is positive) and equal to the model's q / s.
MOR_HD uint32_t dequant_by_reciprocal(uint32_t q, uint32_t s, uint32_t r) {
  const float qa = f32_from_bits(f32_abs_bits(q));
  const float sf = f32_from_bits(s), rf = f32_from_bits(r);
  const float y = fmul_rn(qa, rf);
  const float d = ffma_rn(ffma_rn(-y, sf, qa), rf, y);
  return f32_abs_bits(f32_bits(d)) | (q & 0x80000000u);
}

// RN32(q / s) by the reciprocal where it is exact, else by the divider.
MOR_HD uint32_t dequant_rn(uint32_t q, const DequantScale& ds) {
  return ds.use_reciprocal ? dequant_by_reciprocal(q, ds.scale, ds.reciprocal) : fdiv_rn_bits(q, ds.scale);
}

// Dequantize by a power-of-two multiplier s (sub-tensor MOR_E8_RZ scales, exponent field in [1, 254], mantissa 0):
// 1 / s is exact (2^-127 is a subnormal FP32 value), so RN32(q * RN32(1 / s)) and RN32(q / s) round the same real
// number and are equal for every q.
MOR_HD uint32_t pow2_reciprocal(uint32_t s) { return f32_bits(frcp_rn(f32_from_bits(s))); }

// ---- the metric's grid without branches ----
//
// error_fx(e) = floor(min(e, 2) * 2^24) (metric.hpp) equals the FP32 form min(e, 2) * 2^24 truncated to an integer
// for every non-negative FP32 pattern e (NaN takes the cap, as fmin(NaN, 2) = 2): the product is exact (a power of
// two, at most 2^25) and truncation is the floor for non-negative values. Three instructions on the device (FMNMX,
// FMUL, F2I.U32.TRUNC) instead of a shift by a data-dependent amount.
MOR_HD uint32_t error_fx_by_float(uint32_t e) {
  constexpr float kGrid = static_cast<float>(1u << kErrorFracBits);
#if defined(__CUDA_ARCH__)
  return __float2uint_rz(__fmul_rn(fminf(__uint_as_float(e), 2.0f), kGrid));
#else
  const float v = f32_from_bits(e);
  const float capped = v < 2.0f ? v : 2.0f;  // NaN compares false: the cap, as fminf
  return static_cast<uint32_t>(capped * kGrid);
#endif
}

}  // namespace mor
