// Error metrics (spec sections 6, 8.1, 8.2; DECISIONS D5).
//
// Canonical (default): each element's relative error e on a fixed-point grid with 24 fractional bits, truncated,
// summed exactly in 64 bits; a candidate is rejected iff err_sum > T_fx * NNZ. Order-independent, no divider, and
// reproduced bit for bit by the RTL (per-lane accumulators added in any order) and the kernels (atomics).
// Reference: the FP32 mean of e, summed in the reference code's CUDA reduction order where that is defined, else
// sequentially within each block and block after block (D5, model/include/mor/ref_error_sum.hpp), MRE =
// RN32(E / NNZ), rejected iff MRE > RN32(T). Reported alongside; used by the MOR_REF profile.
#pragma once

#include "mor/core/contract.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/hd.hpp"

namespace mor {

// e = |RN32(RN32(d - x) / x)| for a nonzero finite x (FP32 bits).
MOR_HD uint32_t relative_error(uint32_t x, uint32_t dequant) {
  const float diff = fsub_rn(f32_from_bits(dequant), f32_from_bits(x));
  return f32_abs_bits(f32_bits(fdiv_rn(diff, f32_from_bits(x))));
}

// The reference code's form |RN32(d / x) - 1| (MOR_REF profile, sub-tensor quant-error mode).
MOR_HD uint32_t relative_error_mor_ref(uint32_t x, uint32_t dequant) {
  const float ratio = fdiv_rn(f32_from_bits(dequant), f32_from_bits(x));
  return f32_abs_bits(f32_bits(fsub_rn(ratio, 1.0f)));
}

// floor(min(e, 2) * 2^24) for a non-negative FP32 e (NaN counts as 2, the cap; it cannot arise for finite x).
MOR_HD uint32_t error_fx(uint32_t e) {
  if (e >= 0x40000000u) return 2u << kErrorFracBits;  // e >= 2, Inf, NaN
  const uint32_t exp = f32_exp_field(e);
  if (exp < 127 - kErrorFracBits) return 0;          // e < 2^-24
  const uint32_t sig = f32_man_field(e) | 0x800000u;  // e = sig * 2^(exp - 150); e * 2^24 = sig * 2^(exp - 126)
  const int shift = static_cast<int>(exp) - 126;      // in [-23, 1]
  return shift > 0 ? sig << shift : sig >> (-shift);
}

// ---- Cheaper per-lane formulations (spec 8.2). Both work on the scaled value y = RN32(x * s) and the decoded FP8
// value q (FP32 bits) before descaling, so the dequant divider d = RN32(q / s) is not needed for the metric. Both
// return e_fx on the same grid as error_fx (24 fractional bits, truncated, capped at 2.0 = 2^25).
// Zero and non-finite handling mirrors the canonical lane (rtl/src/mor_error_lane.sv) and policy.cpp: a zero y
// contributes 0 (the caller also skips zero x and counts NNZ over nonzero x exactly as for the canonical metric);
// NaN / Inf give the cap (they never reach the metric: a tensor with a non-finite element is passed through in
// BF16, D2). One case differs from the canonical metric by construction: a nonzero x whose y underflows to zero
// (only possible when the block's dynamic range exceeds the FP32 range) contributes 1.0 there and 0 here, since
// the lane cannot tell it from a zero x.

// PRESCALE: e = |RN32(RN32(q - y) / y)|, then error_fx. One divider per lane (the dequant divider is saved).
// Equal to the canonical error_fx(relative_error(x, d)) when s is a power of two and x, y, d, q - y, d - x are all
// normal or zero (then d = q / s, x = y / s and d - x = (q - y) / s exactly, and the quotient is the same); for a
// general s the two differ by the rounding of y and d.
MOR_HD uint32_t error_fx_prescale(uint32_t y, uint32_t q_f32) {
  if (f32_is_zero(y)) return 0;
  const float diff = fsub_rn(f32_from_bits(q_f32), f32_from_bits(y));
  return error_fx(f32_abs_bits(f32_bits(fdiv_rn(diff, f32_from_bits(y)))));
}

// floor(log2|y|) of a nonzero finite y (FP32 bits): the unbiased exponent, or for a subnormal the position of the
// leading significand bit minus 149 (a 23-bit leading-zero count in hardware).
MOR_HD int metric_floor_log2(uint32_t y) {
  const uint32_t exp = f32_exp_field(y);
  if (exp != 0) return static_cast<int>(exp) - 127;
  uint32_t m = f32_man_field(y);
  int msb = -1;
  while (m != 0) {
    ++msb;
    m >>= 1;
  }
  return msb - 149;
}

// BINADE (no divider): e_fx = floor(min(|RN32(q - y)| / 2^floor(log2|y|), 2) * 2^24): the difference divided by the
// power of two of y's binade, i.e. an exponent subtract and a shift. With D = |RN32(q - y)| and
// 2^k <= |y| < 2^(k+1), D / |y| <= D / 2^k < 2 D / |y|: it overestimates the relative error by a factor in [1, 2)
// (exactly 1 when |y| is a power of two). Proven bounds against PRESCALE p (tests/model/test_metric_variants.cpp):
// p <= binade <= 2 p + 6 (grid units) for every finite y != 0 and finite q; binade == p when |y| is a power of two.
MOR_HD uint32_t error_fx_binade(uint32_t y, uint32_t q_f32) {
  constexpr uint32_t kCap = 2u << kErrorFracBits;
  if (f32_is_zero(y)) return 0;
  if (!f32_is_finite(y) || !f32_is_finite(q_f32)) return kCap;
  const uint32_t d = f32_abs_bits(f32_bits(fsub_rn(f32_from_bits(q_f32), f32_from_bits(y))));
  if (!f32_is_finite(d)) return kCap;  // q - y overflowed
  if (d == 0) return 0;
  const uint32_t d_exp = f32_exp_field(d);
  const uint32_t sig = d_exp != 0 ? (f32_man_field(d) | 0x800000u) : f32_man_field(d);
  // D = sig * 2^(max(d_exp, 1) - 150); D * 2^24 / 2^k = sig * 2^(max(d_exp, 1) - 126 - k).
  const int shift = static_cast<int>(d_exp != 0 ? d_exp : 1u) - 126 - metric_floor_log2(y);
  if (shift > 25) return kCap;   // sig >= 1: at least 2^26
  if (shift <= -24) return 0;    // sig < 2^24
  if (shift < 0) return sig >> (-shift);
  const uint64_t v = static_cast<uint64_t>(sig) << shift;
  return v >= kCap ? kCap : static_cast<uint32_t>(v);
}

// T_fx = floor(T * 2^24) (T = 0.045 -> 754974). T must be in [0, 2).
inline uint32_t threshold_fx(double t) {
  const double scaled = t * static_cast<double>(1u << kErrorFracBits);  // exact scaling by a power of two
  return scaled <= 0 ? 0u : static_cast<uint32_t>(scaled);               // truncation = floor for positives
}

// Strict test of spec 6 on the grid: reject iff err_sum / NNZ > T_fx / 2^24, i.e. err_sum > T_fx * NNZ.
MOR_HD bool metric_rejects(uint64_t err_sum, uint64_t nnz, uint32_t t_fx) {
  return err_sum > static_cast<uint64_t>(t_fx) * nnz;
}

}  // namespace mor
