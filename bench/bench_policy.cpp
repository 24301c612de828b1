// `make bench` (policies): CPU throughput of tensor-level MoR on an 8192x8192 BF16 tensor against plain current
// scaling (the baseline), measured in the same run with the same thread count. Goals (issue 19): tensor-level MoR
// >= 600 M elements/s on 2 cores, and <= 2x the time of current scaling.
//
// Every policy writes into one result per policy that is reused across repetitions (the reuse API of policy.hpp),
// as a loop over a checkpoint's tensors does; "fresh result" rows show what allocating, faulting in and zero-filling
// 5 bytes per element costs on top. The "memory floor" row moves the bytes the policies must move (read the FP32
// tensor twice: statistics, then quantization; write one code byte and one FP32 value per element) with plain
// vector loads and stores, so it bounds what a memory-bound policy can reach on this machine.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "mor/policy.hpp"
#include "mor/workload.hpp"

namespace {

template <class F>
double best_seconds(int reps, F&& f) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  int64_t n = 8192;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf("usage: mor-bench-policy [--threads N] [--size N]\n"
                  "  Tensor-level and sub-tensor MoR against current scaling (the baseline) on an NxN BF16 tensor.\n");
      return 0;
    }
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--size" && i + 1 < argc) n = std::atoll(argv[++i]);
    else {
      std::fprintf(stderr, "usage: mor-bench-policy [--threads N] [--size N]\n");
      return 2;
    }
  }
  // An n x n BF16 activation-like tensor: the default workload's activation pattern, tiled.
  const auto small = mor::generate_workload("default", 7);
  const mor::Tensor& src = small[1];  // qkv.activation
  mor::Tensor t{"bench", mor::DType::kBF16, n, n, {}};
  t.bits.resize(static_cast<std::size_t>(n * n));
  for (std::size_t i = 0; i < t.bits.size(); ++i) t.bits[i] = src.bits[i % src.bits.size()];

  mor::CurrentScalingConfig cs;
  cs.threads = threads;
  cs.output_errors = mor::OutputErrors::kNone;  // the baseline quantizes only
  mor::TensorLevelConfig tl;
  tl.threads = threads;
  tl.compute_reference_metric = false;
  mor::TensorLevelConfig tl_ref = tl;
  tl_ref.compute_reference_metric = true;
  mor::SubTensorConfig st;
  st.threads = threads;
  st.output_errors = mor::OutputErrors::kNone;  // as the baseline
  const int reps = 3;
  mor::QuantResult r_cs, r_tl, r_tlr, r_st;
  const double t_cs = best_seconds(reps, [&] { mor::quantize_current_scaling(t, cs, r_cs); });
  const double t_tl = best_seconds(reps, [&] { mor::quantize_tensor_level(t, tl, r_tl); });
  const double t_tlr = best_seconds(reps, [&] { mor::quantize_tensor_level(t, tl_ref, r_tlr); });
  const double t_st = best_seconds(reps, [&] { mor::quantize_subtensor(t, st, r_st); });
  const double t_fresh = best_seconds(reps, [&] { (void)mor::quantize_tensor_level(t, tl); });
  mor::Tensor t16{"bench16", mor::DType::kBF16, n, n, {}};
  t16.bf16.resize(t.bits.size());
  for (std::size_t i = 0; i < t.bits.size(); ++i) t16.bf16[i] = static_cast<uint16_t>(t.bits[i] >> 16);
  const double t_cs16 = best_seconds(reps, [&] { mor::quantize_current_scaling(t16, cs, r_cs); });
  const double t_tl16 = best_seconds(reps, [&] { mor::quantize_tensor_level(t16, tl, r_tl); });
  const double t_st16 = best_seconds(reps, [&] { mor::quantize_subtensor(t16, st, r_st); });
  // The memory floor: the same bytes as a policy, with the same thread count.
  std::vector<uint8_t> codes(t.bits.size());
  std::vector<uint32_t> values(t.bits.size());
  const double t_mem = best_seconds(reps, [&] {
    const std::size_t n_all = t.bits.size();
    std::atomic<uint32_t> sink{0};
    std::vector<std::thread> pool;
    for (int k = 0; k < threads; ++k)
      pool.emplace_back([&, k] {
        const std::size_t a = n_all * static_cast<std::size_t>(k) / static_cast<std::size_t>(threads);
        const std::size_t b = n_all * static_cast<std::size_t>(k + 1) / static_cast<std::size_t>(threads);
        uint32_t m = 0;
        for (std::size_t i = a; i < b; ++i) m = std::max(m, t.bits[i] & 0x7FFFFFFFu);  // pass 1: read
        for (std::size_t i = a; i < b; ++i) {                                          // pass 2: read, write 5 B
          values[i] = t.bits[i] ^ m;
          codes[i] = static_cast<uint8_t>(t.bits[i] >> 24);
        }
        sink += m;
      });
    for (auto& th : pool) th.join();
  });
  const double elems = static_cast<double>(n * n);
  std::printf("Policy throughput on a %lldx%lld BF16 tensor, %d threads, best of %d (outputs: codes + FP32 fake-quant)\n",
              static_cast<long long>(n), static_cast<long long>(n), threads, reps);
  auto row = [&](const char* name, double s) {
    std::printf("  %-52s %8.1f ms  %7.1f M elem/s  %5.2fx time of baseline\n", name, s * 1e3, elems / s / 1e6, s / t_cs);
  };
  row("current scaling E4M3 [baseline]", t_cs);
  row("tensor-level MoR, GAM + canonical metric", t_tl);
  row("tensor-level MoR, + FP32 reference metric", t_tlr);
  row("sub-tensor MoR (dynamic range, 128x128)", t_st);
  row("tensor-level MoR, canonical, fresh result each call", t_fresh);
  row("memory floor: read x twice, write 5 B/element", t_mem);
  row("bf16 held: current", t_cs16);
  row("bf16 held: tensor-level", t_tl16);
  row("bf16 held: subtensor", t_st16);
  const double rate = elems / t_tl / 1e6;
  std::printf("goal: tensor-level MoR >= 600 M elem/s: %s (%.0f M elem/s; the memory floor allows %.0f)\n",
              rate >= 600.0 ? "met" : "NOT met", rate, elems / t_mem / 1e6);
  std::printf("goal: tensor-level MoR <= 2x current scaling: %s\n", t_tl <= 2 * t_cs ? "met" : "NOT met");
  return 0;
}
