#include "engine_model.hpp"

#include <algorithm>

namespace mor::sim {

MorEngineModel::MorEngineModel(sc_module_name n) : sc_module(n) {
  SC_METHOD(seq);
  sensitive << clk.pos();
  dont_initialize();
  SC_METHOD(comb);
  sensitive << code_ready << blk_ready << state_changed_;
}

Beat MorEngineModel::read_in_data() const {
  Beat b;
  const sc_bv<kLanes * 32>& v = in_data.read();
  for (int l = 0; l < kLanes; ++l) b[static_cast<std::size_t>(l)] = static_cast<uint32_t>(v.get_word(l));
  return b;
}

bool MorEngineModel::in_ready_now() const {  // each controller's is low while it is idle
  const bool issue_ready = pipe_.issue_ready(code_ready.read());
  return tensor_.in_ready(stats_.nonfinite() != 0, issue_ready, blk_fifo_.in_ready()) || sub_.in_ready();
}

void MorEngineModel::comb() { in_ready.write(in_ready_now()); }

void MorEngineModel::reset() {
  state_ = S_IDLE;
  done_ = false;
  cfg_ = ConfigRegs{};
  stats_.clear();
  tensor_.reset();
  sub_.reset();
  pipe_.reset();
  blk_fifo_.reset();
  decision_.clear();
}

// S_IDLE with start: sample the configuration, clear the units, start one controller.
void MorEngineModel::begin_tensor() {
  cfg_ = {cfg_mode.read(), cfg_block_beats.read(), cfg_num_blocks.read(), cfg_threshold_fx.read(),
          cfg_qe_mode.read(), cfg_e5m2_to_bf16.read(), cfg_fp32_scales.read()};
  stats_.clear();
  decision_.clear();
  if (cfg_.sub_tensor()) {
    sub_.start(cfg_);
  } else if (have_supplied_) {  // model extension: statistics from the producer, one pass
    stats_.load_supplied(supplied_.group_amax, supplied_.nnz, supplied_.nonfinite);
    tensor_.start_supplied(cfg_, supplied_.block_amax);
    have_supplied_ = false;
  } else {
    tensor_.start(cfg_);
  }
  state_ = S_RUN;
}

// The stall breakdown, from the states before this edge.
void MorEngineModel::count_stalls() {
  if (tensor_.phase() == TensorCtrl::kGroup) ++group_cycles;
  const SubTensorCtrl::Drain d = sub_.drain();
  if (sub_.active() && d == SubTensorCtrl::kDecide) ++decision_wait_cycles;
  if (sub_.active() && (d == SubTensorCtrl::kMeasureE4M3 || d == SubTensorCtrl::kMeasureE5M2 ||
                        d == SubTensorCtrl::kChoose))
    ++measure_cycles;
  if (state_ == S_FINISH) ++decision_wait_cycles;
}

void MorEngineModel::seq() {
  if (!rst_n.read()) {
    reset();
    write_outputs();
    state_changed_.notify(SC_ZERO_TIME);
    return;
  }
  // ---- this cycle's values, from the registers and the inputs sampled at the edge ----
  const bool code_rdy = code_ready.read(), issue_ready = pipe_.issue_ready(code_rdy);
  const bool blk_room = blk_fifo_.in_ready(), nonfinite = stats_.nonfinite() != 0;
  const bool in_fire = in_valid.read() && in_ready_now();
  Beat in_beat{};
  if (in_fire) in_beat = read_in_data();
  stats_.observe(in_fire ? &in_beat : nullptr);
  const bool block_last = stats_.block_last(cfg_), tensor_last = stats_.tensor_last(cfg_);
  const TensorCtrl::Out tl = tensor_.outputs(in_fire, &in_beat, stats_.block(), block_last, tensor_last, nonfinite);
  const SubTensorCtrl::Out st = sub_.outputs(cfg_, issue_ready, blk_room);
  const bool sub = cfg_.sub_tensor();
  const Issue& issue = sub ? st.issue : tl.issue;
  pipe_.evaluate(!(sub && pipe_.x_kind() == EngineBeat::kEmit));  // sub-tensor codes: no one reads the error
  count_stalls();

  // Register outputs the units read across each other, before the edge.
  const bool pipe_empty = pipe_.empty(), fifo_empty = !blk_fifo_.out_valid(), x_valid = pipe_.x_valid();
  const bool gather = tensor_.gather() || sub_.gather(), sub_active = sub_.active();
  const bool e4m3_not_worse = decision_.e4m3_not_worse();

  // ---- the clock edge: every unit from the values above ----
  decision_.tick(cfg_, x_valid && issue_ready, pipe_.x_kind(), pipe_.x_err(), st.measure_clear, st.block_done,
                 st.blk.tag);
  sub_.tick(cfg_, {in_fire, &in_beat, stats_.beat(), block_last, stats_.block_amax(), stats_.block_min_nonzero(),
                   stats_.block_nonfinite()},
            st, issue_ready, x_valid, e4m3_not_worse);
  if (sub_active) bank_high_water = std::max(bank_high_water, sub_.full_banks_after_fill());
  pipe_.tick(issue, code_rdy);
  blk_fifo_.tick(sub ? st.blk_push : tl.blk_push, sub ? st.blk : tl.blk, blk_ready.read());
  blk_fifo_high_water = std::max(blk_fifo_high_water, blk_fifo_.count());
  tensor_.tick(in_fire, stats_.block(), block_last, tensor_last, stats_.block_amax(), stats_.group_amax());
  stats_.tick(cfg_, in_fire, gather);
  done_ = false;
  switch (state_) {
    case S_IDLE:
      if (start.read()) begin_tensor();
      break;
    case S_RUN:
      if (tl.finished || st.finished) state_ = S_FINISH;
      break;
    case S_FINISH:
      if (pipe_empty && fifo_empty) {  // the last codes and block info have left
        done_ = true;
        state_ = S_IDLE;
      }
      break;
  }
  write_outputs();
  state_changed_.notify(SC_ZERO_TIME);
}

void MorEngineModel::write_outputs() {
  busy.write(state_ != S_IDLE);
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
  group_amax.write(stats_.group_amax());
  nnz.write(stats_.nnz());
  const DecisionUnit::TensorInfo t = decision_.tensor_info(cfg_, stats_.nnz(), stats_.nonfinite(), tensor_.group_scale());
  decision_tag.write(t.decision_tag);
  reason.write(t.reason);
  group_scale.write(t.group_scale);
  err_sum.write(t.err_sum);
}

}  // namespace mor::sim
