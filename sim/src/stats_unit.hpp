// The SystemC model's twin of rtl/src/mor_stats_unit.sv: the position of the incoming beat in its block and
// tensor, the statistics of the beat (amax.hpp), those of its block so far including the beat, and the tensor's
// (NNZ, non-finite count, group amax). Every accepted beat moves the position; `gather` beats (tensor-level pass
// 1, sub-tensor) also count in the statistics.
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

  // The accepted beat (call with the beat when one is accepted this cycle, else with nullptr).
  void observe(const Beat* x);
  uint32_t beat() const { return r_.beat; }
  uint32_t block() const { return r_.block; }
  bool block_last(const ConfigRegs& c) const { return r_.beat == c.block_beats - 1; }
  bool tensor_last(const ConfigRegs& c) const { return block_last(c) && r_.block == c.num_blocks - 1; }
  // Its block so far, this beat included.
  uint32_t block_amax() const { return beat_.amax > r_.acc_amax ? beat_.amax : r_.acc_amax; }
  uint32_t block_min_nonzero() const { return beat_.min_nonzero < r_.acc_min ? beat_.min_nonzero : r_.acc_min; }
  uint32_t block_nonfinite() const { return r_.acc_nf + beat_.nonfinite; }
  // The tensor so far.
  uint64_t nnz() const { return r_.nnz; }
  uint64_t nonfinite() const { return r_.nonfinite; }
  uint32_t group_amax() const { return r_.group_amax; }

  // One rising clock edge.
  void tick(const ConfigRegs& c, bool in_fire, bool gather);

 private:
  struct Regs {
    uint32_t beat = 0, block = 0;
    uint32_t acc_amax = 0, acc_min = kF32Inf, acc_nf = 0;  // the block before this beat
    uint64_t nnz = 0, nonfinite = 0;
    uint32_t group_amax = 0;
  };
  Regs r_;
  BlockStats beat_;  // the accepted beat's statistics (mor_amax_tree)
};

}  // namespace mor::sim
