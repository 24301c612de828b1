// The MoR kernels against the golden model, bit for bit, for both kernel generations (the verified kernels of
// 2026-11-22 and the v2 rewrites of issue 21): the built-in workload (BF16 and FP32 inputs), a random block suite
// over several shapes and tilings, directed tensors (NaN, Inf, zeros, tiny amax, a tensor on the threshold), the
// options (E2M3, FP32 block scales, E5M2 -> BF16, PROPAGATE_NAN), quant-error mode with measured and unmeasured
// blocks sharing a warp, tensors past the grid-stride sweep and over 2^31 elements, and misaligned pointers.
// Skipped where no CUDA device exists (a failure under MOR_REQUIRE_GPU=1).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "device_checks.hpp"
#include "gpu_test_env.hpp"
#include "gpu_test_tensors.hpp"
#include "mor/core/metric.hpp"
#include "mor/kernels/mor_kernels.hpp"
#include "mor/policy.hpp"
#include "mor/workload.hpp"

namespace mor {
namespace {

using gpu::KernelVersion;
constexpr KernelVersion kVersions[] = {KernelVersion::kVerified, KernelVersion::kV2};

class gpu_mor : public ::testing::Test {
 protected:
  void SetUp() override { test::skip_without_gpu(); }
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

const char* name_of(KernelVersion v) { return v == KernelVersion::kV2 ? "v2" : "verified"; }

std::string label(const Tensor& t, bool fp32, const char* policy, KernelVersion v) {
  return t.name + (fp32 ? " [fp32 in] " : " [bf16 in] ") + policy + " (" + name_of(v) + " kernels)";
}

struct TensorLevelCase {
  BlockShape block{128, 128};
  bool propagate_nan = false;
  bool fake_output = true;  // v2 only: false passes fake_bf16 = nullptr
  bool single_launch = true;  // v2 only: false forces the three-kernel form for tensors that fit in L2
};

uint64_t compare_tensor_level_once(const Tensor& t, bool fp32, KernelVersion v, const TensorLevelCase& c) {
  TensorLevelConfig cfg;
  cfg.block = c.block;
  cfg.rules.nan_policy = c.propagate_nan ? NanPolicy::kPropagateNan : NanPolicy::kIgnoreNan;
  const QuantResult m = quantize_tensor_level(t, cfg);
  const int64_t blocks = m.block_grid_rows * m.block_grid_cols;
  DeviceRun d(t, fp32, blocks);
  if (!c.fake_output) d.out.fake_bf16 = nullptr;
  gpu::Workspace ws;
  gpu::TensorLevelParams p;
  p.block_rows = c.block.rows;
  p.block_cols = c.block.cols;
  p.threshold_fx = threshold_fx(0.045);
  p.propagate_nan = c.propagate_nan;
  p.version = v;
  p.single_launch_in_l2 = c.single_launch;
  gpu::TensorSummary s{};
  const auto st = gpu::tensor_level_mor(d.x, p, d.out, ws, nullptr, &s);
  EXPECT_TRUE(st.ok) << st.message;
  const auto n = t.size();
  const auto nb = static_cast<std::size_t>(blocks);
  uint64_t bad = 0;
  bad += count_diff(d.fetch(d.out.codes, n), m.codes);
  if (c.fake_output) bad += count_diff(d.fetch(d.out.fake_bf16, n), m.fake_bf16(Bf16Rounding::kRne));
  bad += count_diff(d.fetch(d.out.block_tag, nb), m.block_tag);
  bad += count_diff(d.fetch(d.out.block_scale, nb), m.block_scale);
  if (m.tensor_format != FormatTag::kBF16) bad += count_diff(d.fetch(d.out.block_exp_offset, nb), m.block_exp_offset);
  bad += s.decision_tag != static_cast<uint32_t>(m.tensor_format);
  bad += s.reason != static_cast<uint32_t>(m.reason);
  bad += s.nnz != m.nnz;
  bad += s.nonfinite != m.nonfinite;
  bad += s.group_amax != m.tensor_amax;
  if (m.reason != Reason::kNonFinite) {
    bad += s.err_sum != m.err_sum;
    bad += s.group_scale != m.group_scale.at(0);
  }
  EXPECT_EQ(bad, 0u) << label(t, fp32, c.single_launch ? "tensor-level" : "tensor-level (three kernels)", v) << ": decision model " << name_of(m.tensor_format) << " gpu "
                     << s.decision_tag << ", err_sum model " << m.err_sum << " gpu " << s.err_sum;
  return bad;
}

// v2 runs tensors that fit in L2 as one persistent kernel: both forms are compared.
uint64_t compare_tensor_level(const Tensor& t, bool fp32, KernelVersion v, TensorLevelCase c = {}) {
  uint64_t bad = compare_tensor_level_once(t, fp32, v, c);
  if (v == KernelVersion::kV2) {
    c.single_launch = false;
    bad += compare_tensor_level_once(t, fp32, v, c);
  }
  return bad;
}

struct SubTensorCase {
  BlockShape block{128, 128};
  bool quant_error = false, e5m2_to_bf16 = false, enable_e2m3 = false, fp32_scales = false, propagate_nan = false;
};

uint64_t compare_subtensor(const Tensor& t, bool fp32, KernelVersion v, SubTensorCase c) {
  SubTensorConfig cfg;
  cfg.block = c.block;
  cfg.mode = c.quant_error ? SubTensorMode::kQuantError : SubTensorMode::kDynamicRange;
  cfg.e5m2_to_bf16 = c.e5m2_to_bf16;
  cfg.enable_e2m3 = c.enable_e2m3;
  cfg.scale_rule = c.fp32_scales ? BlockScaleRule::kFp32 : BlockScaleRule::kE8RZ;
  cfg.rules.nan_policy = c.propagate_nan ? NanPolicy::kPropagateNan : NanPolicy::kIgnoreNan;
  const QuantResult m = quantize_subtensor(t, cfg);
  const int64_t blocks = m.block_grid_rows * m.block_grid_cols;
  DeviceRun d(t, fp32, blocks);
  gpu::Workspace ws;
  gpu::SubTensorParams p;
  p.block_rows = c.block.rows;
  p.block_cols = c.block.cols;
  p.quant_error_mode = c.quant_error;
  p.e5m2_to_bf16 = c.e5m2_to_bf16;
  p.enable_e2m3 = c.enable_e2m3;
  p.fp32_scales = c.fp32_scales;
  p.propagate_nan = c.propagate_nan;
  p.version = v;
  gpu::TensorSummary s{};
  const auto st = gpu::subtensor_mor(d.x, p, d.out, ws, nullptr, &s);
  EXPECT_TRUE(st.ok) << st.message;
  const auto n = t.size();
  const auto nb = static_cast<std::size_t>(blocks);
  uint64_t bad = 0;
  bad += count_diff(d.fetch(d.out.codes, n), m.codes);
  bad += count_diff(d.fetch(d.out.fake_bf16, n), m.fake_bf16(Bf16Rounding::kRne));
  bad += count_diff(d.fetch(d.out.block_tag, nb), m.block_tag);
  bad += count_diff(d.fetch(d.out.block_scale, nb), m.block_scale);
  bad += s.nnz != m.nnz;
  bad += s.nonfinite != m.nonfinite;
  bad += s.group_amax != m.tensor_amax;
  bad += s.decision_tag != static_cast<uint32_t>(m.tensor_format);
  bad += s.reason != static_cast<uint32_t>(m.reason);
  for (int f = 0; f < kFormatTagCount; ++f) bad += s.elements_per_format[f] != m.elements_per_format[static_cast<std::size_t>(f)];
  EXPECT_EQ(bad, 0u) << label(t, fp32, c.quant_error ? "sub-tensor qe" : "sub-tensor dr", v) << " e2m3 " << c.enable_e2m3
                     << " fp32_scales " << c.fp32_scales << " e5m2_to_bf16 " << c.e5m2_to_bf16 << " propagate_nan "
                     << c.propagate_nan;
  return bad;
}

uint64_t compare_baselines(const Tensor& t, bool fp32, KernelVersion v) {
  uint64_t bad = 0;
  const auto n = t.size();
  {
    const QuantResult m = quantize_current_scaling(t, CurrentScalingConfig{});
    DeviceRun d(t, fp32, 1);
    gpu::Workspace ws;
    gpu::TensorSummary s{};
    const auto st = gpu::current_scaling(d.x, d.out, ws, nullptr, &s, v);
    EXPECT_TRUE(st.ok) << st.message;
    bad += count_diff(d.fetch(d.out.codes, n), m.codes);
    bad += count_diff(d.fetch(d.out.fake_bf16, n), m.fake_bf16(Bf16Rounding::kRne));
    bad += s.group_scale != m.group_scale[0];
    bad += s.group_amax != m.tensor_amax;
    bad += s.nnz != m.nnz;
    bad += s.nonfinite != m.nonfinite;
  }
  if (t.cols % 32 == 0) {
    const QuantResult m = quantize_mx(t, MxConfig{});
    const int64_t blocks = static_cast<int64_t>(n / 32);
    DeviceRun d(t, fp32, blocks);
    const auto st = gpu::mxfp8(d.x, d.out, nullptr, v);
    EXPECT_TRUE(st.ok) << st.message;
    bad += count_diff(d.fetch(d.out.codes, n), m.codes);
    bad += count_diff(d.fetch(d.out.fake_bf16, n), m.fake_bf16(Bf16Rounding::kRne));
    bad += count_diff(d.fetch(d.out.block_e8m0, static_cast<std::size_t>(blocks)), m.block_scale_e8m0);
    bad += count_diff(d.fetch(d.out.block_tag, static_cast<std::size_t>(blocks)), m.block_tag);
  }
  EXPECT_EQ(bad, 0u) << label(t, fp32, "baselines", v);
  return bad;
}

BlockShape tiling_for(const Tensor& t) { return t.rows % 128 == 0 && t.cols % 128 == 0 ? BlockShape{128, 128} : BlockShape{1, 128}; }

TEST_F(gpu_mor, BuiltInWorkloadBitExact) {
  uint64_t bad = 0;
  for (KernelVersion v : kVersions)
    for (const Tensor& t : generate_workload("default", 1))
      for (bool fp32 : {false, true}) {
        const BlockShape blk = tiling_for(t);
        bad += compare_tensor_level(t, fp32, v, {blk});
        bad += compare_subtensor(t, fp32, v, {blk});
        SubTensorCase qe{blk};
        qe.quant_error = true;
        bad += compare_subtensor(t, fp32, v, qe);
        bad += compare_baselines(t, fp32, v);
      }
  EXPECT_EQ(bad, 0u);
}

Tensor random_tensor(std::mt19937_64& rng, int64_t rows, int64_t cols, bool fp32, int style = -1) {
  Tensor t{"random", fp32 ? DType::kF32 : DType::kBF16, rows, cols, {}};
  std::normal_distribution<float> normal;
  if (style < 0) style = static_cast<int>(rng() % 6);
  t.name = "random style " + std::to_string(style);
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
  uint64_t bad = 0;
  int cases = 0;
  for (KernelVersion v : kVersions) {
    std::mt19937_64 rng(99);
    for (int it = 0; it < 40; ++it) {
      const bool fp32 = it % 2;
      const BlockShape blk = it % 4 == 0 ? BlockShape{128, 128} : it % 4 == 1 ? BlockShape{1, 128} : it % 4 == 2 ? BlockShape{32, 32} : BlockShape{1, 32};
      const int64_t rows = blk.rows * (1 + static_cast<int64_t>(rng() % 3)), cols = 128 * (1 + static_cast<int64_t>(rng() % 4));
      const Tensor t = random_tensor(rng, rows, cols, fp32);
      bad += compare_tensor_level(t, fp32, v, {blk});
      SubTensorCase c{blk};
      c.quant_error = it % 3 == 0;
      bad += compare_subtensor(t, fp32, v, c);
      bad += compare_baselines(t, fp32, v);
      ++cases;
    }
  }
  EXPECT_EQ(cases, 80);
  EXPECT_EQ(bad, 0u);
}

TEST_F(gpu_mor, DirectedTensors) {
  uint64_t bad = 0;
  for (KernelVersion v : kVersions) {
    std::mt19937_64 rng(5);
    auto base = [&] { return random_tensor(rng, 256, 256, false); };
    Tensor nan = base();
    nan.bits[1000] = 0x7FC00000u;
    nan.bits[60000] = 0xFF810000u;  // a negative signalling BF16 NaN: the kept output is its quiet, signed form
    Tensor inf = base();
    inf.bits[7] = 0xFF800000u;
    Tensor zeros{"zeros", DType::kBF16, 128, 256, std::vector<uint32_t>(128 * 256, 0)};
    zeros.bits[3] = 0x80000000u;
    Tensor tiny{"tiny", DType::kF32, 128, 128, std::vector<uint32_t>(128 * 128, 0x00000005u)};
    Tensor near = generate_workload("default", 1)[5];  // mlp.near_threshold
    for (const Tensor* t : {&nan, &inf, &zeros, &tiny, &near})
      for (bool fp32 : {false, true}) {
        if (!fp32 && t == &tiny) continue;  // FP32 subnormals are not BF16 values
        bad += compare_tensor_level(*t, fp32, v);
        SubTensorCase qe;
        qe.quant_error = true;
        bad += compare_subtensor(*t, fp32, v, qe);
        bad += compare_baselines(*t, fp32, v);
      }
  }
  EXPECT_EQ(bad, 0u);
}

// The options the 2026-11-22 tests never set, each on tensors that reach its branch: E2M3 (narrow blocks), FP32
// block scales, E5M2 -> BF16 (wide blocks), PROPAGATE_NAN (a NaN in the tensor), in both modes where they apply.
TEST_F(gpu_mor, SubTensorOptions) {
  uint64_t bad = 0;
  for (KernelVersion v : kVersions) {
    std::mt19937_64 rng(21);
    for (int it = 0; it < 24; ++it) {
      const bool fp32 = it % 2;
      const BlockShape blk = it % 3 == 0 ? BlockShape{128, 128} : it % 3 == 1 ? BlockShape{1, 128} : BlockShape{1, 32};
      Tensor t = random_tensor(rng, blk.rows * 2, 256, fp32, it % 6);
      if (it % 4 == 3) t.bits[static_cast<std::size_t>(rng() % t.bits.size())] = fp32 ? 0xFFC00001u : 0x7FC10000u;
      SubTensorCase c{blk};
      c.quant_error = it % 5 == 0;
      c.enable_e2m3 = it % 2 == 0 || it % 6 == 4;
      c.fp32_scales = it % 3 != 1;
      c.e5m2_to_bf16 = it % 4 == 1;
      c.propagate_nan = it % 4 == 3 || it % 7 == 0;
      bad += compare_subtensor(t, fp32, v, c);
    }
  }
  EXPECT_EQ(bad, 0u);
}

TEST_F(gpu_mor, TensorLevelPropagateNanAndOptionalFake) {
  uint64_t bad = 0;
  for (KernelVersion v : kVersions) {
    std::mt19937_64 rng(8);
    for (bool fp32 : {false, true}) {
      Tensor t = random_tensor(rng, 256, 256, fp32, 0);
      TensorLevelCase c;
      c.propagate_nan = true;
      bad += compare_tensor_level(t, fp32, v, c);  // no NaN: same as IGNORE_NAN
      t.bits[12345] = 0x7FC00000u;
      bad += compare_tensor_level(t, fp32, v, c);  // group amax is the NaN
    }
  }
  std::mt19937_64 rng(9);
  for (bool fp32 : {false, true}) {  // v2: fake_bf16 may be null; the codes and scales are unchanged
    TensorLevelCase c;
    c.fake_output = false;
    bad += compare_tensor_level(random_tensor(rng, 256, 512, fp32, 0), fp32, KernelVersion::kV2, c);
  }
  EXPECT_EQ(bad, 0u);
}

// Issue 21's divergent shuffle (mixed_measure_tensor, gpu_test_tensors.hpp).
TEST_F(gpu_mor, QuantErrorMeasuredAndUnmeasuredBlocksShareAWarp) {
  uint64_t bad = 0;
  for (KernelVersion v : kVersions)
    for (int64_t bc : {32, 128})
      for (bool fp32 : {false, true})
        for (uint64_t seed : {1u, 2u, 3u}) {
          const Tensor t = test::mixed_measure_tensor(16, 1024, bc, fp32, seed);
          SubTensorCase c{{1, bc}};
          c.quant_error = true;
          bad += compare_subtensor(t, fp32, v, c);
          // test_kernel_rewrites' MixedMeasureTensorReachesEveryBranch checks, without a GPU, that every warp of this
          // tensor holds unmeasured E4M3, measured E4M3, measured BF16 and band-BF16 blocks.
        }
  EXPECT_EQ(bad, 0u);
}

// Past the grid-stride sweep: stream_grid caps the grid at 16 CTAs per SM (132 SMs: 4.3 M elements per sweep), so
// the BF16 passthrough of a rejected tensor, current scaling and (v2) the amax pass loop more than once.
TEST_F(gpu_mor, TensorsPastTheGridStrideSweep) {
  uint64_t bad = 0;
  std::mt19937_64 rng(43);
  const Tensor rejected = random_tensor(rng, 2304, 2560, false, 1);  // 5.9 M elements, wide range: rejected
  const Tensor accepted = random_tensor(rng, 2304, 2560, true, 0);
  ASSERT_EQ(quantize_tensor_level(rejected, TensorLevelConfig{}).tensor_format, FormatTag::kBF16);
  for (KernelVersion v : kVersions) {
    bad += compare_tensor_level(rejected, false, v);
    bad += compare_tensor_level(accepted, true, v);
    bad += compare_baselines(rejected, false, v);
  }
  EXPECT_EQ(bad, 0u);
}

TEST_F(gpu_mor, MisalignedPointersAreRejected) {
  std::mt19937_64 rng(3);
  const Tensor t = random_tensor(rng, 128, 256, false, 0);
  for (KernelVersion v : kVersions) {
    DeviceRun d(t, false, 2);
    gpu::Workspace ws;
    gpu::DeviceTensor x = d.x;
    x.data = static_cast<const uint8_t*>(d.x.data) + 2;  // one BF16 element in: no longer 16-byte aligned
    x.cols = 128;
    x.rows = 1;
    gpu::TensorLevelParams tp;
    tp.block_rows = 1;
    tp.version = v;
    gpu::SubTensorParams sp;
    sp.block_rows = 1;
    sp.version = v;
    EXPECT_FALSE(gpu::tensor_level_mor(x, tp, d.out, ws, nullptr).ok);
    EXPECT_FALSE(gpu::subtensor_mor(x, sp, d.out, ws, nullptr).ok);
    EXPECT_FALSE(gpu::current_scaling(x, d.out, ws, nullptr, nullptr, v).ok);
    EXPECT_FALSE(gpu::mxfp8(x, d.out, nullptr, v).ok);
    gpu::DeviceOutputs o = d.out;
    o.codes += 1;
    EXPECT_FALSE(gpu::tensor_level_mor(d.x, tp, o, ws, nullptr).ok);
    o = d.out;
    o.fake_bf16 += 4;
    const auto st = gpu::subtensor_mor(d.x, sp, o, ws, nullptr);
    EXPECT_FALSE(st.ok);
    EXPECT_NE(st.message.find("misaligned"), std::string::npos) << st.message;
  }
}

TEST_F(gpu_mor, RejectsUnsupportedTilings) {
  Tensor t{"t", DType::kBF16, 100, 100, std::vector<uint32_t>(10000, 0x3F800000u)};
  DeviceRun d(t, false, 1);
  gpu::Workspace ws;
  for (KernelVersion v : kVersions) {
    gpu::TensorLevelParams p;
    p.version = v;
    EXPECT_FALSE(gpu::tensor_level_mor(d.x, p, d.out, ws, nullptr).ok);
  }
}

// ---- over 2^31 elements: a periodic tensor (one slab of whole block rows, repeated) built on the device; every
// output must repeat the model's result for one slab, and the summary must be the slab's scaled by the repeats ----

struct Periodic {
  static constexpr int64_t kCols = 8192, kSlabRows = 128;
  static constexpr int64_t kRepeats = 2049;  // 2049 * 2^20 elements > 2^31
  static constexpr int64_t kSlabElems = kCols * kSlabRows;
  static constexpr int64_t kElems = kSlabElems * kRepeats;
};

struct DeviceBuffer {
  void* p = nullptr;
  explicit DeviceBuffer(std::size_t bytes) {
    const auto s = gpu::device_alloc(&p, bytes);
    EXPECT_TRUE(s.ok) << s.message;
  }
  ~DeviceBuffer() {
    if (p) gpu::device_free(p);
  }
};

// The device output `data` (total bytes) against the model's slab output (host), repeated.
template <class T>
uint64_t periodic_mismatches(const void* data, std::size_t total_bytes, const std::vector<T>& slab) {
  const std::size_t slab_bytes = slab.size() * sizeof(T);
  DeviceBuffer d(slab_bytes);
  gpu::copy_to_device(d.p, slab.data(), slab_bytes);
  uint64_t bad = 0;
  const auto s = gpu::checks::count_periodic_mismatches(data, total_bytes, d.p, slab_bytes, &bad);
  EXPECT_TRUE(s.ok) << s.message;
  return bad;
}

TEST_F(gpu_mor, TensorOver2Pow31Elements) {
  using P = Periodic;
  std::mt19937_64 rng(31);
  const Tensor slab = random_tensor(rng, P::kSlabRows, P::kCols, false, 0);
  std::vector<uint16_t> slab_bf16(static_cast<std::size_t>(P::kSlabElems));
  for (std::size_t i = 0; i < slab_bf16.size(); ++i) slab_bf16[i] = static_cast<uint16_t>(slab.bits[i] >> 16);
  const auto n = static_cast<std::size_t>(P::kElems);
  const int64_t slab_blocks = P::kSlabElems / (128 * 128), blocks = slab_blocks * P::kRepeats;
  DeviceBuffer x(n * 2), codes(n), fake(n * 2), tag(static_cast<std::size_t>(blocks)),
      scale(static_cast<std::size_t>(blocks) * 4), offset(static_cast<std::size_t>(blocks)), slab_dev(slab_bf16.size() * 2);
  ASSERT_TRUE(x.p && codes.p && fake.p && tag.p && scale.p && offset.p && slab_dev.p);
  gpu::copy_to_device(slab_dev.p, slab_bf16.data(), slab_bf16.size() * 2);
  ASSERT_TRUE(gpu::checks::fill_periodic(x.p, n * 2, slab_dev.p, slab_bf16.size() * 2).ok);
  const gpu::DeviceTensor t{x.p, gpu::InputType::kBF16, P::kSlabRows * P::kRepeats, P::kCols};
  const gpu::DeviceOutputs o{static_cast<uint8_t*>(codes.p), static_cast<uint16_t*>(fake.p), static_cast<uint8_t*>(tag.p),
                             static_cast<uint32_t*>(scale.p), static_cast<uint8_t*>(offset.p), nullptr};
  const QuantResult tl = quantize_tensor_level(slab, TensorLevelConfig{});
  const QuantResult st = quantize_subtensor(slab, SubTensorConfig{});
  const auto R = static_cast<uint64_t>(P::kRepeats);
  ASSERT_EQ(tl.tensor_format, FormatTag::kE4M3) << "the slab should be accepted";
  for (KernelVersion v : kVersions) {
    gpu::Workspace ws;
    gpu::TensorSummary s{};
    gpu::TensorLevelParams tp;
    tp.version = v;
    ASSERT_TRUE(gpu::tensor_level_mor(t, tp, o, ws, nullptr, &s).ok);
    uint64_t bad = periodic_mismatches(codes.p, n, tl.codes);
    bad += periodic_mismatches(fake.p, n * 2, tl.fake_bf16(Bf16Rounding::kRne));
    bad += periodic_mismatches(tag.p, static_cast<std::size_t>(blocks), tl.block_tag);
    bad += periodic_mismatches(scale.p, static_cast<std::size_t>(blocks) * 4, tl.block_scale);
    bad += periodic_mismatches(offset.p, static_cast<std::size_t>(blocks), tl.block_exp_offset);
    bad += s.nnz != tl.nnz * R;
    bad += s.err_sum != tl.err_sum * R;
    bad += s.group_amax != tl.tensor_amax;
    bad += s.decision_tag != static_cast<uint32_t>(tl.tensor_format);
    EXPECT_EQ(bad, 0u) << "tensor-level over 2^31 elements (" << name_of(v) << ")";

    gpu::SubTensorParams sp;
    sp.version = v;
    ASSERT_TRUE(gpu::subtensor_mor(t, sp, o, ws, nullptr, &s).ok);
    bad = periodic_mismatches(codes.p, n, st.codes);
    bad += periodic_mismatches(fake.p, n * 2, st.fake_bf16(Bf16Rounding::kRne));
    bad += periodic_mismatches(tag.p, static_cast<std::size_t>(blocks), st.block_tag);
    bad += periodic_mismatches(scale.p, static_cast<std::size_t>(blocks) * 4, st.block_scale);
    bad += s.nnz != st.nnz * R;
    for (int f = 0; f < kFormatTagCount; ++f) bad += s.elements_per_format[f] != st.elements_per_format[static_cast<std::size_t>(f)] * R;
    EXPECT_EQ(bad, 0u) << "sub-tensor over 2^31 elements (" << name_of(v) << ")";

    const QuantResult cs = quantize_current_scaling(slab, CurrentScalingConfig{});
    ASSERT_TRUE(gpu::current_scaling(t, o, ws, nullptr, &s, v).ok);
    bad = periodic_mismatches(codes.p, n, cs.codes);
    bad += periodic_mismatches(fake.p, n * 2, cs.fake_bf16(Bf16Rounding::kRne));
    bad += s.group_scale != cs.group_scale[0];
    EXPECT_EQ(bad, 0u) << "current scaling over 2^31 elements (" << name_of(v) << ")";
  }
}

}  // namespace
}  // namespace mor
