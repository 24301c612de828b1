// The Verilator harness of mor_quantizer: drives one tensor's input beats with random bubbles and random
// back-pressure, and compares every code beat, block info and the tensor info with the golden model's transactions
// (mor/engine.hpp) as they come out, bit for bit. Shared by the test (tests/rtl/test_rtl_quantizer.cpp) and the
// verification-throughput benchmark (bench/bench_rtl.cpp), so the benchmark times exactly what the test runs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "mor/engine.hpp"

class Vquantizer;

namespace mor {

// Functional coverage: event name -> count.
struct QuantizerCoverage {
  std::map<std::string, uint64_t> hits;
};

// The random stimulus of tensor `it` of the test's main loop: tensor-level and sub-tensor alternate; blocks are
// mostly one beat; thresholds, QE mode, E5M2-to-BF16 and FP32 scales vary; every fifth tensor has no input bubbles
// and every seventh no back-pressure. Draws the configuration from `rng`; the tensor is engine_test_tensor(rng(), c).
struct QuantizerStimulus {
  EngineConfig config;
  double p_valid, p_ready;
};
QuantizerStimulus random_stimulus(std::mt19937_64& rng, int it);

class QuantizerHarness {
 public:
  QuantizerHarness();  // resets the engine
  ~QuantizerHarness();
  QuantizerHarness(const QuantizerHarness&) = delete;
  QuantizerHarness& operator=(const QuantizerHarness&) = delete;

  // Runs one tensor: `inputs` = engine_input_beats(t, c) (one pass), `want` = engine_expected(t, c) (the caller
  // computes them, so a benchmark can time the model apart from the RTL). The harness is the engine's memory: it
  // offers the passes of the input (a third when the engine raises refetch) and stores the block metadata of pass 1
  // to offer it back. Each cycle the input and the metadata are valid with probability p_valid and each output
  // channel is ready with probability p_ready. Returns the number of mismatches; the first few are described in
  // `first_mismatches`.
  uint64_t run(const EngineConfig& c, const std::vector<std::vector<uint32_t>>& inputs, const EngineExpect& want,
               std::mt19937_64& rng, QuantizerCoverage& cov, double p_valid, double p_ready);

  std::vector<std::string> first_mismatches;  // of all runs so far, at most kMaxReported
  static constexpr std::size_t kMaxReported = 4;
  uint64_t cycles = 0, stalls_in = 0, stalls_code = 0, stalls_blk = 0;

 private:
  void check_tensor_info(const EngineConfig& c, const EngineTensorInfo& ti, QuantizerCoverage& cov,
                         const std::function<void(const std::string&)>& mismatch);
  void rise();  // clk 0 -> 1 (the clk = 0 evaluation already ran)
  void tick();  // a whole clock cycle
  std::unique_ptr<Vquantizer> dut_;
};

}  // namespace mor
