// Sweeps over large input spaces for tests: strided in the default run, complete under MOR_SWEEP=full
// (`make exhaustive`), split over all cores, with a progress line on stderr for long runs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace mor::test {

// True when MOR_SWEEP=full (the `exhaustive` label).
bool full_sweep();

// Calls visit(begin, end) on disjoint chunks covering [0, 2^32) stepping by `stride` (1 = every pattern), from
// several threads; `visit` returns its mismatch count, and the total is returned. With a nonzero stride that is
// not a power of two, the strided subset touches every exponent and low-bit pattern class.
uint64_t sweep_u32(uint64_t stride, const std::function<uint64_t(uint64_t first, uint64_t count, uint64_t stride)>& visit,
                   const std::string& progress_label = "");

// Stride for a default-run FP32 sweep: 1 under MOR_SWEEP=full, else `strided` (e.g. 251 gives > 2^24 patterns).
uint64_t fp32_stride(uint64_t strided = 251);

// Path of a file in the source tree (MOR_SOURCE_DIR is set by CTest).
std::string source_path(const std::string& relative);

}  // namespace mor::test
