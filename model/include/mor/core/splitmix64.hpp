// splitmix64: the project's one random generator (seeded test tensors, the built-in workload, SR bits, GPU bench
// data). A tiny, well-mixed integer generator with a 64-bit state: the same numbers on every platform, host and
// device.
#pragma once

#include <cstdint>

#include "mor/core/hd.hpp"

namespace mor {

inline constexpr uint64_t kSplitMix64Gamma = 0x9E3779B97F4A7C15ull;

// The output function (a bijection of 64-bit words).
MOR_HD uint64_t splitmix64_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The index-th output of the generator seeded with `seed` (index 0 is the first), with no state to carry: what a
// thread of a parallel loop uses.
MOR_HD uint64_t splitmix64_at(uint64_t seed, uint64_t index) { return splitmix64_mix(seed + kSplitMix64Gamma * (index + 1)); }

// The sequential generator: next() gives splitmix64_at(seed, 0), splitmix64_at(seed, 1), ...
struct SplitMix64 {
  uint64_t s;
  MOR_HD uint64_t next() { return splitmix64_mix(s += kSplitMix64Gamma); }
};

}  // namespace mor
