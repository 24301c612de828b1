// Directed test tensors shared by the GPU tests and the CPU test that checks what they exercise.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>

#include "mor/core/fp32_ops.hpp"
#include "mor/tensor.hpp"

namespace mor::test {

// Issue 21's divergent shuffle: quant-error mode, blocks of 32 (teams of 4 threads, 8 per warp) and 128 elements
// (teams of 16, 2 per warp) where neighbouring blocks disagree on whether to measure. Blocks alternate measured and
// unmeasured, so every aligned pair (and so every warp) holds both; the kinds:
//   unmeasured: 0 values 1 + k/8 (DR < 2: E4M3), 3 DR 2^31 (BF16 by its band);
//   measured (DR in (114688, 939524096]): 1 values spread over 2^0 .. 2^20 (E4M3 underflows the small ones, E5M2
//   does not: BF16), 2 values 1 + k/8 with amax 1.875 and one 2^-16 (DR 122880; every value exact in E4M3 after
//   the 2^7 scale, so E4M3's error sum is 0: E4M3).
inline Tensor mixed_measure_tensor(int64_t rows, int64_t cols, int64_t block_cols, bool fp32, uint64_t seed) {
  Tensor t{"mixed measure 1x" + std::to_string(block_cols), fp32 ? DType::kF32 : DType::kBF16, rows, cols, {}};
  std::mt19937_64 rng(seed);
  t.bits.resize(static_cast<std::size_t>(rows * cols));
  for (int64_t i = 0; i < rows * cols; ++i) {
    const int64_t block = (i / cols) * (cols / block_cols) + (i % cols) / block_cols, pos = (i % cols) % block_cols;
    const bool measured = (block + static_cast<int64_t>(seed)) % 2 == 0, first = (block / 2 + static_cast<int64_t>(seed)) % 2 == 0;
    const int kind = measured ? (first ? 1 : 2) : (first ? 0 : 3);
    const float mant = 1.0f + static_cast<float>(rng() % 8) / 8.0f;
    float v = mant;
    if (kind == 1) v = pos == 0 ? std::ldexp(1.5f, 20) : pos == 1 ? 1.0f : std::ldexp(mant, static_cast<int>(rng() % 21));
    if (kind == 2) v = pos == 0 ? 1.875f : pos == 3 ? std::ldexp(1.0f, -16) : mant;
    if (kind == 3) v = pos == 0 ? std::ldexp(1.0f, 31) : pos == 1 ? 1.0f : std::ldexp(mant, static_cast<int>(rng() % 31));
    if (rng() % 2) v = -v;
    uint32_t b = f32_bits(v);
    if (!fp32) b &= 0xFFFF0000u;
    t.bits[static_cast<std::size_t>(i)] = b;
  }
  return t;
}

}  // namespace mor::test
