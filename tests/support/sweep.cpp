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

namespace {

Shard g_shard;
unsigned g_threads = 0;  // 0: the default of threads()
std::mutex g_results_mutex;
std::vector<CheckResult> g_results;
std::string g_current_test;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The Check of the sweep_u32 chunk this thread is visiting (note_mismatch writes to it), and what was noted.
thread_local Check* t_check = nullptr;
thread_local bool t_noted = false;

bool parse_u64(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 7) return false;  // at most 2^20 shards: 7 digits
  out = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

}  // namespace

bool full_sweep() {
  const char* s = std::getenv("MOR_SWEEP");
  return s && std::string(s) == "full";
}

uint64_t fp32_stride(uint64_t strided) { return full_sweep() ? 1 : strided; }

std::string source_path(const std::string& relative) {
  const char* root = std::getenv("MOR_SOURCE_DIR");
  return std::string(root ? root : MOR_DEFAULT_SOURCE_DIR) + "/" + relative;
}

bool parse_shard(const std::string& text, Shard& out) {
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  Shard s;
  if (!parse_u64(text.substr(0, slash), s.index) || !parse_u64(text.substr(slash + 1), s.count)) return false;
  if (s.count == 0 || s.count > (uint64_t{1} << 20) || s.index >= s.count) return false;
  out = s;
  return true;
}

void set_shard(const Shard& s) { g_shard = s; }
const Shard& shard() { return g_shard; }

void set_threads(unsigned t) { g_threads = t; }
unsigned threads() {
  if (g_threads != 0) return g_threads;
  return g_shard.count > 1 ? 1u : std::max(1u, std::thread::hardware_concurrency());
}

bool shard_owns(uint64_t item) { return item % g_shard.count == g_shard.index; }

uint64_t shard_share(uint64_t total) {
  return total / g_shard.count + (g_shard.index < total % g_shard.count ? 1 : 0);
}

Check::Check(std::string name) : start_(now_seconds()) {
  result_.name = std::move(name);
  std::lock_guard<std::mutex> lock(g_results_mutex);
  result_.test = g_current_test;
}

Check::~Check() {
  std::lock_guard<std::mutex> lock(mutex_);
  result_.seconds = now_seconds() - start_;
  std::lock_guard<std::mutex> results_lock(g_results_mutex);
  g_results.push_back(result_);
}

void Check::add(uint64_t elements, uint64_t mismatches) {
  std::lock_guard<std::mutex> lock(mutex_);
  result_.elements += elements;
  result_.mismatches += mismatches;
}

void Check::mismatch(uint64_t index, const std::string& what) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (index < result_.first.index) result_.first = {index, what};
}

uint64_t Check::mismatches() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return result_.mismatches;
}

uint64_t Check::elements() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return result_.elements;
}

std::vector<CheckResult> check_results() {
  std::lock_guard<std::mutex> lock(g_results_mutex);
  return g_results;
}

void set_current_test(const std::string& name) {
  std::lock_guard<std::mutex> lock(g_results_mutex);
  g_current_test = name;
}

void note_mismatch(uint64_t index, const std::string& what) {
  if (!t_check) return;
  t_check->mismatch(index, what);
  t_noted = true;
}

uint64_t sweep_u32(uint64_t stride, const std::function<uint64_t(uint64_t, uint64_t, uint64_t)>& visit,
                   const std::string& label) {
  const uint64_t total = ((uint64_t{1} << 32) + stride - 1) / stride;  // patterns of the whole check
  const uint64_t chunk = uint64_t{1} << 22;                            // patterns per work item
  const uint64_t chunks = (total + chunk - 1) / chunk;
  const uint64_t mine = shard_share(chunks);                           // this shard owns chunks index + k * count
  const uint64_t my_patterns = mine == 0 ? 0 : mine * chunk - (shard_owns(chunks - 1) ? chunks * chunk - total : 0);
  Check check(label);
  std::atomic<uint64_t> next{0};
  // A line every 5 s when wanted (a terminal, or MOR_PROGRESS=1, which the exhaustive tests set for ctest -V).
  mor::Progress progress(label.empty() ? "sweep" : label, my_patterns, "patterns", mor::progress_wanted());
  auto worker = [&] {
    t_check = &check;
    for (;;) {
      const uint64_t k = next.fetch_add(1);
      if (k >= mine) break;
      const uint64_t first = (shard().index + k * shard().count) * chunk;
      const uint64_t count = std::min(chunk, total - first);
      t_noted = false;
      const uint64_t bad = visit(first * stride, count, stride);
      check.add(count, bad);
      if (bad != 0 && !t_noted)
        check.mismatch(first * stride, std::to_string(bad) + " mismatches among the inputs " + std::to_string(first * stride) +
                                           " + i * " + std::to_string(stride) + ", i < " + std::to_string(count));
      progress.add(count);
    }
    t_check = nullptr;
  };
  std::vector<std::thread> pool;
  const unsigned n = static_cast<unsigned>(std::min<uint64_t>(threads(), std::max<uint64_t>(mine, 1)));
  for (unsigned t = 0; t + 1 < n; ++t) pool.emplace_back(worker);
  worker();  // the calling thread is one of the workers
  for (auto& t : pool) t.join();
  return check.mismatches();
}

}  // namespace mor::test
