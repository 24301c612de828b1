// Progress lines for long runs (simulations, sweeps, benches): one line on stderr at least every 5 s, shown when
// stderr is a terminal, when the tool's --progress flag is given, or when MOR_PROGRESS=1 (ctest sets it for the
// sweeps, so `ctest -V` shows them). Nothing is printed for runs shorter than the period. Host only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace mor {

// True when progress lines are wanted: `flag` (--progress), MOR_PROGRESS=1, or stderr is a terminal.
bool progress_wanted(bool flag = false);

class Progress {
 public:
  // `total` units of work (0: unknown), `unit` names them in the line ("patterns", "cycles").
  Progress(std::string label, uint64_t total, std::string unit, bool enabled, double period_s = 5.0);

  void add(uint64_t n) { tick(done_.fetch_add(n, std::memory_order_relaxed) + n); }  // thread-safe
  void set(uint64_t done) {
    done_.store(done, std::memory_order_relaxed);
    tick(done);
  }
  // Extra text for the next lines (e.g. "2 mismatches"); single-threaded callers only.
  void note(std::string text) { note_ = std::move(text); }

 private:
  void tick(uint64_t done);
  std::string label_, unit_, note_;
  uint64_t total_;
  bool enabled_;
  int64_t period_ns_;
  std::chrono::steady_clock::time_point start_;
  std::atomic<uint64_t> done_{0};
  std::atomic<int64_t> next_ns_;  // elapsed time of the next line
};

}  // namespace mor
