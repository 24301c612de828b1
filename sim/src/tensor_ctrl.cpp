#include "tensor_ctrl.hpp"

#include "mor/core/gam.hpp"

namespace mor::sim {

void TensorCtrl::reset() {
  phase_ = kIdle;
  r_g_ = 0;
}

void TensorCtrl::start(const ConfigRegs& c) {
  block_amax_mem_.assign(c.num_blocks, 0);
  phase_ = kPass1;
}

void TensorCtrl::start_supplied(const ConfigRegs& c, const std::vector<uint32_t>& block_amax) {
  block_amax_mem_ = block_amax;
  block_amax_mem_.resize(c.num_blocks, 0);
  phase_ = kGroup;
}

bool TensorCtrl::in_ready(bool nonfinite, bool issue_ready, bool blk_room) const {
  return phase_ == kPass1 || (phase_ == kPass2 && (nonfinite || (issue_ready && blk_room)));
}

TensorCtrl::Out TensorCtrl::outputs(bool in_fire, const Beat* in_beat, uint32_t block, bool block_last,
                                    bool tensor_last, bool nonfinite) const {
  Out o;
  if (phase_ != kPass2 || !in_fire) return o;
  o.finished = tensor_last;
  if (nonfinite) return o;  // D2: consumed without output
  const uint32_t s = gam_block_scale(r_g_, block_amax_mem_[block], kE4M3Max);
  o.issue = Issue{true, EngineBeat::kEmit, block_last, in_beat, s, false};
  o.blk_push = block_last;
  o.blk = {block, static_cast<uint32_t>(FormatTag::kE4M3), gam_exp_offset(r_g_, s) & 0xFFu};
  return o;
}

void TensorCtrl::tick(bool in_fire, uint32_t block, bool block_last, bool tensor_last, uint32_t block_amax,
                      uint32_t group_amax) {
  switch (phase_) {
    case kIdle: break;
    case kPass1:
      if (in_fire && block_last) block_amax_mem_[block] = block_amax;
      if (in_fire && tensor_last) phase_ = kGroup;
      break;
    case kGroup:
      r_g_ = gam_group_scale(group_amax, kE4M3Max);
      phase_ = kPass2;
      break;
    case kPass2:
      if (in_fire && tensor_last) phase_ = kIdle;
      break;
  }
}

}  // namespace mor::sim
