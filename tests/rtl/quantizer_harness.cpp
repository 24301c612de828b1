#include "quantizer_harness.hpp"

#include <cstddef>

#include "Vquantizer.h"

namespace mor {

QuantizerStimulus random_stimulus(std::mt19937_64& rng, int it) {
  QuantizerStimulus s;
  EngineConfig& c = s.config;
  c.mode = it % 2 ? 2 : 0;
  // Mostly one-beat blocks (many blocks per cycle budget), sometimes 2 .. 16 beats (64 .. 512 elements).
  c.block_beats = rng() % 10 < 7 ? 1 : 1 << (1 + rng() % 4);
  c.num_blocks = 1 + static_cast<int>(rng() % (c.block_beats == 1 ? 400 : 12));
  c.threshold_fx = rng() % 3 == 0 ? static_cast<uint32_t>(rng() % 3000000) : 754974u;
  c.qe = rng() % 2;
  c.e5m2_to_bf16 = rng() % 4 == 0;
  c.fp32_scales = rng() % 3 == 0;
  s.p_valid = it % 5 == 0 ? 1.0 : 0.7;
  s.p_ready = it % 7 == 0 ? 1.0 : 0.6;
  return s;
}

QuantizerHarness::QuantizerHarness() : dut_(std::make_unique<Vquantizer>()) {
  dut_->rst_n = 0;
  dut_->clk = 0;
  dut_->eval();
  tick();
  dut_->rst_n = 1;
  tick();
}

QuantizerHarness::~QuantizerHarness() = default;

void QuantizerHarness::rise() {
  dut_->clk = 1;
  dut_->eval();
  ++cycles;
}

void QuantizerHarness::tick() {
  dut_->clk = 0;
  dut_->eval();
  rise();
}

namespace {

// The memory around the engine: the input passes (a third one when the engine raises refetch) and the block
// metadata, which pass 1 writes and passes 2 and 3 read back in block order.
struct HarnessMemory {
  const std::vector<std::vector<uint32_t>>* pass;
  std::size_t beats_per_pass, beats_total, next = 0;
  std::vector<uint32_t> meta;   // written by meta_out
  std::size_t meta_read = 0;    // the next word meta_in offers
  bool refetched = false;
  bool input_offered() const { return next < beats_total; }
  const std::vector<uint32_t>& input() const { return (*pass)[next % beats_per_pass]; }
  void on_refetch() {
    if (refetched) return;
    refetched = true;
    beats_total += beats_per_pass;
    meta_read = 0;
  }
};

}  // namespace

uint64_t QuantizerHarness::run(const EngineConfig& c, const std::vector<std::vector<uint32_t>>& inputs,
                               const EngineExpect& want, std::mt19937_64& rng, QuantizerCoverage& cov, double p_valid,
                               double p_ready) {
  Vquantizer& dut = *dut_;
  const int lanes = c.lanes;
  // The expected transactions are consumed in order by index (no copies), and the per-cycle coverage events are
  // counted in locals and added to the map once per tensor: the harness's own cost per simulated cycle stays small
  // next to the Verilated engine's.
  std::size_t next_code = 0, next_blk = 0, next_meta = 0;
  uint64_t code_stalls = 0, blk_stalls = 0, blocks_of_tag[kFormatTagCount] = {};
  const EngineTensorInfo& ti = want.tensor;
  uint64_t bad = 0;
  auto mismatch = [&](const std::string& what) {
    ++bad;
    if (first_mismatches.size() < kMaxReported) first_mismatches.push_back(what);
  };
  dut.cfg_mode = static_cast<uint8_t>(c.mode);
  dut.cfg_block_beats = static_cast<uint16_t>(c.block_beats);
  dut.cfg_num_blocks = static_cast<uint32_t>(c.num_blocks);
  dut.cfg_threshold_fx = c.threshold_fx;
  dut.cfg_qe_mode = c.qe;
  dut.cfg_e5m2_to_bf16 = c.e5m2_to_bf16;
  dut.cfg_fp32_scales = c.fp32_scales;
  dut.start = 1;
  tick();
  dut.start = 0;
  // A refused configuration reads nothing: the harness offers no input then.
  const std::size_t passes = want.passes == 0 ? 0 : (c.mode == 0 ? 2 : 1);
  HarnessMemory mem{&inputs, inputs.size(), inputs.size() * passes, 0, {}, 0, false};
  std::uniform_real_distribution<double> u(0, 1);
  bool finished = false;
  for (uint64_t guard = 0; guard < 200000 + inputs.size() * 80 * 3 && !finished; ++guard) {
    const bool valid = mem.input_offered() && u(rng) < p_valid;
    dut.in_valid = valid;
    if (valid)
      for (int l = 0; l < lanes; ++l) dut.in_data[static_cast<std::size_t>(l)] = mem.input()[static_cast<std::size_t>(l)];
    const bool meta_valid = mem.meta_read < mem.meta.size() && u(rng) < p_valid;
    dut.meta_in_valid = meta_valid;
    if (meta_valid) dut.meta_in_data = mem.meta[mem.meta_read];
    dut.meta_out_ready = u(rng) < p_ready;
    dut.code_ready = u(rng) < p_ready;
    dut.blk_ready = u(rng) < p_ready;
    dut.clk = 0;
    dut.eval();
    if (valid && !dut.in_ready) ++stalls_in;
    if (dut.code_valid && !dut.code_ready) ++code_stalls;
    if (dut.blk_valid && !dut.blk_ready) ++blk_stalls;
    if (valid && dut.in_ready) ++mem.next;
    if (meta_valid && dut.meta_in_ready) ++mem.meta_read;
    if (dut.refetch) mem.on_refetch();
    if (dut.meta_out_valid && dut.meta_out_ready) {
      if (next_meta >= want.meta.size()) mismatch("unexpected block metadata");
      else if (dut.meta_out_data != want.meta[next_meta]) mismatch("block metadata " + std::to_string(next_meta));
      mem.meta.push_back(dut.meta_out_data);
      ++next_meta;
    }
    if (dut.code_valid && dut.code_ready) {
      if (next_code >= want.code_beats.size()) {
        mismatch("unexpected code beat");
      } else {
        const auto& w = want.code_beats[next_code++];
        for (int l = 0; l < lanes; ++l) {
          const uint8_t got = static_cast<uint8_t>(dut.code_data[static_cast<std::size_t>(l / 4)] >> (8 * (l % 4)));
          if (got != w.codes[static_cast<std::size_t>(l)])
            mismatch("code lane " + std::to_string(l) + " rtl " + std::to_string(got) + " model " +
                     std::to_string(w.codes[static_cast<std::size_t>(l)]));
        }
        if (dut.code_block_last != w.block_last) mismatch("code_block_last");
      }
    }
    if (dut.blk_valid && dut.blk_ready) {
      if (next_blk >= want.blocks.size()) {
        mismatch("unexpected block info");
      } else {
        const auto& w = want.blocks[next_blk++];
        if (dut.blk_index != w.index || dut.blk_tag != w.tag || dut.blk_scale != w.scale)
          mismatch("block " + std::to_string(w.index) + ": rtl tag " + std::to_string(dut.blk_tag) + " scale " +
                   std::to_string(dut.blk_scale) + ", model tag " + std::to_string(w.tag) + " scale " +
                   std::to_string(w.scale));
        ++blocks_of_tag[w.tag % kFormatTagCount];
      }
    }
    if (dut.done) {
      finished = true;
      check_tensor_info(c, ti, cov, mismatch);
    }
    rise();
  }
  if (!finished) mismatch("no done pulse");
  if (next_code != want.code_beats.size())
    mismatch(std::to_string(want.code_beats.size() - next_code) + " code beats missing");
  if (next_blk != want.blocks.size()) mismatch(std::to_string(want.blocks.size() - next_blk) + " block infos missing");
  if (next_meta != want.meta.size()) mismatch(std::to_string(want.meta.size() - next_meta) + " metadata words missing");
  if (mem.next != inputs.size() * static_cast<std::size_t>(want.passes))
    mismatch("the engine read " + std::to_string(mem.next) + " input beats");
  stalls_code += code_stalls;
  stalls_blk += blk_stalls;
  if (code_stalls) cov.hits["code back-pressure stall"] += code_stalls;
  if (blk_stalls) cov.hits["block-info back-pressure stall"] += blk_stalls;
  for (int f = 0; f < kFormatTagCount; ++f)
    if (blocks_of_tag[f]) cov.hits[std::string("block format ") + name_of(static_cast<FormatTag>(f))] += blocks_of_tag[f];
  return bad;
}

void QuantizerHarness::check_tensor_info(const EngineConfig& c, const EngineTensorInfo& ti, QuantizerCoverage& cov,
                                         const std::function<void(const std::string&)>& mismatch) {
  Vquantizer& dut = *dut_;
  if (dut.status != ti.status) mismatch("status rtl " + std::to_string(dut.status) + " model " + std::to_string(ti.status));
  if (dut.decision_tag != ti.decision)
    mismatch("decision rtl " + std::to_string(dut.decision_tag) + " model " + std::to_string(ti.decision));
  if (dut.reason != ti.reason) mismatch("reason rtl " + std::to_string(dut.reason) + " model " + std::to_string(ti.reason));
  if (dut.nnz != ti.nnz) mismatch("nnz");
  if (dut.group_amax != ti.group_amax) mismatch("group amax");
  if (ti.check_group_scale && dut.group_scale != ti.group_scale) mismatch("group scale");
  if (dut.fallbacks != ti.fallbacks)
    mismatch("fallbacks rtl " + std::to_string(dut.fallbacks) + " model " + std::to_string(ti.fallbacks));
  if (ti.check_sums && (dut.sum_lo != ti.sum_lo || dut.sum_hi != ti.sum_hi || dut.err_sum != ti.err_sum))
    mismatch("sums rtl " + std::to_string(dut.sum_lo) + " " + std::to_string(dut.sum_hi) + " " +
             std::to_string(dut.err_sum) + " model " + std::to_string(ti.sum_lo) + " " + std::to_string(ti.sum_hi) +
             " " + std::to_string(ti.err_sum));
  if (ti.status != 0) {
    ++cov.hits["refused configuration"];
    return;
  }
  ++cov.hits[std::string(c.mode == 0 ? "tensor decision " : "sub-tensor majority ") +
             name_of(static_cast<FormatTag>(ti.decision))];
  ++cov.hits[std::string("reason ") + name_of(static_cast<Reason>(ti.reason))];
  if (c.mode == 0 && ti.reason <= 1 && ti.err_sum == static_cast<uint64_t>(c.threshold_fx) * ti.nnz && ti.fallbacks)
    ++cov.hits["threshold tie"];
  if (c.mode == 0 && ti.fallbacks) ++cov.hits["tensor-level fallback pass"];
  if (c.mode == 2 && ti.fallbacks) cov.hits["quant-error block fallback"] += ti.fallbacks;
  if (c.num_blocks > 4096) ++cov.hits["tensor past 4096 blocks"];
}

}  // namespace mor
