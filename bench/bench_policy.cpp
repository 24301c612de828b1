// `make bench` (policies): CPU throughput of tensor-level MoR on an 8192x8192 BF16 tensor against plain current
// scaling (the baseline), measured in the same run with the same thread count. Goals (issue 19): tensor-level MoR
// >= 600 M elements/s on 2 cores, and <= 2x the time of current scaling.
//
// The tensor is held as stored, 2 bytes per element (Tensor::bf16, what mor quantize and mor analyze read from a BF16
// checkpoint); rows marked "FP32-widened" run the same tensor widened to FP32 bits (4 bytes per element), the form
// every tensor had before. Every policy writes into one result per policy that is reused across repetitions (the
// reuse API of policy.hpp), as a loop over a checkpoint's tensors does; the "fresh result" row shows what
// allocating, faulting in and zero-filling 5 bytes per element costs on top.
//
// The memory rows move bytes with plain vector loops in the same run, so every figure can be read against what this
// machine's memory delivers at that moment: "read" streams the BF16 tensor once; the "memory floor" moves the bytes
// tensor-level MoR must move (read the tensor twice: the statistics, then the quantization, which needs the GAM
// scales of the whole tensor; write one code byte and one FP32 value per element).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
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

// fn(first, end) on `threads` threads, each a contiguous share of [0, n).
void split(std::size_t n, int threads, const std::function<void(std::size_t, std::size_t)>& fn) {
  std::vector<std::thread> pool;
  const auto t = static_cast<std::size_t>(threads);
  for (std::size_t k = 0; k < t; ++k) pool.emplace_back([&, k] { fn(n * k / t, n * (k + 1) / t); });
  for (auto& th : pool) th.join();
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
  if (threads < 1 || n < 1) {
    std::fprintf(stderr, "mor-bench-policy: --threads and --size must be positive\n");
    return 2;
  }
  // An n x n BF16 activation-like tensor: the default workload's activation pattern, tiled; held as stored.
  const auto small = mor::generate_workload("default", 7);
  const mor::Tensor& src = small[1];  // qkv.activation
  mor::Tensor t{"bench", mor::DType::kBF16, n, n, {}};
  t.bf16.resize(static_cast<std::size_t>(n * n));
  for (std::size_t i = 0; i < t.bf16.size(); ++i) t.bf16[i] = static_cast<uint16_t>(src.bits[i % src.bits.size()] >> 16);
  const mor::Tensor t32{"bench-fp32", mor::DType::kBF16, n, n, t.fp32_bits()};

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
  mor::QuantResult r_cs, r_tl, r_st;
  const double t_cs = best_seconds(reps, [&] { mor::quantize_current_scaling(t, cs, r_cs); });
  const double t_tl = best_seconds(reps, [&] { mor::quantize_tensor_level(t, tl, r_tl); });
  const double t_tlr = best_seconds(reps, [&] { mor::quantize_tensor_level(t, tl_ref, r_tl); });
  const double t_st = best_seconds(reps, [&] { mor::quantize_subtensor(t, st, r_st); });
  const double t_fresh = best_seconds(reps, [&] { (void)mor::quantize_tensor_level(t, tl); });
  const double t_cs32 = best_seconds(reps, [&] { mor::quantize_current_scaling(t32, cs, r_cs); });
  const double t_tl32 = best_seconds(reps, [&] { mor::quantize_tensor_level(t32, tl, r_tl); });

  // The memory rows, same threads: read the BF16 tensor once; then the bytes of tensor-level MoR.
  const std::size_t count = t.bf16.size();
  std::vector<uint8_t> codes(count);
  std::vector<uint32_t> values(count);
  std::atomic<uint32_t> sink{0};  // the loops' results go somewhere, so they are not optimized away
  const double t_read = best_seconds(reps, [&] {
    split(count, threads, [&](std::size_t a, std::size_t b) {
      uint16_t m = 0;
      for (std::size_t i = a; i < b; ++i) m = std::max(m, static_cast<uint16_t>(t.bf16[i] & 0x7FFFu));
      sink += m;
    });
  });
  const double t_floor = best_seconds(reps, [&] {
    split(count, threads, [&](std::size_t a, std::size_t b) {
      uint16_t m = 0;
      for (std::size_t i = a; i < b; ++i) m = std::max(m, static_cast<uint16_t>(t.bf16[i] & 0x7FFFu));  // pass 1
      for (std::size_t i = a; i < b; ++i) {  // pass 2: read, write 5 B
        values[i] = (uint32_t{t.bf16[i]} << 16) ^ m;
        codes[i] = static_cast<uint8_t>(t.bf16[i] >> 8);
      }
      sink += m;
    });
  });

  const double elems = static_cast<double>(n * n);
  std::printf("Policy throughput on a %lldx%lld BF16 tensor, %d threads, best of %d (outputs: codes + FP32 fake-quant)\n",
              static_cast<long long>(n), static_cast<long long>(n), threads, reps);
  auto row = [&](const char* name, double s) {
    std::printf("  %-56s %8.1f ms  %7.1f M elem/s  %5.2fx time of baseline\n", name, s * 1e3, elems / s / 1e6, s / t_cs);
  };
  row("current scaling E4M3 [baseline]", t_cs);
  row("tensor-level MoR, GAM + canonical metric", t_tl);
  row("tensor-level MoR, + FP32 reference metric", t_tlr);
  row("sub-tensor MoR (dynamic range, 128x128)", t_st);
  row("tensor-level MoR, canonical, fresh result each call", t_fresh);
  row("current scaling E4M3, FP32-widened tensor", t_cs32);
  row("tensor-level MoR, canonical, FP32-widened tensor", t_tl32);
  row("memory: read the BF16 tensor once", t_read);
  row("memory floor: read BF16 twice, write 5 B/element", t_floor);
  std::printf("memory in this run: read %.1f GB/s; the floor moves %.1f GB/s (9 B/element, 14 with write allocation)\n",
              elems * 2 / t_read / 1e9, elems * 9 / t_floor / 1e9);
  const double rate = elems / t_tl / 1e6;
  std::printf("goal: tensor-level MoR >= 600 M elem/s: %s (%.0f M elem/s; the memory floor allows %.0f)\n",
              rate >= 600.0 ? "met" : "NOT met", rate, elems / t_floor / 1e6);
  std::printf("goal: tensor-level MoR <= 2x current scaling: %s\n", t_tl <= 2 * t_cs ? "met" : "NOT met");
  return 0;
}
