// Cycle-level SystemC model of the MoR quantization engine (docs/ENGINE.md). It is cut as the RTL is, unit for
// unit and file for file (rtl/src/mor_quantizer.sv and the units it instantiates):
//   skid_buffer.hpp  mor_skid_buffer      the input register (in_ready from a register)
//   stats_unit       mor_stats_unit       position of the input beat, block and tensor statistics (three stages)
//   tensor_ctrl      mor_tensor_ctrl      tensor-level passes, the metadata port, GAM on the shared divider
//   subtensor_ctrl   mor_subtensor_ctrl   block buffers (1RW), band comparators, quant-error measurement
//   element_pipe     mor_element_pipe     stages X, M1, M2, C, the code skid buffer, the bounds path
//   fallback_unit    mor_fallback_unit    the exact errors of undecided tensors and blocks
//   div_unit         mor_div_unit         the one iterative divider
//   fifo.hpp         mor_fifo             block info
//   decision_unit    mor_decision_unit    accumulators, T_fx * NNZ, decisions, tensor info
// This module holds the configuration, the check, the run state and the wiring; each unit's registers update at the
// clock edge from the values before it, as the RTL's do. Every output is a register or a function of registers (no
// combinational path from an input port to an output port), so the outputs are written once per edge. The datapath
// is the golden model's shared math, so the model matches the RTL transaction for transaction and cycle for cycle;
// mor-sim's co-simulation checks both claims. Extension the RTL does not have: tensor-level mode with the amax
// statistics supplied by the producer (one pass instead of two; the block amax come in on the metadata port).
#pragma once

#include <systemc.h>

#include <cstdint>
#include <vector>

#include "decision_unit.hpp"
#include "div_unit.hpp"
#include "element_pipe.hpp"
#include "engine_ports.hpp"
#include "engine_types.hpp"
#include "fallback_unit.hpp"
#include "fifo.hpp"
#include "skid_buffer.hpp"
#include "stats_unit.hpp"
#include "subtensor_ctrl.hpp"
#include "tensor_ctrl.hpp"

namespace mor::sim {

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
  sc_out<bool> refetch, meta_out_valid;
  sc_in<bool> meta_out_ready;
  sc_out<uint32_t> meta_out_data;
  sc_in<bool> meta_in_valid;
  sc_out<bool> meta_in_ready;
  sc_in<uint32_t> meta_in_data;
  sc_out<bool> code_valid;
  sc_in<bool> code_ready;
  sc_out<sc_bv<kLanes * 8>> code_data;
  sc_out<bool> code_block_last, blk_valid;
  sc_in<bool> blk_ready;
  sc_out<uint32_t> blk_index, blk_tag, blk_scale;
  sc_out<bool> done;
  sc_out<uint32_t> status, decision_tag, reason, group_scale;
  sc_out<uint64_t> sum_lo, sum_hi;
  sc_out<uint32_t> fallbacks;
  sc_out<uint64_t> err_sum, nnz;
  sc_out<uint32_t> group_amax;

  SC_CTOR(MorEngineModel);

  // Tensor-level mode with supplied statistics for the next start (model only); cleared after use.
  void supply_stats(const SuppliedStats& s) {
    supplied_ = s;
    have_supplied_ = true;
  }

  // Cycles spent per activity since construction (for the stall breakdown).
  uint64_t decision_wait_cycles = 0, measure_cycles = 0, group_cycles = 0, fallback_cycles = 0, divider_cycles = 0;
  int bank_high_water = 0, blk_fifo_high_water = 0;
  uint64_t lane_beats() const { return pipe_.lane_beats; }  // beats issued into the lanes (each fills them a cycle)

 private:
  enum State { S_IDLE, S_CHECK, S_RUN, S_FINISH };

  void seq();
  void reset();
  Beat read_in_data() const;
  void begin_tensor();
  void count_stalls();
  void step_state(bool ctrl_finished, bool outputs_left);
  void write_outputs();
  // The values several units read this cycle.
  struct Shared {
    bool i_valid;
    const Beat* i_data;
    bool block_last, tensor_last, issue_ready, blk_room, pipe_empty, fb_ready, fb_beat_done;
  };
  TensorCtrl::In tensor_inputs(const Shared& sh, bool nonfinite) const;
  SubTensorCtrl::In subtensor_inputs(const Shared& sh, uint64_t fb_sum, bool div_grant, uint32_t div_result) const;
  DecisionUnit::In decision_inputs(const TensorCtrl::Out& tl, const SubTensorCtrl::Out& st, uint64_t fb_sum) const;

  sc_bv<kLanes * 8> code_bits_;  // reused for code_data: a fresh sc_bv would allocate every cycle

  // Registers of this module (names as in mor_quantizer.sv) and the units.
  State state_ = S_IDLE;
  bool done_ = false;
  uint32_t status_ = 0;
  ConfigRegs cfg_;
  SkidBuffer<Beat> input_reg_;
  StatsUnit stats_;
  DivUnit div_;
  TensorCtrl tensor_;
  SubTensorCtrl sub_;
  ElementPipe pipe_;
  FallbackUnit fallback_;
  Fifo<BlockInfo, kBlkFifo> blk_fifo_;
  DecisionUnit decision_;
  SuppliedStats supplied_;
  bool have_supplied_ = false, supplied_run_ = false;
};

}  // namespace mor::sim
