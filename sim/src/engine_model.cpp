#include "engine_model.hpp"

#include <algorithm>
#include <array>

#include "mor/engine.hpp"

namespace mor::sim {

MorEngineModel::MorEngineModel(sc_module_name n) : sc_module(n) {
  SC_METHOD(seq);
  sensitive << clk.pos();
  dont_initialize();
}

Beat MorEngineModel::read_in_data() const {
  Beat b;
  const sc_bv<kLanes * 32>& v = in_data.read();
  for (int l = 0; l < kLanes; ++l) b[static_cast<std::size_t>(l)] = static_cast<uint32_t>(v.get_word(l));
  return b;
}

void MorEngineModel::reset() {
  state_ = S_IDLE;
  done_ = false;
  status_ = 0;
  cfg_ = ConfigRegs{};
  input_reg_.reset();
  stats_.clear();
  div_.reset();
  tensor_.reset();
  sub_.reset();
  pipe_.reset();
  fallback_.reset();
  blk_fifo_.reset();
  decision_.clear();
}

// S_CHECK, the configuration accepted: the statistics and accumulators restart, one controller starts.
void MorEngineModel::begin_tensor() {
  if (cfg_.sub_tensor()) {
    sub_.start(cfg_);
  } else if (supplied_run_) {  // model extension: statistics from the producer, one pass
    stats_.load_supplied(supplied_.group_amax, supplied_.nnz, supplied_.nonfinite);
    DecisionUnit::In limit;  // T_fx * NNZ as after pass 1's tensor_done
    limit.tensor_done = true;
    limit.tensor_nnz = supplied_.nnz;
    decision_.tick(cfg_, limit);
    tensor_.start_supplied();
  } else {
    tensor_.start();
  }
}

// The stall breakdown, from the states before this edge.
void MorEngineModel::count_stalls() {
  const TensorCtrl::Phase p = tensor_.phase();
  if (p == TensorCtrl::kGroup || p == TensorCtrl::kGroupWait || p == TensorCtrl::kThresholds ||
      p == TensorCtrl::kThresholdsWait)
    ++group_cycles;
  if (p == TensorCtrl::kPass3) ++fallback_cycles;
  if (!div_.idle()) ++divider_cycles;
  if (sub_.active()) {
    const SubTensorCtrl::Drain d = sub_.drain();
    if (d == SubTensorCtrl::R_IDLE) ++decision_wait_cycles;
    if (d == SubTensorCtrl::R_M4 || d == SubTensorCtrl::R_M5 || d == SubTensorCtrl::R_MWAIT) ++measure_cycles;
    if (d == SubTensorCtrl::R_F4 || d == SubTensorCtrl::R_F5) ++fallback_cycles;
  }
  if (state_ == S_FINISH) ++decision_wait_cycles;
}

// This cycle's inputs of the controllers and of the decision unit, from the registers before the edge (the wiring
// of mor_quantizer.sv).
TensorCtrl::In MorEngineModel::tensor_inputs(const Shared& sh, bool nonfinite) const {
  TensorCtrl::In ti;
  ti.i_valid = sh.i_valid;
  ti.block_last = sh.block_last;
  ti.tensor_last = sh.tensor_last;
  ti.nonfinite = nonfinite;
  ti.in_flight_lasts = stats_.in_flight_lasts();
  ti.blk_done = stats_.blk_done();
  ti.issue_ready = sh.issue_ready;
  ti.blk_room = sh.blk_room;
  ti.pipe_empty = sh.pipe_empty;
  ti.undecided = decision_.undecided();
  ti.fb_ready = sh.fb_ready;
  ti.fb_beat_done = sh.fb_beat_done;
  return ti;
}

SubTensorCtrl::In MorEngineModel::subtensor_inputs(const Shared& sh, uint64_t fb_sum, bool div_grant,
                                                   uint32_t div_result) const {
  SubTensorCtrl::In si;
  si.i_valid = sh.i_valid;
  si.i_data = sh.i_data;
  si.in_beat = stats_.beat();
  si.in_block_last = sh.block_last;
  si.blk_done = stats_.blk_done();
  si.blk_amax = stats_.blk_amax();
  si.blk_min = stats_.blk_min_nonzero();
  si.blk_nf = stats_.blk_nonfinite();
  si.issue_ready = sh.issue_ready;
  si.blk_room = sh.blk_room;
  si.pipe_empty = sh.pipe_empty;
  si.qe_e4m3 = decision_.qe_e4m3();
  si.qe_bf16 = decision_.qe_bf16();
  si.fb_e4m3 = decision_.fb_e4m3(fb_sum);
  si.fb_ready = sh.fb_ready;
  si.fb_beat_done = sh.fb_beat_done;
  si.div_grant = div_grant;
  si.div_done = div_.done(1);
  si.div_result = div_result;
  return si;
}

DecisionUnit::In MorEngineModel::decision_inputs(const TensorCtrl::Out& tl, const SubTensorCtrl::Out& st,
                                                 uint64_t fb_sum) const {
  DecisionUnit::In di;
  di.bsum_valid = pipe_.bsum_valid();
  di.bsum_kind = pipe_.bsum_kind();
  di.bsum_lo = pipe_.bsum_lo();
  di.bsum_hi = pipe_.bsum_hi();
  di.tensor_done = stats_.tensor_done();
  di.tensor_nnz = stats_.nnz();
  di.fb_sum = fb_sum;
  di.tl_fallback_done = tl.fallback_done;
  di.fb4_done = st.fb4_done;
  di.fb5_done = st.fb5_done;
  di.measure_clear = st.measure_clear;
  di.block_done = st.block_done;
  di.block_done_tag = st.block_done_tag;
  return di;
}

void MorEngineModel::seq() {
  if (!rst_n.read()) {
    reset();
    write_outputs();
    return;
  }
  // ---- this cycle's values, from the registers and the inputs sampled at the edge ----
  const bool sub = cfg_.sub_tensor();
  const bool i_valid = input_reg_.out_valid();
  const Beat& i_data = input_reg_.out_data();
  const bool block_last = stats_.block_last(cfg_), tensor_last = stats_.tensor_last(cfg_);
  const bool fb_ready = fallback_.beat_ready(), fb_beat_done = fallback_.beat_done();
  const bool issue_ready = pipe_.issue_ready(fb_ready), blk_room = blk_fifo_.in_ready();
  const bool pipe_empty = pipe_.empty();
  const bool nonfinite = stats_.nonfinite() != 0;
  const uint64_t fb_sum = fallback_.sum();
  // the shared divider: requester 0 the tensor-level controller, 1 the sub-tensor controller, 2 the fallback unit
  const std::array<DivRequest, kDivRequesters> div_req = {tensor_.div_request(stats_.group_amax()),
                                                           sub_.div_request(), fallback_.div_request()};
  const int grant = div_.grant(div_req);
  const uint32_t div_result = div_.result();

  const Shared sh{i_valid, &i_data, block_last, tensor_last, issue_ready, blk_room, pipe_empty, fb_ready, fb_beat_done};
  const TensorCtrl::In ti = tensor_inputs(sh, nonfinite);
  const TensorCtrl::Out tl = tensor_.outputs(ti, &i_data, stats_.block());
  const SubTensorCtrl::In si = subtensor_inputs(sh, fb_sum, grant == 1, div_result);
  const SubTensorCtrl::Out st = sub_.outputs(cfg_, si);

  const bool consume = tl.consume || st.consume;
  const bool gather = tl.gather || sub;
  const Issue& issue = sub ? st.issue : tl.issue;
  const Beat* fb_x = sub ? sub_.read_data() : &i_data;
  FallbackUnit::BeatIn fb_in{pipe_.fallback_codes(), pipe_.fallback_e5m2(), pipe_.x_scale(), fb_x};
  const DecisionUnit::In di = decision_inputs(tl, st, fb_sum);
  const bool blk_valid_now = blk_fifo_.out_valid(), meta_empty = !tensor_.meta_out_valid();
  count_stalls();

  // ---- the clock edge: every unit from the values above ----
  const Beat in_beat = in_valid.read() && state_ == S_RUN && input_reg_.in_ready() ? read_in_data() : Beat{};
  // In this order: the fallback unit reads stage C's codes, stage X the issuer's elements (the input register or
  // the buffer's read register), before those registers move.
  fallback_.tick(fb_in, tl.fb_sum_clear || st.fb_sum_clear, grant == 2, div_.done(2));
  pipe_.tick(issue, !sub, code_ready.read(), fb_ready);
  sub_.tick(cfg_, si, st);
  if (sub_.active()) bank_high_water = std::max(bank_high_water, sub_.filled_banks());
  blk_fifo_.tick(tl.blk_push || st.blk_push, sub ? st.blk : tl.blk, blk_ready.read());
  blk_fifo_high_water = std::max(blk_fifo_high_water, blk_fifo_.count());
  tensor_.tick(ti, tl, stats_.blk_amax(), stats_.tensor_done(), meta_out_ready.read(), meta_in_valid.read(),
               meta_in_data.read(), grant == 0, div_.done(0), div_result);
  // The statistics and accumulators last: the units above read their outputs from before the edge.
  if (state_ == S_CHECK) {  // clear: a tensor starts
    stats_.clear();
    decision_.clear();
  } else {
    stats_.tick(cfg_, consume ? &i_data : nullptr, gather);
    decision_.tick(cfg_, di);
  }
  div_.tick(div_req);
  input_reg_.tick(in_valid.read() && state_ == S_RUN, in_beat, consume);
  step_state(tl.finished || st.finished, pipe_empty && !blk_valid_now && fb_ready && meta_empty);
  write_outputs();
}

// The run state (mor_quantizer.sv): S_IDLE samples the configuration on start, S_CHECK accepts or refuses it, S_RUN
// until a controller has finished, S_FINISH until every output has left.
void MorEngineModel::step_state(bool ctrl_finished, bool outputs_left) {
  done_ = false;
  switch (state_) {
    case S_IDLE:
      if (start.read()) {
        cfg_ = {cfg_mode.read(), cfg_block_beats.read(), cfg_num_blocks.read(), cfg_threshold_fx.read(),
                cfg_qe_mode.read(), cfg_e5m2_to_bf16.read(), cfg_fp32_scales.read()};
        supplied_run_ = have_supplied_ && !cfg_.sub_tensor();
        have_supplied_ = false;
        state_ = S_CHECK;
      }
      break;
    case S_CHECK: {
      EngineConfig ec;
      ec.mode = static_cast<int>(cfg_.mode);
      ec.block_beats = static_cast<int>(cfg_.block_beats);
      ec.num_blocks = cfg_.num_blocks;
      const bool refuse = engine_refuses(ec);
      status_ = static_cast<uint32_t>(refuse ? EngineStatus::kRefused : EngineStatus::kOk);
      done_ = refuse;
      state_ = refuse ? S_IDLE : S_RUN;
      if (!refuse) begin_tensor();
      break;
    }
    case S_RUN:
      if (ctrl_finished) state_ = S_FINISH;
      break;
    case S_FINISH:
      if (outputs_left) {  // every output has left
        done_ = true;
        state_ = S_IDLE;
      }
      break;
  }
}

void MorEngineModel::write_outputs() {
  busy.write(state_ != S_IDLE);
  in_ready.write(input_reg_.in_ready() && state_ == S_RUN);
  refetch.write(tensor_.refetch());
  meta_out_valid.write(tensor_.meta_out_valid());
  meta_out_data.write(tensor_.meta_out_data());
  meta_in_ready.write(tensor_.meta_in_ready());
  code_valid.write(pipe_.code_valid());
  code_block_last.write(pipe_.code_block_last());
  // code_data only means something while code_valid is high; packing the 256-bit vector on the other cycles
  // would be a good part of the model's time for nothing.
  if (pipe_.code_valid()) {
    const Codes& c = pipe_.codes();
    for (int w = 0; w < kLanes / 4; ++w)
      code_bits_.set_word(w, static_cast<sc_digit>(c[4 * w] | c[4 * w + 1] << 8 | c[4 * w + 2] << 16 |
                                                   static_cast<uint32_t>(c[4 * w + 3]) << 24));
    code_data.write(code_bits_);
  }
  const BlockInfo& head = blk_fifo_.out_data();
  blk_valid.write(blk_fifo_.out_valid());
  blk_index.write(head.index);
  blk_tag.write(head.tag);
  blk_scale.write(head.scale);
  done.write(done_);
  status.write(status_);
  // Tensor info: all zero for a refused configuration.
  const bool refused = status_ == static_cast<uint32_t>(EngineStatus::kRefused);
  const DecisionUnit::TensorInfo t = decision_.tensor_info(cfg_, stats_.nnz(), stats_.nonfinite(), tensor_.group_scale());
  group_amax.write(refused ? 0 : stats_.group_amax());
  nnz.write(refused ? 0 : stats_.nnz());
  decision_tag.write(refused ? 0 : t.decision_tag);
  reason.write(refused ? 0 : t.reason);
  group_scale.write(refused ? 0 : t.group_scale);
  sum_lo.write(refused ? 0 : t.sum_lo);
  sum_hi.write(refused ? 0 : t.sum_hi);
  fallbacks.write(refused ? 0 : t.fallbacks);
  err_sum.write(refused ? 0 : t.err_sum);
}

}  // namespace mor::sim
