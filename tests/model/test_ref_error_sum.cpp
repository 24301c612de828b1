// ref_error_sum.hpp (the reference code's FP32 summation orders) against a thread-by-thread simulation of its CUDA
// reductions (cuda_reduction_sim.hpp), on error values whose sum depends on the order.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cuda_reduction_sim.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/ref_error_sum.hpp"

namespace mor {
namespace {

// Errors of very different sizes (and zeros, as zero inputs give), so that FP32 sums depend on their order.
std::vector<float> order_sensitive_errors(std::size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> e(n);
  for (auto& v : e) v = rng() % 7 == 0 ? 0.0f : std::ldexp(u(rng), -static_cast<int>(rng() % 24));
  return e;
}

float sequential(const std::vector<float>& e) {
  float s = 0.0f;
  for (float v : e) s = fadd_rn(s, v);
  return s;
}

TEST(RefErrorSum, BlockSumIsTheCudaBlockReduction) {
  for (int threads : {32, 64, 96, 512, 1024}) {
    const auto e = order_sensitive_errors(static_cast<std::size_t>(threads), static_cast<uint64_t>(threads));
    EXPECT_EQ(f32_bits(cuda_block_sum(e.data(), threads)), f32_bits(sim::block_reduce_error(e))) << threads;
  }
  EXPECT_THROW(cuda_block_sum(nullptr, 48), std::invalid_argument);
}

TEST(RefErrorSum, TensorLevelIsTheReferenceOrder) {
  struct Shape {
    int64_t rows, cols, br, bc;
  };
  int differs_from_sequential = 0;
  for (const Shape& s : {Shape{256, 384, 128, 128}, Shape{64, 128, 32, 64}, Shape{2048, 2048, 32, 64},
                         Shape{128, 256, 128, 256}}) {
    ASSERT_TRUE(TensorLevelRefSum::applies(s.rows, s.cols, {s.br, s.bc}));
    const auto e = order_sensitive_errors(static_cast<std::size_t>(s.rows * s.cols), static_cast<uint64_t>(s.rows + s.cols));
    const int64_t grid_r = s.rows / s.br, grid_c = s.cols / s.bc;
    std::vector<float> block_sums;
    for (int64_t b = 0; b < grid_r * grid_c; ++b) {
      TensorLevelRefSum acc;
      acc.start_block();
      for (int64_t r = 0; r < s.br; ++r)
        acc.add_row(r, &e[static_cast<std::size_t>((b / grid_c * s.br + r) * s.cols + b % grid_c * s.bc)], s.bc);
      block_sums.push_back(acc.block_sum());
    }
    const float want = sim::tensor_level_error_sum(e, s.rows, s.cols, s.br, s.bc);
    EXPECT_EQ(f32_bits(TensorLevelRefSum::tensor_sum(block_sums)), f32_bits(want)) << s.rows << "x" << s.cols;
    differs_from_sequential += f32_bits(want) != f32_bits(sequential(e));
  }
  EXPECT_GT(differs_from_sequential, 0);  // the data tells the orders apart
  // Where the reference reads outside its block (or past the tensor), its order is not defined.
  EXPECT_FALSE(TensorLevelRefSum::applies(256, 256, {1, 128}));
  EXPECT_FALSE(TensorLevelRefSum::applies(256, 256, {128, 32}));
  EXPECT_FALSE(TensorLevelRefSum::applies(200, 256, {128, 128}));
}

TEST(RefErrorSum, SubTensorIsTheReferenceOrder) {
  struct Shape {
    int64_t rows, cols, br, bc;
  };
  int differs_from_sequential = 0;
  for (const Shape& s : {Shape{256, 256, 128, 128}, Shape{64, 96, 32, 32}, Shape{100, 132, 64, 64},
                         Shape{40, 48, 8, 16}, Shape{70, 50, 16, 4}}) {
    ASSERT_TRUE(SubTensorRefSum::applies(s.cols, {s.br, s.bc})) << s.br << "x" << s.bc;
    const auto e = order_sensitive_errors(static_cast<std::size_t>(s.rows * s.cols), static_cast<uint64_t>(s.rows * s.cols));
    const int64_t grid_r = (s.rows + s.br - 1) / s.br, grid_c = (s.cols + s.bc - 1) / s.bc;
    for (int64_t by = 0; by < grid_r; ++by)
      for (int64_t bx = 0; bx < grid_c; ++bx) {
        SubTensorRefSum acc({s.br, s.bc});
        acc.start_block();
        std::vector<float> block;
        const int64_t c0 = bx * s.bc, n = std::min(s.cols, c0 + s.bc) - c0;
        for (int64_t r = by * s.br; r < std::min(s.rows, (by + 1) * s.br); ++r) {
          acc.add_row(r - by * s.br, &e[static_cast<std::size_t>(r * s.cols + c0)], n);
          block.insert(block.end(), e.begin() + r * s.cols + c0, e.begin() + r * s.cols + c0 + n);
        }
        const float want = sim::subtensor_block_error_sum(e, s.rows, s.cols, s.br, s.bc, by, bx);
        ASSERT_EQ(f32_bits(acc.block_sum()), f32_bits(want)) << s.br << "x" << s.bc << " block " << by << "," << bx;
        differs_from_sequential += f32_bits(want) != f32_bits(sequential(block));
      }
  }
  EXPECT_GT(differs_from_sequential, 0);
  EXPECT_FALSE(SubTensorRefSum::applies(255, {32, 32}));  // odd column count: the uint32 pairs do not exist
  EXPECT_FALSE(SubTensorRefSum::applies(256, {1, 32}));   // 16 threads: half a warp
}

}  // namespace
}  // namespace mor
