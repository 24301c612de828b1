// `make bench` (RTL): verification throughput of the Verilator harnesses on one core — the RTL simulation plus the
// bit-for-bit comparison with the golden model, exactly as the tests run it — next to the golden model alone on the
// same work (the baseline), with ratios. Goals: at least 4 M elements/s per core for mor_quantizer on the test's
// stimulus (issue 20; issue 4's 20 M is withdrawn: the lanes cost 5-10 us per simulated cycle in Verilator), and the
// full 2^32 FP32 sweep of a converter lane in under 2 minutes on one core. Any mismatch fails the run (exit 1).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "Vcvt_f32_e4m3.h"
#include "cvt_lane_check.hpp"
#include "mor/core/convert.hpp"
#include "mor/engine.hpp"
#include "mor/progress.hpp"
#include "quantizer_harness.hpp"

namespace {

bool g_progress = false;  // --progress

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

constexpr double kGoalElementsPerSecond = 4e6;
constexpr double kGoalSweepSeconds = 120;

// ---- converter lane: FP32 -> E4M3, RNE, SATFINITE, canonical NaN (the lane mode the engine uses) ----

volatile uint64_t g_sink;

// One side alone on the consecutive inputs [first, first + count): the model (the baseline) or the Verilated lane.
void run_one_side(uint64_t first, uint64_t count, bool rtl) {
  Vcvt_f32_e4m3 dut;
  const mor::ConvertMode m = mor::kFp8Default;
  mor::set_cvt_lane_mode(dut, m);
  dut.rand_bits = 0;
  uint64_t fold = 0;
  for (uint64_t i = first; i < first + count; ++i) {
    const uint32_t x = static_cast<uint32_t>(i);
    if (rtl) {
      dut.f32 = x;
      dut.eval();
      fold += dut.code;
    } else {
      fold += mor::convert<mor::E4M3, mor::FP32>(x, m);
    }
  }
  g_sink = fold;  // keeps the loop from being optimized away
}

// The test's check (mor::check_cvt_lane, as tests/rtl/test_rtl_cvt.cpp runs it) on [first, first + count).
uint64_t check_run(uint64_t first, uint64_t count) {
  return mor::check_cvt_lane<Vcvt_f32_e4m3, mor::E4M3>(
      first, count, 1, mor::kFp8Default, 0, [](uint32_t, uint8_t) {}, [](uint32_t, uint8_t, uint8_t) {});
}

int bench_converter(uint64_t count) {
  // The exhaustive sweep walks consecutive inputs, so this samples it the same way: 64 runs of consecutive inputs
  // spread evenly over the 2^32 patterns (every exponent range, both signs, NaN and Inf).
  constexpr uint64_t kRuns = 64;
  const uint64_t run_length = std::max<uint64_t>(count / kRuns, 1);
  count = run_length * kRuns;
  std::printf("Converter lane FP32 -> E4M3 (RNE, SATFINITE), %llu FP32 inputs (%llu runs of %llu consecutive), one core\n",
              static_cast<unsigned long long>(count), static_cast<unsigned long long>(kRuns),
              static_cast<unsigned long long>(run_length));
  mor::Progress progress("converter lane", 3 * count, "inputs", mor::progress_wanted(g_progress));
  auto time = [&](const std::function<void(uint64_t first)>& run) {
    const auto t0 = Clock::now();
    for (uint64_t r = 0; r < kRuns; ++r) {
      run((uint64_t{1} << 32) / kRuns * r);
      progress.add(run_length);
    }
    return static_cast<double>(count) / seconds_since(t0);
  };
  uint64_t bad = 0;
  const double model = time([&](uint64_t first) { run_one_side(first, run_length, false); });
  const double rtl = time([&](uint64_t first) { run_one_side(first, run_length, true); });
  const double harness = time([&](uint64_t first) { bad += check_run(first, run_length); });
  std::printf("  %-44s %9s %12s\n", "", "M elem/s", "vs model");
  std::printf("  %-44s %9.1f %11.2fx (baseline)\n", "model alone (mor::convert)", model / 1e6, 1.0);
  std::printf("  %-44s %9.1f %11.2fx\n", "RTL alone (Verilated lane, eval)", rtl / 1e6, rtl / model);
  std::printf("  %-44s %9.1f %11.2fx\n", "harness: RTL + model + compare", harness / 1e6, harness / model);
  const double sweep_s = 4294967296.0 / harness;
  std::printf("  full 2^32 sweep at this rate, one core: %.0f s (goal < %.0f s: %s); mismatches %llu\n\n", sweep_s,
              kGoalSweepSeconds, sweep_s < kGoalSweepSeconds ? "met" : "NOT met", static_cast<unsigned long long>(bad));
  return bad == 0 ? 0 : 1;
}

// ---- mor_quantizer ----

struct Workload {
  const char* name;
  // Configuration and tensor of tensor `it`, with the input-valid and output-ready probabilities.
  std::function<mor::QuantizerStimulus(std::mt19937_64&, int)> stimulus;
  int style;  // engine_test_tensor block style, -1 = random per block
};

struct Timing {
  uint64_t elements = 0, cycles = 0, bad = 0;
  double generate_s = 0, model_s = 0, rtl_s = 0;
};

Timing run_workload(const Workload& w, uint64_t target_elements) {
  mor::QuantizerHarness h;
  mor::QuantizerCoverage cov;
  std::mt19937_64 rng(2026);
  Timing t;
  mor::Progress progress(std::string("mor_quantizer ") + w.name, target_elements, "elements", mor::progress_wanted(g_progress));
  for (int it = 0; t.elements < target_elements; ++it) {
    const mor::QuantizerStimulus s = w.stimulus(rng, it);
    auto t0 = Clock::now();
    const mor::Tensor tensor = mor::engine_test_tensor(rng(), s.config, w.style);
    t.generate_s += seconds_since(t0);
    t0 = Clock::now();
    const auto inputs = mor::engine_input_beats(tensor, s.config);
    const mor::EngineExpect want = mor::engine_expected(tensor, s.config);
    t.model_s += seconds_since(t0);
    t0 = Clock::now();
    t.bad += h.run(s.config, inputs, want, rng, cov, s.p_valid, s.p_ready);
    t.rtl_s += seconds_since(t0);
    t.elements += tensor.size();
    progress.set(t.elements);
  }
  t.cycles = h.cycles;
  for (const std::string& m : h.first_mismatches) std::fprintf(stderr, "mor-bench-rtl: %s: MISMATCH %s\n", w.name, m.c_str());
  return t;
}

mor::QuantizerStimulus full_rate(int mode, int block_beats, int num_blocks) {
  mor::QuantizerStimulus s;
  s.config.mode = mode;
  s.config.block_beats = block_beats;
  s.config.num_blocks = num_blocks;
  s.p_valid = s.p_ready = 1.0;
  return s;
}

int bench_quantizer(uint64_t target_elements) {
  // Styles of engine_test_tensor (engine_block_style_name): 0 = normal, 2 = wide range. Sub-tensor mode keeps
  // most wide-range blocks in BF16, so their elements pass no lane: that row is the engine's fast path, and the
  // goal verdict is taken on the test's stimulus (the first row), a mix of every block kind.
  const std::vector<Workload> workloads = {
      {"test stimulus (test_rtl_quantizer)", [](std::mt19937_64& r, int it) { return mor::random_stimulus(r, it); }, -1},
      {"tensor-level, normal blocks, full rate", [](std::mt19937_64&, int) { return full_rate(0, 4, 256); }, 0},
      {"sub-tensor, normal blocks, full rate", [](std::mt19937_64&, int) { return full_rate(2, 4, 256); }, 0},
      {"sub-tensor, wide range (BF16), full rate", [](std::mt19937_64&, int) { return full_rate(2, 4, 256); }, 2},
  };
  std::printf("mor_quantizer (32 lanes) against the golden model, one core, about %llu elements per workload.\n"
              "model = engine_input_beats + engine_expected (the baseline); RTL = the Verilated engine driven and\n"
              "compared transaction by transaction; harness = stimulus generation + model + RTL, what the test does.\n",
              static_cast<unsigned long long>(target_elements));
  std::printf("  %-42s %10s %9s %9s %9s %9s %9s %10s\n", "workload", "elements", "elem/cyc", "model", "RTL",
              "harness", "harness/", "k cycles/s");
  std::printf("  %-42s %10s %9s %9s %9s %9s %9s %10s\n", "", "", "", "M elem/s", "M elem/s", "M elem/s", "model", "");
  uint64_t bad = 0;
  double test_rate = 0;
  for (const Workload& w : workloads) {
    const Timing t = run_workload(w, target_elements);
    const double n = static_cast<double>(t.elements);
    const double harness = n / (t.generate_s + t.model_s + t.rtl_s);
    const double model = n / t.model_s;
    if (&w == &workloads.front()) test_rate = harness;
    std::printf("  %-42s %10llu %9.2f %9.2f %9.2f %9.2f %8.3fx %10.1f\n", w.name,
                static_cast<unsigned long long>(t.elements), n / static_cast<double>(t.cycles), model / 1e6,
                n / t.rtl_s / 1e6, harness / 1e6, harness / model, static_cast<double>(t.cycles) / t.rtl_s / 1e3);
    bad += t.bad;
  }
  std::printf("  goal %.0f M elem/s: the test's stimulus %.2f M elem/s = %.0f%% of the goal (%s); mismatches %llu\n",
              kGoalElementsPerSecond / 1e6, test_rate / 1e6, 100 * test_rate / kGoalElementsPerSecond,
              test_rate >= kGoalElementsPerSecond ? "met" : "NOT met", static_cast<unsigned long long>(bad));
  return bad == 0 ? 0 : 1;
}

void usage(FILE* f) {
  std::fprintf(f,
               "usage: mor-bench-rtl [--elements N] [--cvt-elements N] [--progress] [--help]\n"
               "Verification throughput of the Verilator harnesses (RTL + bit-for-bit model comparison), one core,\n"
               "against the golden model alone. Exit 1 on any mismatch, 2 on bad options.\n"
               "  --elements N      elements per mor_quantizer workload (default 4000000)\n"
               "  --cvt-elements N  FP32 inputs through the converter lane (default 33554432)\n"
               "  --progress        a progress line every 5 s on stderr (default: when stderr is a terminal)\n");
}

bool parse_count(const char* s, uint64_t* out) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (end == s || *end != '\0' || v == 0 || v > (uint64_t{1} << 32) || s[0] == '-') return false;
  *out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t elements = 4'000'000, cvt_elements = uint64_t{1} << 25;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    }
    if (a == "--progress") {
      g_progress = true;
      continue;
    }
    uint64_t* target = a == "--elements" ? &elements : a == "--cvt-elements" ? &cvt_elements : nullptr;
    if (target == nullptr || i + 1 >= argc || !parse_count(argv[i + 1], target)) {
      std::fprintf(stderr, "mor-bench-rtl: bad option '%s'%s\n", a.c_str(),
                   target != nullptr ? " (expects a count from 1 to 2^32)" : "");
      usage(stderr);
      return 2;
    }
    ++i;
  }
  const int cvt = bench_converter(cvt_elements);
  const int quant = bench_quantizer(elements);
  return cvt | quant;
}
