#include "mor/progress.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace mor {

bool progress_wanted(bool flag) {
  const char* env = std::getenv("MOR_PROGRESS");
  if (env && std::strcmp(env, "0") != 0 && *env) return true;
  return flag || ::isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string label, uint64_t total, std::string unit, bool enabled, double period_s)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(enabled),
      period_ns_(static_cast<int64_t>(period_s * 1e9)),
      start_(std::chrono::steady_clock::now()),
      next_ns_(period_ns_) {}

void Progress::tick(uint64_t done) {
  if (!enabled_) return;
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_).count();
  int64_t due = next_ns_.load(std::memory_order_relaxed);
  if (now < due || !next_ns_.compare_exchange_strong(due, now + period_ns_)) return;  // one thread prints
  const double s = static_cast<double>(now) * 1e-9;
  char line[512];
  if (total_ > 0) {
    const double f = static_cast<double>(done) / static_cast<double>(total_);
    char left[64] = "";
    if (f > 0.0 && f < 1.0) std::snprintf(left, sizeof left, ", about %.0f s left", s / f - s);
    std::snprintf(line, sizeof line, "[%s] %5.1f%% (%llu of %llu %s), %.0f s%s%s%s\n", label_.c_str(), 100.0 * f,
                  static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), unit_.c_str(), s, left,
                  note_.empty() ? "" : ", ", note_.c_str());
  } else {
    std::snprintf(line, sizeof line, "[%s] %llu %s, %.0f s%s%s\n", label_.c_str(), static_cast<unsigned long long>(done),
                  unit_.c_str(), s, note_.empty() ? "" : ", ", note_.c_str());
  }
  std::fputs(line, stderr);
  std::fflush(stderr);
}

}  // namespace mor
