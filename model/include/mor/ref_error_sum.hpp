// The FP32 error sums of the reference code, as a fixed order of FP32 additions (host only; DECISIONS D5, D7 and
// "Profiles"). FP32 addition is not associative, so the reference's sum is a property of its CUDA launch, not of
// the data alone. Read on github.com/boryiings/mor at commit e58c2bb, mor/csrc/cuda/fake_quantize.cu (not copied):
//
//   warpReduceSum       lane i adds lane i + k for k = 16, 8, 4, 2, 1 (__shfl_down_sync); lane 0 holds the sum
//   blockReduceError    each warp (32 consecutive thread ids, tid = threadIdx.y * blockDim.x + threadIdx.x) folds
//                       its threads' partial sums; the first warp then folds the warp sums, 0 past the last warp
//
// Tensor level (fake_quantize_block_scaling_template -> block_e4m3_relative_error, global_e4m3_relative_error):
// one CUDA block of 32 x 32 threads per MoR block; the BF16 tensor is read as uint32 pairs (element 2c+1 in the
// high half); thread (tx, ty) walks rows ty, ty + 32, ... and pairs tx, tx + 32, ... of its block, adding the
// error of element 2c+1, then of element 2c, to its partial sum (zeros add nothing); blockReduceError gives the
// block's sum. Then one CUDA block of 1024 threads: thread t adds the block sums t, t + 1024, ... in order, and
// blockReduceError gives E. The loops have no bounds checks, so the order is defined (and the reference reads only
// its own block) iff block rows % 32 == 0, block columns % 64 == 0 and the blocks tile the tensor exactly.
//
// Sub-tensor quant-error mode (call_quantize_kernel -> quantize_kernel -> get_block_error): one CUDA block per MoR
// block of 16 x 32 threads when the block has more than 1024 elements, else (block columns / 2) x block rows;
// thread (tx, ty) walks rows ty, ty + blockDim.y, ... and pairs tx, tx + blockDim.x, ... (bounds-checked, so edge
// blocks are partial) adding (e(2c+1) + e(2c)) to its partial sum; blockReduceError gives the block's E4M3 and
// E5M2 sums. Defined iff the column counts of the tensor and the block are even and the thread count is a
// multiple of 32 (warps are whole).
//
// Elsewhere the model sums sequentially, in row-major order within a block and then block by block.
#pragma once

#include <cstdint>
#include <vector>

#include "mor/policy.hpp"

namespace mor {

// blockReduceError over the partial sums of `threads` threads (a multiple of 32, at most 1024).
float cuda_block_sum(const float* per_thread, int threads);

// The tensor-level FP32 error sum in the reference's order (when applies()).
class TensorLevelRefSum {
 public:
  static bool applies(int64_t rows, int64_t cols, BlockShape block);
  void start_block();
  // The errors of one row of the block (n = the block's columns; +0 for zero elements), rows in order.
  void add_row(int64_t row_in_block, const float* e, int64_t n);
  float block_sum() const { return cuda_block_sum(partial_, 1024); }
  // global_e4m3_relative_error over the block sums, in block order (row-major over the grid).
  static float tensor_sum(const std::vector<float>& block_sums);

 private:
  float partial_[1024];
};

// The sub-tensor quant-error FP32 block sum in the reference's order (when applies()).
class SubTensorRefSum {
 public:
  static bool applies(int64_t cols, BlockShape block);
  explicit SubTensorRefSum(BlockShape block);
  void start_block();
  // The errors of one row segment of the block (n = its columns, even), rows in order.
  void add_row(int64_t row_in_block, const float* e, int64_t n);
  float block_sum() const { return cuda_block_sum(partial_.data(), threads_x_ * threads_y_); }

 private:
  int threads_x_, threads_y_;
  std::vector<float> partial_;
};

}  // namespace mor
