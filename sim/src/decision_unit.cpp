#include "decision_unit.hpp"

#include "mor/core/decision.hpp"

namespace mor::sim {

void DecisionUnit::tick(const ConfigRegs& c, const In& in) {
  if (in.bsum_valid) {
    if (in.bsum_kind == EngineBeat::kEmit) r_.acc_lo += in.bsum_lo, r_.acc_hi += in.bsum_hi;
    if (in.bsum_kind == EngineBeat::kMeasureE4M3) r_.m4_lo += in.bsum_lo, r_.m4_hi += in.bsum_hi;
    if (in.bsum_kind == EngineBeat::kMeasureE5M2) r_.m5_lo += in.bsum_lo, r_.m5_hi += in.bsum_hi;
  }
  if (in.measure_clear) r_.m4_lo = r_.m4_hi = r_.m5_lo = r_.m5_hi = 0;
  if (in.tensor_done && !c.sub_tensor()) {
    r_.limit = uint64_t{c.threshold_fx} * in.tensor_nnz;  // (the RTL's 32 steps of shift and add: the same value)
    r_.mul_steps = 32;
  } else if (r_.mul_steps > 0) {
    --r_.mul_steps;
  }
  if (in.fb4_done) r_.e4_exact = in.fb_sum;
  if (in.fb5_done) ++r_.fallbacks;
  if (in.tl_fallback_done) {
    r_.err_exact = in.fb_sum;
    r_.tl_fallback = true;
    r_.fallbacks = 1;
  }
  if (in.block_done) r_.elements[in.block_done_tag < 2 ? in.block_done_tag : 2] += uint64_t{c.block_beats} * kLanes;
}

DecisionUnit::TensorInfo DecisionUnit::tensor_info(const ConfigRegs& c, uint64_t nnz, uint64_t nonfinite,
                                                   uint32_t group_scale) const {
  if (c.sub_tensor()) {
    const Reason reason = nonfinite != 0 ? Reason::kNonFinite : Reason::kAccepted;
    return {static_cast<uint32_t>(subtensor_tensor_tag(r_.elements)), static_cast<uint32_t>(reason), 0, r_.fallbacks,
            0, 0, 0};
  }
  // The bounds decide, or the exact sum after a fallback (the same rule: tensor_decision on an err_sum that is
  // over the limit exactly when the tensor is rejected).
  const uint64_t decided = r_.tl_fallback ? r_.err_exact : (r_.acc_lo > r_.limit ? r_.limit + 1 : 0);
  const TensorDecision d = tensor_decision(nonfinite, nnz, decided, c.threshold_fx, FormatTag::kE4M3);
  return {static_cast<uint32_t>(d.tag), static_cast<uint32_t>(d.reason), group_scale, r_.fallbacks, r_.acc_lo,
          r_.acc_hi, r_.err_exact};
}

}  // namespace mor::sim
