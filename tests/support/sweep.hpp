// Sweeps over large input spaces for tests: strided in the default run, complete under MOR_SWEEP=full
// (`make exhaustive`), split over threads and over shards, with a progress line on stderr for long runs.
//
// Shards: every test binary takes `--shard I/N` (tests/support/test_main.cpp) and then checks only its share of
// each long check, so N processes on one machine or on N machines cover the whole input space between them. Each
// long check counts its elements and mismatches in a `Check`, and `--shard-json FILE` writes the process's checks
// as one JSON result, which tests/support/exhaustive.py merges (a missing or failed shard fails the merge).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace mor::test {

// True when MOR_SWEEP=full (the `exhaustive` label).
bool full_sweep();

// Stride for a default-run FP32 sweep: 1 under MOR_SWEEP=full, else `strided` (e.g. 251 gives > 2^24 patterns).
uint64_t fp32_stride(uint64_t strided = 251);

// Path of a file in the source tree (MOR_SOURCE_DIR is set by CTest).
std::string source_path(const std::string& relative);

// ---- shards and threads ----

// Shard `index` of `count` (0 <= index < count). The default 0/1 is the whole check.
struct Shard {
  uint64_t index = 0, count = 1;
};

// Parses "I/N" (decimal, 0 <= I < N <= 2^20); false on anything else.
bool parse_shard(const std::string& text, Shard& out);
void set_shard(const Shard& s);
const Shard& shard();

// Worker threads of one sweep: set_threads(t) (--threads), else all cores for the whole check and 1 for a shard
// (the shards are then the parallelism: `make exhaustive JOBS=N` runs N single-threaded shards at once).
void set_threads(unsigned t);
unsigned threads();

// Item k of a check split into items belongs to this shard iff k % count == index. Interleaving spreads the costly
// regions of an input space (say, the finite FP32 patterns against the NaN ones) over all shards.
bool shard_owns(uint64_t item);
// The number of items of [0, total) this shard owns.
uint64_t shard_share(uint64_t total);

// ---- results ----

struct FirstMismatch {
  uint64_t index = ~uint64_t{0};  // the element (input pattern, tensor, ...) where it was seen; lowest kept
  std::string what;
};

struct CheckResult {
  std::string test;   // the gtest test that ran it ("suite.name")
  std::string name;   // the check's name inside the test
  uint64_t elements = 0, mismatches = 0;
  FirstMismatch first;
  double seconds = 0;
};

// One long check (or this shard's part of it): counts elements and mismatches and keeps the mismatch with the
// lowest index. Thread-safe. The destructor files the result (check_results()), which --shard-json writes out.
class Check {
 public:
  explicit Check(std::string name);
  ~Check();
  Check(const Check&) = delete;
  Check& operator=(const Check&) = delete;

  void add(uint64_t elements, uint64_t mismatches);
  void mismatch(uint64_t index, const std::string& what);  // describe one mismatch (counted by add)
  uint64_t mismatches() const;
  uint64_t elements() const;

 private:
  mutable std::mutex mutex_;
  CheckResult result_;
  double start_;
};

// The checks filed so far in this process, and the test they ran in (set by the test main before each test).
std::vector<CheckResult> check_results();
void set_current_test(const std::string& name);

// Inside a sweep_u32 visit: describe a mismatch at input `index` to the sweep's Check (a no-op elsewhere). Without
// it, a chunk with mismatches is described by its range.
void note_mismatch(uint64_t index, const std::string& what);

// Calls visit(first, count, stride) on disjoint chunks covering [0, 2^32) stepping by `stride` (1 = every pattern),
// from threads() threads, on this shard's chunks only (chunk k of 2^22 patterns belongs to shard k % N). `visit`
// returns its mismatch count, and the shard's total is returned. The sweep is one Check named `label`. With a
// nonzero stride that is not a power of two, the strided subset touches every exponent and low-bit pattern class.
uint64_t sweep_u32(uint64_t stride, const std::function<uint64_t(uint64_t first, uint64_t count, uint64_t stride)>& visit,
                   const std::string& label = "");

}  // namespace mor::test
