// The MoR kernels against the golden model, bit for bit: the built-in workload (BF16 and FP32 inputs), a random
// block suite over several shapes and block tilings, and directed tensors (NaN, Inf, zeros, tiny amax, a tensor on
// the threshold). Skipped where no CUDA device exists.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "mor/kernels/mor_kernels.hpp"
#include "mor/core/metric.hpp"
#include "mor/policy.hpp"
#include "mor/workload.hpp"

namespace mor {
namespace {

class gpu_mor : public ::testing::Test {
 protected:
  void SetUp() override {
    if (gpu::device_count() == 0) GTEST_SKIP() << "no CUDA device: " << gpu::device_description();
  }
};

// Device copies of one tensor and every output buffer.
struct DeviceRun {
  std::vector<void*> owned;
  gpu::DeviceTensor x;
  gpu::DeviceOutputs out;
  int64_t blocks = 0;

  void* alloc(std::size_t bytes) {
    void* p = nullptr;
    const auto s = gpu::device_alloc(&p, bytes < 16 ? 16 : bytes);
    EXPECT_TRUE(s.ok) << s.message;
    gpu::device_fill(p, 0xA5, bytes < 16 ? 16 : bytes);  // poison: every output must be written
    owned.push_back(p);
    return p;
  }
  DeviceRun(const Tensor& t, bool as_fp32, int64_t blocks_) : blocks(blocks_) {
    const std::size_t n = t.size();
    x.rows = t.rows;
    x.cols = t.cols;
    x.type = as_fp32 ? gpu::InputType::kF32 : gpu::InputType::kBF16;
    if (as_fp32) {
      x.data = alloc(n * 4);
      gpu::copy_to_device(const_cast<void*>(x.data), t.bits.data(), n * 4);
    } else {
      std::vector<uint16_t> h(n);
      for (std::size_t i = 0; i < n; ++i) h[i] = static_cast<uint16_t>(t.bits[i] >> 16);
      x.data = alloc(n * 2);
      gpu::copy_to_device(const_cast<void*>(x.data), h.data(), n * 2);
    }
    out.codes = static_cast<uint8_t*>(alloc(n));
    out.fake_bf16 = static_cast<uint16_t*>(alloc(n * 2));
    out.block_tag = static_cast<uint8_t*>(alloc(static_cast<std::size_t>(blocks)));
    out.block_scale = static_cast<uint32_t*>(alloc(static_cast<std::size_t>(blocks) * 4));
    out.block_exp_offset = static_cast<uint8_t*>(alloc(static_cast<std::size_t>(blocks)));
    out.block_e8m0 = static_cast<uint8_t*>(alloc(static_cast<std::size_t>(blocks)));
  }
  ~DeviceRun() {
    for (void* p : owned) gpu::device_free(p);
  }
  template <class T>
  std::vector<T> fetch(const T* p, std::size_t n) const {
    std::vector<T> h(n);
    const auto s = gpu::copy_to_host(h.data(), p, n * sizeof(T));
    EXPECT_TRUE(s.ok) << s.message;
    return h;
  }
};

template <class T>
uint64_t count_diff(const std::vector<T>& a, const std::vector<T>& b) {
  uint64_t d = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) d += a[i] != b[i];
  return d;
}

// A BF16 tensor stays BF16 exactly when its FP32 bits have zero low halves; FP32 runs use the same values.
std::string label(const Tensor& t, bool fp32, const char* policy) {
  return t.name + (fp32 ? " [fp32 in] " : " [bf16 in] ") + policy;
}

uint64_t compare_tensor_level(const Tensor& t, BlockShape blk, bool fp32) {
  TensorLevelConfig cfg;
  cfg.block = blk;
  const QuantResult m = quantize_tensor_level(t, cfg);
  const int64_t blocks = m.block_grid_rows * m.block_grid_cols;
  DeviceRun d(t, fp32, blocks);
  gpu::Workspace ws;
  gpu::TensorLevelParams p;
  p.block_rows = blk.rows;
  p.block_cols = blk.cols;
  p.threshold_fx = threshold_fx(0.045);
  gpu::TensorSummary s{};
  const auto st = gpu::tensor_level_mor(d.x, p, d.out, ws, nullptr, &s);
  EXPECT_TRUE(st.ok) << st.message;
  const auto n = t.size();
  uint64_t bad = 0;
  bad += count_diff(d.fetch(d.out.codes, n), m.codes);
  bad += count_diff(d.fetch(d.out.fake_bf16, n), m.fake_bf16(Bf16Rounding::kRne));
  bad += count_diff(d.fetch(d.out.block_tag, static_cast<std::size_t>(blocks)), m.block_tag);
  bad += count_diff(d.fetch(d.out.block_scale, static_cast<std::size_t>(blocks)), m.block_scale);
  if (m.tensor_format != FormatTag::kBF16)
    bad += count_diff(d.fetch(d.out.block_exp_offset, static_cast<std::size_t>(blocks)), m.block_exp_offset);
  bad += s.decision_tag != static_cast<uint32_t>(m.tensor_format);
  bad += s.reason != static_cast<uint32_t>(m.reason);
  bad += s.nnz != m.nnz;
  bad += s.group_amax != m.tensor_amax;
  if (m.reason != Reason::kNonFinite) bad += s.err_sum != m.err_sum;
  EXPECT_EQ(bad, 0u) << label(t, fp32, "tensor-level") << ": decision model " << name_of(m.tensor_format) << " gpu "
                     << s.decision_tag << ", err_sum model " << m.err_sum << " gpu " << s.err_sum;
  return bad;
}

uint64_t compare_subtensor(const Tensor& t, BlockShape blk, bool fp32, bool qe) {
  SubTensorConfig cfg;
  cfg.block = blk;
  cfg.mode = qe ? SubTensorMode::kQuantError : SubTensorMode::kDynamicRange;
  const QuantResult m = quantize_subtensor(t, cfg);
  const int64_t blocks = m.block_grid_rows * m.block_grid_cols;
  DeviceRun d(t, fp32, blocks);
  gpu::Workspace ws;
  gpu::SubTensorParams p;
  p.block_rows = blk.rows;
  p.block_cols = blk.cols;
  p.quant_error_mode = qe;
  gpu::TensorSummary s{};
  const auto st = gpu::subtensor_mor(d.x, p, d.out, ws, nullptr, &s);
  EXPECT_TRUE(st.ok) << st.message;
  const auto n = t.size();
  uint64_t bad = 0;
  bad += count_diff(d.fetch(d.out.codes, n), m.codes);
  bad += count_diff(d.fetch(d.out.fake_bf16, n), m.fake_bf16(Bf16Rounding::kRne));
  bad += count_diff(d.fetch(d.out.block_tag, static_cast<std::size_t>(blocks)), m.block_tag);
  bad += count_diff(d.fetch(d.out.block_scale, static_cast<std::size_t>(blocks)), m.block_scale);
  bad += s.nnz != m.nnz;
  EXPECT_EQ(bad, 0u) << label(t, fp32, qe ? "sub-tensor qe" : "sub-tensor dr");
  return bad;
}

uint64_t compare_baselines(const Tensor& t, bool fp32) {
  uint64_t bad = 0;
  const auto n = t.size();
  {
    const QuantResult m = quantize_current_scaling(t, CurrentScalingConfig{});
    DeviceRun d(t, fp32, 1);
    gpu::Workspace ws;
    gpu::TensorSummary s{};
    const auto st = gpu::current_scaling(d.x, d.out, ws, nullptr, &s);
    EXPECT_TRUE(st.ok) << st.message;
    bad += count_diff(d.fetch(d.out.codes, n), m.codes);
    bad += count_diff(d.fetch(d.out.fake_bf16, n), m.fake_bf16(Bf16Rounding::kRne));
    bad += s.group_scale != m.group_scale[0];
  }
  if (t.cols % 32 == 0) {
    const QuantResult m = quantize_mx(t, MxConfig{});
    const int64_t blocks = static_cast<int64_t>(n / 32);
    DeviceRun d(t, fp32, blocks);
    const auto st = gpu::mxfp8(d.x, d.out, nullptr);
    EXPECT_TRUE(st.ok) << st.message;
    bad += count_diff(d.fetch(d.out.codes, n), m.codes);
    bad += count_diff(d.fetch(d.out.fake_bf16, n), m.fake_bf16(Bf16Rounding::kRne));
    bad += count_diff(d.fetch(d.out.block_e8m0, static_cast<std::size_t>(blocks)), m.block_scale_e8m0);
  }
  EXPECT_EQ(bad, 0u) << label(t, fp32, "baselines");
  return bad;
}

BlockShape tiling_for(const Tensor& t) { return t.rows % 128 == 0 && t.cols % 128 == 0 ? BlockShape{128, 128} : BlockShape{1, 128}; }

TEST_F(gpu_mor, BuiltInWorkloadBitExact) {
  uint64_t bad = 0;
  for (const Tensor& t : generate_workload("default", 1))
    for (bool fp32 : {false, true}) {
      bad += compare_tensor_level(t, tiling_for(t), fp32);
      bad += compare_subtensor(t, tiling_for(t), fp32, false);
      bad += compare_subtensor(t, tiling_for(t), fp32, true);
      bad += compare_baselines(t, fp32);
    }
  EXPECT_EQ(bad, 0u);
}

Tensor random_tensor(std::mt19937_64& rng, int64_t rows, int64_t cols, bool fp32) {
  Tensor t{"random", fp32 ? DType::kF32 : DType::kBF16, rows, cols, {}};
  std::normal_distribution<float> normal;
  const int style = static_cast<int>(rng() % 6);
  const float scale = std::ldexp(1.0f, static_cast<int>(rng() % 60) - 40);
  for (int64_t i = 0; i < rows * cols; ++i) {
    float v = normal(rng) * scale;
    if (style == 1) v = std::ldexp(v, static_cast<int>(rng() % 24) - 12);           // wide range
    if (style == 2 && rng() % 8 == 0) v = 0.0f;                                      // sparse
    if (style == 3 && rng() % 50 == 0) v *= 1e-7f;                                   // underflowing tail
    if (style == 4) v = std::ldexp(1.0f + static_cast<float>(rng() % 8) / 8, 0);   // narrow, exact in E4M3
    uint32_t b = f32_bits(v);
    if (!fp32) b &= 0xFFFF0000u;
    t.bits.push_back(b);
  }
  return t;
}

TEST_F(gpu_mor, RandomBlockSuite) {
  std::mt19937_64 rng(99);
  uint64_t bad = 0;
  int cases = 0;
  for (int it = 0; it < 40; ++it) {
    const bool fp32 = it % 2;
    const BlockShape blk = it % 4 == 0 ? BlockShape{128, 128} : it % 4 == 1 ? BlockShape{1, 128} : it % 4 == 2 ? BlockShape{32, 32} : BlockShape{1, 32};
    const int64_t rows = blk.rows * (1 + static_cast<int64_t>(rng() % 3)), cols = 128 * (1 + static_cast<int64_t>(rng() % 4));
    const Tensor t = random_tensor(rng, rows, cols, fp32);
    bad += compare_tensor_level(t, blk, fp32);
    bad += compare_subtensor(t, blk, fp32, it % 3 == 0);
    bad += compare_baselines(t, fp32);
    ++cases;
  }
  EXPECT_EQ(cases, 40);
  EXPECT_EQ(bad, 0u);
}

TEST_F(gpu_mor, DirectedTensors) {
  std::mt19937_64 rng(5);
  uint64_t bad = 0;
  auto base = [&] { return random_tensor(rng, 256, 256, false); };
  Tensor nan = base();
  nan.bits[1000] = 0x7FC00000u;
  Tensor inf = base();
  inf.bits[7] = 0xFF800000u;
  Tensor zeros{"zeros", DType::kBF16, 128, 256, std::vector<uint32_t>(128 * 256, 0)};
  zeros.bits[3] = 0x80000000u;
  Tensor tiny{"tiny", DType::kF32, 128, 128, std::vector<uint32_t>(128 * 128, 0x00000005u)};
  Tensor near = generate_workload("default", 1)[5];  // mlp.near_threshold
  for (const Tensor* t : {&nan, &inf, &zeros, &tiny, &near})
    for (bool fp32 : {false, true}) {
      if (!fp32 && t == &tiny) continue;  // FP32 subnormals are not BF16 values
      bad += compare_tensor_level(*t, {128, 128}, fp32);
      bad += compare_subtensor(*t, {128, 128}, fp32, true);
      bad += compare_baselines(*t, fp32);
    }
  EXPECT_EQ(bad, 0u);
}

TEST_F(gpu_mor, RejectsUnsupportedTilings) {
  Tensor t{"t", DType::kBF16, 100, 100, std::vector<uint32_t>(10000, 0x3F800000u)};
  DeviceRun d(t, false, 1);
  gpu::Workspace ws;
  EXPECT_FALSE(gpu::tensor_level_mor(d.x, gpu::TensorLevelParams{}, d.out, ws, nullptr).ok);
}

}  // namespace
}  // namespace mor
