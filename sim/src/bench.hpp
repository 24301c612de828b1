// mor-sim's test bench around one engine (the SystemC model or the Verilated RTL): the memory reader and writer, a
// monitor that records every transaction with its cycle, and a sequencer that runs the jobs one after another.
#pragma once

#include <systemc.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine_model.hpp"
#include "engine_ports.hpp"
#include "memory.hpp"
#include "mor/engine.hpp"
#include "mor/progress.hpp"
#include "mor/tensor.hpp"

namespace mor::sim {

// One tensor in one mode, as the engine runs it.
struct Job {
  std::string name, policy;  // policy: "tensor" or "subtensor"
  EngineConfig cfg;
  Tensor block_major;                        // one row per block
  std::vector<std::vector<uint32_t>> beats;  // the input beats of one pass, made before the simulation starts
  int element_bytes = 2;
  bool amax_supplied = false;
};

// Transactions as the monitor saw them, with the cycle of the handshake.
struct CodeTx {
  uint64_t cycle;
  std::array<uint8_t, kLanes> codes;
  bool last;
};
struct BlkTx {
  uint64_t cycle;
  uint32_t index, tag, scale;
};
struct DoneTx {
  uint64_t start_cycle, cycle;
  uint32_t status, decision, reason, group_scale, group_amax, fallbacks;
  uint64_t sum_lo, sum_hi, err_sum, nnz;
};

SC_MODULE(EngineBench) {
  sc_in<bool> clk;
  EngineSignals sig;
  MemoryReader reader;
  OutputWriter writer;
  MetaMemory meta;
  std::vector<Job>* jobs = nullptr;
  std::vector<std::vector<CodeTx>> codes;   // per job
  std::vector<std::vector<BlkTx>> blocks;   // per job
  std::vector<DoneTx> dones;                // per job
  std::vector<uint64_t> starved, first_input;
  uint64_t cycle = 0;
  bool finished = false;
  MorEngineModel* model = nullptr;  // set when this bench runs the SystemC model
  Progress* progress = nullptr;     // set on the bench whose progress is reported

  SC_HAS_PROCESS(EngineBench);
  EngineBench(sc_module_name n, const MemoryConfig& mem);
  void bind_memory(sc_clock& c);

  static inline int active_benches = 0;  // the last bench to finish stops the simulation

 private:
  void monitor();
  void sequence();
  void start_job(const Job& job);
  uint64_t start_cycle_ = 0;
  sc_event done_event_;
};

}  // namespace mor::sim
