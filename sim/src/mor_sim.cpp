// mor-sim: the MoR quantization engine in a memory system, cycle by cycle (SystemC). Runs the SystemC engine
// model, the Verilated RTL (verilator --sc), or both side by side with a scoreboard that compares every
// transaction with the golden model and the two engines' cycle counts with each other.
#include <systemc.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "engine_model.hpp"
#include "engine_ports.hpp"
#include "memory.hpp"
#include "mor/core/amax.hpp"
#include "mor/engine.hpp"
#include "mor/io.hpp"
#include "mor/core/metric.hpp"
#include "mor/workload.hpp"

#if MOR_SIM_HAVE_RTL
#include "Vsc_quantizer.h"
#endif

namespace mor::sim {
namespace {

// One tensor as the engine runs it.
struct Job {
  std::string name, policy;
  EngineConfig cfg;
  Tensor block_major;
  std::vector<std::vector<uint32_t>> beats;  // the input beats, made before the simulation starts
  int element_bytes = 2;
  bool amax_supplied = false;
};

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
  uint32_t decision, reason, group_scale, group_amax;
  uint64_t err_sum, nnz;
};

// One engine with its memory system, monitor and job sequencer.
SC_MODULE(EngineBench) {
  sc_in<bool> clk;
  EngineSignals sig;
  MemoryReader reader;
  OutputWriter writer;
  std::vector<Job>* jobs = nullptr;
  std::vector<std::vector<CodeTx>> codes;
  std::vector<std::vector<BlkTx>> blocks;
  std::vector<DoneTx> dones;
  std::vector<uint64_t> starved, first_input;
  uint64_t cycle = 0;
  bool finished = false;
  MorEngineModel* model = nullptr;  // set when this bench runs the SystemC model

  SC_HAS_PROCESS(EngineBench);
  EngineBench(sc_module_name n, const MemoryConfig& mem)
      : sc_module(n), sig(std::string(n)), reader("reader", mem), writer("writer", mem) {
    SC_THREAD(sequence);
    sensitive << clk.pos();
    SC_METHOD(monitor);
    sensitive << clk.pos();
    dont_initialize();
  }
  void bind_memory(sc_clock& c) {
    reader.clk(c);
    reader.in_valid(sig.in_valid);
    reader.in_data(sig.in_data);
    reader.in_ready(sig.in_ready);
    writer.clk(c);
    writer.code_valid(sig.code_valid);
    writer.blk_valid(sig.blk_valid);
    writer.code_ready(sig.code_ready);
    writer.blk_ready(sig.blk_ready);
  }

 private:
  void monitor() {
    ++cycle;
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
    if (sig.done.read())
    {
      dones.push_back({start_cycle_, cycle, sig.decision_tag.read(), sig.reason.read(), sig.group_scale.read(),
                       sig.group_amax.read(), sig.err_sum.read(), sig.nnz.read()});
      done_event_.notify(SC_ZERO_TIME);
    }
  }
  void sequence() {
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
      const Job& job = (*jobs)[j];
      sig.cfg_mode.write(static_cast<uint32_t>(job.cfg.mode));
      sig.cfg_block_beats.write(static_cast<uint32_t>(job.cfg.block_beats));
      sig.cfg_num_blocks.write(static_cast<uint32_t>(job.cfg.num_blocks));
      sig.cfg_threshold_fx.write(job.cfg.threshold_fx);
      sig.cfg_qe_mode.write(job.cfg.qe);
      sig.cfg_e5m2_to_bf16.write(job.cfg.e5m2_to_bf16);
      sig.cfg_fp32_scales.write(job.cfg.fp32_scales);
      std::size_t beats = job.beats.size();
      if (job.amax_supplied && model) {
        beats /= 2;  // one pass: the producer supplies the statistics
        SuppliedStats s;
        BlockStats all;
        const auto cols = static_cast<std::size_t>(job.cfg.block_beats * kLanes);
        for (int b = 0; b < job.cfg.num_blocks; ++b) {
          BlockStats bs;
          for (std::size_t i = 0; i < cols; ++i) stats_add(bs, job.block_major.bits[static_cast<std::size_t>(b) * cols + i], NanPolicy::kIgnoreNan);
          s.block_amax.push_back(bs.amax);
          all = stats_merge(all, bs);
        }
        s.group_amax = all.amax;
        s.nnz = all.nnz;
        s.nonfinite = all.nonfinite;
        model->supply_stats(s);
      }
      reader.load(&job.beats, beats, cycle);
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
    if (--active_benches == 0) sc_stop();  // the last bench to finish ends the simulation
  }

 public:
  static inline int active_benches = 0;

 private:
  uint64_t start_cycle_ = 0;
  sc_event done_event_;
};

// ---- jobs from tensors ----

BlockShape engine_block_for(const Tensor& t, BlockShape want) {
  if (t.rows % want.rows == 0 && t.cols % want.cols == 0 && want.rows * want.cols % kLanes == 0 &&
      want.rows * want.cols <= 512 * kLanes)
    return want;
  if (t.cols % 128 == 0) return {1, 128};
  if (t.cols % 32 == 0) return {1, 32};
  return {0, 0};
}

Tensor to_block_major(const Tensor& t, BlockShape b) {
  Tensor out{t.name, t.dtype, (t.rows / b.rows) * (t.cols / b.cols), b.rows * b.cols, {}};
  out.bits.reserve(t.bits.size());
  for (int64_t br = 0; br < t.rows / b.rows; ++br)
    for (int64_t bc = 0; bc < t.cols / b.cols; ++bc)
      for (int64_t r = 0; r < b.rows; ++r)
        for (int64_t c = 0; c < b.cols; ++c) out.bits.push_back(t.at(br * b.rows + r, bc * b.cols + c));
  return out;
}

struct Options {
  std::vector<std::string> in;
  std::string workload = "default", policy = "both", block = "128x128", engine = "cosim", json, report, vcd;
  uint64_t seed = 1;
  double threshold = 0.045, read_bw = 64, write_bw = 64;
  int latency = 100, in_flight = 128, max_tensors = 0;
  bool qe = false, e5m2_to_bf16 = false, fp32_scales = false, amax_supplied = false, quiet = false;
  std::string config;
};

BlockShape parse_shape(const std::string& s) {
  const auto x = s.find('x');
  if (x == std::string::npos) throw std::invalid_argument("--block must be ROWSxCOLS");
  return {std::stoll(s.substr(0, x)), std::stoll(s.substr(x + 1))};
}

std::vector<Job> make_jobs(const Options& o) {
  std::vector<Tensor> tensors;
  if (o.in.empty()) {
    tensors = generate_workload(o.workload, o.seed);
  } else {
    for (const auto& a : o.in)
      for (const auto& raw : load_tensors(parse_tensor_ref(a))) tensors.push_back(to_tensor(raw));
  }
  const BlockShape want = parse_shape(o.block);
  std::vector<Job> jobs;
  for (const auto& t : tensors) {
    const BlockShape b = engine_block_for(t, want);
    if (b.rows == 0) {
      std::fprintf(stderr, "mor-sim: skipping %s (%lldx%lld): no block shape of 32..16384 elements tiles it\n",
                   t.name.c_str(), static_cast<long long>(t.rows), static_cast<long long>(t.cols));
      continue;
    }
    const Tensor bm = to_block_major(t, b);
    for (int mode : {0, 2}) {
      if ((mode == 0 && o.policy == "subtensor") || (mode == 2 && o.policy == "tensor")) continue;
      Job j;
      j.name = t.name;
      j.policy = mode == 0 ? "tensor" : "subtensor";
      j.cfg.mode = mode;
      j.cfg.block_beats = static_cast<int>(b.rows * b.cols / kLanes);
      j.cfg.num_blocks = static_cast<int>(bm.rows);
      j.cfg.threshold_fx = threshold_fx(o.threshold);
      j.cfg.qe = o.qe;
      j.cfg.e5m2_to_bf16 = o.e5m2_to_bf16;
      j.cfg.fp32_scales = o.fp32_scales;
      j.block_major = bm;
      j.beats = engine_input_beats(j.block_major, j.cfg);
      j.element_bytes = t.dtype == DType::kF32 ? 4 : 2;
      j.amax_supplied = o.amax_supplied && mode == 0;
      jobs.push_back(std::move(j));
    }
    if (o.max_tensors > 0 && static_cast<int>(jobs.size()) >= 2 * o.max_tensors) break;
  }
  return jobs;
}

// Compares one bench's transactions with the golden model; returns mismatches.
uint64_t score(const EngineBench& b, const std::vector<Job>& jobs, std::vector<std::string>* notes) {
  uint64_t bad = 0;
  auto note = [&](const std::string& s) {
    if (notes->size() < 10) notes->push_back(s);
    ++bad;
  };
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    const EngineExpect e = engine_expected(jobs[j].block_major, jobs[j].cfg);
    if (j >= b.dones.size()) {
      note(jobs[j].name + ": no done");
      continue;
    }
    if (b.codes[j].size() != e.code_beats.size()) note(jobs[j].name + ": code beat count");
    for (std::size_t k = 0; k < std::min(b.codes[j].size(), e.code_beats.size()); ++k)
      if (!std::equal(b.codes[j][k].codes.begin(), b.codes[j][k].codes.end(), e.code_beats[k].codes.begin(),
                      e.code_beats[k].codes.end()) ||
          b.codes[j][k].last != e.code_beats[k].block_last)
        note(jobs[j].name + ": code beat " + std::to_string(k));
    if (b.blocks[j].size() != e.blocks.size()) note(jobs[j].name + ": block info count");
    for (std::size_t k = 0; k < std::min(b.blocks[j].size(), e.blocks.size()); ++k) {
      const auto& g = b.blocks[j][k];
      const auto& w = e.blocks[k];
      if (g.index != w.index || g.tag != w.tag || g.scale != w.scale) note(jobs[j].name + ": block info " + std::to_string(k));
    }
    const auto& d = b.dones[j];
    const auto& t = e.tensor;
    if (d.decision != t.decision || d.reason != t.reason || d.nnz != t.nnz || d.group_amax != t.group_amax ||
        (t.check_group_scale && d.group_scale != t.group_scale) || (t.check_err_sum && d.err_sum != t.err_sum))
      note(jobs[j].name + ": tensor info");
  }
  return bad;
}

// Cycle accuracy: the two benches' transactions happen in the same cycles.
uint64_t cycle_differences(const EngineBench& a, const EngineBench& b) {
  uint64_t diff = 0;
  for (std::size_t j = 0; j < std::min(a.dones.size(), b.dones.size()); ++j) {
    if (std::getenv("MOR_SIM_DEBUG") && a.dones[j].cycle != b.dones[j].cycle) {
      std::fprintf(stderr, "job %zu: done %llu vs %llu, start %llu vs %llu\n", j, (unsigned long long)a.dones[j].cycle,
                   (unsigned long long)b.dones[j].cycle, (unsigned long long)a.dones[j].start_cycle, (unsigned long long)b.dones[j].start_cycle);
      for (std::size_t k = 0; k < std::min(a.codes[j].size(), b.codes[j].size()); ++k)
        if (a.codes[j][k].cycle != b.codes[j][k].cycle) {
          std::fprintf(stderr, "  first code beat %zu: %llu vs %llu\n", k, (unsigned long long)a.codes[j][k].cycle, (unsigned long long)b.codes[j][k].cycle);
          break;
        }
    }
    diff += a.dones[j].cycle != b.dones[j].cycle;
    for (std::size_t k = 0; k < std::min(a.codes[j].size(), b.codes[j].size()); ++k) diff += a.codes[j][k].cycle != b.codes[j][k].cycle;
    for (std::size_t k = 0; k < std::min(a.blocks[j].size(), b.blocks[j].size()); ++k) diff += a.blocks[j][k].cycle != b.blocks[j][k].cycle;
  }
  return diff;
}

const char* tag_name(uint32_t t) { return t == 0 ? "e4m3" : t == 1 ? "e5m2" : t == 2 ? "bf16" : "e2m3"; }
const char* reason_name(uint32_t r) { return r == 0 ? "accepted" : r == 1 ? "rejected" : r == 2 ? "nonfinite" : "all-zero"; }

int run(const Options& o) {
  MemoryConfig mem;
  mem.read_bytes_per_cycle = o.read_bw;
  mem.write_bytes_per_cycle = o.write_bw;
  mem.read_latency = o.latency;
  mem.max_in_flight = o.in_flight;
  std::vector<Job> jobs = make_jobs(o);
  if (jobs.empty()) throw std::invalid_argument("no tensor to simulate");
  mem.element_bytes = jobs.front().element_bytes;
  bool want_model = o.engine != "rtl", want_rtl = o.engine != "model";
#if !MOR_SIM_HAVE_RTL
  if (want_rtl) {
    if (o.engine == "rtl") throw std::invalid_argument("this build has no Verilated RTL (Verilator missing)");
    std::fprintf(stderr, "mor-sim: no Verilated RTL in this build: running the SystemC model only\n");
    want_rtl = false;
  }
#endif
  if (o.amax_supplied && want_rtl) {
    std::fprintf(stderr, "mor-sim: --amax-supplied is a model-only mode: running the SystemC model only\n");
    want_rtl = false;
    want_model = true;
  }

  sc_clock clk("clk", 1, SC_NS);
  std::unique_ptr<EngineBench> mb, rb;
  std::unique_ptr<MorEngineModel> model;
  if (want_model) {
    mb = std::make_unique<EngineBench>("model_bench", mem);
    ++EngineBench::active_benches;
    mb->clk(clk);
    mb->jobs = &jobs;
    mb->bind_memory(clk);
    model = std::make_unique<MorEngineModel>("model");
    mb->sig.bind(*model, clk);
    mb->model = model.get();
  }
#if MOR_SIM_HAVE_RTL
  std::unique_ptr<Vsc_quantizer> rtl;
  if (want_rtl) {
    rb = std::make_unique<EngineBench>("rtl_bench", mem);
    ++EngineBench::active_benches;
    rb->clk(clk);
    rb->jobs = &jobs;
    rb->bind_memory(clk);
    rtl = std::make_unique<Vsc_quantizer>("rtl");
    rb->sig.bind(*rtl, clk);
  }
#endif
  sc_trace_file* tf = nullptr;
  if (!o.vcd.empty()) {
    tf = sc_create_vcd_trace_file(o.vcd.c_str());
    EngineBench* b = mb ? mb.get() : rb.get();
    sc_trace(tf, clk, "clk");
    sc_trace(tf, b->sig.in_valid, "in_valid");
    sc_trace(tf, b->sig.in_ready, "in_ready");
    sc_trace(tf, b->sig.code_valid, "code_valid");
    sc_trace(tf, b->sig.code_ready, "code_ready");
    sc_trace(tf, b->sig.blk_valid, "blk_valid");
    sc_trace(tf, b->sig.blk_tag, "blk_tag");
    sc_trace(tf, b->sig.done, "done");
    sc_trace(tf, b->sig.busy, "busy");
  }
  // The last bench ends the run with sc_stop(); that is the normal end, not news for the report.
  sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING);
  const auto t0 = std::chrono::steady_clock::now();
  sc_start();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (tf) sc_close_vcd_trace_file(tf);

  std::vector<std::string> notes;
  const EngineBench& main_bench = mb ? *mb : *rb;
  const uint64_t model_bad = mb ? score(*mb, jobs, &notes) : 0;
  const uint64_t rtl_bad = rb ? score(*rb, jobs, &notes) : 0;
  const uint64_t cyc_diff = mb && rb ? cycle_differences(*mb, *rb) : 0;
  const uint64_t total_cycles = main_bench.dones.empty() ? 0 : main_bench.dones.back().cycle;

  nlohmann::ordered_json j;
  j["tool"] = "mor-sim";
  j["engines"] = {{"systemc_model", static_cast<bool>(mb)}, {"verilated_rtl", static_cast<bool>(rb)}};
  j["memory"] = {{"read_bytes_per_cycle", mem.read_bytes_per_cycle}, {"read_latency", mem.read_latency},
                 {"max_in_flight", mem.max_in_flight}, {"write_bytes_per_cycle", mem.write_bytes_per_cycle}};
  j["lanes"] = kLanes;
  j["pipe_stages"] = kPipe;
  std::ostringstream text;
  text << "MoR engine, " << kLanes << " lanes, memory " << mem.read_bytes_per_cycle << " B/cycle read (latency "
       << mem.read_latency << "), " << mem.write_bytes_per_cycle << " B/cycle write\n";
  char line[400];
  std::snprintf(line, sizeof line, "%-22s %-9s %-6s %-9s %-19s %9s %7s %8s %8s\n", "tensor", "policy", "format",
                "reason", "blocks e4/e5/bf16", "cycles", "elem/c", "starved", "latency");
  text << line;
  j["tensors"] = nlohmann::ordered_json::array();
  for (std::size_t k = 0; k < jobs.size() && k < main_bench.dones.size(); ++k) {
    const auto& d = main_bench.dones[k];
    int n[3] = {0, 0, 0};
    for (const auto& b : main_bench.blocks[k])
      if (b.tag < 3) ++n[b.tag];
    const uint64_t cycles = d.cycle - d.start_cycle;
    const double elems = static_cast<double>(jobs[k].block_major.bits.size());
    const uint64_t latency = main_bench.first_input[k] ? d.cycle - main_bench.first_input[k] : cycles;
    char mix[40];
    std::snprintf(mix, sizeof mix, "%d/%d/%d", n[0], n[1], n[2]);
    std::snprintf(line, sizeof line, "%-22.22s %-9s %-6s %-9s %-19s %9llu %7.2f %8llu %8llu\n",
                  jobs[k].name.c_str(), jobs[k].policy.c_str(), tag_name(d.decision), reason_name(d.reason), mix,
                  static_cast<unsigned long long>(cycles), elems / static_cast<double>(cycles),
                  static_cast<unsigned long long>(main_bench.starved[k]), static_cast<unsigned long long>(latency));
    text << line;
    j["tensors"].push_back({{"name", jobs[k].name}, {"policy", jobs[k].policy}, {"decision", tag_name(d.decision)},
                            {"reason", reason_name(d.reason)}, {"blocks", {{"e4m3", n[0]}, {"e5m2", n[1]}, {"bf16", n[2]}}},
                            {"block_elements", jobs[k].cfg.block_beats * kLanes}, {"elements", elems},
                            {"cycles", cycles}, {"elements_per_cycle", elems / static_cast<double>(cycles)},
                            {"input_starved_cycles", main_bench.starved[k]}, {"latency_cycles", latency},
                            {"err_sum", d.err_sum}, {"nnz", d.nnz}});
  }
  const uint64_t in_bytes = main_bench.reader.bytes_read, out_bytes = main_bench.writer.bytes_written;
  std::snprintf(line, sizeof line,
                "total: %llu cycles, %.3f us at 1 GHz; bytes read %llu, written %llu; output back-pressure %llu cycles\n",
                static_cast<unsigned long long>(total_cycles), static_cast<double>(total_cycles) / 1000.0,
                static_cast<unsigned long long>(in_bytes), static_cast<unsigned long long>(out_bytes),
                static_cast<unsigned long long>(main_bench.writer.code_stall_cycles));
  text << line;
  if (model) {
    std::snprintf(line, sizeof line,
                  "stalls (model): decision wait %llu, quant-error measurement %llu, group scale %llu cycles; "
                  "high-water: input FIFO %d beats, block buffers %d, block-info FIFO %d\n",
                  static_cast<unsigned long long>(model->decision_wait_cycles), static_cast<unsigned long long>(model->measure_cycles),
                  static_cast<unsigned long long>(model->group_cycles), main_bench.reader.fifo_high_water, model->bank_high_water,
                  model->blk_fifo_high_water);
    text << line;
  }
  const double sim_rate = static_cast<double>(total_cycles) / wall;
  std::snprintf(line, sizeof line, "simulation: %.2f s wall, %.0f simulated cycles per second (%s)\n", wall, sim_rate,
                mb && rb ? "SystemC model + Verilated RTL co-simulation" : mb ? "SystemC model alone" : "Verilated RTL alone");
  text << line;
  if (mb) text << "SystemC model vs golden model: " << model_bad << " mismatches\n";
  if (rb) text << "Verilated RTL vs golden model: " << rtl_bad << " mismatches\n";
  if (mb && rb) {
    text << "SystemC model vs RTL timing: " << cyc_diff << " transactions in different cycles"
         << (cyc_diff == 0 && total_cycles == rb->dones.back().cycle ? " (cycle-accurate)\n" : "\n");
  }
  for (const auto& n : notes) text << "  mismatch: " << n << "\n";
  j["summary"] = {{"total_cycles", total_cycles}, {"bytes_read", in_bytes}, {"bytes_written", out_bytes},
                  {"output_backpressure_cycles", main_bench.writer.code_stall_cycles},
                  {"wall_seconds", wall}, {"cycles_per_second", sim_rate},
                  {"model_mismatches", model_bad}, {"rtl_mismatches", rtl_bad}, {"cycle_differences", cyc_diff}};
  if (model)
    j["summary"]["stalls"] = {{"decision_wait", model->decision_wait_cycles}, {"quant_error_measurement", model->measure_cycles},
                              {"input_fifo_high_water", main_bench.reader.fifo_high_water},
                              {"block_buffer_high_water", model->bank_high_water},
                              {"block_info_fifo_high_water", model->blk_fifo_high_water}};
  if (!o.quiet) std::fputs(text.str().c_str(), stdout);
  if (!o.report.empty()) std::ofstream(o.report) << text.str();
  if (!o.json.empty()) {
    std::ofstream f(o.json);
    if (!f) throw std::invalid_argument("cannot write " + o.json);
    f << j.dump(1) << "\n";
  }
  return model_bad + rtl_bad + cyc_diff == 0 ? 0 : 1;
}

}  // namespace
}  // namespace mor::sim

int sc_main(int argc, char* argv[]) {
  mor::sim::Options o;
  CLI::App app{"mor-sim: cycle-level simulation of a MoR quantization engine (SystemC), co-simulated with the RTL"};
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // the command line overrides --config
  app.add_option("--in", o.in, "input FILE[:TENSOR] (.npy/.safetensors; repeatable). Default: the built-in workload")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--workload", o.workload, "built-in workload: default|small")->capture_default_str();
  app.add_option("--seed", o.seed, "workload seed")->capture_default_str();
  app.add_option("--policy", o.policy, "tensor|subtensor|both")->capture_default_str();
  app.add_option("--block", o.block, "block shape RxC (32..16384 elements; falls back to 1x128 or 1x32)")->capture_default_str();
  app.add_option("--threshold", o.threshold, "tensor-level threshold T")->capture_default_str();
  app.add_flag("--qe", o.qe, "sub-tensor quant-error mode");
  app.add_flag("--e5m2-to-bf16", o.e5m2_to_bf16, "sub-tensor: E5M2 blocks become BF16");
  app.add_flag("--fp32-scales", o.fp32_scales, "sub-tensor: FP32 block scales instead of MOR_E8_RZ");
  app.add_option("--engine", o.engine, "model|rtl|cosim (both, with a scoreboard)")->capture_default_str();
  app.add_option("--read-bw", o.read_bw, "memory read bandwidth, bytes per cycle")->capture_default_str();
  app.add_option("--write-bw", o.write_bw, "memory write bandwidth, bytes per cycle")->capture_default_str();
  app.add_option("--latency", o.latency, "memory read latency, cycles")->capture_default_str();
  app.add_option("--in-flight", o.in_flight, "beats in flight (read return buffer)")->capture_default_str();
  app.add_flag("--amax-supplied", o.amax_supplied, "tensor-level with amax supplied by the producer (one pass; model only)");
  app.add_option("--max-tensors", o.max_tensors, "simulate only the first N tensors");
  app.add_option("--json", o.json, "write a JSON report");
  app.add_option("--report", o.report, "write the text report to a file");
  app.add_option("--vcd", o.vcd, "write a VCD waveform of the engine's handshakes");
  app.add_flag("--quiet", o.quiet, "no text report on stdout");
  std::string config;
  app.add_option("--config", config, "JSON file of options: {\"read-bw\": 32, \"policy\": \"tensor\", ...}; "
                                     "command-line options given as well win");
  // A JSON config becomes leading command-line arguments, so explicit options parsed after it override it.
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--config" && i + 1 < argc) {
      std::ifstream f(argv[i + 1]);
      nlohmann::json cfg;
      try {
        if (!f) throw std::runtime_error("cannot read");
        f >> cfg;
        if (!cfg.is_object()) throw std::runtime_error("not a JSON object");
      } catch (const std::exception& e) {
        std::fprintf(stderr, "mor-sim: --config %s: %s\n", argv[i + 1], e.what());
        return 2;
      }
      std::vector<std::string> pre;
      for (auto it = cfg.begin(); it != cfg.end(); ++it) {
        if (it.value().is_boolean()) {
          if (it.value().get<bool>()) pre.push_back("--" + it.key());
        } else if (it.value().is_string()) {
          pre.push_back("--" + it.key());
          pre.push_back(it.value().get<std::string>());
        } else {
          pre.push_back("--" + it.key());
          pre.push_back(it.value().dump());
        }
      }
      args.insert(args.begin(), pre.begin(), pre.end());
      ++i;
      continue;
    }
    args.push_back(argv[i]);
  }
  std::reverse(args.begin(), args.end());  // CLI11 parses a vector from the back
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "mor-sim: %s (see mor-sim --help)\n", e.what());
    return 2;
  }
  try {
    if (o.engine != "model" && o.engine != "rtl" && o.engine != "cosim")
      throw std::invalid_argument("--engine must be model, rtl or cosim");
    if (o.policy != "tensor" && o.policy != "subtensor" && o.policy != "both")
      throw std::invalid_argument("--policy must be tensor, subtensor or both");
    if (!(o.read_bw > 0) || !(o.write_bw > 0) || o.latency < 0 || o.in_flight < 1)
      throw std::invalid_argument("bandwidths must be > 0, latency >= 0, in-flight >= 1");
    return mor::sim::run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mor-sim: %s\n", e.what());
    return 2;
  }
}
