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
#include "mor/metric.hpp"
#include "mor/policy.hpp"
#include "sweep.hpp"

namespace mor {
namespace {

constexpr int kLanes = 32;

struct Config {
  int mode = 0;  // 0 tensor-level, 2 sub-tensor
  int block_beats = 4;
  int num_blocks = 8;
  uint32_t threshold_fx = 754974;
  bool qe = false, e5m2_to_bf16 = false, fp32_scales = false;
};

struct Coverage {
  std::map<std::string, uint64_t> hits;
};

struct Expected {
  std::deque<std::vector<uint8_t>> code_beats;  // LANES codes each
  std::deque<std::vector<uint8_t>> last_flags;
  struct Blk {
    uint32_t index, tag, scale;
  };
  std::deque<Blk> blks;
  uint32_t decision, reason, group_scale, group_amax;
  uint64_t err_sum, nnz;
  bool check_group_scale, check_err_sum;
};

Expected model_of(const Tensor& t, const Config& c) {
  Expected e{};
  const std::size_t cols = static_cast<std::size_t>(c.block_beats * kLanes);
  QuantResult r;
  if (c.mode == 0) {
    TensorLevelConfig tc;
    tc.block = {1, static_cast<int64_t>(cols)};
    tc.threshold = static_cast<double>(c.threshold_fx) / 16777216.0;  // exact: threshold_fx() gives it back
    tc.compute_reference_metric = false;
    tc.threads = 1;
    r = quantize_tensor_level(t, tc);
    if (r.reason == Reason::kRejected) {
      // The engine emits the E4M3 candidate's codes in pass 2 and decides at the end (a BF16 decision tells the
      // consumer to keep the original tensor): take the codes and offsets from the accepted candidate.
      TensorLevelConfig accept_all = tc;
      accept_all.threshold = 1.999;
      const QuantResult cand = quantize_tensor_level(t, accept_all);
      r.codes = cand.codes;
      r.block_exp_offset = cand.block_exp_offset;
    }
    e.check_group_scale = r.reason != Reason::kNonFinite;
    e.check_err_sum = r.reason != Reason::kNonFinite;
    e.group_scale = e.check_group_scale ? r.group_scale[0] : 0;
    e.err_sum = r.err_sum;
  } else {
    SubTensorConfig sc;
    sc.block = {1, static_cast<int64_t>(cols)};
    sc.mode = c.qe ? SubTensorMode::kQuantError : SubTensorMode::kDynamicRange;
    sc.e5m2_to_bf16 = c.e5m2_to_bf16;
    sc.scale_rule = c.fp32_scales ? BlockScaleRule::kFp32 : BlockScaleRule::kE8RZ;
    sc.threads = 1;
    r = quantize_subtensor(t, sc);
    e.check_group_scale = true;
    e.check_err_sum = true;
    e.group_scale = 0;
    e.err_sum = 0;
  }
  e.decision = static_cast<uint32_t>(r.tensor_format);
  e.reason = static_cast<uint32_t>(r.reason);
  e.group_amax = r.tensor_amax;
  e.nnz = r.nnz;
  const bool tensor_nonfinite = c.mode == 0 && r.reason == Reason::kNonFinite;
  for (int b = 0; b < c.num_blocks; ++b) {
    const uint32_t tag = c.mode == 0 ? 0u : r.block_tag[static_cast<std::size_t>(b)];
    if (tensor_nonfinite) continue;
    const uint32_t scale = c.mode == 0 ? r.block_exp_offset[static_cast<std::size_t>(b)] : r.block_scale[static_cast<std::size_t>(b)];
    e.blks.push_back({static_cast<uint32_t>(b), tag, scale});
    if (tag == static_cast<uint32_t>(FormatTag::kBF16)) continue;
    for (int beat = 0; beat < c.block_beats; ++beat) {
      std::vector<uint8_t> v(kLanes);
      for (int l = 0; l < kLanes; ++l) v[static_cast<std::size_t>(l)] = r.codes[static_cast<std::size_t>(b) * cols + static_cast<std::size_t>(beat * kLanes + l)];
      e.code_beats.push_back(v);
      e.last_flags.push_back({static_cast<uint8_t>(beat == c.block_beats - 1)});
    }
  }
  return e;
}

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
    Expected e = model_of(t, c);
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
    const int passes = c.mode == 0 ? 2 : 1;
    const std::size_t beats = static_cast<std::size_t>(c.num_blocks * c.block_beats);
    std::size_t next_beat = 0;  // over passes * beats
    std::uniform_real_distribution<double> u(0, 1);
    bool finished = false;
    for (uint64_t guard = 0; guard < 100000 + beats * 40 && !finished; ++guard) {
      const bool valid = next_beat < passes * beats && u(rng) < p_valid;
      dut.in_valid = valid;
      if (valid) {
        const std::size_t beat = next_beat % beats;
        for (int l = 0; l < kLanes; ++l) dut.in_data[static_cast<std::size_t>(l)] = t.bits[beat * kLanes + static_cast<std::size_t>(l)];
      }
      dut.code_ready = u(rng) < p_ready;
      dut.blk_ready = u(rng) < p_ready;
      dut.clk = 0;
      dut.eval();
      if (valid && !dut.in_ready) ++stalls_in;
      if (dut.code_valid && !dut.code_ready) ++stalls_code, ++cov.hits["code back-pressure stall"];
      if (dut.blk_valid && !dut.blk_ready) ++stalls_blk, ++cov.hits["block-info back-pressure stall"];
      if (valid && dut.in_ready) ++next_beat;
      if (dut.code_valid && dut.code_ready) {
        if (e.code_beats.empty()) {
          mismatch("unexpected code beat");
        } else {
          for (int l = 0; l < kLanes; ++l) {
            const uint8_t got = static_cast<uint8_t>(dut.code_data[static_cast<std::size_t>(l / 4)] >> (8 * (l % 4)));
            if (got != e.code_beats.front()[static_cast<std::size_t>(l)])
              mismatch("code lane " + std::to_string(l) + " rtl " + std::to_string(got) + " model " +
                       std::to_string(e.code_beats.front()[static_cast<std::size_t>(l)]));
          }
          if (dut.code_block_last != e.last_flags.front()[0]) mismatch("code_block_last");
          e.code_beats.pop_front();
          e.last_flags.pop_front();
        }
      }
      if (dut.blk_valid && dut.blk_ready) {
        if (e.blks.empty()) {
          mismatch("unexpected block info");
        } else {
          const auto& w = e.blks.front();
          if (dut.blk_index != w.index || dut.blk_tag != w.tag || dut.blk_scale != w.scale)
            mismatch("block " + std::to_string(w.index) + ": rtl tag " + std::to_string(dut.blk_tag) + " scale " +
                     std::to_string(dut.blk_scale) + ", model tag " + std::to_string(w.tag) + " scale " + std::to_string(w.scale));
          ++cov.hits[std::string("block format ") + name_of(static_cast<FormatTag>(w.tag))];
          e.blks.pop_front();
        }
      }
      if (dut.done) {
        finished = true;
        if (dut.decision_tag != e.decision) mismatch("decision rtl " + std::to_string(dut.decision_tag) + " model " + std::to_string(e.decision));
        if (dut.reason != e.reason) mismatch("reason rtl " + std::to_string(dut.reason) + " model " + std::to_string(e.reason));
        if (dut.nnz != e.nnz) mismatch("nnz");
        if (dut.group_amax != e.group_amax) mismatch("group amax");
        if (e.check_group_scale && dut.group_scale != e.group_scale) mismatch("group scale");
        if (e.check_err_sum && dut.err_sum != e.err_sum) mismatch("err_sum rtl " + std::to_string(dut.err_sum) + " model " + std::to_string(e.err_sum));
        ++cov.hits[std::string(c.mode == 0 ? "tensor decision " : "sub-tensor majority ") + name_of(static_cast<FormatTag>(e.decision))];
        ++cov.hits[std::string("reason ") + name_of(static_cast<Reason>(e.reason))];
        if (c.mode == 0 && e.reason <= 1 && e.err_sum == static_cast<uint64_t>(c.threshold_fx) * e.nnz) ++cov.hits["threshold tie"];
      }
      rise();  // dut.eval() at clk = 0 already ran above
    }
    if (!finished) mismatch("no done pulse");
    if (!e.code_beats.empty()) mismatch(std::to_string(e.code_beats.size()) + " code beats missing");
    if (!e.blks.empty()) mismatch(std::to_string(e.blks.size()) + " block infos missing");
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

// A block-major tensor of num_blocks blocks, each block in one style (the directed classes of spec 9).
Tensor make_blocks(std::mt19937_64& rng, const Config& c, Coverage& cov, int force_style = -1) {
  const int n = c.block_beats * kLanes;
  Tensor t{"engine", DType::kF32, c.num_blocks, n, {}};
  std::normal_distribution<float> normal;
  const float tensor_scale = std::ldexp(1.0f, static_cast<int>(rng() % 40) - 20);
  for (int b = 0; b < c.num_blocks; ++b) {
    const int style = force_style >= 0 ? force_style : static_cast<int>(rng() % 10);
    const float bs = tensor_scale * std::ldexp(1.0f, static_cast<int>(rng() % 12) - 6);
    static const char* kNames[] = {"normal", "normal", "wide range", "all-zero", "sparse", "narrow",
                                   "NaN inside", "Inf inside", "near overflow", "tiny (subnormal) values"};
    ++cov.hits[std::string("input block ") + kNames[style]];
    for (int i = 0; i < n; ++i) {
      float v = normal(rng) * bs;
      switch (style) {
        case 2: v = std::ldexp(v, static_cast<int>(rng() % 40) - 20); break;
        case 3: v = 0.0f; break;
        case 4: v = rng() % 4 ? 0.0f : v; break;
        case 5: v = 1.0f + static_cast<float>(rng() % 1000) / 1000.0f; break;
        case 6: v = i == 3 ? std::numeric_limits<float>::quiet_NaN() : v; break;
        case 7: v = i == 5 ? -std::numeric_limits<float>::infinity() : v; break;
        case 8: v = normal(rng) * 1e37f; break;
        case 9: v = f32_from_bits(static_cast<uint32_t>(rng() % 0x00800000u) | (rng() % 2 ? 0x80000000u : 0u)); break;
        default: break;
      }
      t.bits.push_back(f32_bits(v));
    }
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
