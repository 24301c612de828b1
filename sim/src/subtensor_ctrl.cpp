#include "subtensor_ctrl.hpp"

#include "mor/core/decision.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/scale.hpp"

namespace mor::sim {
namespace {
constexpr uint32_t kTagE4 = static_cast<uint32_t>(FormatTag::kE4M3), kTagE5 = static_cast<uint32_t>(FormatTag::kE5M2),
                   kTagBf16 = static_cast<uint32_t>(FormatTag::kBF16);
constexpr uint32_t kF32MaxBits = 0x7F7FFFFFu;
}  // namespace

void SubTensorCtrl::start(const ConfigRegs&) {
  ctl_ = Control{};
  ctl_.active = true;
  for (auto& m : mem_)
    if (m.size() != static_cast<std::size_t>(kEngineBlockBeatsMax)) m.assign(kEngineBlockBeatsMax, Beat{});
}

bool SubTensorCtrl::reading() const {
  const Drain d = ctl_.dr;
  return d == R_M4 || d == R_M5 || d == R_F4 || d == R_F5 || d == R_EMIT;
}

DivRequest SubTensorCtrl::div_request() const {
  const bool req = ctl_.dc == C_S4 || ctl_.dc == C_S5;
  return {req, false, f32_bits(ctl_.dc == C_S5 ? kE5M2Max : kE4M3Max), bank_amax_[ctl_.db]};
}

SubTensorCtrl::Out SubTensorCtrl::outputs(const ConfigRegs& c, const In& in) const {
  Out o;
  const Control& r = ctl_;
  const int db = r.db, rb = r.rb;
  o.consume = r.active && in.i_valid && !r.filled[r.wb];
  // decide (C_CMP reads the band; the model evaluates decision.hpp's rule, equal to the RTL's comparators)
  if (r.dc == C_CMP) {
    const SubTensorRules rules{c.qe, c.e5m2_to_bf16, false};
    const SubTensorBand band =
        subtensor_band(subtensor_dynamic_range(bank_amax_[db], bank_min_[db]), bank_nf_[db] != 0, rules);
    o.band_tag = static_cast<uint32_t>(band.tag);
    o.measure = band.measure;
    const uint32_t a = bank_amax_[db];
    const bool degenerate = (a & 0x7FFFFFFFu) == 0 || ((a >> 23) & 0xFFu) == 0xFFu;
    o.need4 = c.fp32_scales && !degenerate && (o.band_tag == kTagE4 || o.measure);
    o.need5 = c.fp32_scales && !degenerate && (o.band_tag == kTagE5 || o.measure);
  }
  o.decide_done = (r.dc == C_CMP && !o.need4 && !o.need5) ||
                  (r.dc == C_S4W && in.div_done && !bank_measure_[db] && bank_tag_[db] != kTagE5) ||
                  (r.dc == C_S5W && in.div_done);
  // drain
  const bool rd = reading(), fbp = fallback_pass(), emit = r.dr == R_EMIT;
  const bool e5_pass = r.dr == R_M5 || r.dr == R_F5 || (emit && dtag_ == kTagE5);
  const bool issue_now = rd && r.rd_valid && in.issue_ready && (!emit || in.blk_room) && (!fbp || in.fb_ready);
  o.read_now = rd && r.rbeat != c.block_beats && !r.fb_wait && (!r.rd_valid || (issue_now && !fbp));
  if (issue_now) {
    const EngineBeat kind = r.dr == R_M4 ? EngineBeat::kMeasureE4M3 : r.dr == R_M5 ? EngineBeat::kMeasureE5M2
                            : fbp ? EngineBeat::kFallback : EngineBeat::kEmit;
    const uint32_t scale = (r.dr == R_M4 || r.dr == R_F4) ? bank_s4_[rb] : (r.dr == R_M5 || r.dr == R_F5) ? bank_s5_[rb]
                                                                                                         : dscale_;
    o.issue = Issue{true, kind, r.issued == c.block_beats - 1, &rdata_[rb], scale, e5_pass};
  }
  o.pass_end = fbp ? (r.fb_wait && in.fb_beat_done && r.issued == c.block_beats) : (issue_now && o.issue.last);
  o.measure_clear = r.dr == R_IDLE && r.active && r.decided[rb] && bank_measure_[rb];
  o.fb_sum_clear = (r.dr == R_MWAIT && in.pipe_empty && !in.qe_e4m3 && !in.qe_bf16) || (r.dr == R_F4 && o.pass_end);
  o.fb4_done = r.dr == R_F4 && o.pass_end;
  o.fb5_done = r.dr == R_F5 && o.pass_end;
  const bool bf16_done = r.dr == R_BF16 && in.blk_room;
  o.block_done = (emit && o.pass_end) || bf16_done;
  o.block_done_tag = dtag_;
  o.blk_push = o.block_done;
  o.blk = {r.out_block, dtag_, dscale_};
  o.finished = o.block_done && r.out_block == c.num_blocks - 1;
  return o;
}

// One edge in three parts, in this order (as the RTL's processes): the buffers, the decide machine, the drain
// machine. Each reads the registers before the edge (r) and writes the next ones (ctl_).
void SubTensorCtrl::tick(const ConfigRegs& c, const In& in, const Out& o) {
  if (!ctl_.active) return;
  const Control r = ctl_;  // the registers before the edge
  tick_buffers(r, in, o);
  tick_decide(c, r, in, o);
  tick_drain(r, in, o);
}

// The buffers (one access each per cycle) and the statistics banks.
void SubTensorCtrl::tick_buffers(const Control& r, const In& in, const Out& o) {
  Control& n = ctl_;
  const int rb = r.rb;
  if (o.consume) mem_[r.wb][in.in_beat % kEngineBlockBeatsMax] = *in.i_data;
  if (o.read_now) rdata_[rb] = mem_[rb][r.rbeat % kEngineBlockBeatsMax];
  if (o.consume && in.in_block_last) {
    n.filled[r.wb] = true;
    n.wb = !r.wb;
  }
  if (in.blk_done) {
    n.stats_ok[r.sb] = true;
    n.sb = !r.sb;
    bank_amax_[r.sb] = in.blk_amax;
    bank_min_[r.sb] = in.blk_min;
    bank_nf_[r.sb] = in.blk_nf;
  }
}

// Decide: the band by comparators, then the FP32 scales on the shared divider when the mode asks for them.
void SubTensorCtrl::tick_decide(const ConfigRegs& c, const Control& r, const In& in, const Out& o) {
  Control& n = ctl_;
  const int db = r.db;
  const uint32_t fp32_q = in.div_result == kF32Inf ? kF32MaxBits : in.div_result;
  switch (r.dc) {
    case C_IDLE: if (r.stats_ok[db] && !r.decided[db]) n.dc = C_PREP; break;
    case C_PREP: n.dc = C_CMP; break;
    case C_CMP:
      n.dc = o.need4 ? C_S4 : o.need5 ? C_S5 : C_IDLE;
      bank_tag_[db] = o.band_tag;
      bank_measure_[db] = o.measure;
      bank_s4_[db] = c.fp32_scales ? kF32One : mor_e8_rz_scale(bank_amax_[db], kE4M3Max);
      bank_s5_[db] = c.fp32_scales ? kF32One : mor_e8_rz_scale(bank_amax_[db], kE5M2Max);
      break;
    case C_S4: if (in.div_grant) n.dc = C_S4W; break;
    case C_S4W:
      if (in.div_done) {
        n.dc = bank_measure_[db] || bank_tag_[db] == kTagE5 ? C_S5 : C_IDLE;
        bank_s4_[db] = fp32_q;
      }
      break;
    case C_S5: if (in.div_grant) n.dc = C_S5W; break;
    case C_S5W:
      if (in.div_done) {
        n.dc = C_IDLE;
        bank_s5_[db] = fp32_q;
      }
      break;
  }
  if (o.decide_done) {
    n.decided[db] = true;
    n.db = !db;
  }
}

// Drain: the read counters, the data registers of the drained block, and the pass sequence of each block.
void SubTensorCtrl::tick_drain(const Control& r, const In& in, const Out& o) {
  Control& n = ctl_;
  const int rb = r.rb;
  const bool issue_now = o.issue.valid;
  if (o.read_now) n.rbeat = r.rbeat + 1;
  if (o.read_now) n.rd_valid = true;
  else if (issue_now) n.rd_valid = false;
  if (issue_now) n.issued = r.issued + 1;
  if (issue_now && fallback_pass()) n.fb_wait = true;
  else if (in.fb_beat_done) n.fb_wait = false;
  // drain: the data registers of the drained block (from the registers before the edge)
  if (r.dr == R_IDLE && r.decided[rb]) {
    dtag_ = bank_tag_[rb];
    dscale_ = bank_tag_[rb] == kTagBf16 ? 0 : bank_tag_[rb] == kTagE5 ? bank_s5_[rb] : bank_s4_[rb];
  }
  if ((r.dr == R_MWAIT && in.pipe_empty && (in.qe_e4m3 || in.qe_bf16)) || (r.dr == R_F5 && o.pass_end)) {
    const bool e4 = r.dr == R_MWAIT ? in.qe_e4m3 : in.fb_e4m3;
    dtag_ = e4 ? kTagE4 : kTagBf16;
    dscale_ = e4 ? bank_s4_[rb] : 0;
  }
  switch (r.dr) {
    case R_IDLE:
      if (r.decided[rb]) n.dr = bank_measure_[rb] ? R_M4 : bank_tag_[rb] == kTagBf16 ? R_BF16 : R_EMIT;
      break;
    case R_M4: if (o.pass_end) n.dr = R_M5; break;
    case R_M5: if (o.pass_end) n.dr = R_MWAIT; break;
    case R_MWAIT: if (in.pipe_empty) n.dr = in.qe_e4m3 ? R_EMIT : in.qe_bf16 ? R_BF16 : R_F4; break;
    case R_F4: if (o.pass_end) n.dr = R_F5; break;
    case R_F5: if (o.pass_end) n.dr = in.fb_e4m3 ? R_EMIT : R_BF16; break;
    default:
      if (o.block_done) {  // R_EMIT, R_BF16: release the buffer
        n.filled[rb] = false;
        n.stats_ok[rb] = false;
        n.decided[rb] = false;
        n.rb = !rb;
        n.out_block = r.out_block + 1;
        n.dr = R_IDLE;
        if (o.finished) n.active = false;
      }
      break;
  }
  if (o.pass_end || r.dr == R_IDLE || r.dr == R_MWAIT) {  // every pass reads the buffer from its first beat
    n.rbeat = 0;
    n.issued = 0;
  }
}

}  // namespace mor::sim
