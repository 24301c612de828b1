#include "bench.hpp"

#include "mor/core/amax.hpp"

namespace mor::sim {

EngineBench::EngineBench(sc_module_name n, const MemoryConfig& mem)
    : sc_module(n), sig(std::string(n)), reader("reader", mem), writer("writer", mem), meta("meta") {
  SC_THREAD(sequence);
  sensitive << clk.pos();
  SC_METHOD(monitor);
  sensitive << clk.pos();
  dont_initialize();
}

void EngineBench::bind_memory(sc_clock& c) {
  reader.clk(c);
  reader.in_valid(sig.in_valid);
  reader.in_data(sig.in_data);
  reader.in_ready(sig.in_ready);
  reader.refetch(sig.refetch);
  meta.clk(c);
  meta.out_valid(sig.meta_out_valid);
  meta.out_ready(sig.meta_out_ready);
  meta.out_data(sig.meta_out_data);
  meta.refetch(sig.refetch);
  meta.in_valid(sig.meta_in_valid);
  meta.in_ready(sig.meta_in_ready);
  meta.in_data(sig.meta_in_data);
  writer.clk(c);
  writer.code_valid(sig.code_valid);
  writer.blk_valid(sig.blk_valid);
  writer.code_ready(sig.code_ready);
  writer.blk_ready(sig.blk_ready);
}

void EngineBench::monitor() {
  ++cycle;
  if (progress && (cycle & 0xFFFF) == 0) {
    progress->note("tensor run " + std::to_string(std::min(dones.size() + 1, jobs->size())) + " of " +
                   std::to_string(jobs->size()) + ", cycle " + std::to_string(cycle));
    progress->set(reader.bytes_read);
  }
  const std::size_t j = dones.size();
  if (j >= codes.size()) return;
  if (sig.in_ready.read() && !sig.in_valid.read() && sig.busy.read()) ++starved[j];
  if (sig.in_valid.read() && sig.in_ready.read() && first_input[j] == 0) first_input[j] = cycle;
  if (sig.code_valid.read() && sig.code_ready.read()) {
    CodeTx t{cycle, {}, sig.code_block_last.read()};
    const sc_bv<kLanes * 8>& v = sig.code_data.read();
    for (int l = 0; l < kLanes; ++l)
      t.codes[static_cast<std::size_t>(l)] = static_cast<uint8_t>(static_cast<uint32_t>(v.get_word(l / 4)) >> (8 * (l % 4)));
    codes[j].push_back(std::move(t));
  }
  if (sig.blk_valid.read() && sig.blk_ready.read())
    blocks[j].push_back({cycle, sig.blk_index.read(), sig.blk_tag.read(), sig.blk_scale.read()});
  if (sig.done.read()) {
    dones.push_back({start_cycle_, cycle, sig.status.read(), sig.decision_tag.read(), sig.reason.read(),
                     sig.group_scale.read(), sig.group_amax.read(), sig.fallbacks.read(), sig.sum_lo.read(),
                     sig.sum_hi.read(), sig.err_sum.read(), sig.nnz.read()});
    done_event_.notify(SC_ZERO_TIME);
  }
}

// Configuration ports, and for tensor-level mode with supplied statistics the producer's amax (model only).
void EngineBench::start_job(const Job& job) {
  sig.cfg_mode.write(static_cast<uint32_t>(job.cfg.mode));
  sig.cfg_block_beats.write(static_cast<uint32_t>(job.cfg.block_beats));
  sig.cfg_num_blocks.write(static_cast<uint32_t>(job.cfg.num_blocks));
  sig.cfg_threshold_fx.write(job.cfg.threshold_fx);
  sig.cfg_qe_mode.write(job.cfg.qe);
  sig.cfg_e5m2_to_bf16.write(job.cfg.e5m2_to_bf16);
  sig.cfg_fp32_scales.write(job.cfg.fp32_scales);
  int passes = job.cfg.mode == 0 ? 2 : 1;
  std::vector<uint32_t> preloaded;
  if (job.amax_supplied && model) {
    passes = 1;  // one pass: the producer supplies the statistics
    SuppliedStats s;
    BlockStats all;
    const auto cols = static_cast<std::size_t>(job.cfg.block_beats * kLanes);
    for (int b = 0; b < job.cfg.num_blocks; ++b) {
      BlockStats bs;
      for (std::size_t i = 0; i < cols; ++i)
        stats_add(bs, job.block_major.bits[static_cast<std::size_t>(b) * cols + i], NanPolicy::kIgnoreNan);
      s.block_amax.push_back(bs.amax);
      all = stats_merge(all, bs);
    }
    s.group_amax = all.amax;
    s.nnz = all.nnz;
    s.nonfinite = all.nonfinite;
    preloaded = s.block_amax;
    model->supply_stats(s);
  }
  meta.load(std::move(preloaded));
  reader.set_element_bytes(job.element_bytes);
  reader.load(&job.beats, passes, cycle);
}

void EngineBench::sequence() {
  sig.rst_n.write(false);
  sig.start.write(false);
  wait();
  wait();
  sig.rst_n.write(true);
  wait();
  codes.resize(jobs->size());
  blocks.resize(jobs->size());
  starved.assign(jobs->size(), 0);
  first_input.assign(jobs->size(), 0);
  for (std::size_t j = 0; j < jobs->size(); ++j) {
    start_job((*jobs)[j]);
    start_cycle_ = cycle;
    sig.start.write(true);
    wait();
    sig.start.write(false);
    // Sleep until the monitor sees done, not every clock: a thread switch per cycle was a good part of the
    // model-only run time. The monitor runs at the same edge, so the next start goes out in the same cycle.
    while (dones.size() <= j) wait(done_event_);
  }
  finished = true;
  wait();
  if (--active_benches == 0) sc_stop();
}

}  // namespace mor::sim
