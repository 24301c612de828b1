// Error metrics (spec sections 6, 8.1, 8.2; DECISIONS D5).
//
// Canonical (default): each element's relative error e on a fixed-point grid with 24 fractional bits, truncated,
// summed exactly in 64 bits; a candidate is rejected iff err_sum > T_fx * NNZ. Order-independent, no divider, and
// reproduced bit for bit by the RTL (per-lane accumulators added in any order) and the kernels (atomics).
// Reference: the FP32 mean of e summed sequentially in element order (row-major within the tensor), MRE =
// RN32(E / NNZ), rejected iff MRE > RN32(T). Reported alongside; used by the MOR_REF profile.
#pragma once

#include "mor/fp32_ops.hpp"
#include "mor/hd.hpp"

namespace mor {

inline constexpr int kErrorFracBits = 24;

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
