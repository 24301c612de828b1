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
// scales of the whole tensor; write one code byte and one FP32 value per element), with ordinary stores (every line
// written is read first: write allocation) and with the streaming stores the policies use for outputs this large.
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
#include "mor/quant_kernel.hpp"
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
  // The fake-quantized values as BF16 (what mor quantize writes for a BF16 input): 2 bytes per element, not 4.
  mor::CurrentScalingConfig cs16 = cs;
  cs16.fake_output = mor::FakeOutput::kBf16;
  mor::TensorLevelConfig tl16 = tl;
  tl16.fake_output = mor::FakeOutput::kBf16;
  const int reps = 5;
  mor::QuantResult r_cs, r_tl, r_st, r_cs16, r_tl16;
  const std::size_t count = t.bf16.size();
  std::vector<uint8_t> codes(count);
  std::vector<uint32_t> values(count);
  std::atomic<uint32_t> sink{0};  // the loops' results go somewhere, so they are not optimized away
  struct Row {
    const char* name;
    std::function<void()> run;
    double best = 1e30;
  };
  std::vector<Row> rows = {
      {"current scaling E4M3 [baseline]", [&] { mor::quantize_current_scaling(t, cs, r_cs); }},
      {"tensor-level MoR, GAM + canonical metric", [&] { mor::quantize_tensor_level(t, tl, r_tl); }},
      {"tensor-level MoR, + FP32 reference metric", [&] { mor::quantize_tensor_level(t, tl_ref, r_tl); }},
      {"sub-tensor MoR (dynamic range, 128x128)", [&] { mor::quantize_subtensor(t, st, r_st); }},
      {"tensor-level MoR, canonical, fresh result each call", [&] { (void)mor::quantize_tensor_level(t, tl); }},
      {"current scaling E4M3, FP32-widened tensor", [&] { mor::quantize_current_scaling(t32, cs, r_cs); }},
      {"tensor-level MoR, canonical, FP32-widened tensor", [&] { mor::quantize_tensor_level(t32, tl, r_tl); }},
      {"current scaling E4M3, codes + BF16 fake-quant", [&] { mor::quantize_current_scaling(t, cs16, r_cs16); }},
      {"tensor-level MoR, canonical, codes + BF16 fake-quant", [&] { mor::quantize_tensor_level(t, tl16, r_tl16); }},
      // The memory rows, same threads: read the BF16 tensor once; then the bytes of tensor-level MoR, with ordinary
      // stores (every line written is read first: write allocation) and with the streaming stores the policies use
      // for outputs this large (a row staged, then stream_store).
      {"memory: read the BF16 tensor once",
       [&] {
         split(count, threads, [&](std::size_t a, std::size_t b) {
           uint16_t m = 0;
           for (std::size_t i = a; i < b; ++i) m = std::max(m, static_cast<uint16_t>(t.bf16[i] & 0x7FFFu));
           sink += m;
         });
       }},
      {"memory floor: read BF16 twice, write 5 B (ordinary stores)",
       [&] {
         split(count, threads, [&](std::size_t a, std::size_t b) {
           uint16_t m = 0;
           for (std::size_t i = a; i < b; ++i) m = std::max(m, static_cast<uint16_t>(t.bf16[i] & 0x7FFFu));  // pass 1
           for (std::size_t i = a; i < b; ++i) {  // pass 2: read, write 5 B
             values[i] = (uint32_t{t.bf16[i]} << 16) ^ m;
             codes[i] = static_cast<uint8_t>(t.bf16[i] >> 8);
           }
           sink += m;
         });
       }},
      {"memory floor: read BF16 twice, write 5 B (streaming stores)",
       [&] {
         split(count, threads, [&](std::size_t a, std::size_t b) {
           uint16_t m = 0;
           for (std::size_t i = a; i < b; ++i) m = std::max(m, static_cast<uint16_t>(t.bf16[i] & 0x7FFFu));  // pass 1
           std::vector<uint8_t> row_codes(static_cast<std::size_t>(n));
           std::vector<uint32_t> row_values(static_cast<std::size_t>(n));
           for (std::size_t i0 = a; i0 < b; i0 += row_codes.size()) {  // pass 2, a row at a time
             const std::size_t k = std::min(row_codes.size(), b - i0);
             for (std::size_t i = 0; i < k; ++i) {
               row_values[i] = (uint32_t{t.bf16[i0 + i]} << 16) ^ m;
               row_codes[i] = static_cast<uint8_t>(t.bf16[i0 + i] >> 8);
             }
             mor::stream_store(&codes[i0], row_codes.data(), k);
             mor::stream_store(&values[i0], row_values.data(), 4 * k);
           }
           mor::stream_fence();
           sink += m;
         });
       }},
  };
  // Rounds of every row, the best of each: on a shared machine every row sees the same spread of load.
  for (int rep = 0; rep < reps; ++rep)
    for (Row& row : rows) row.best = std::min(row.best, best_seconds(1, row.run));
  const double t_cs = rows[0].best, t_tl = rows[1].best, t_tl16 = rows[8].best, t_read = rows[9].best,
               t_floor_alloc = rows[10].best, t_floor = rows[11].best;
  const double elems = static_cast<double>(n * n);
  std::printf("Policy throughput on a %lldx%lld BF16 tensor, %d threads, best of %d rounds (outputs: codes + FP32 "
              "fake-quant)\n",
              static_cast<long long>(n), static_cast<long long>(n), threads, reps);
  for (const Row& row : rows)
    std::printf("  %-60s %8.1f ms  %7.1f M elem/s  %5.2fx time of baseline\n", row.name, row.best * 1e3,
                elems / row.best / 1e6, row.best / t_cs);
  std::printf("memory in this run: read %.1f GB/s; the floors move %.1f GB/s (9 B/element + 5 B of write allocation) "
              "and %.1f GB/s (9 B/element)\n",
              elems * 2 / t_read / 1e9, elems * 14 / t_floor_alloc / 1e9, elems * 9 / t_floor / 1e9);
  const double rate = elems / t_tl / 1e6;
  std::printf("goal: tensor-level MoR >= 600 M elem/s: %s (%.0f M elem/s; the memory floor allows %.0f)\n",
              rate >= 600.0 ? "met" : "NOT met", rate, elems / t_floor / 1e6);
  std::printf("      with BF16 fake-quant values (7 B/element): %.0f M elem/s\n", elems / t_tl16 / 1e6);
  std::printf("goal: tensor-level MoR <= 2x current scaling: %s\n", t_tl <= 2 * t_cs ? "met" : "NOT met");
  return 0;
}
