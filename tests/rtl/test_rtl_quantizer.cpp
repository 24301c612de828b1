// mor_quantizer (Verilated) against the golden model, transaction by transaction (quantizer_harness.hpp): every
// code beat, every block info and the tensor info are compared bit for bit as they come out, with random input
// bubbles and random back-pressure on both output channels. The model runs the same policy on the block-major
// tensor (one row per block), which is what the engine sees (docs/ENGINE.md). Functional coverage counters are
// printed at the end and asserted non-zero.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "mor/engine.hpp"
#include "mor/core/metric.hpp"
#include "mor/core/splitmix64.hpp"
#include "mor/policy.hpp"
#include "quantizer_harness.hpp"
#include "sweep.hpp"

namespace mor {
namespace {

constexpr int kLanes = kEngineLanes;
using Config = EngineConfig;

using Coverage = QuantizerCoverage;

// Runs one tensor through the harness; each mismatch found is also reported as a test failure (the first few).
uint64_t run_tensor(QuantizerHarness& h, const Tensor& t, const Config& c, std::mt19937_64& rng, Coverage& cov,
                    double p_valid, double p_ready) {
  const std::size_t reported = h.first_mismatches.size();
  const uint64_t bad = h.run(c, engine_input_beats(t, c), engine_expected(t, c), rng, cov, p_valid, p_ready);
  for (std::size_t i = reported; i < h.first_mismatches.size(); ++i) ADD_FAILURE() << h.first_mismatches[i];
  return bad;
}

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

void print_coverage(const Coverage& cov) {
  for (const auto& [k, v] : cov.hits) std::printf("  coverage %-36s %llu\n", k.c_str(), static_cast<unsigned long long>(v));
}

// Tensor `it` of the random run draws its configuration, tensor and bubbles from a generator of its own, seeded
// with splitmix64_at(2026, it): a shard checks exactly the tensors the whole run would, and the run's length is
// fixed before any tensor is simulated. Shards take groups of 16 consecutive tensors round-robin (--shard I/N: every
// N-th group): the mode alternates from tensor to tensor, so a group holds both modes and the shards cost the same.
constexpr int kTensorsPerShardItem = 16;
std::mt19937_64 tensor_rng(int it) { return std::mt19937_64(splitmix64_at(2026, static_cast<uint64_t>(it))); }

// Default run: >= 10^6 blocks; `make exhaustive`: >= 10^8 elements. The number of tensors that takes.
int random_tensor_count() {
  const uint64_t target_blocks = test::full_sweep() ? ~uint64_t{0} : 1'000'000u;
  const uint64_t target_elements = test::full_sweep() ? 100'000'000u : ~uint64_t{0};
  uint64_t blocks = 0, elements = 0;
  int it = 0;
  for (; blocks < target_blocks && elements < target_elements; ++it) {
    std::mt19937_64 rng = tensor_rng(it);
    const Config c = random_stimulus(rng, it).config;
    blocks += static_cast<uint64_t>(c.num_blocks);
    elements += static_cast<uint64_t>(c.num_blocks) * static_cast<uint64_t>(c.block_beats) * kLanes;
  }
  return it;
}

TEST(rtl_quantizer, RandomAndDirectedBlocksBothModes) {
  QuantizerHarness h;
  Coverage cov;
  test::Check check("random tensors");
  uint64_t bad = 0, blocks = 0, elements = 0;
  const int tensors = random_tensor_count();
  for (int it = 0; it < tensors; ++it) {
    if (!test::shard_owns(static_cast<uint64_t>(it / kTensorsPerShardItem))) continue;
    std::mt19937_64 rng = tensor_rng(it);
    const QuantizerStimulus s = random_stimulus(rng, it);
    const Config& c = s.config;
    const Tensor t = make_blocks(rng, c, cov);
    const std::size_t reported = h.first_mismatches.size();
    const uint64_t tensor_bad = run_tensor(h, t, c, rng, cov, s.p_valid, s.p_ready);
    check.add(t.size(), tensor_bad);
    if (tensor_bad)
      check.mismatch(static_cast<uint64_t>(it), "tensor " + std::to_string(it) + ": " +
                                                    (h.first_mismatches.size() > reported ? h.first_mismatches[reported] : "?"));
    bad += tensor_bad;
    blocks += static_cast<uint64_t>(c.num_blocks);
    elements += t.size();
    ASSERT_EQ(bad, 0u) << "stopping at tensor " << it;
  }
  std::printf("  random tensors: %llu elements of the run's %d tensors (shard %llu/%llu)\n",
              static_cast<unsigned long long>(check.elements()), tensors,
              static_cast<unsigned long long>(test::shard().index), static_cast<unsigned long long>(test::shard().count));
  // The directed tensors and the coverage verdicts belong to the whole run (shard 0 of 1, or the default run); a
  // shard of many need not see every rare event, and shard 0 runs the directed tensors.
  const bool whole = test::shard().count == 1;
  if (test::shard().index != 0) return;
  std::mt19937_64 rng(2026);
  test::Check directed("directed tensors");
  const uint64_t bad_random = bad;
  // Directed: an all-zero tensor, a tensor whose every element has the same error (a threshold tie).
  Config c;
  c.num_blocks = 3;
  Tensor zeros = make_blocks(rng, c, cov, 3);
  bad += run_tensor(h, zeros, c, rng, cov, 1.0, 1.0);
  Tensor same{"same", DType::kF32, 3, 4 * kLanes, std::vector<uint32_t>(3 * 4 * kLanes, f32_bits(1.1f))};
  TensorLevelConfig tc;
  tc.block = {1, 4 * kLanes};
  const QuantResult r = quantize_tensor_level(same, tc);
  c.threshold_fx = static_cast<uint32_t>(r.err_sum / r.nnz);  // err_sum == T_fx * NNZ exactly: accepted (strict >)
  bad += run_tensor(h, same, c, rng, cov, 1.0, 0.5);
  // Directed: sub-tensor blocks in the E5M2 band (the random mix draws an E5M2 block only about once in 7,000).
  Config e5;
  e5.mode = 2;
  e5.block_beats = 2;
  e5.num_blocks = 16;
  const uint64_t e5m2_before = cov.hits["block format e5m2"];
  const Tensor e5_band = make_blocks(rng, e5, cov, kEngineStyleE5Band);
  bad += run_tensor(h, e5_band, e5, rng, cov, 0.7, 0.7);
  // Directed: a tensor past 4096 blocks (the engine keeps no per-block memory: the block amax leave on the metadata
  // port), in both modes.
  uint64_t directed_elements = zeros.size() + same.size() + e5_band.size();
  for (int mode : {0, 2}) {
    Config big;
    big.mode = mode;
    big.block_beats = 1;
    big.num_blocks = 4200;
    const Tensor t = make_blocks(rng, big, cov);
    bad += run_tensor(h, t, big, rng, cov, 0.9, 0.9);
    directed_elements += t.size();
  }
  // Directed: configurations the engine refuses (done with status REFUSED, nothing read, nothing written).
  const Config ok_shape;  // the tensor the refused configurations are offered (never read)
  const Tensor offered = make_blocks(rng, ok_shape, cov);
  for (const auto& [mode, beats, blocks_n] : {std::tuple{0, 0, 3}, std::tuple{2, 0, 3}, std::tuple{0, 4, 0},
                                              std::tuple{1, 4, 3}, std::tuple{3, 4, 3},
                                              std::tuple{2, kEngineBlockBeatsMax + 1, 3}}) {
    Config refused = ok_shape;
    refused.mode = mode;
    refused.block_beats = beats;
    refused.num_blocks = blocks_n;
    ASSERT_TRUE(engine_refuses(refused));
    const std::size_t reported = h.first_mismatches.size();
    bad += h.run(refused, engine_input_beats(offered, ok_shape), engine_expected(offered, refused), rng, cov, 1.0, 1.0);
    for (std::size_t i = reported; i < h.first_mismatches.size(); ++i) ADD_FAILURE() << h.first_mismatches[i];
  }
  directed.add(directed_elements, bad - bad_random);
  if (bad != bad_random) directed.mismatch(0, h.first_mismatches.empty() ? "?" : h.first_mismatches.back());
  EXPECT_GE(cov.hits["block format e5m2"] - e5m2_before, 8u) << "the E5M2-band tensor gave few E5M2 blocks";
  EXPECT_EQ(bad, 0u);
  if (!whole) return;
  std::printf("  %llu blocks, %llu elements, %llu cycles; input stalls %llu, code stalls %llu, block-info stalls %llu\n",
              static_cast<unsigned long long>(blocks), static_cast<unsigned long long>(elements),
              static_cast<unsigned long long>(h.cycles), static_cast<unsigned long long>(h.stalls_in),
              static_cast<unsigned long long>(h.stalls_code), static_cast<unsigned long long>(h.stalls_blk));
  print_coverage(cov);
  for (const char* k : {"tensor decision e4m3", "tensor decision bf16", "block format e4m3", "block format e5m2",
                        "block format bf16", "reason nonfinite", "reason all-zero", "reason rejected",
                        "threshold tie", "code back-pressure stall", "block-info back-pressure stall",
                        "input block NaN inside", "input block Inf inside", "input block all-zero",
                        "tensor-level fallback pass", "quant-error block fallback", "tensor past 4096 blocks",
                        "refused configuration"})
    EXPECT_GT(cov.hits[k], 0u) << k;
}

}  // namespace
}  // namespace mor
