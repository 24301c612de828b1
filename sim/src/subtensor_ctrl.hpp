// The SystemC model's twin of rtl/src/mor_subtensor_ctrl.sv, the sub-tensor controller (spec 7, D7): each block
// is written into one of two block buffers while its statistics are gathered; the other buffer drains: decide the
// format from the dynamic range (decision.hpp subtensor_band), measure the E4M3 and E5M2 errors when quant-error
// mode needs them (two extra buffer reads through the lanes), then issue the block's beats with its scale
// (scale.hpp fp32_block_scale or mor_e8_rz_scale) and push its block info.
#pragma once

#include <cstdint>
#include <vector>

#include "engine_types.hpp"
#include "mor/core/fp32_ops.hpp"

namespace mor::sim {

class SubTensorCtrl {
 public:
  enum Drain { kIdle, kDecide, kMeasureE4M3, kMeasureE5M2, kChoose, kEmit };

  void reset();
  void start(const ConfigRegs& c);
  bool active() const { return ctl_.active; }
  Drain drain() const { return ctl_.drain; }
  int full_banks_after_fill() const { return full_after_fill_; }  // for the model's high-water mark

  bool in_ready() const { return ctl_.active && !ctl_.bank_full[ctl_.wb]; }
  bool gather() const { return ctl_.active; }

  // This cycle's outputs of the drain side.
  struct Out {
    Issue issue;
    bool blk_push = false;
    BlockInfo blk;
    bool measure_clear = false;  // a block's decision starts: clear the measured error sums
    bool block_done = false;     // the drained block is finished (its format: blk.tag)
    bool finished = false;       // ... and it is the tensor's last
  };
  Out outputs(const ConfigRegs& c, bool issue_ready, bool blk_room) const;

  // One rising clock edge. `fill_*` is the accepted beat, its position and its block's statistics.
  struct Fill {
    bool fire = false;
    const Beat* x = nullptr;
    uint32_t beat = 0;
    bool block_last = false;
    uint32_t block_amax = 0, block_min_nonzero = 0, block_nonfinite = 0;
  };
  void tick(const ConfigRegs& c, const Fill& fill, const Out& out, bool issue_ready, bool x_valid,
            bool e4m3_not_worse);

 private:
  // The decision of buffer rb's block (only computed in the states that read it).
  struct Decision {
    FormatTag tag;
    bool measure;
    uint32_t s4, s5;  // candidate scales
  };
  Decision decide(const ConfigRegs& c) const;
  uint32_t candidate_scale(const ConfigRegs& c, FormatTag f) const;
  void drain_tick(const ConfigRegs& c, const Out& out, bool rb_was_full, bool issue_ready, bool x_valid,
                  bool e4m3_not_worse);

  // Control registers, cleared after reset and when a tensor starts.
  struct Control {
    bool active = false;
    bool bank_full[2] = {false, false};
    int wb = 0, rb = 0;  // buffer being filled, buffer being drained
    Drain drain = kIdle;
    uint32_t rbeat = 0, out_block = 0;
  };
  Control ctl_;
  // Data registers: a filled buffer's statistics, the drained block's format and scale.
  uint32_t bank_amax_[2] = {0, 0}, bank_min_[2] = {kF32Inf, kF32Inf}, bank_nf_[2] = {0, 0};
  uint32_t dtag_ = 0, dscale_ = 0;
  std::vector<Beat> bufmem_[2];
  int full_after_fill_ = 0;
};

}  // namespace mor::sim
