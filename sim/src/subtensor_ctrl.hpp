// The SystemC model's twin of rtl/src/mor_subtensor_ctrl.sv, the sub-tensor controller (spec 7, D7): one pass
// through two block buffers (1RW, the read data registered a cycle after the address), three parts in block order:
//   fill    consumed beats are written into the free buffer; its statistics arrive three cycles after its last beat
//   decide  each filled buffer's format and scales: C_PREP, C_CMP (the bands and MOR_E8_RZ scales by comparison,
//           engine_rules.hpp, equal to decision.hpp / scale.hpp, which the model evaluates), then one or two
//           divisions on the shared divider for FP32 scales
//   drain   the decided buffer is read and issued: a quant-error block twice as measured beats, twice as fallback
//           beats only when the bounds leave E4M3 vs E5M2 open, then once to emit its codes
// The same states, registers and cycles as the RTL; names as there.
#pragma once

#include <cstdint>
#include <vector>

#include "engine_types.hpp"

namespace mor::sim {

class SubTensorCtrl {
 public:
  enum Decide { C_IDLE, C_PREP, C_CMP, C_S4, C_S4W, C_S5, C_S5W };
  enum Drain { R_IDLE, R_M4, R_M5, R_MWAIT, R_F4, R_F5, R_EMIT, R_BF16 };

  void reset() { ctl_ = Control{}; }
  void start(const ConfigRegs& c);
  bool active() const { return ctl_.active; }
  Drain drain() const { return ctl_.dr; }
  Decide decide_state() const { return ctl_.dc; }
  int filled_banks() const { return int{ctl_.filled[0]} + int{ctl_.filled[1]}; }
  // The buffer's read register: the issued beat's elements (and the fallback unit's).
  const Beat* read_data() const { return &rdata_[ctl_.rb]; }
  DivRequest div_request() const;

  // This cycle's inputs and combinational outputs.
  struct In {
    bool i_valid = false;
    const Beat* i_data = nullptr;
    uint32_t in_beat = 0;
    bool in_block_last = false;
    bool blk_done = false;
    uint32_t blk_amax = 0, blk_min = 0, blk_nf = 0;
    bool issue_ready = false, blk_room = false, pipe_empty = false;
    bool qe_e4m3 = false, qe_bf16 = false, fb_e4m3 = false, fb_ready = false, fb_beat_done = false;
    bool div_grant = false, div_done = false;
    uint32_t div_result = 0;
  };
  struct Out {
    bool consume = false;
    Issue issue;
    bool blk_push = false;
    BlockInfo blk;
    bool measure_clear = false, fb_sum_clear = false, fb4_done = false, fb5_done = false;
    bool block_done = false, finished = false;
    uint32_t block_done_tag = 0;
    // internal
    bool read_now = false, pass_end = false, decide_done = false, need4 = false, need5 = false;
    uint32_t band_tag = 0;
    bool measure = false;
  };
  Out outputs(const ConfigRegs& c, const In& in) const;

  // One rising clock edge (not the start edge).
  void tick(const ConfigRegs& c, const In& in, const Out& o);

 private:
  bool reading() const;
  bool fallback_pass() const { return ctl_.dr == R_F4 || ctl_.dr == R_F5; }

  // Control registers, cleared after reset and when a tensor starts.
  struct Control {
    bool active = false;
    int wb = 0, sb = 0, db = 0, rb = 0;
    bool filled[2] = {false, false}, stats_ok[2] = {false, false}, decided[2] = {false, false};
    Decide dc = C_IDLE;
    Drain dr = R_IDLE;
    uint32_t rbeat = 0, issued = 0;
    bool rd_valid = false, fb_wait = false;
    uint32_t out_block = 0;
  };
  Control ctl_;
  void tick_buffers(const Control& r, const In& in, const Out& o);
  void tick_decide(const ConfigRegs& c, const Control& r, const In& in, const Out& o);
  void tick_drain(const Control& r, const In& in, const Out& o);
  // Data registers.
  uint32_t bank_amax_[2] = {0, 0}, bank_min_[2] = {0, 0}, bank_nf_[2] = {0, 0};
  uint32_t bank_tag_[2] = {0, 0}, bank_s4_[2] = {0, 0}, bank_s5_[2] = {0, 0};
  bool bank_measure_[2] = {false, false};
  uint32_t dtag_ = 0, dscale_ = 0;
  std::vector<Beat> mem_[2];  // the two buffers
  Beat rdata_[2] = {};        // their read registers
};

}  // namespace mor::sim
