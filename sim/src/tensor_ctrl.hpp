// The SystemC model's twin of rtl/src/mor_tensor_ctrl.sv, the tensor-level controller (spec 6, D3): pass 1 keeps
// each block's amax, the group step gives r_g (gam.hpp gam_group_scale, the RTL's mor_gam_group_scale), pass 2
// issues every beat with its block's GAM scale (gam_block_scale, mor_gam_block_scale) and pushes each block's
// exponent offset. A tensor with NaN/Inf is consumed in pass 2 without output (D2). Extension the RTL does not
// have: start_supplied(), the statistics supplied by the producer (one pass).
#pragma once

#include <cstdint>
#include <vector>

#include "engine_types.hpp"

namespace mor::sim {

class TensorCtrl {
 public:
  enum Phase { kIdle, kPass1, kGroup, kPass2 };

  void reset();
  void start(const ConfigRegs& c);
  void start_supplied(const ConfigRegs& c, const std::vector<uint32_t>& block_amax);
  Phase phase() const { return phase_; }
  uint32_t group_scale() const { return r_g_; }

  bool in_ready(bool nonfinite, bool issue_ready, bool blk_room) const;
  bool gather() const { return phase_ == kPass1; }

  // This cycle's outputs for the beat accepted now (in_fire) at its position.
  struct Out {
    Issue issue;
    bool blk_push = false;
    BlockInfo blk;
    bool finished = false;  // pass 2 takes the tensor's last beat
  };
  Out outputs(bool in_fire, const Beat* in_beat, uint32_t block, bool block_last, bool tensor_last,
              bool nonfinite) const;

  // One rising clock edge.
  void tick(bool in_fire, uint32_t block, bool block_last, bool tensor_last, uint32_t block_amax,
            uint32_t group_amax);

 private:
  Phase phase_ = kIdle;
  uint32_t r_g_ = 0;
  std::vector<uint32_t> block_amax_mem_;  // sized per tensor (the RTL's has MAX_BLOCKS entries)
};

}  // namespace mor::sim
