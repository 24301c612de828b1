#include "engine_model.hpp"

#include "mor/core/amax.hpp"
#include "mor/core/convert.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/gam.hpp"
#include "mor/core/metric.hpp"

namespace mor::sim {
namespace {

constexpr uint32_t kTagE4M3 = 0, kTagE5M2 = 1, kTagBF16 = 2;
constexpr uint32_t kOne = 0x3F800000u, kMax = 0x7F7FFFFFu, kInf = 0x7F800000u;
constexpr uint32_t kRangeE4 = 0x46E00000u, kRangeE4Qe = 0x47E00000u, kRangeE5 = 0x4E600000u;

// The sub-tensor candidate scale of mor_quantizer (TE's rule, optionally only the exponent bits).
uint32_t block_scale_of(uint32_t amax, float fmax, bool fp32) {
  uint32_t s;
  if (amax == 0 || amax >= kInf) s = kOne;
  else {
    s = fdiv_rn_bits(f32_bits(fmax), amax);
    if (s == kInf) s = kMax;
  }
  return fp32 ? s : (s & 0x7F800000u);
}

}  // namespace

MorEngineModel::MorEngineModel(sc_module_name n)
    : sc_module(n),
      enc4_(cached_fp32_table(FormatId::kE4M3, kFp8Default)),
      enc5_(cached_fp32_table(FormatId::kE5M2, kFp8Default)) {
  for (uint32_t c = 0; c < 256; ++c) {
    dec4_[c] = f32_from_e4m3(static_cast<uint8_t>(c));
    dec5_[c] = f32_from_e5m2(static_cast<uint8_t>(c));
  }
  SC_METHOD(seq);
  sensitive << clk.pos();
  dont_initialize();
  SC_METHOD(comb);
  sensitive << code_ready << blk_ready << state_changed_;
}

MorEngineModel::Beat MorEngineModel::read_in_data() const {
  Beat b;
  const sc_bv<kLanes * 32>& v = in_data.read();
  for (int l = 0; l < kLanes; ++l) b[static_cast<std::size_t>(l)] = static_cast<uint32_t>(v.get_word(l));
  return b;
}

void MorEngineModel::lanes(const Beat& x, uint32_t s, bool e5m2, std::array<uint8_t, kLanes>* codes,
                           uint64_t* err) const {  // err == nullptr: the error sum is not needed
  const Fp32To8BitTable& enc = e5m2 ? enc5_ : enc4_;
  const uint32_t* dec = e5m2 ? dec5_ : dec4_;
  uint64_t e = 0;
  for (int l = 0; l < kLanes; ++l) {
    const uint32_t xi = x[static_cast<std::size_t>(l)];
    const uint8_t q = enc(fmul_rn_bits(xi, s));  // = quantize_element: y = RN32(x*s), RNE, SATFINITE, CANON
    (*codes)[static_cast<std::size_t>(l)] = q;
    if (err && !f32_is_zero(xi)) e += error_fx(relative_error(xi, fdiv_rn_bits(dec[q], s)));
  }
  if (err) *err = e;
}

bool MorEngineModel::in_ready_now() const {
  const bool advance = !st_[kPipe - 1].valid || code_ready.read();
  const bool blk_room = blk_count_ < kBlkFifo;
  switch (state_) {
    case S_P1: return true;
    case S_P2: return nf_acc_ != 0 || (advance && blk_room);
    case S_SUB: return !bank_full_[wb_];
    default: return false;
  }
}

void MorEngineModel::comb() { in_ready.write(in_ready_now()); }

void MorEngineModel::reset() {
  state_ = S_IDLE;
  dstate_ = D_IDLE;
  xv_ = false;
  for (auto& s : st_) s = Stage{};
  blk_count_ = blk_rd_ = blk_wr_ = 0;
  done_ = false;
}

void MorEngineModel::seq() {
  if (!rst_n.read()) {
    reset();
    write_outputs();
    state_changed_.notify(SC_ZERO_TIME);
    return;
  }
  // ---- combinational values of this cycle (inputs sampled at the edge) ----
  const bool advance = !st_[kPipe - 1].valid || code_ready.read();
  const bool blk_room = blk_count_ < kBlkFifo;
  const bool in_fire = in_valid.read() && in_ready_now();
  const bool in_block_last = beat_cnt_ == block_beats_ - 1;
  const bool drop_p2 = nf_acc_ != 0;
  Beat in_beat{};
  if (in_fire) in_beat = read_in_data();
  BlockStats beat;
  if (in_fire) stats_add_span(beat, in_beat.data(), kLanes, NanPolicy::kIgnoreNan);
  const uint32_t blk_amax_now = beat.amax > acc_amax_ ? beat.amax : acc_amax_;
  const uint32_t blk_min_now = beat.min_nonzero < acc_min_ ? beat.min_nonzero : acc_min_;
  const uint32_t blk_nf_now = acc_nf_ + beat.nonfinite;

  // Sub-tensor decision values for bank rb.
  // (The RTL computes these every cycle; the model only on the cycles that use them, which is the same thing.)
  const uint32_t d_amax = bank_amax_[rb_], d_min = bank_min_[rb_];
  const bool deciding = mode_ == 2 && dstate_ == D_DECIDE;
  const uint32_t dr_eff = !deciding || d_amax == 0 ? kOne : fdiv_rn_bits(d_amax, d_min);
  const bool in_e4 = dr_eff <= (qe_ ? kRangeE4Qe : kRangeE4);
  const bool in_e5 = dr_eff <= kRangeE5;
  uint32_t s4 = 0, s5 = 0;
  if (mode_ == 2 && (deciding || dstate_ == D_MEASURE4 || dstate_ == D_MEASURE5 || dstate_ == D_CHOOSE)) {
    s4 = block_scale_of(d_amax, kE4M3Max, fp32_scales_);
    s5 = block_scale_of(d_amax, kE5M2Max, fp32_scales_);
  }

  // ---- what is issued into stage X ----
  bool issue = false, issue_last = false, blk_push = false, issue_e5m2 = false;
  Kind issue_kind = K_EMIT;
  BlkEntry push{};
  Beat issue_x{};
  uint32_t issue_scale = 0;
  if (state_ == S_P2) {
    issue = in_fire && !drop_p2;
    issue_last = in_block_last;
    if (issue) {
      const uint32_t s = gam_block_scale(r_g_, block_amax_mem_[in_block_]);
      issue_x = in_beat;
      issue_scale = s;
      blk_push = in_block_last;
      push = {in_block_, kTagE4M3, gam_exp_offset(r_g_, s) & 0xFFu};
    }
  } else if (state_ == S_SUB) {
    if ((dstate_ == D_MEASURE4 || dstate_ == D_MEASURE5) && advance) {
      issue = true;
      issue_kind = dstate_ == D_MEASURE4 ? K_MEASURE4 : K_MEASURE5;
      issue_x = bufmem_[rb_][rbeat_];
      issue_scale = dstate_ == D_MEASURE4 ? s4 : s5;
      issue_e5m2 = dstate_ == D_MEASURE5;
    }
    if (dstate_ == D_EMIT && advance && blk_room) {
      if (dtag_ != kTagBF16) {
        issue = true;
        issue_last = rbeat_ == block_beats_ - 1;
        blk_push = issue_last;
        issue_x = bufmem_[rb_][rbeat_];
        issue_scale = dscale_;
        issue_e5m2 = dtag_ == kTagE5M2;
      } else {
        blk_push = true;
      }
      push = {out_block_, dtag_, dscale_};
    }
  }

  // Register values before this edge (the state machine below reads them, as the RTL's always_ff does).
  const bool xv_before = xv_;
  bool pipe_empty_before = !xv_;
  for (const auto& st : st_) pipe_empty_before = pipe_empty_before && !st.valid;
  const int blk_count_before = blk_count_;
  const bool bank_full_before[2] = {bank_full_[0], bank_full_[1]};

  // ---- lanes on stage X, pipeline, block-info FIFO ----
  std::array<uint8_t, kLanes> lane_codes{};
  uint64_t beat_err = 0;
  if (xv_) lanes(x_data_, x_scale_, x_e5m2_, &lane_codes, (x_kind_ == K_EMIT && mode_ == 2) ? nullptr : &beat_err);
  const bool x_accounted = advance && xv_;
  if (x_accounted) {
    if (x_kind_ == K_EMIT && mode_ != 2) err_acc_ += beat_err;
    if (x_kind_ == K_MEASURE4) m4_ += beat_err;
    if (x_kind_ == K_MEASURE5) m5_ += beat_err;
  }
  if (advance) {
    for (int k = kPipe - 1; k > 0; --k) st_[k] = st_[k - 1];
    st_[0] = Stage{xv_ && x_kind_ == K_EMIT, x_last_, lane_codes};
    xv_ = issue;
    x_kind_ = issue_kind;
    x_last_ = issue_last;
    if (issue) {
      x_data_ = issue_x;
      x_scale_ = issue_scale;
      x_e5m2_ = issue_e5m2;
    }
  }
  const bool blk_pop = blk_count_ != 0 && blk_ready.read();
  if (blk_push) {
    blk_fifo_[blk_wr_] = push;
    blk_wr_ = (blk_wr_ + 1) % kBlkFifo;
  }
  if (blk_pop) blk_rd_ = (blk_rd_ + 1) % kBlkFifo;
  blk_count_ += (blk_push ? 1 : 0) - (blk_pop ? 1 : 0);
  blk_fifo_high_water = std::max(blk_fifo_high_water, blk_count_);

  // ---- state machine ----
  done_ = false;
  switch (state_) {
    case S_IDLE:
      if (start.read()) {
        mode_ = cfg_mode.read();
        block_beats_ = cfg_block_beats.read();
        num_blocks_ = cfg_num_blocks.read();
        threshold_fx_ = cfg_threshold_fx.read();
        qe_ = cfg_qe_mode.read();
        e5bf_ = cfg_e5m2_to_bf16.read();
        fp32_scales_ = cfg_fp32_scales.read();
        beat_cnt_ = in_block_ = 0;
        acc_amax_ = 0;
        acc_min_ = kInf;
        acc_nf_ = 0;
        err_acc_ = nnz_acc_ = nf_acc_ = 0;
        gamax_ = 0;
        wb_ = rb_ = 0;
        rbeat_ = out_block_ = 0;
        dstate_ = D_IDLE;
        bank_full_[0] = bank_full_[1] = false;
        fmt_elems_[0] = fmt_elems_[1] = fmt_elems_[2] = 0;
        block_amax_mem_.assign(num_blocks_, 0);
        if (mode_ == 2) {
          bufmem_[0].assign(block_beats_, Beat{});
          bufmem_[1].assign(block_beats_, Beat{});
          state_ = S_SUB;
        } else if (have_supplied_) {  // model extension: statistics from the producer, one pass
          block_amax_mem_ = supplied_.block_amax;
          block_amax_mem_.resize(num_blocks_, 0);
          gamax_ = supplied_.group_amax;
          nnz_acc_ = supplied_.nnz;
          nf_acc_ = supplied_.nonfinite;
          have_supplied_ = false;
          state_ = S_GROUP;
        } else {
          state_ = S_P1;
        }
      }
      break;
    case S_P1:
      if (in_fire) {
        nnz_acc_ += beat.nnz;
        nf_acc_ += beat.nonfinite;
        if (in_block_last) {
          block_amax_mem_[in_block_] = blk_amax_now;
          gamax_ = std::max(gamax_, blk_amax_now);
          acc_amax_ = 0;
          beat_cnt_ = 0;
          if (in_block_ == num_blocks_ - 1) {
            in_block_ = 0;
            state_ = S_GROUP;
          } else {
            ++in_block_;
          }
        } else {
          acc_amax_ = blk_amax_now;
          ++beat_cnt_;
        }
      }
      break;
    case S_GROUP:
      ++group_cycles;
      r_g_ = gam_group_scale(gamax_);
      state_ = S_P2;
      break;
    case S_P2:
      if (in_fire) {
        if (in_block_last) {
          beat_cnt_ = 0;
          if (in_block_ == num_blocks_ - 1) state_ = S_FINISH;
          else ++in_block_;
        } else {
          ++beat_cnt_;
        }
      }
      break;
    case S_SUB: {
      if (in_fire) {
        bufmem_[wb_][beat_cnt_] = in_beat;
        nnz_acc_ += beat.nnz;
        nf_acc_ += beat.nonfinite;
        gamax_ = std::max(gamax_, beat.amax);
        if (in_block_last) {
          bank_full_[wb_] = true;
          bank_amax_[wb_] = blk_amax_now;
          bank_min_[wb_] = blk_min_now;
          bank_nf_[wb_] = blk_nf_now;
          wb_ ^= 1;
          beat_cnt_ = 0;
          acc_amax_ = 0;
          acc_min_ = kInf;
          acc_nf_ = 0;
        } else {
          ++beat_cnt_;
          acc_amax_ = blk_amax_now;
          acc_min_ = blk_min_now;
          acc_nf_ = blk_nf_now;
        }
      }
      bank_high_water = std::max(bank_high_water, int{bank_full_[0]} + int{bank_full_[1]});
      switch (dstate_) {
        case D_IDLE:
          if (bank_full_before[rb_]) dstate_ = D_DECIDE;
          break;
        case D_DECIDE:
          ++decision_wait_cycles;
          rbeat_ = 0;
          m4_ = m5_ = 0;
          if (bank_nf_[rb_] == 0 && qe_ && !in_e4 && in_e5) {
            dstate_ = D_MEASURE4;
          } else {
            uint32_t tag;
            if (bank_nf_[rb_] != 0) tag = kTagBF16;
            else if (in_e4) tag = kTagE4M3;
            else if (in_e5) tag = e5bf_ ? kTagBF16 : kTagE5M2;
            else tag = kTagBF16;
            dtag_ = tag;
            dscale_ = tag == kTagBF16 ? 0u : tag == kTagE5M2 ? s5 : s4;
            dstate_ = D_EMIT;
          }
          break;
        case D_MEASURE4:
        case D_MEASURE5:
          ++measure_cycles;
          if (advance) {
            if (rbeat_ == block_beats_ - 1) {
              rbeat_ = 0;
              dstate_ = dstate_ == D_MEASURE4 ? D_MEASURE5 : D_CHOOSE;
            } else {
              ++rbeat_;
            }
          }
          break;
        case D_CHOOSE:
          ++measure_cycles;
          if (!xv_before) {
            dtag_ = m4_ <= m5_ ? kTagE4M3 : kTagBF16;
            dscale_ = m4_ <= m5_ ? s4 : 0u;
            dstate_ = D_EMIT;
          }
          break;
        case D_EMIT:
          if (advance && blk_room) {
            if (dtag_ == kTagBF16 || rbeat_ == block_beats_ - 1) {
              fmt_elems_[dtag_] += uint64_t{block_beats_} * kLanes;
              bank_full_[rb_] = false;
              rb_ ^= 1;
              rbeat_ = 0;
              dstate_ = D_IDLE;
              if (out_block_ == num_blocks_ - 1) state_ = S_FINISH;
              ++out_block_;
            } else {
              ++rbeat_;
            }
          }
          break;
      }
      break;
    }
    case S_FINISH: {
      ++decision_wait_cycles;
      if (pipe_empty_before && blk_count_before == 0) {
        done_ = true;
        state_ = S_IDLE;
      }
      break;
    }
  }
  write_outputs();
  state_changed_.notify(SC_ZERO_TIME);
}

void MorEngineModel::write_outputs() {
  busy.write(state_ != S_IDLE);
  code_valid.write(st_[kPipe - 1].valid);
  code_block_last.write(st_[kPipe - 1].last);
  // code_data only means something while code_valid is high; packing the 256-bit vector on the other cycles
  // would be a good part of the model's time for nothing.
  if (st_[kPipe - 1].valid) {
    sc_bv<kLanes * 8>& codes = code_bits_;
    for (int w = 0; w < kLanes / 4; ++w) {
      const auto& c = st_[kPipe - 1].codes;
      codes.set_word(w, static_cast<sc_digit>(c[4 * w] | c[4 * w + 1] << 8 | c[4 * w + 2] << 16 |
                                              static_cast<uint32_t>(c[4 * w + 3]) << 24));
    }
    code_data.write(codes);
  }
  const BlkEntry& head = blk_fifo_[blk_rd_];
  blk_valid.write(blk_count_ != 0);
  blk_index.write(head.index);
  blk_tag.write(head.tag);
  blk_scale.write(head.scale);
  done.write(done_);
  group_amax.write(gamax_);
  nnz.write(nnz_acc_);
  if (mode_ == 2) {
    group_scale.write(0);
    err_sum.write(0);
    reason.write(nf_acc_ != 0 ? 2u : 0u);
    uint32_t d = kTagE4M3;
    if (fmt_elems_[1] > fmt_elems_[0] && fmt_elems_[1] >= fmt_elems_[2]) d = kTagE5M2;
    else if (fmt_elems_[2] > fmt_elems_[0] && fmt_elems_[2] > fmt_elems_[1]) d = kTagBF16;
    decision_tag.write(d);
  } else {
    group_scale.write(r_g_);
    err_sum.write(err_acc_);
    if (nf_acc_ != 0) {
      decision_tag.write(kTagBF16);
      reason.write(2);
    } else if (nnz_acc_ == 0) {
      decision_tag.write(kTagE4M3);
      reason.write(3);
    } else if (metric_rejects(err_acc_, nnz_acc_, threshold_fx_)) {
      decision_tag.write(kTagBF16);
      reason.write(1);
    } else {
      decision_tag.write(kTagE4M3);
      reason.write(0);
    }
  }
}

}  // namespace mor::sim
