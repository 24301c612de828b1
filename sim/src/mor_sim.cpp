// mor-sim: the MoR quantization engine in a memory system, cycle by cycle (SystemC). Runs the SystemC engine
// model, the Verilated RTL (verilator --sc), or both side by side with a scoreboard that compares every
// transaction with the golden model and the two engines' cycle counts with each other.
//   command_line.*  options and --config       bench.*       memory, monitor and job sequencer around one engine
//   scoreboard.*    checks against the model    sim_report.*  the text and JSON reports (sim/README.md)
#include <systemc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <unistd.h>
#include <string>
#include <vector>

#include "bench.hpp"
#include "command_line.hpp"
#include "engine_model.hpp"
#include "mor/core/contract.hpp"
#include "mor/core/metric.hpp"
#include "mor/io.hpp"
#include "mor/output_file.hpp"
#include "mor/workload.hpp"
#include "scoreboard.hpp"
#include "sim_report.hpp"

#if MOR_SIM_HAVE_RTL
#include "Vsc_quantizer.h"
#endif

namespace mor::sim {
namespace {

// A bad input (file, tensor) found while preparing the jobs: exit 2 with the message.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The block shape the engine runs a tensor with: the requested one if it tiles the tensor in whole lane beats and
// fits the block buffers, else 1x128 or 1x32 rows; {0, 0} when nothing tiles it.
BlockShape engine_block_for(const Tensor& t, BlockShape want) {
  if (t.rows % want.rows == 0 && t.cols % want.cols == 0 && want.rows * want.cols % kLanes == 0 &&
      want.rows * want.cols <= kEngineBlockBeatsMax * kLanes)
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

std::vector<Tensor> load_tensors_of(const Options& o) {
  if (o.refs().empty()) return generate_workload(o.workload, o.seed);
  std::vector<Tensor> tensors;
  for (const auto& ref : o.refs()) {
    std::size_t floats = 0;
    for (const auto& raw : load_tensors(parse_tensor_ref(ref)).tensors) {
      if (!raw.is_float()) {
        std::fprintf(stderr, "mor-sim: skipping '%s' (%s, not a float tensor)\n", raw.name.c_str(), raw.other_dtype.c_str());
        continue;
      }
      if (raw.numel() == 0) throw InputError(ref + ": tensor '" + raw.name + "' is empty");
      tensors.push_back(to_tensor(raw));
      ++floats;
    }
    if (floats == 0) throw InputError(ref + ": no float tensor to simulate");
  }
  return tensors;
}

// One job per tensor and mode (tensor-level, sub-tensor or both), for the first --max-tensors tensors.
std::vector<Job> make_jobs(const Options& o) {
  std::vector<Tensor> tensors = load_tensors_of(o);
  std::vector<Job> jobs;
  int simulated = 0;
  for (const auto& t : tensors) {
    if (o.max_tensors > 0 && simulated == o.max_tensors) break;
    const BlockShape b = engine_block_for(t, o.block_shape);
    if (b.rows == 0) {
      std::fprintf(stderr, "mor-sim: skipping %s (%lldx%lld): no block shape of 32..16384 elements tiles it\n",
                   t.name.c_str(), static_cast<long long>(t.rows), static_cast<long long>(t.cols));
      continue;
    }
    ++simulated;
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
      j.element_bytes = t.dtype == DType::kBF16 || t.dtype == DType::kF16 ? 2 : 4;  // F64 is read as FP32
      j.amax_supplied = o.amax_supplied && mode == 0;
      jobs.push_back(std::move(j));
    }
  }
  return jobs;
}

// The VCD file: SystemC appends ".vcd" to the name it is given, so it writes a temporary name in the same folder
// and the file is renamed to exactly --vcd when the simulation ends.
class VcdFile {
 public:
  explicit VcdFile(std::string path) : path_(std::move(path)) {
    const auto slash = path_.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "" : path_.substr(0, slash + 1);
    stem_ = dir + "." + path_.substr(slash == std::string::npos ? 0 : slash + 1) + ".tmp-" + std::to_string(::getpid());
    trace = sc_create_vcd_trace_file(stem_.c_str());
    guard_ = remember_temp_file(stem_ + ".vcd");
  }
  ~VcdFile() {
    if (trace) sc_close_vcd_trace_file(trace);
    if (!committed_) std::remove((stem_ + ".vcd").c_str());
    forget_temp_file(guard_);
  }
  // SystemC does not report failed writes, so the file is checked to be complete before it is renamed: it ends
  // with the timestamp line of the last clock edge (the clock is traced, so that is the end of the simulation).
  void commit(double end_ps) {
    sc_close_vcd_trace_file(trace);
    trace = nullptr;
    if (!complete(stem_ + ".vcd", end_ps))
      throw OutputError("cannot write --vcd '" + path_ + "': the waveform was not written completely (disk full?)");
    if (std::rename((stem_ + ".vcd").c_str(), path_.c_str()) != 0) throw OutputError("cannot write --vcd '" + path_ + "'");
    committed_ = true;
  }
  sc_trace_file* trace = nullptr;

 private:
  static bool complete(const std::string& file, double end_ps) {
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (!f) return false;
    char tail[64] = {};
    std::fseek(f, 0, SEEK_END);
    const long size = std::ftell(f);
    std::fseek(f, std::max(0L, size - 63), SEEK_SET);
    const std::size_t n = std::fread(tail, 1, 63, f);
    std::fclose(f);
    const std::string t(tail, n);
    const auto hash = t.rfind("\n#");
    if (n == 0 || t.back() != '\n' || hash == std::string::npos) return false;
    return std::strtod(t.c_str() + hash + 2, nullptr) >= end_ps - 1000.0;
  }

  std::string path_, stem_;
  bool committed_ = false;
  int guard_ = -1;
};

void trace_handshakes(sc_trace_file* tf, const sc_clock& clk, EngineBench& b) {
  sc_trace(tf, clk, "clk");
  sc_trace(tf, b.sig.in_valid, "in_valid");
  sc_trace(tf, b.sig.in_ready, "in_ready");
  sc_trace(tf, b.sig.code_valid, "code_valid");
  sc_trace(tf, b.sig.code_ready, "code_ready");
  sc_trace(tf, b.sig.blk_valid, "blk_valid");
  sc_trace(tf, b.sig.blk_tag, "blk_tag");
  sc_trace(tf, b.sig.done, "done");
  sc_trace(tf, b.sig.busy, "busy");
}

// The clock the report's times are at: --clock-mhz, else the closed clock of the cost report's "engine_clock"
// (docs/cost.json, written by `make cost`), else the RTL's target (kEngineClockTargetMhz), said so in the report.
// A --cost-json that cannot be read, or has no usable engine_clock, is an input error.
std::pair<double, std::string> engine_clock(const Options& o) {
  char buf[160];
  if (o.clock_mhz > 0) {
    std::snprintf(buf, sizeof buf, "--clock-mhz");
    return {o.clock_mhz, buf};
  }
  const bool explicit_file = !o.cost_json.empty();
  const std::string path = explicit_file ? o.cost_json : std::string(MOR_SOURCE_DIR) + "/docs/cost.json";
  std::ifstream f(path);
  nlohmann::json cost;
  if (f) cost = nlohmann::json::parse(f, nullptr, false);
  const bool have = f && !cost.is_discarded() && cost.is_object() && cost.contains("engine_clock") &&
                    cost["engine_clock"].is_object() && cost["engine_clock"].value("closed_mhz", 0.0) > 0.0;
  if (!have) {
    if (explicit_file) throw InputError("--cost-json '" + path + "': no readable \"engine_clock\" with closed_mhz > 0");
    std::snprintf(buf, sizeof buf, "the %d MHz target: docs/cost.json has no engine_clock yet", kEngineClockTargetMhz);
    return {static_cast<double>(kEngineClockTargetMhz), buf};
  }
  const nlohmann::json& c = cost["engine_clock"];
  std::snprintf(buf, sizeof buf, "closed clock of %s: worst slack %.3f ns, %s", explicit_file ? path.c_str() : "docs/cost.json",
                c.value("worst_slack_ns", 0.0), c.value("method", std::string("?")).c_str());
  return {c["closed_mhz"].get<double>(), buf};
}

MemoryConfig memory_of(const Options& o) {
  MemoryConfig mem;
  mem.read_bytes_per_cycle = o.read_bw;
  mem.write_bytes_per_cycle = o.write_bw;
  mem.read_latency = o.latency;
  mem.max_in_flight = o.in_flight;
  return mem;
}

// The engines to run: --engine, less what this build or --amax-supplied cannot run.
std::pair<bool, bool> choose_engines(const Options& o) {
  bool model = o.engine != "rtl", rtl = o.engine != "model";
#if !MOR_SIM_HAVE_RTL
  if (rtl) {
    if (o.engine == "rtl") throw InputError("this build has no Verilated RTL (Verilator missing)");
    std::fprintf(stderr, "mor-sim: no Verilated RTL in this build: running the SystemC model only\n");
    rtl = false;
  }
#endif
  if (o.amax_supplied && rtl) {
    std::fprintf(stderr, "mor-sim: --amax-supplied is a model-only mode: running the SystemC model only\n");
    return {true, false};
  }
  return {model, rtl};
}

// The benches with their engines, elaborated and bound to the clock.
struct Engines {
  std::unique_ptr<EngineBench> model_bench, rtl_bench;
  std::unique_ptr<MorEngineModel> model;
#if MOR_SIM_HAVE_RTL
  std::unique_ptr<Vsc_quantizer> rtl;
#endif
  EngineBench& main() { return model_bench ? *model_bench : *rtl_bench; }
};

std::unique_ptr<EngineBench> make_bench(const char* name, const MemoryConfig& mem, std::vector<Job>& jobs, sc_clock& clk) {
  auto b = std::make_unique<EngineBench>(name, mem);
  ++EngineBench::active_benches;
  b->clk(clk);
  b->jobs = &jobs;
  b->bind_memory(clk);
  return b;
}

void elaborate(Engines& e, std::pair<bool, bool> which, const MemoryConfig& mem, std::vector<Job>& jobs, sc_clock& clk) {
  if (which.first) {
    e.model_bench = make_bench("model_bench", mem, jobs, clk);
    e.model = std::make_unique<MorEngineModel>("model");
    e.model_bench->sig.bind(*e.model, clk);
    e.model_bench->model = e.model.get();
  }
#if MOR_SIM_HAVE_RTL
  if (which.second) {
    e.rtl_bench = make_bench("rtl_bench", mem, jobs, clk);
    e.rtl = std::make_unique<Vsc_quantizer>("rtl");
    e.rtl_bench->sig.bind(*e.rtl, clk);
  }
#endif
}

SimOutcome check_run(const Engines& e, const std::vector<Job>& jobs, const MemoryConfig& mem, double wall_seconds,
                     const std::pair<double, std::string>& clock) {
  SimOutcome out;
  out.clock_mhz = clock.first;
  out.clock_source = clock.second;
  const EngineBench* mb = e.model_bench.get();
  const EngineBench* rb = e.rtl_bench.get();
  out.wall_seconds = wall_seconds;
  out.jobs = &jobs;
  out.main = mb ? mb : rb;
  out.model = e.model.get();
  out.ran_model = mb != nullptr;
  out.ran_rtl = rb != nullptr;
  out.mem = mem;
  out.model_mismatches = mb ? score(*mb, jobs, &out.notes) : 0;
  out.rtl_mismatches = rb ? score(*rb, jobs, &out.notes) : 0;
  out.cycle_differences = mb && rb ? cycle_differences(*mb, *rb) : 0;
  out.same_total_cycles = mb && rb && !mb->dones.empty() && !rb->dones.empty() && mb->dones.back().cycle == rb->dones.back().cycle;
  return out;
}

int run(const Options& o) {
  const MemoryConfig mem = memory_of(o);
  const auto clock = engine_clock(o);
  std::vector<Job> jobs = make_jobs(o);
  if (jobs.empty()) throw InputError("no tensor to simulate");
  const auto which = choose_engines(o);
  sc_clock clk("clk", 1, SC_NS);
  Engines engines;
  elaborate(engines, which, mem, jobs, clk);
  uint64_t input_bytes = 0;  // what the reader will read: the progress measure
  for (const Job& j : jobs)
    input_bytes += (j.amax_supplied && which.first ? 1 : j.cfg.mode == 0 ? 2 : 1) * j.beats.size() *
                   static_cast<uint64_t>(kLanes * j.element_bytes);
  Progress progress("mor-sim", input_bytes, "input bytes", progress_wanted(o.progress));
  engines.main().progress = &progress;
  // SystemC's infos (the last bench ends the run with sc_stop(); the VCD's default 1 ps unit) are not news for
  // the report; warnings and errors still show.
  sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);
  std::unique_ptr<VcdFile> vcd;
  if (!o.vcd.empty()) {
    vcd = std::make_unique<VcdFile>(o.vcd);
    trace_handshakes(vcd->trace, clk, engines.main());
  }
  const auto t0 = std::chrono::steady_clock::now();
  sc_start();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (vcd) vcd->commit(sc_time_stamp().to_seconds() * 1e12);
  const SimOutcome out = check_run(engines, jobs, mem, wall, clock);
  const SimReport report = make_report(out);
  if (!o.quiet) std::fputs(report.text.c_str(), stdout);
  if (!o.report.empty()) write_file_atomic(o.report, report.text);
  if (!o.json.empty()) write_file_atomic(o.json, report.json.dump(1) + "\n");
  return out.model_mismatches + out.rtl_mismatches + out.cycle_differences == 0 ? 0 : 1;
}

}  // namespace
}  // namespace mor::sim

int sc_main(int argc, char* argv[]) {
  mor::sim::Options o;
  const int status = mor::sim::parse_command_line(argc, argv, o);
  if (status >= 0) return status;
  try {
    return mor::sim::run(o);
  } catch (const mor::sim::InputError& e) {
    std::fprintf(stderr, "mor-sim: %s\n", e.what());
  } catch (const mor::TensorFileError& e) {
    std::fprintf(stderr, "mor-sim: %s\n", e.what());
  } catch (const mor::OutputError& e) {
    std::fprintf(stderr, "mor-sim: %s\n", e.what());
  } catch (const std::invalid_argument& e) {  // generate_workload: unknown workload name
    std::fprintf(stderr, "mor-sim: %s (see mor-sim --help)\n", e.what());
  }
  return 2;
}

// Our own entry point: SystemC's main prints its banner on stderr before sc_main runs unless
// SYSTEMC_DISABLE_COPYRIGHT_MESSAGE is set, so it is set here first (MOR_SIM_BANNER=1 shows it).
int main(int argc, char* argv[]) {
  mor::install_output_guards();
  if (!std::getenv("MOR_SIM_BANNER")) ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
