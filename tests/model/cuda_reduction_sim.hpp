// A literal simulation of the reference code's CUDA reductions (boryiings/mor e58c2bb, mor/csrc/cuda/
// fake_quantize.cu: warpReduceSum, blockReduceError, block_e4m3_relative_error, global_e4m3_relative_error,
// get_block_error), written from the CUDA semantics thread by thread: every lane of a warp steps at once, and
// __shfl_down_sync returns the lane's own value past lane 31. Tests compare the model's ref_error_sum.hpp with it.
//
// Kept out of GCC's vectorizer: GCC 12.2 at -O2/-O3 miscompiles an in-order FP32 reduction with two additions to
// one accumulator per iteration (`s += e[2c+1]; s += e[2c];` sums wrong values; found here, recorded in
// bench/results/2026-12-06-cpu.md), which is exactly the reference's per-thread loop.
#pragma once

#define MOR_SIM_SCALAR __attribute__((optimize("no-tree-vectorize")))

#include <cstdint>
#include <vector>

namespace mor::sim {

// warpReduceSum on 32 lanes at once; returns lane 0.
MOR_SIM_SCALAR inline float warp_reduce_sum(std::vector<float> lanes) {
  for (int offset = 16; offset > 0; offset /= 2) {
    std::vector<float> next(32);
    for (int lane = 0; lane < 32; ++lane) next[lane] = lanes[lane] + (lane + offset < 32 ? lanes[lane + offset] : lanes[lane]);
    lanes = next;
  }
  return lanes[0];
}

// blockReduceError: `local` holds each thread's value by flattened thread id.
MOR_SIM_SCALAR inline float block_reduce_error(const std::vector<float>& local) {
  const int warps = static_cast<int>(local.size()) / 32;
  std::vector<float> shared(static_cast<std::size_t>(warps));
  for (int w = 0; w < warps; ++w)
    shared[static_cast<std::size_t>(w)] =
        warp_reduce_sum(std::vector<float>(local.begin() + 32 * w, local.begin() + 32 * w + 32));
  std::vector<float> first(32, 0.0f);
  for (int lane = 0; lane < 32 && lane < warps; ++lane) first[static_cast<std::size_t>(lane)] = shared[static_cast<std::size_t>(lane)];
  return warp_reduce_sum(first);
}

// Tensor level: e holds each element's error (0 for zeros), rows x cols row-major; blocks br x bc tile exactly.
MOR_SIM_SCALAR inline float tensor_level_error_sum(const std::vector<float>& e, int64_t rows, int64_t cols, int64_t br, int64_t bc) {
  const int64_t cols_packed = cols / 2, bc_packed = bc / 2, grid_x = cols_packed / bc_packed, grid_y = rows / br;
  std::vector<float> block_error(static_cast<std::size_t>(grid_x * grid_y));
  for (int64_t by = 0; by < grid_y; ++by)
    for (int64_t bx = 0; bx < grid_x; ++bx) {
      std::vector<float> local(1024);
      for (int ty = 0; ty < 32; ++ty)
        for (int tx = 0; tx < 32; ++tx) {
          float sum = 0.0f;
          for (int64_t r = 0; r < br; r += 32)
            for (int64_t c = 0; c < bc_packed; c += 32) {
              const int64_t row = br * by + r + ty, col = bc_packed * bx + c + tx;
              sum += e[static_cast<std::size_t>(row * cols + 2 * col + 1)];  // value >> 16: the odd element
              sum += e[static_cast<std::size_t>(row * cols + 2 * col)];
            }
          local[static_cast<std::size_t>(ty * 32 + tx)] = sum;
        }
      block_error[static_cast<std::size_t>(bx + by * grid_x)] = block_reduce_error(local);
    }
  std::vector<float> global(1024, 0.0f);
  for (int tid = 0; tid < 1024; ++tid)
    for (std::size_t i = static_cast<std::size_t>(tid); i < block_error.size(); i += 1024) global[static_cast<std::size_t>(tid)] += block_error[i];
  return block_reduce_error(global);
}

// Sub-tensor quant-error mode: the block at grid position (by, bx) of a rows x cols tensor, blocks br x bc.
MOR_SIM_SCALAR inline float subtensor_block_error_sum(const std::vector<float>& e, int64_t rows, int64_t cols, int64_t br, int64_t bc,
                                       int64_t by, int64_t bx) {
  const int threads_x = br * bc > 1024 ? 16 : static_cast<int>(bc / 2);
  const int threads_y = br * bc > 1024 ? 32 : static_cast<int>(br);
  const int64_t cols_packed = cols / 2, bc_packed = bc / 2;
  std::vector<float> local(static_cast<std::size_t>(threads_x * threads_y));
  for (int ty = 0; ty < threads_y; ++ty)
    for (int tx = 0; tx < threads_x; ++tx) {
      float sum = 0.0f;
      for (int64_t row = br * by + ty; row < br * (by + 1) && row < rows; row += threads_y)
        for (int64_t col = bc_packed * bx + tx; col < bc_packed * (bx + 1) && col < cols_packed; col += threads_x)
          sum += e[static_cast<std::size_t>(row * cols + 2 * col + 1)] + e[static_cast<std::size_t>(row * cols + 2 * col)];
      local[static_cast<std::size_t>(ty * threads_x + tx)] = sum;
    }
  return block_reduce_error(local);
}

}  // namespace mor::sim
