// The SystemC model's twin of rtl/src/mor_tensor_ctrl.sv, the tensor-level controller (spec 6, D3, D5): pass 1
// sends each block's amax out on the metadata port; the group step takes two divisions on the shared divider (r_g,
// then the GAM thresholds' quotient: engine_rules.hpp); pass 2 takes the block amax back, forms each block's scale
// by comparisons (gam_offset_cmp.hpp) and issues every beat; pass 3, only when the bounds leave the decision open,
// issues each beat as a fallback beat and consumes it when the fallback unit has its exact errors. A tensor with
// NaN/Inf is consumed in pass 2 without output (D2). Extension the RTL does not have: start_supplied(), the
// statistics supplied by the producer (pass 1 skipped).
#pragma once

#include <cstdint>

#include "div_unit.hpp"
#include "engine_types.hpp"
#include "fifo.hpp"
#include "mor/core/gam_offset_cmp.hpp"
#include "pipe_stage.hpp"

namespace mor::sim {

class TensorCtrl {
 public:
  enum Phase { kIdle, kPass1, kPass1End, kGroup, kGroupWait, kThresholds, kThresholdsWait, kPass2, kPass2End, kPass3 };

  void reset();
  void start();
  void start_supplied();
  Phase phase() const { return phase_; }
  uint32_t group_scale() const { return r_g_; }
  bool refetch() const { return phase_ == kPass3; }

  // The metadata port.
  bool meta_out_valid() const { return meta_out_.out_valid(); }
  uint32_t meta_out_data() const { return meta_out_.out_data(); }
  bool meta_in_ready() const;
  DivRequest div_request(uint32_t group_amax) const;

  // This cycle's outputs (the RTL's combinational ones), from the registers and these inputs.
  struct In {
    bool i_valid = false, block_last = false, tensor_last = false, nonfinite = false;
    int in_flight_lasts = 0;
    bool blk_done = false;
    bool issue_ready = false, blk_room = false, pipe_empty = false, undecided = false;
    bool fb_ready = false, fb_beat_done = false;
  };
  struct Out {
    bool consume = false, gather = false;
    Issue issue;
    bool blk_push = false;
    BlockInfo blk;
    bool fb_sum_clear = false, fallback_done = false, finished = false;
  };
  Out outputs(const In& in, const Beat* i_data, uint32_t block) const;

  // One rising clock edge.
  void tick(const In& in, const Out& out, uint32_t blk_amax, bool tensor_done, bool meta_out_ready, bool meta_in_valid,
            uint32_t meta_in_data, bool div_grant, bool div_done, uint32_t div_result);

 private:
  struct Scale {
    uint32_t s = 0, k = 0;
  };
  bool p1_room(const In& in) const;

  Phase phase_ = kIdle;
  bool p3_busy_ = false;
  uint32_t r_g_ = 0;
  GamThresholds th_{};
  Fifo<uint32_t, kMetaFifo> meta_out_;
  Fifo<uint32_t, 2> meta_in_;
  PipeStage<Scale> scale_;
};

}  // namespace mor::sim
