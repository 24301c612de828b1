// `make bench` (policies): CPU throughput of tensor-level MoR on an 8192x8192 BF16 tensor against plain current
// scaling (the baseline), measured in the same run with the same thread count. Goal: MoR <= 2x current scaling.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

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
  mor::TensorLevelConfig tl;
  tl.threads = threads;
  tl.compute_reference_metric = false;
  mor::TensorLevelConfig tl_ref = tl;
  tl_ref.compute_reference_metric = true;
  mor::SubTensorConfig st;
  st.threads = threads;
  const int reps = 3;
  const double t_cs = best_seconds(reps, [&] { (void)mor::quantize_current_scaling(t, cs); });
  const double t_tl = best_seconds(reps, [&] { (void)mor::quantize_tensor_level(t, tl); });
  const double t_tlr = best_seconds(reps, [&] { (void)mor::quantize_tensor_level(t, tl_ref); });
  const double t_st = best_seconds(reps, [&] { (void)mor::quantize_subtensor(t, st); });
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
  std::printf("goal: tensor-level MoR <= 2x current scaling: %s\n", t_tl <= 2 * t_cs ? "met" : "NOT met");
  return 0;
}
