#include "decision_unit.hpp"

#include "mor/core/decision.hpp"

namespace mor::sim {

void DecisionUnit::tick(const ConfigRegs& c, bool x_accounted, EngineBeat x_kind, uint64_t x_err,
                        bool measure_clear, bool block_done, uint32_t block_done_tag) {
  if (x_accounted) {
    if (x_kind == EngineBeat::kEmit && !c.sub_tensor()) r_.err += x_err;
    if (x_kind == EngineBeat::kMeasureE4M3) r_.m4 += x_err;
    if (x_kind == EngineBeat::kMeasureE5M2) r_.m5 += x_err;
  }
  if (measure_clear) r_.m4 = r_.m5 = 0;
  if (block_done) r_.elements[block_done_tag] += uint64_t{c.block_beats} * kLanes;
}

DecisionUnit::TensorInfo DecisionUnit::tensor_info(const ConfigRegs& c, uint64_t nnz, uint64_t nonfinite,
                                                   uint32_t group_scale) const {
  if (c.sub_tensor()) {
    const Reason reason = nonfinite != 0 ? Reason::kNonFinite : Reason::kAccepted;
    return {static_cast<uint32_t>(subtensor_tensor_tag(r_.elements)), static_cast<uint32_t>(reason), 0, 0};
  }
  const TensorDecision d = tensor_decision(nonfinite, nnz, r_.err, c.threshold_fx, FormatTag::kE4M3);
  return {static_cast<uint32_t>(d.tag), static_cast<uint32_t>(d.reason), group_scale, r_.err};
}

}  // namespace mor::sim
