// The SystemC model's twin of rtl/src/mor_stats_unit.sv: the position of the consumed beat in its block and
// tensor, and, three stages later (T1, T2, T3), each finished block's statistics (amax, smallest nonzero, non-finite
// count: blk_done pulses with them) and the tensor's (NNZ, non-finite count, group amax; tensor_done pulses with the
// last block's). Every consumed beat moves the position; `gather` beats also enter the statistics pipeline, which
// never stalls. The beat's statistics are amax.hpp's (the RTL's groups of lanes merge to the same values).
#pragma once

#include <cstdint>

#include "engine_types.hpp"
#include "mor/core/amax.hpp"

namespace mor::sim {

class StatsUnit {
 public:
  // After reset and when a tensor starts: the cleared registers, written once.
  void clear() { r_ = Regs{}; }
  // The model's one-pass tensor-level mode: the producer supplies the tensor's statistics.
  void load_supplied(uint32_t group_amax, uint64_t nnz, uint64_t nonfinite);

  uint32_t beat() const { return r_.beat; }
  uint32_t block() const { return r_.block; }
  bool block_last(const ConfigRegs& c) const { return r_.beat == c.block_beats - 1; }
  bool tensor_last(const ConfigRegs& c) const { return block_last(c) && r_.block == c.num_blocks - 1; }
  int in_flight_lasts() const { return int{r_.t1.valid && r_.t1.last} + int{r_.t2.valid && r_.t2.last}; }
  bool blk_done() const { return r_.blk_done; }
  uint32_t blk_amax() const { return r_.blk_amax; }
  uint32_t blk_min_nonzero() const { return r_.blk_min; }
  uint32_t blk_nonfinite() const { return r_.blk_nf; }
  bool tensor_done() const { return r_.tensor_done; }
  uint64_t nnz() const { return r_.nnz; }
  uint64_t nonfinite() const { return r_.nonfinite; }
  uint32_t group_amax() const { return r_.group_amax; }

  // One rising clock edge: `x` is the beat consumed this cycle (nullptr: none).
  void tick(const ConfigRegs& c, const Beat* x, bool gather);

 private:
  struct Stage {
    bool valid = false, last = false, tlast = false;
    BlockStats s;
  };
  struct Regs {
    uint32_t beat = 0, block = 0;
    Stage t1, t2;
    uint32_t acc_amax = 0, acc_min = kF32Inf, acc_nf = 0;  // the block before T2's beat
    bool blk_done = false, tensor_done = false;
    uint32_t blk_amax = 0, blk_min = kF32Inf, blk_nf = 0;
    uint64_t nnz = 0, nonfinite = 0;
    uint32_t group_amax = 0;
  };
  Regs r_;
};

}  // namespace mor::sim
