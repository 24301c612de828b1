// The reference code's FP32 summation orders (ref_error_sum.hpp). Host float arithmetic is IEEE RNE (D0); the
// only thing to get right is which two numbers are added when.
#include "mor/ref_error_sum.hpp"

#include <algorithm>
#include <stdexcept>

#include "mor/core/fp32_ops.hpp"

namespace mor {
namespace {

// warpReduceSum: after the step with offset k, lane i (i < k) holds v[i] + v[i + k]; lane 0 ends with the sum.
float warp_fold(float v[32]) {
  for (int k = 16; k > 0; k /= 2)
    for (int i = 0; i < k; ++i) v[i] = fadd_rn(v[i], v[i + k]);
  return v[0];
}

}  // namespace

float cuda_block_sum(const float* per_thread, int threads) {
  if (threads <= 0 || threads % 32 != 0 || threads > 1024)
    throw std::invalid_argument("cuda_block_sum: thread count must be a multiple of 32 in [32, 1024]");
  float warp_sums[32] = {};  // the first warp reads 0 past the last warp
  for (int w = 0; w < threads / 32; ++w) {
    float v[32];
    std::copy(per_thread + 32 * w, per_thread + 32 * w + 32, v);
    warp_sums[w] = warp_fold(v);
  }
  return warp_fold(warp_sums);
}

bool TensorLevelRefSum::applies(int64_t rows, int64_t cols, BlockShape block) {
  return block.rows > 0 && block.cols > 0 && block.rows % 32 == 0 && block.cols % 64 == 0 && rows % block.rows == 0 &&
         cols % block.cols == 0;
}

void TensorLevelRefSum::start_block() { std::fill(std::begin(partial_), std::end(partial_), 0.0f); }

// Thread (tx, ty) = (pair % 32, row % 32); its partial sum adds the error of element 2c+1, then of element 2c.
// Two loops, one addition each per thread: GCC 12.2 miscompiles an ordered FP32 reduction with two additions to
// one accumulator per iteration when it vectorizes it (bench/results/2026-12-06-cpu.md), so the code never has one.
void TensorLevelRefSum::add_row(int64_t row_in_block, const float* e, int64_t n) {
  float* p = partial_ + 32 * (row_in_block % 32);
  for (int64_t base = 0; base + 64 <= n; base += 64) {
    for (int tx = 0; tx < 32; ++tx) p[tx] = fadd_rn(p[tx], e[base + 2 * tx + 1]);
    for (int tx = 0; tx < 32; ++tx) p[tx] = fadd_rn(p[tx], e[base + 2 * tx]);
  }
}

float TensorLevelRefSum::tensor_sum(const std::vector<float>& block_sums) {
  float partial[1024] = {};
  for (std::size_t b = 0; b < block_sums.size(); ++b) partial[b % 1024] = fadd_rn(partial[b % 1024], block_sums[b]);
  return cuda_block_sum(partial, 1024);
}

bool SubTensorRefSum::applies(int64_t cols, BlockShape block) {
  if (block.rows <= 0 || block.cols <= 0 || cols % 2 != 0 || block.cols % 2 != 0) return false;
  const int64_t threads = block.rows * block.cols > 1024 ? 16 * 32 : block.rows * (block.cols / 2);
  return threads % 32 == 0;
}

SubTensorRefSum::SubTensorRefSum(BlockShape block)
    : threads_x_(block.rows * block.cols > 1024 ? 16 : static_cast<int>(block.cols / 2)),
      threads_y_(block.rows * block.cols > 1024 ? 32 : static_cast<int>(block.rows)),
      partial_(static_cast<std::size_t>(threads_x_ * threads_y_), 0.0f) {}

void SubTensorRefSum::start_block() { std::fill(partial_.begin(), partial_.end(), 0.0f); }

// Thread (tx, ty) = (pair % blockDim.x, row % blockDim.y) adds the pair's two errors, summed first.
void SubTensorRefSum::add_row(int64_t row_in_block, const float* e, int64_t n) {
  float* p = partial_.data() + static_cast<std::size_t>(threads_x_) * static_cast<std::size_t>(row_in_block % threads_y_);
  for (int64_t c = 0; c + 1 < n; c += 2) {
    float& acc = p[(c / 2) % threads_x_];
    acc = fadd_rn(acc, fadd_rn(e[c + 1], e[c]));
  }
}

}  // namespace mor
