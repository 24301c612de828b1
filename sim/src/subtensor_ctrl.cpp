#include "subtensor_ctrl.hpp"

#include "mor/core/decision.hpp"
#include "mor/core/scale.hpp"

namespace mor::sim {

void SubTensorCtrl::reset() {
  ctl_ = Control{};
  bank_amax_[0] = bank_amax_[1] = 0;
  bank_min_[0] = bank_min_[1] = kF32Inf;
  bank_nf_[0] = bank_nf_[1] = 0;
  dtag_ = dscale_ = 0;
}

void SubTensorCtrl::start(const ConfigRegs& c) {
  ctl_ = Control{};
  ctl_.active = true;
  bufmem_[0].assign(c.block_beats, Beat{});
  bufmem_[1].assign(c.block_beats, Beat{});
}

uint32_t SubTensorCtrl::candidate_scale(const ConfigRegs& c, FormatTag f) const {
  const uint32_t amax = bank_amax_[ctl_.rb];
  return c.fp32_scales ? fp32_block_scale(amax, fmax_of(f)) : mor_e8_rz_scale(amax, fmax_of(f));
}

SubTensorCtrl::Decision SubTensorCtrl::decide(const ConfigRegs& c) const {
  const int rb = ctl_.rb;
  const SubTensorRules rules{c.qe, c.e5m2_to_bf16, false};  // the engine has no E2M3 path
  const SubTensorBand band =
      subtensor_band(subtensor_dynamic_range(bank_amax_[rb], bank_min_[rb]), bank_nf_[rb] != 0, rules);
  return {band.tag, band.measure, candidate_scale(c, FormatTag::kE4M3), candidate_scale(c, FormatTag::kE5M2)};
}

SubTensorCtrl::Out SubTensorCtrl::outputs(const ConfigRegs& c, bool issue_ready, bool blk_room) const {
  Out o;
  const Drain d = ctl_.drain;
  o.measure_clear = d == kDecide;
  const Beat* x = ctl_.active && d != kIdle && d != kDecide ? &bufmem_[ctl_.rb][ctl_.rbeat] : nullptr;
  if ((d == kMeasureE4M3 || d == kMeasureE5M2) && issue_ready) {
    const bool e5 = d == kMeasureE5M2;
    const FormatTag f = e5 ? FormatTag::kE5M2 : FormatTag::kE4M3;
    o.issue = Issue{true, e5 ? EngineBeat::kMeasureE5M2 : EngineBeat::kMeasureE4M3, false, x, candidate_scale(c, f), e5};
  }
  if (d == kEmit && issue_ready && blk_room) {
    const bool bf16 = dtag_ == static_cast<uint32_t>(FormatTag::kBF16);
    const bool read_last = ctl_.rbeat == c.block_beats - 1;
    if (!bf16) o.issue = Issue{true, EngineBeat::kEmit, read_last, x, dscale_,
                               dtag_ == static_cast<uint32_t>(FormatTag::kE5M2)};
    o.block_done = bf16 || read_last;  // a BF16 block emits no codes
    o.blk_push = o.block_done;
    o.blk = {ctl_.out_block, dtag_, dscale_};
    o.finished = o.block_done && ctl_.out_block == c.num_blocks - 1;
  }
  return o;
}

void SubTensorCtrl::tick(const ConfigRegs& c, const Fill& fill, const Out& out, bool issue_ready, bool x_valid,
                         bool e4m3_not_worse) {
  if (!ctl_.active) return;
  const bool rb_was_full = ctl_.bank_full[ctl_.rb];  // the drain reads the registers before this edge
  if (fill.fire) {
    bufmem_[ctl_.wb][fill.beat] = *fill.x;
    if (fill.block_last) {  // the filled buffer is whole; fill the other one
      const int wb = ctl_.wb;
      ctl_.bank_full[wb] = true;
      bank_amax_[wb] = fill.block_amax;
      bank_min_[wb] = fill.block_min_nonzero;
      bank_nf_[wb] = fill.block_nonfinite;
      ctl_.wb ^= 1;
    }
  }
  full_after_fill_ = int{ctl_.bank_full[0]} + int{ctl_.bank_full[1]};
  drain_tick(c, out, rb_was_full, issue_ready, x_valid, e4m3_not_worse);
}

void SubTensorCtrl::drain_tick(const ConfigRegs& c, const Out& out, bool rb_was_full, bool issue_ready,
                               bool x_valid, bool e4m3_not_worse) {
  Control& s = ctl_;
  switch (s.drain) {
    case kIdle:
      if (rb_was_full) s.drain = kDecide;
      break;
    case kDecide: {
      const Decision d = decide(c);
      s.rbeat = 0;
      if (d.measure) {
        s.drain = kMeasureE4M3;
      } else {
        dtag_ = static_cast<uint32_t>(d.tag);
        dscale_ = d.tag == FormatTag::kBF16 ? 0u : d.tag == FormatTag::kE5M2 ? d.s5 : d.s4;
        s.drain = kEmit;
      }
      break;
    }
    case kMeasureE4M3:
    case kMeasureE5M2:
      if (issue_ready) {  // one beat issued per advancing cycle
        const bool read_last = s.rbeat == c.block_beats - 1;
        s.rbeat = read_last ? 0 : s.rbeat + 1;
        if (read_last) s.drain = s.drain == kMeasureE4M3 ? kMeasureE5M2 : kChoose;
      }
      break;
    case kChoose:
      if (!x_valid) {  // the last measured beat has been summed: E4M3 unless its error sum is larger
        const FormatTag f = e4m3_not_worse ? FormatTag::kE4M3 : FormatTag::kBF16;
        dtag_ = static_cast<uint32_t>(f);
        dscale_ = e4m3_not_worse ? candidate_scale(c, FormatTag::kE4M3) : 0u;
        s.drain = kEmit;
      }
      break;
    case kEmit:
      if (out.block_done) {
        s.bank_full[s.rb] = false;
        s.rb ^= 1;
        s.rbeat = 0;
        s.drain = kIdle;
        ++s.out_block;
        if (out.finished) s.active = false;
      } else if (out.issue.valid) {
        ++s.rbeat;
      }
      break;
  }
}

}  // namespace mor::sim
