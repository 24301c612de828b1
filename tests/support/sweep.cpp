#include "sweep.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace mor::test {

bool full_sweep() {
  const char* s = std::getenv("MOR_SWEEP");
  return s && std::string(s) == "full";
}

uint64_t fp32_stride(uint64_t strided) { return full_sweep() ? 1 : strided; }

std::string source_path(const std::string& relative) {
  const char* root = std::getenv("MOR_SOURCE_DIR");
  return std::string(root ? root : MOR_DEFAULT_SOURCE_DIR) + "/" + relative;
}

uint64_t sweep_u32(uint64_t stride, const std::function<uint64_t(uint64_t, uint64_t, uint64_t)>& visit,
                   const std::string& progress_label) {
  const uint64_t total = ((uint64_t{1} << 32) + stride - 1) / stride;  // patterns visited
  const uint64_t chunk = uint64_t{1} << 22;                            // patterns per work item
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::atomic<uint64_t> next{0}, done{0}, mismatches{0};
  const auto start = std::chrono::steady_clock::now();
  std::mutex print;
  auto worker = [&] {
    for (;;) {
      const uint64_t first = next.fetch_add(chunk);
      if (first >= total) return;
      const uint64_t count = std::min(chunk, total - first);
      mismatches += visit(first * stride, count, stride);
      const uint64_t d = done.fetch_add(count) + count;
      if (!progress_label.empty() && total > (uint64_t{1} << 28) && (d / chunk) % 64 == 0) {
        std::lock_guard<std::mutex> lock(print);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::fprintf(stderr, "[%s] %5.1f%% of %llu patterns, %llu mismatches, %.0f s\n", progress_label.c_str(),
                     100.0 * static_cast<double>(d) / static_cast<double>(total),
                     static_cast<unsigned long long>(total), static_cast<unsigned long long>(mismatches.load()), s);
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  return mismatches;
}

}  // namespace mor::test
