// The SystemC model's twin of rtl/src/mor_decision_unit.sv: the canonical error sum of tensor-level pass 2, the
// two error sums of a quant-error measurement, the elements per format of sub-tensor mode, and from them the
// tensor info (decision.hpp tensor_decision and subtensor_tensor_tag).
#pragma once

#include <cstdint>

#include "engine_types.hpp"

namespace mor::sim {

class DecisionUnit {
 public:
  // After reset and when a tensor starts: the cleared accumulators, written once.
  void clear() { r_ = Regs{}; }
  bool e4m3_not_worse() const { return r_.m4 <= r_.m5; }

  // One rising clock edge: stage X's beat as it advances (x_accounted), a measurement starting, a block done.
  void tick(const ConfigRegs& c, bool x_accounted, EngineBeat x_kind, uint64_t x_err, bool measure_clear,
            bool block_done, uint32_t block_done_tag);

  // The tensor info of the done pulse.
  struct TensorInfo {
    uint32_t decision_tag, reason, group_scale;
    uint64_t err_sum;
  };
  TensorInfo tensor_info(const ConfigRegs& c, uint64_t nnz, uint64_t nonfinite, uint32_t group_scale) const;

 private:
  struct Regs {
    uint64_t err = 0;                 // tensor-level canonical error sum
    uint64_t m4 = 0, m5 = 0;          // quant-error measurement of one block, E4M3 and E5M2
    uint64_t elements[kFormatTagCount] = {0, 0, 0, 0};  // sub-tensor elements per format (no E2M3 in the engine)
  };
  Regs r_;
};

}  // namespace mor::sim
