#include "tensor_ctrl.hpp"

#include "mor/core/engine_rules.hpp"
#include "mor/core/gam.hpp"

namespace mor::sim {

void TensorCtrl::reset() {
  phase_ = kIdle;
  p3_busy_ = false;
  r_g_ = 0;
  meta_out_.reset();
  meta_in_.reset();
  scale_.reset();
}

void TensorCtrl::start() { phase_ = kPass1; }

// The model's one-pass mode: the statistics (and, through the metadata memory, the block amax) come from the
// producer, so the group step starts at once.
void TensorCtrl::start_supplied() { phase_ = kGroup; }

bool TensorCtrl::meta_in_ready() const {
  return meta_in_.in_ready() && (phase_ == kGroup || phase_ == kGroupWait || phase_ == kThresholds ||
                                 phase_ == kThresholdsWait || phase_ == kPass2 || phase_ == kPass3);
}

DivRequest TensorCtrl::div_request(uint32_t group_amax) const {
  if (phase_ == kGroup) return {true, false, f32_bits(kE4M3Max), gam_floor(group_amax, kE4M3Max)};
  if (phase_ == kThresholds) return {true, true, gam_threshold_dividend(), gam_threshold_divisor(r_g_)};
  return {};
}

// A pass-1 beat is consumed only when its block's amax is sure of a place in the metadata queue.
bool TensorCtrl::p1_room(const In& in) const {
  return meta_out_.count() + in.in_flight_lasts + (in.blk_done ? 1 : 0) < kMetaFifo;
}

TensorCtrl::Out TensorCtrl::outputs(const In& in, const Beat* i_data, uint32_t block) const {
  Out o;
  const bool scale_valid = scale_.out_valid();
  const bool p2_go = phase_ == kPass2 && in.i_valid && scale_valid &&
                     (in.nonfinite || (in.issue_ready && in.blk_room));
  const bool p3_go = phase_ == kPass3 && in.i_valid && scale_valid && !p3_busy_ && in.issue_ready && in.fb_ready;
  const bool p3_done = phase_ == kPass3 && p3_busy_ && in.fb_beat_done;
  o.gather = phase_ == kPass1;
  o.consume = (phase_ == kPass1 && in.i_valid && p1_room(in)) || p2_go || p3_done;
  if ((p2_go && !in.nonfinite) || p3_go)
    o.issue = Issue{true, phase_ == kPass3 ? EngineBeat::kFallback : EngineBeat::kEmit, in.block_last, i_data,
                    scale_.out_data().s, false};
  o.blk_push = p2_go && !in.nonfinite && in.block_last;
  o.blk = {block, static_cast<uint32_t>(FormatTag::kE4M3), scale_.out_data().k};
  o.fb_sum_clear = phase_ == kPass2End && in.pipe_empty && in.undecided && !in.nonfinite;
  o.fallback_done = p3_done && in.tensor_last;
  const bool finish_p2 = phase_ == kPass2End && in.pipe_empty && (!in.undecided || in.nonfinite);
  o.finished = finish_p2 || o.fallback_done;
  return o;
}

void TensorCtrl::tick(const In& in, const Out& out, uint32_t blk_amax, bool tensor_done, bool meta_out_ready,
                      bool meta_in_valid, uint32_t meta_in_data, bool div_grant, bool div_done, uint32_t div_result) {
  // The scale stage: the head of the metadata queue, its scale and offset formed by comparisons.
  const bool scale_pop = in.block_last && (out.issue.valid || out.consume) && (phase_ == kPass2 || phase_ == kPass3) &&
                         out.consume;
  const bool scale_in = meta_in_.out_valid() && (phase_ == kPass2 || phase_ == kPass3);
  const bool scale_load = scale_in && scale_.in_ready(scale_pop);
  Scale next;
  if (scale_in) {
    next.s = gam_block_scale_cmp(th_, meta_in_.out_data());
    next.k = gam_exp_offset_cmp(th_, meta_in_.out_data());
  }
  const bool in_push = meta_in_valid && meta_in_ready();
  scale_.tick(scale_in, next, scale_pop);
  meta_in_.tick(in_push, meta_in_data, scale_load);
  meta_out_.tick(in.blk_done && (phase_ == kPass1 || phase_ == kPass1End), blk_amax, meta_out_ready);
  switch (phase_) {
    case kIdle: break;
    case kPass1: if (out.consume && in.tensor_last) phase_ = kPass1End; break;
    case kPass1End: if (tensor_done) phase_ = in.nonfinite ? kPass2 : kGroup; break;
    case kGroup: if (div_grant) phase_ = kGroupWait; break;
    case kGroupWait:
      if (div_done) {
        r_g_ = div_result;
        phase_ = kThresholds;
      }
      break;
    case kThresholds: if (div_grant) phase_ = kThresholdsWait; break;
    case kThresholdsWait:
      if (div_done) {
        th_ = gam_thresholds_from_quotient(r_g_, div_result & 0x7FFFFFFu);
        phase_ = kPass2;
      }
      break;
    case kPass2: if (out.consume && in.tensor_last) phase_ = kPass2End; break;
    case kPass2End:
      if (out.finished) phase_ = kIdle;
      else if (in.pipe_empty) phase_ = kPass3;
      break;
    case kPass3:
      if (out.issue.valid) p3_busy_ = true;
      if (out.consume) p3_busy_ = false;
      if (out.fallback_done) phase_ = kIdle;
      break;
  }
}

}  // namespace mor::sim
