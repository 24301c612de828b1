// mor_quantizer (Verilated) against the golden model, transaction by transaction: every code beat, every block
// info and the tensor info are compared bit for bit as they come out, with random input bubbles and random
// back-pressure on both output channels. The model runs the same policy on the block-major tensor (one row per
// block), which is what the engine sees (docs/ENGINE.md). Functional coverage counters are printed at the end and
// asserted non-zero.
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "Vquantizer.h"
#include "mor/engine.hpp"
#include "mor/metric.hpp"
#include "mor/policy.hpp"
#include "sweep.hpp"

namespace mor {
namespace {

constexpr int kLanes = kEngineLanes;
using Config = EngineConfig;

struct Coverage {
  std::map<std::string, uint64_t> hits;
};

class Harness {
 public:
  Harness() {
    dut.rst_n = 0;
    dut.clk = 0;
    dut.eval();
    tick();
    dut.rst_n = 1;
    tick();
  }
  uint64_t cycles = 0, stalls_in = 0, stalls_code = 0, stalls_blk = 0;

  // Runs one tensor; returns the number of mismatches (each also reported as a test failure, the first few).
  uint64_t run(const Tensor& t, const Config& c, std::mt19937_64& rng, Coverage& cov, double p_valid, double p_ready) {
    const EngineExpect want = engine_expected(t, c);
    std::deque<EngineCodeBeat> code_beats(want.code_beats.begin(), want.code_beats.end());
    std::deque<EngineBlockInfo> blks(want.blocks.begin(), want.blocks.end());
    const EngineTensorInfo& ti = want.tensor;
    uint64_t bad = 0;
    auto mismatch = [&](const std::string& what) {
      if (bad++ < 4) ADD_FAILURE() << what;
    };
    dut.cfg_mode = static_cast<uint8_t>(c.mode);
    dut.cfg_block_beats = static_cast<uint16_t>(c.block_beats);
    dut.cfg_num_blocks = static_cast<uint16_t>(c.num_blocks);
    dut.cfg_threshold_fx = c.threshold_fx;
    dut.cfg_qe_mode = c.qe;
    dut.cfg_e5m2_to_bf16 = c.e5m2_to_bf16;
    dut.cfg_fp32_scales = c.fp32_scales;
    dut.start = 1;
    tick();
    dut.start = 0;
    const auto inputs = engine_input_beats(t, c);
    const std::size_t beats = inputs.size();
    std::size_t next_beat = 0;
    std::uniform_real_distribution<double> u(0, 1);
    bool finished = false;
    for (uint64_t guard = 0; guard < 100000 + beats * 40 && !finished; ++guard) {
      const bool valid = next_beat < beats && u(rng) < p_valid;
      dut.in_valid = valid;
      if (valid)
        for (int l = 0; l < kLanes; ++l) dut.in_data[static_cast<std::size_t>(l)] = inputs[next_beat][static_cast<std::size_t>(l)];
      dut.code_ready = u(rng) < p_ready;
      dut.blk_ready = u(rng) < p_ready;
      dut.clk = 0;
      dut.eval();
      if (valid && !dut.in_ready) ++stalls_in;
      if (dut.code_valid && !dut.code_ready) ++stalls_code, ++cov.hits["code back-pressure stall"];
      if (dut.blk_valid && !dut.blk_ready) ++stalls_blk, ++cov.hits["block-info back-pressure stall"];
      if (valid && dut.in_ready) ++next_beat;
      if (dut.code_valid && dut.code_ready) {
        if (code_beats.empty()) {
          mismatch("unexpected code beat");
        } else {
          for (int l = 0; l < kLanes; ++l) {
            const uint8_t got = static_cast<uint8_t>(dut.code_data[static_cast<std::size_t>(l / 4)] >> (8 * (l % 4)));
            if (got != code_beats.front().codes[static_cast<std::size_t>(l)])
              mismatch("code lane " + std::to_string(l) + " rtl " + std::to_string(got) + " model " +
                       std::to_string(code_beats.front().codes[static_cast<std::size_t>(l)]));
          }
          if (dut.code_block_last != code_beats.front().block_last) mismatch("code_block_last");
          code_beats.pop_front();
        }
      }
      if (dut.blk_valid && dut.blk_ready) {
        if (blks.empty()) {
          mismatch("unexpected block info");
        } else {
          const auto& w = blks.front();
          if (dut.blk_index != w.index || dut.blk_tag != w.tag || dut.blk_scale != w.scale)
            mismatch("block " + std::to_string(w.index) + ": rtl tag " + std::to_string(dut.blk_tag) + " scale " +
                     std::to_string(dut.blk_scale) + ", model tag " + std::to_string(w.tag) + " scale " + std::to_string(w.scale));
          ++cov.hits[std::string("block format ") + name_of(static_cast<FormatTag>(w.tag))];
          blks.pop_front();
        }
      }
      if (dut.done) {
        finished = true;
        if (dut.decision_tag != ti.decision) mismatch("decision rtl " + std::to_string(dut.decision_tag) + " model " + std::to_string(ti.decision));
        if (dut.reason != ti.reason) mismatch("reason rtl " + std::to_string(dut.reason) + " model " + std::to_string(ti.reason));
        if (dut.nnz != ti.nnz) mismatch("nnz");
        if (dut.group_amax != ti.group_amax) mismatch("group amax");
        if (ti.check_group_scale && dut.group_scale != ti.group_scale) mismatch("group scale");
        if (ti.check_err_sum && dut.err_sum != ti.err_sum) mismatch("err_sum rtl " + std::to_string(dut.err_sum) + " model " + std::to_string(ti.err_sum));
        ++cov.hits[std::string(c.mode == 0 ? "tensor decision " : "sub-tensor majority ") + name_of(static_cast<FormatTag>(ti.decision))];
        ++cov.hits[std::string("reason ") + name_of(static_cast<Reason>(ti.reason))];
        if (c.mode == 0 && ti.reason <= 1 && ti.err_sum == static_cast<uint64_t>(c.threshold_fx) * ti.nnz) ++cov.hits["threshold tie"];
      }
      rise();  // dut.eval() at clk = 0 already ran above
    }
    if (!finished) mismatch("no done pulse");
    if (!code_beats.empty()) mismatch(std::to_string(code_beats.size()) + " code beats missing");
    if (!blks.empty()) mismatch(std::to_string(blks.size()) + " block infos missing");
    return bad;
  }

 private:
  void rise() {
    dut.clk = 1;
    dut.eval();
    ++cycles;
  }
  void tick() {
    dut.clk = 0;
    dut.eval();
    dut.clk = 1;
    dut.eval();
    ++cycles;
  }
  Vquantizer dut;
};

Tensor make_blocks(std::mt19937_64& rng, const Config& c, Coverage& cov, int force_style = -1) {
  const uint64_t seed = rng();
  const Tensor t = engine_test_tensor(seed, c, force_style);
  // Count the block styles the generator drew (it draws them from the same seed).
  for (int b = 0; b < c.num_blocks; ++b) {
    bool has_nan = false, has_inf = false, zero = true;
    for (int i = 0; i < c.block_beats * kLanes; ++i) {
      const uint32_t x = t.bits[static_cast<std::size_t>(b * c.block_beats * kLanes + i)] & 0x7FFFFFFFu;
      has_nan |= x > 0x7F800000u;
      has_inf |= x == 0x7F800000u;
      zero &= x == 0;
    }
    if (has_nan) ++cov.hits["input block NaN inside"];
    if (has_inf) ++cov.hits["input block Inf inside"];
    if (zero) ++cov.hits["input block all-zero"];
  }
  return t;
}

Config random_config(std::mt19937_64& rng, int mode) {
  Config c;
  c.mode = mode;
  // Mostly one-beat blocks (many blocks per cycle budget), sometimes 2 .. 16 beats (64 .. 512 elements).
  c.block_beats = rng() % 10 < 7 ? 1 : 1 << (1 + rng() % 4);
  c.num_blocks = 1 + static_cast<int>(rng() % (c.block_beats == 1 ? 400 : 12));
  c.threshold_fx = rng() % 3 == 0 ? static_cast<uint32_t>(rng() % 3000000) : 754974u;
  c.qe = rng() % 2;
  c.e5m2_to_bf16 = rng() % 4 == 0;
  c.fp32_scales = rng() % 3 == 0;
  return c;
}

void print_coverage(const Coverage& cov) {
  for (const auto& [k, v] : cov.hits) std::printf("  coverage %-36s %llu\n", k.c_str(), static_cast<unsigned long long>(v));
}

TEST(rtl_quantizer, RandomAndDirectedBlocksBothModes) {
  std::mt19937_64 rng(2026);
  Harness h;
  Coverage cov;
  uint64_t bad = 0, blocks = 0, elements = 0;
  // Default run: >= 10^6 blocks; `make exhaustive`: >= 10^8 elements.
  const uint64_t target_blocks = test::full_sweep() ? ~uint64_t{0} : 1'000'000u;
  const uint64_t target_elements = test::full_sweep() ? 100'000'000u : ~uint64_t{0};
  for (int it = 0; blocks < target_blocks && elements < target_elements; ++it) {
    const int mode = it % 2 ? 2 : 0;
    Config c = random_config(rng, mode);
    const Tensor t = make_blocks(rng, c, cov);
    bad += h.run(t, c, rng, cov, it % 5 == 0 ? 1.0 : 0.7, it % 7 == 0 ? 1.0 : 0.6);
    blocks += static_cast<uint64_t>(c.num_blocks);
    elements += t.size();
    ASSERT_EQ(bad, 0u) << "stopping at tensor " << it;
  }
  // Directed: an all-zero tensor, a tensor whose every element has the same error (a threshold tie).
  Config c;
  c.num_blocks = 3;
  Tensor zeros = make_blocks(rng, c, cov, 3);
  bad += h.run(zeros, c, rng, cov, 1.0, 1.0);
  Tensor same{"same", DType::kF32, 3, 4 * kLanes, std::vector<uint32_t>(3 * 4 * kLanes, f32_bits(1.1f))};
  TensorLevelConfig tc;
  tc.block = {1, 4 * kLanes};
  const QuantResult r = quantize_tensor_level(same, tc);
  c.threshold_fx = static_cast<uint32_t>(r.err_sum / r.nnz);  // err_sum == T_fx * NNZ exactly: accepted (strict >)
  bad += h.run(same, c, rng, cov, 1.0, 0.5);
  EXPECT_EQ(bad, 0u);
  std::printf("  %llu blocks, %llu elements, %llu cycles; input stalls %llu, code stalls %llu, block-info stalls %llu\n",
              static_cast<unsigned long long>(blocks), static_cast<unsigned long long>(elements),
              static_cast<unsigned long long>(h.cycles), static_cast<unsigned long long>(h.stalls_in),
              static_cast<unsigned long long>(h.stalls_code), static_cast<unsigned long long>(h.stalls_blk));
  print_coverage(cov);
  for (const char* k : {"tensor decision e4m3", "tensor decision bf16", "block format e4m3", "block format e5m2",
                        "block format bf16", "reason nonfinite", "reason all-zero", "reason rejected",
                        "threshold tie", "code back-pressure stall", "block-info back-pressure stall",
                        "input block NaN inside", "input block Inf inside", "input block all-zero"})
    EXPECT_GT(cov.hits[k], 0u) << k;
}

}  // namespace
}  // namespace mor
