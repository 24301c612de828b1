// Cycle-level SystemC model of the MoR quantization engine (docs/ENGINE.md). Its control is a transcription of
// rtl/src/mor_quantizer.sv (same states, same stage registers, same FIFO depths), and its datapath is the golden
// model's shared math, so it is meant to match the RTL transaction for transaction and cycle for cycle; mor-sim's
// co-simulation checks both claims. Extension the RTL does not have: tensor-level mode with the amax statistics
// supplied by the producer (one pass instead of two).
#pragma once

#include <systemc.h>

#include <array>
#include <cstdint>
#include <vector>

#include "engine_ports.hpp"
#include "mor/fast_convert.hpp"

namespace mor::sim {

// Pipeline depth of the element path; the RTL parameter PIPE (mor_quantizer default).
constexpr int kPipe = 2;
constexpr int kBlkFifo = 4;

// What a producer that tracks amax itself hands the engine, so tensor-level mode needs one pass.
struct SuppliedStats {
  std::vector<uint32_t> block_amax;
  uint64_t nnz = 0, nonfinite = 0;
  uint32_t group_amax = 0;
};

SC_MODULE(MorEngineModel) {
  sc_in<bool> clk, rst_n, start;
  sc_in<uint32_t> cfg_mode, cfg_block_beats, cfg_num_blocks, cfg_threshold_fx;
  sc_in<bool> cfg_qe_mode, cfg_e5m2_to_bf16, cfg_fp32_scales;
  sc_out<bool> busy;
  sc_in<bool> in_valid;
  sc_out<bool> in_ready;
  sc_in<sc_bv<kLanes * 32>> in_data;
  sc_out<bool> code_valid;
  sc_in<bool> code_ready;
  sc_out<sc_bv<kLanes * 8>> code_data;
  sc_out<bool> code_block_last, blk_valid;
  sc_in<bool> blk_ready;
  sc_out<uint32_t> blk_index, blk_tag, blk_scale;
  sc_out<bool> done;
  sc_out<uint32_t> decision_tag, reason, group_scale;
  sc_out<uint64_t> err_sum, nnz;
  sc_out<uint32_t> group_amax;

  SC_CTOR(MorEngineModel);

  // Tensor-level mode with supplied statistics for the next start (model only); cleared after use.
  void supply_stats(const SuppliedStats& s) {
    supplied_ = s;
    have_supplied_ = true;
  }

  // Cycles spent per activity since construction (for the stall breakdown).
  uint64_t decision_wait_cycles = 0, measure_cycles = 0, group_cycles = 0;
  int bank_high_water = 0, blk_fifo_high_water = 0;

 private:
  enum State { S_IDLE, S_P1, S_GROUP, S_P2, S_SUB, S_FINISH };
  enum DState { D_IDLE, D_DECIDE, D_MEASURE4, D_MEASURE5, D_CHOOSE, D_EMIT };
  enum Kind { K_EMIT, K_MEASURE4, K_MEASURE5 };
  using Beat = std::array<uint32_t, kLanes>;
  struct BlkEntry {
    uint32_t index, tag, scale;
  };
  struct Stage {
    bool valid = false, last = false;
    std::array<uint8_t, kLanes> codes{};
  };

  void seq();
  void comb();
  void reset();
  bool in_ready_now() const;
  Beat read_in_data() const;
  // Lanes: codes and the summed canonical error of one beat at scale s in E4M3 or E5M2.
  void lanes(const Beat& x, uint32_t s, bool e5m2, std::array<uint8_t, kLanes>* codes, uint64_t* err) const;
  void write_outputs();

  sc_event state_changed_;
  sc_bv<kLanes * 8> code_bits_;  // reused for code_data: a fresh sc_bv would allocate every cycle
  const Fp32To8BitTable& enc4_;
  const Fp32To8BitTable& enc5_;
  uint32_t dec4_[256], dec5_[256];

  // Registers (names as in mor_quantizer.sv).
  State state_ = S_IDLE;
  DState dstate_ = D_IDLE;
  uint32_t mode_ = 0, block_beats_ = 0, num_blocks_ = 0, threshold_fx_ = 0;
  bool qe_ = false, e5bf_ = false, fp32_scales_ = false;
  bool xv_ = false, x_last_ = false, x_e5m2_ = false;
  Kind x_kind_ = K_EMIT;
  Beat x_data_{};
  uint32_t x_scale_ = 0;
  Stage st_[kPipe];
  BlkEntry blk_fifo_[kBlkFifo]{};
  int blk_count_ = 0, blk_rd_ = 0, blk_wr_ = 0;
  uint32_t beat_cnt_ = 0, in_block_ = 0;
  uint32_t acc_amax_ = 0, acc_min_ = 0x7F800000u, acc_nf_ = 0;
  uint64_t err_acc_ = 0, nnz_acc_ = 0, nf_acc_ = 0;
  uint32_t gamax_ = 0, r_g_ = 0;
  std::vector<uint32_t> block_amax_mem_;
  std::vector<Beat> bufmem_[2];
  bool bank_full_[2] = {false, false};
  uint32_t bank_amax_[2] = {0, 0}, bank_min_[2] = {0x7F800000u, 0x7F800000u}, bank_nf_[2] = {0, 0};
  int wb_ = 0, rb_ = 0;
  uint32_t rbeat_ = 0, out_block_ = 0, dtag_ = 0, dscale_ = 0;
  uint64_t m4_ = 0, m5_ = 0;
  uint64_t fmt_elems_[3] = {0, 0, 0};
  bool done_ = false;
  SuppliedStats supplied_;
  bool have_supplied_ = false;
};

}  // namespace mor::sim
