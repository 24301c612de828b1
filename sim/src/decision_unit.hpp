// The SystemC model's twin of rtl/src/mor_decision_unit.sv: the interval bounds of tensor-level pass 2 and of a
// quant-error measurement, the exact sums of the fallback, the elements per format of sub-tensor mode, T_fx * NNZ
// (ready 32 cycles after tensor_done, as the RTL's shift-and-add), the verdicts and the tensor info.
#pragma once

#include <cstdint>

#include "engine_types.hpp"

namespace mor::sim {

class DecisionUnit {
 public:
  // After reset and when a tensor starts: the cleared accumulators, written once.
  void clear() { r_ = Regs{}; }
  // Tensor-level: Sum lo <= T_fx NNZ < Sum hi (interval_verdict: undecided).
  bool undecided() const { return !(r_.acc_lo > r_.limit) && !(r_.acc_hi <= r_.limit); }
  bool limit_ready() const { return r_.mul_steps == 0; }
  bool qe_e4m3() const { return r_.m4_hi <= r_.m5_lo; }
  bool qe_bf16() const { return r_.m4_lo > r_.m5_hi; }
  bool fb_e4m3(uint64_t fb_sum) const { return r_.e4_exact <= fb_sum; }

  // One rising clock edge.
  struct In {
    bool bsum_valid = false;
    EngineBeat bsum_kind = EngineBeat::kEmit;
    uint64_t bsum_lo = 0, bsum_hi = 0;
    bool tensor_done = false;
    uint64_t tensor_nnz = 0;
    uint64_t fb_sum = 0;
    bool tl_fallback_done = false, fb4_done = false, fb5_done = false, measure_clear = false;
    bool block_done = false;
    uint32_t block_done_tag = 0;
  };
  void tick(const ConfigRegs& c, const In& in);

  // The tensor info of the done pulse.
  struct TensorInfo {
    uint32_t decision_tag, reason, group_scale, fallbacks;
    uint64_t sum_lo, sum_hi, err_sum;
  };
  TensorInfo tensor_info(const ConfigRegs& c, uint64_t nnz, uint64_t nonfinite, uint32_t group_scale) const;

 private:
  struct Regs {
    uint64_t acc_lo = 0, acc_hi = 0;                 // tensor-level bounds
    uint64_t m4_lo = 0, m4_hi = 0, m5_lo = 0, m5_hi = 0;  // a measured block's bounds
    uint64_t e4_exact = 0, err_exact = 0;
    uint64_t limit = 0;
    int mul_steps = 0;
    bool tl_fallback = false;
    uint32_t fallbacks = 0;
    uint64_t elements[kFormatTagCount] = {0, 0, 0, 0};  // sub-tensor elements per format (no E2M3 in the engine)
  };
  Regs r_;
};

}  // namespace mor::sim
