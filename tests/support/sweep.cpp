#include "sweep.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "mor/progress.hpp"

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
  std::atomic<uint64_t> next{0}, mismatches{0};
  // A line every 5 s when wanted (a terminal, or MOR_PROGRESS=1, which the exhaustive tests set for ctest -V).
  mor::Progress progress(progress_label.empty() ? "sweep" : progress_label, total, "patterns", mor::progress_wanted());
  auto worker = [&] {
    for (;;) {
      const uint64_t first = next.fetch_add(chunk);
      if (first >= total) return;
      const uint64_t count = std::min(chunk, total - first);
      mismatches += visit(first * stride, count, stride);
      progress.add(count);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  return mismatches;
}

}  // namespace mor::test
