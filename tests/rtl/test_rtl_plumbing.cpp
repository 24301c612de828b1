// The engine's plumbing, RTL against its SystemC twin, cycle by cycle: mor_pipe_stage (both forms), mor_skid_buffer
// and mor_fifo against sim/src/pipe_stage.hpp, skid_buffer.hpp and fifo.hpp, under random valid, data and ready.
// Each cycle the handshake and the data on offer must be equal; the beats must leave in the order they entered,
// none lost or doubled; and each unit keeps its own promise (the skid buffer's in_ready does not follow out_ready
// within a cycle; the FPnew-form stage and the skid buffer pass one beat per cycle when nothing stalls).
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <random>
#include <string>

#include "Vfifo.h"
#include "Vpipe_stage.h"
#include "Vpipe_stage_lockstep.h"
#include "Vskid_buffer.h"
#include "engine_types.hpp"
#include "fifo.hpp"
#include "pipe_stage.hpp"
#include "skid_buffer.hpp"

namespace mor::sim {
namespace {

constexpr uint32_t kDataMask = 0xFFFF;  // the Verilated variants are 16 bits wide (rtl/CMakeLists.txt)

// The twins behind one interface: in_ready this cycle (the pipe stage's depends on out_ready), one clock edge.
struct StageTwin {
  PipeStage<uint32_t> unit;
  bool in_ready(bool out_ready) const { return unit.in_ready(out_ready); }
};
template <class T>
struct QueueTwin {
  T unit;
  bool in_ready(bool) const { return unit.in_ready(); }
};

// Drives a Verilated unit and its twin with the same random stimulus for `cycles` cycles (p_valid, p_ready: the
// probabilities of in_valid and out_ready). Returns the number of beats delivered.
template <class Dut, class Twin>
uint64_t run_lockstep(Dut& dut, Twin& twin, uint64_t seed, double p_valid, double p_ready, bool registered_ready,
                      int cycles = 20000) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  dut.rst_n = 0;
  dut.clk = 0;
  dut.eval();
  dut.clk = 1;
  dut.eval();
  dut.rst_n = 1;
  std::deque<uint32_t> in_flight;  // accepted, not yet delivered
  uint32_t next = 1;
  uint64_t delivered = 0;
  for (int c = 0; c < cycles && !::testing::Test::HasFailure(); ++c) {
    const bool in_valid = u(rng) < p_valid, out_ready = u(rng) < p_ready;
    const uint32_t data = next & kDataMask;
    dut.clk = 0;
    dut.in_valid = in_valid;
    dut.in_data = static_cast<uint16_t>(data);
    dut.out_ready = out_ready;
    dut.eval();
    SCOPED_TRACE("seed " + std::to_string(seed) + " cycle " + std::to_string(c));
    const bool in_ready = dut.in_ready;
    EXPECT_EQ(in_ready, twin.in_ready(out_ready));
    EXPECT_EQ(bool(dut.out_valid), twin.unit.out_valid());
    if (dut.out_valid) {
      EXPECT_EQ(dut.out_data, twin.unit.out_data());
      EXPECT_FALSE(in_flight.empty()) << "a beat came out that never went in";
      if (!in_flight.empty()) {
        EXPECT_EQ(dut.out_data, in_flight.front()) << "a beat out of order, lost or doubled";
      }
    }
    if (registered_ready) {  // in_ready must not follow out_ready within the cycle
      dut.out_ready = !out_ready;
      dut.eval();
      EXPECT_EQ(bool(dut.in_ready), in_ready);
      dut.out_ready = out_ready;
      dut.eval();
    }
    if (dut.out_valid && out_ready) {
      in_flight.pop_front();
      ++delivered;
    }
    if (in_valid && in_ready) {
      in_flight.push_back(data);
      ++next;
    }
    twin.unit.tick(in_valid, data, out_ready);
    dut.clk = 1;
    dut.eval();
  }
  return delivered;
}

TEST(rtl_plumbing, PipeStageMatchesTwin) {
  for (uint64_t seed : {1, 2, 3}) {
    Vpipe_stage dut;
    StageTwin twin{PipeStage<uint32_t>(false)};
    run_lockstep(dut, twin, seed, 0.7, 0.6, false);
  }
  Vpipe_stage dut;  // nothing stalls: one beat per cycle after the first
  StageTwin twin{PipeStage<uint32_t>(false)};
  EXPECT_EQ(run_lockstep(dut, twin, 9, 1.0, 1.0, false, 1000), 999u);
}

TEST(rtl_plumbing, LockstepPipeStageMatchesTwin) {
  for (uint64_t seed : {4, 5}) {
    Vpipe_stage_lockstep dut;
    StageTwin twin{PipeStage<uint32_t>(true)};
    run_lockstep(dut, twin, seed, 0.7, 0.6, false);
  }
}

TEST(rtl_plumbing, SkidBufferMatchesTwin) {
  for (uint64_t seed : {6, 7, 8}) {
    Vskid_buffer dut;
    QueueTwin<SkidBuffer<uint32_t>> twin;
    run_lockstep(dut, twin, seed, 0.8, 0.5, true);
  }
  Vskid_buffer dut;
  QueueTwin<SkidBuffer<uint32_t>> twin;
  EXPECT_EQ(run_lockstep(dut, twin, 10, 1.0, 1.0, true, 1000), 999u);
}

TEST(rtl_plumbing, FifoMatchesTwin) {
  for (uint64_t seed : {11, 12, 13}) {
    Vfifo dut;
    QueueTwin<Fifo<uint32_t, kBlkFifo>> twin;
    run_lockstep(dut, twin, seed, 0.6, 0.5, false);
  }
}

}  // namespace
}  // namespace mor::sim
