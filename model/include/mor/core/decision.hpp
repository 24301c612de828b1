// The MoR decisions, written once (spec 6, 7; DECISIONS D2, D5, D6, D7) and called by the model's policies, the
// SystemC engine and the CUDA kernels. The RTL implements the same rules with the constants of the generated
// package (rtl/include/mor_pkg.sv); the golden vectors and co-simulation check that it agrees.
#pragma once

#include <cstdint>

#include "mor/core/contract.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/hd.hpp"
#include "mor/core/metric.hpp"

namespace mor {

struct TensorDecision {
  FormatTag tag;
  Reason reason;
};

// Tensor-level MoR for one FP8 candidate (D2, D5, D6): non-finite data keeps the tensor in BF16; an all-zero tensor
// takes the candidate; otherwise the candidate is kept unless its canonical error sum is over the threshold
// (strict '>', no divider). A rejected candidate gives {kBF16, kRejected}: the caller tries the next candidate or
// keeps BF16.
MOR_HD TensorDecision tensor_decision(uint64_t nonfinite, uint64_t nnz, uint64_t err_sum, uint32_t threshold_fx,
                                      FormatTag candidate = FormatTag::kE4M3) {
  if (nonfinite != 0) return {FormatTag::kBF16, Reason::kNonFinite};
  if (nnz == 0) return {candidate, Reason::kAllZero};
  if (metric_rejects(err_sum, nnz, threshold_fx)) return {FormatTag::kBF16, Reason::kRejected};
  return {candidate, Reason::kAccepted};
}

// Sub-tensor options of D7 (engine cfg_qe_mode, cfg_e5m2_to_bf16; E2M3 is the model's and the kernels' only).
struct SubTensorRules {
  bool quant_error = false;   // quant-error mode: the wider E4M3 band, and E4M3-or-BF16 by measured errors
  bool e5m2_to_bf16 = false;  // later reference versions: every E5M2 block becomes BF16
  bool enable_e2m3 = false;   // experimental FP6 path for DR <= 7.5
};

// A block's dynamic range DR = RN32(a / a_min) as FP32 bits; an all-zero block has DR = 1 (D7).
MOR_HD uint32_t subtensor_dynamic_range(uint32_t block_amax, uint32_t block_min_nonzero) {
  return block_amax == 0 ? kF32One : fdiv_rn_bits(block_amax, block_min_nonzero);
}

// The band of a block (spec 7, D7). `measure` is set (tag kE4M3 tentatively) when quant-error mode must compare the
// E4M3 and E5M2 error sums of the block: subtensor_quant_error_choice then gives the tag.
struct SubTensorBand {
  FormatTag tag;
  bool measure;
};

MOR_HD SubTensorBand subtensor_band(uint32_t dynamic_range, bool nonfinite, const SubTensorRules& rules) {
  const float dr = f32_from_bits(dynamic_range);
  if (nonfinite) return {FormatTag::kBF16, false};  // D2
  if (rules.enable_e2m3 && dr <= kBandE2M3) return {FormatTag::kE2M3, false};
  if (dr <= (rules.quant_error ? kBandE4M3QuantError : kBandE4M3)) return {FormatTag::kE4M3, false};
  if (dr <= kBandE5M2) {
    if (rules.quant_error) return {FormatTag::kE4M3, true};
    return {rules.e5m2_to_bf16 ? FormatTag::kBF16 : FormatTag::kE5M2, false};
  }
  return {FormatTag::kBF16, false};
}

// Quant-error mode's choice for a measured block: E4M3 if its error sum is not larger than E5M2's, else BF16.
MOR_HD FormatTag subtensor_quant_error_choice(uint64_t e4m3_err_sum, uint64_t e5m2_err_sum) {
  return e4m3_err_sum <= e5m2_err_sum ? FormatTag::kE4M3 : FormatTag::kBF16;
}

// The tensor's summary tag in sub-tensor mode: the format holding the most elements; ties go to the lower tag
// (E4M3 before E5M2 before BF16 before E2M3).
MOR_HD FormatTag subtensor_tensor_tag(const uint64_t elements_per_format[kFormatTagCount]) {
  int best = 0;
  for (int f = 1; f < kFormatTagCount; ++f)
    if (elements_per_format[f] > elements_per_format[best]) best = f;
  return static_cast<FormatTag>(best);
}

}  // namespace mor
