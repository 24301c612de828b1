// Tensor-level and sub-tensor MoR against a second, deliberately plain implementation written here: whole-tensor
// loops, host float arithmetic, the r_g * 2^k form of GAM found by doubling, and the independent reference
// converter of tests/format for the FP8 rounding. Plus degenerate cases, profiles and thread independence.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "cuda_reduction_sim.hpp"
#include "mor/core/amax.hpp"
#include "mor/core/element.hpp"
#include "mor/core/metric.hpp"
#include "mor/policy.hpp"
#include "mor/profile.hpp"
#include "mor/report.hpp"
#include "reference.hpp"

namespace mor {
namespace {

// ---- small seeded generator of test tensors ----

Tensor make_tensor(const char* name, int64_t rows, int64_t cols, uint64_t seed, int kind) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> uni(0.0f, 1.0f);
  Tensor t{name, DType::kBF16, rows, cols, {}};
  for (int64_t i = 0; i < rows * cols; ++i) {
    float v = normal(rng);
    switch (kind) {
      case 0: v *= 0.02f; break;                                                 // weights
      case 1: v *= (i % cols) % 37 == 0 ? 80.0f : 1.0f; break;                 // activations, outlier channels
      case 2: v = v * v * v * 1e-6f; break;                                      // heavy-tailed small gradients
      case 3: v = uni(rng) < 0.1f ? v * 1e-9f : v; break;                       // mixture: tiny values underflow
      case 4: v = ((i / cols) / 16 + (i % cols) / 16) % 2 ? 0.0f : v; break;    // all-zero 16x16 blocks
      case 5: v = std::ldexp(v, static_cast<int>(rng() % 40) - 20); break;      // wide dynamic range
      default: break;
    }
    t.bits.push_back(f32_bits(v) & 0xFFFF0000u);  // BF16 values
  }
  return t;
}

// ---- the plain implementation ----

const ref::Converter& ref_e4m3() {
  static const ref::Converter c(ref::e4m3());
  return c;
}
const ref::Converter& ref_e5m2() {
  static const ref::Converter c(ref::e5m2());
  return c;
}

float plain_quant_dequant(float x, float s, const ref::Converter& conv) {
  const float y = x * s;
  const uint32_t yb = f32_bits(y);
  const uint32_t code = conv.convert(static_cast<double>(y), (yb >> 31) != 0, ref::Round::kRNE, ref::Sat::kSatFinite,
                                     ref::Nan::kCanon);
  const uint32_t mag = code & 0x7Fu;
  const double qv = mag > conv.max_mag() ? std::numeric_limits<double>::quiet_NaN() : conv.value_of_mag(mag);
  const float q = static_cast<float>((code & 0x80u) ? -qv : qv);
  return q / s;
}

uint64_t plain_fx(float e) { return static_cast<uint64_t>(std::floor(std::min(static_cast<double>(e), 2.0) * 16777216.0)); }

struct Plain {
  bool bf16 = false;
  uint64_t err_sum = 0;
  float mre = 0;
  std::vector<uint32_t> dequant;
};

Plain plain_tensor_level(const Tensor& t, int64_t br, int64_t bc, double T) {
  Plain p;
  float ag = 0;
  uint64_t nnz = 0;
  for (uint32_t x : t.bits) {
    const float v = f32_from_bits(x);
    if (!std::isfinite(v)) {
      p.bf16 = true;
      p.dequant = t.bits;
      return p;
    }
    ag = std::max(ag, std::fabs(v));
    nnz += v != 0;
  }
  const float rg = 448.0f / std::max(ag, 1e-35f);
  p.dequant.resize(t.size());
  std::vector<float> errors(t.size(), 0.0f);  // for the reference code's order of the FP32 sum
  const int64_t gr = (t.rows + br - 1) / br, gc = (t.cols + bc - 1) / bc;
  float total = 0;
  for (int64_t bi = 0; bi < gr * gc; ++bi) {
    const int64_t r0 = bi / gc * br, c0 = bi % gc * bc;
    float aj = 0;
    for (int64_t r = r0; r < std::min(t.rows, r0 + br); ++r)
      for (int64_t c = c0; c < std::min(t.cols, c0 + bc); ++c) aj = std::max(aj, std::fabs(f32_from_bits(t.at(r, c))));
    const float bj = 448.0f / std::max(aj, 1e-35f);
    int k = 0;  // the r_g * 2^k form: the largest k with r_g * 2^k <= b_j
    while (std::ldexp(rg, k + 1) <= bj) ++k;
    const float s = std::ldexp(rg, k);
    float block_sum = 0;
    for (int64_t r = r0; r < std::min(t.rows, r0 + br); ++r)
      for (int64_t c = c0; c < std::min(t.cols, c0 + bc); ++c) {
        const float x = f32_from_bits(t.at(r, c));
        const float d = plain_quant_dequant(x, s, ref_e4m3());
        p.dequant[static_cast<std::size_t>(r * t.cols + c)] = f32_bits(d);
        if (x != 0) {
          const float e = std::fabs((d - x) / x);
          p.err_sum += plain_fx(e);
          block_sum += e;
          errors[static_cast<std::size_t>(r * t.cols + c)] = e;
        }
      }
    total += block_sum;
  }
  // D5: the FP32 sum follows the reference code's CUDA reduction where its order is defined (block rows % 32 == 0,
  // block columns % 64 == 0, exact tiling), else row-major within a block and block after block.
  if (br % 32 == 0 && bc % 64 == 0 && t.rows % br == 0 && t.cols % bc == 0)
    total = sim::tensor_level_error_sum(errors, t.rows, t.cols, br, bc);
  p.mre = nnz ? total / static_cast<float>(nnz) : 0.0f;
  const uint64_t t_fx = static_cast<uint64_t>(std::floor(T * 16777216.0));
  p.bf16 = nnz > 0 && p.err_sum > t_fx * nnz;
  if (p.bf16) p.dequant = t.bits;
  return p;
}

// stats_add_span (branch-free, for whole beats) against element-by-element stats_add, on spans that mix the
// classes that steer each statistic: zeros, NaN, Inf, subnormals, both signs, and a running state carried over.
TEST(policy, StatsSpanEqualsElementwise) {
  std::mt19937_64 rng(17);
  const uint32_t specials[] = {0u, 0x80000000u, 0x7F800000u, 0xFF800000u, 0x7FC00000u, 0xFFFFFFFFu, 0x7F800001u,
                               1u, 0x807FFFFFu, 0x7F7FFFFFu, 0x3F800000u};
  uint64_t differ = 0;
  for (NanPolicy policy : {NanPolicy::kIgnoreNan, NanPolicy::kPropagateNan}) {
    BlockStats a, b;
    for (int iter = 0; iter < 20000; ++iter) {
      const int n = static_cast<int>(rng() % 40);
      std::vector<uint32_t> x(static_cast<std::size_t>(n));
      for (auto& v : x) v = rng() % 4 == 0 ? specials[rng() % std::size(specials)] : static_cast<uint32_t>(rng());
      for (uint32_t v : x) stats_add(a, v, policy);
      stats_add_span(b, x.data(), n, policy);
      differ += a.amax != b.amax || a.min_nonzero != b.min_nonzero || a.nnz != b.nnz || a.nonfinite != b.nonfinite ||
                a.saw_nan != b.saw_nan;
      if (iter % 97 == 0) a = b = BlockStats{};  // fresh blocks as well as long-running ones
    }
  }
  EXPECT_EQ(differ, 0u);
}

TEST(policy, TensorLevelMatchesPlainImplementation) {
  int rejected = 0, accepted = 0;
  for (int kind = 0; kind < 7; ++kind)
    for (auto shape : {std::pair<int64_t, int64_t>{256, 384}, {100, 130}, {1, 4096}, {300, 17}, {64, 256}})
      for (BlockShape blk : {BlockShape{128, 128}, BlockShape{1, 128}, BlockShape{32, 1}, BlockShape{1, 32},
                             BlockShape{32, 64}})
        for (double T : {0.045, 0.01}) {
          const Tensor t = make_tensor("t", shape.first, shape.second, 1000 + static_cast<uint64_t>(kind), kind);
          TensorLevelConfig cfg;
          cfg.block = blk;
          cfg.threshold = T;
          const QuantResult r = quantize_tensor_level(t, cfg);
          const Plain p = plain_tensor_level(t, blk.rows, blk.cols, T);
          ASSERT_EQ(r.tensor_format == FormatTag::kBF16, p.bf16) << "kind " << kind << " T " << T;
          ASSERT_EQ(r.err_sum, p.err_sum) << "kind " << kind;
          ASSERT_EQ(f32_bits(r.mre_fp32), f32_bits(p.mre)) << "kind " << kind;
          ASSERT_EQ(r.dequant, p.dequant) << "kind " << kind;
          (p.bf16 ? rejected : accepted)++;
        }
  EXPECT_GT(rejected, 5);  // the generated set exercises both outcomes
  EXPECT_GT(accepted, 5);
}

TEST(policy, TensorLevelCodesAreTheSharedElementPath) {
  const Tensor t = make_tensor("t", 256, 256, 3, 1);
  const QuantResult r = quantize_tensor_level(t, TensorLevelConfig{});
  ASSERT_EQ(r.tensor_format, FormatTag::kE4M3);
  for (int64_t i = 0; i < 256 * 256; ++i) {
    const int64_t b = (i / 256) / 128 * 2 + (i % 256) / 128;
    const auto q = quantize_element<E4M3>(t.bits[static_cast<std::size_t>(i)], r.block_scale[static_cast<std::size_t>(b)]);
    ASSERT_EQ(r.codes[static_cast<std::size_t>(i)], q.code);
    ASSERT_EQ(r.dequant[static_cast<std::size_t>(i)], q.dequant);
  }
}

TEST(policy, ResultsDoNotDependOnThreadCount) {
  const Tensor t = make_tensor("t", 300, 520, 9, 5);
  for (int th : {1, 2, 7}) {
    TensorLevelConfig a;
    a.threads = th;
    TensorLevelConfig one;
    one.threads = 1;
    const QuantResult r = quantize_tensor_level(t, a), r1 = quantize_tensor_level(t, one);
    EXPECT_EQ(r.err_sum, r1.err_sum);
    EXPECT_EQ(f32_bits(r.mre_fp32), f32_bits(r1.mre_fp32));
    EXPECT_EQ(r.dequant, r1.dequant);
    SubTensorConfig s;
    s.threads = th;
    SubTensorConfig s1;
    s1.threads = 1;
    EXPECT_EQ(quantize_subtensor(t, s).dequant, quantize_subtensor(t, s1).dequant);
  }
}

TEST(policy, GroupsTiledByBlocks) {
  const Tensor t = make_tensor("t", 256, 256, 11, 1);
  TensorLevelConfig cfg;
  cfg.group = {128, 256};
  const QuantResult r = quantize_tensor_level(t, cfg);
  ASSERT_EQ(r.group_scale.size(), 2u);
  for (int b = 0; b < 4; ++b)
    EXPECT_EQ(r.block_scale[static_cast<std::size_t>(b)],
              r.group_scale[static_cast<std::size_t>(b / 2)] + (uint32_t{r.block_exp_offset[static_cast<std::size_t>(b)]} << 23));
  cfg.group = {100, 256};
  EXPECT_THROW(quantize_tensor_level(t, cfg), std::invalid_argument);
}

TEST(policy, DegenerateTensors) {
  Tensor zeros{"z", DType::kF32, 64, 64, std::vector<uint32_t>(64 * 64, 0)};
  zeros.bits[5] = 0x80000000u;  // -0 stays -0
  QuantResult r = quantize_tensor_level(zeros, TensorLevelConfig{});
  EXPECT_EQ(r.tensor_format, FormatTag::kE4M3);
  EXPECT_EQ(r.reason, Reason::kAllZero);
  EXPECT_EQ(r.dequant, zeros.bits);
  EXPECT_EQ(r.codes[5], 0x80);

  Tensor nan = make_tensor("n", 64, 64, 1, 0);
  nan.bits[100] = 0x7FC00000u;
  r = quantize_tensor_level(nan, TensorLevelConfig{});
  EXPECT_EQ(r.tensor_format, FormatTag::kBF16);
  EXPECT_EQ(r.reason, Reason::kNonFinite);
  EXPECT_EQ(r.dequant, nan.bits);
  Tensor inf = make_tensor("i", 64, 64, 1, 0);
  inf.bits[7] = 0xFF800000u;
  EXPECT_EQ(quantize_tensor_level(inf, TensorLevelConfig{}).reason, Reason::kNonFinite);

  Tensor tiny{"tiny", DType::kF32, 1, 64, std::vector<uint32_t>(64, 0x00000003u)};  // FP32 subnormals, amax < 1e-35
  r = quantize_tensor_level(tiny, TensorLevelConfig{});
  EXPECT_TRUE(f32_is_finite(r.group_scale[0]));
  EXPECT_EQ(r.group_scale[0], f32_bits(448.0f / 1e-35f));

  // Sub-tensor: a block with NaN is kept in BF16, the others are quantized.
  SubTensorConfig s;
  s.block = {32, 32};
  Tensor mixed = make_tensor("m", 64, 64, 2, 0);
  mixed.bits[0] = 0x7FC00000u;
  r = quantize_subtensor(mixed, s);
  EXPECT_EQ(r.block_tag[0], static_cast<uint8_t>(FormatTag::kBF16));
  EXPECT_EQ(r.block_tag[1], static_cast<uint8_t>(FormatTag::kE4M3));
  EXPECT_EQ(r.reason, Reason::kNonFinite);
}

// ---- sub-tensor against a plain implementation ----

struct PlainBlock {
  FormatTag tag;
  std::vector<float> dequant;
};

PlainBlock plain_subtensor_block(const std::vector<float>& xs, bool quant_error, bool e2m3) {
  float amax = 0, amin = std::numeric_limits<float>::infinity();
  for (float x : xs) {
    amax = std::max(amax, std::fabs(x));
    if (x != 0) amin = std::min(amin, std::fabs(x));
  }
  const float dr = amax == 0 ? 1.0f : amax / amin;
  auto pow2_scale = [&](float fmax) { return amax == 0 ? 1.0f : std::ldexp(1.0f, std::ilogb(fmax / amax)); };
  auto run = [&](const ref::Converter& conv, float fmax, uint64_t* err) {
    std::vector<float> out;
    const float s = pow2_scale(fmax);
    for (float x : xs) {
      const float d = plain_quant_dequant(x, s, conv);
      out.push_back(d);
      if (x != 0) *err += plain_fx(std::fabs((d - x) / x));
    }
    return out;
  };
  uint64_t e4 = 0, e5 = 0;
  if (e2m3 && dr <= 7.5f) return {FormatTag::kE2M3, {}};
  if (dr <= (quant_error ? 4 * 28672.0f : 28672.0f)) return {FormatTag::kE4M3, run(ref_e4m3(), 448.0f, &e4)};
  if (dr <= 939524096.0f) {
    if (!quant_error) return {FormatTag::kE5M2, run(ref_e5m2(), 57344.0f, &e5)};
    auto d4 = run(ref_e4m3(), 448.0f, &e4);
    run(ref_e5m2(), 57344.0f, &e5);
    if (e4 <= e5) return {FormatTag::kE4M3, d4};
  }
  return {FormatTag::kBF16, xs};
}

TEST(policy, SubTensorMatchesPlainImplementation) {
  std::array<int, 4> seen{};
  for (int kind = 0; kind < 7; ++kind)
    for (bool qe : {false, true}) {
      const Tensor t = make_tensor("t", 128, 256, 77 + static_cast<uint64_t>(kind), kind);
      SubTensorConfig cfg;
      cfg.block = {32, 32};
      cfg.mode = qe ? SubTensorMode::kQuantError : SubTensorMode::kDynamicRange;
      const QuantResult r = quantize_subtensor(t, cfg);
      for (int64_t b = 0; b < 4 * 8; ++b) {
        std::vector<float> xs;
        std::vector<std::size_t> idx;
        for (int64_t rr = b / 8 * 32; rr < b / 8 * 32 + 32; ++rr)
          for (int64_t c = b % 8 * 32; c < b % 8 * 32 + 32; ++c) {
            xs.push_back(f32_from_bits(t.at(rr, c)));
            idx.push_back(static_cast<std::size_t>(rr * 256 + c));
          }
        const PlainBlock p = plain_subtensor_block(xs, qe, false);
        ASSERT_EQ(r.block_tag[static_cast<std::size_t>(b)], static_cast<uint8_t>(p.tag)) << "kind " << kind << " block " << b;
        ++seen[static_cast<std::size_t>(p.tag)];
        for (std::size_t k = 0; k < xs.size(); ++k) ASSERT_EQ(r.dequant[idx[k]], f32_bits(p.dequant[k])) << kind;
      }
    }
  EXPECT_GT(seen[0], 0);  // E4M3, E5M2 and BF16 blocks all occur
  EXPECT_GT(seen[1], 0);
  EXPECT_GT(seen[2], 0);
}

TEST(policy, BaselinesAgreeWithTheirScaleRules) {
  const Tensor t = make_tensor("t", 64, 256, 5, 1);
  const QuantResult cs = quantize_current_scaling(t, CurrentScalingConfig{});
  EXPECT_EQ(cs.group_scale[0], f32_bits(448.0f / f32_from_bits(cs.tensor_amax)));
  const QuantResult mx = quantize_mx(t, MxConfig{});
  for (std::size_t b = 0; b < mx.block_scale_e8m0.size(); ++b) {
    // NV_RCEIL written out: X = 2^ceil(log2(amax / 448)) with the FP32 steps of spec 3.
    const float ratio = f32_from_bits(mx.block_amax[b]) * (1.0f / 448.0f);
    int e;
    const float m = std::frexp(ratio, &e);  // ratio = m * 2^e, m in [0.5, 1)
    const int ceil_log2 = m == 0.5f ? e - 1 : e;
    EXPECT_EQ(mx.block_scale_e8m0[b], static_cast<uint8_t>(ceil_log2 + 127)) << b;
  }
  BlockwiseConfig bw;
  const QuantResult bq = quantize_blockwise(t, bw);
  EXPECT_EQ(bq.block_grid_cols, 2);
  EXPECT_EQ(bq.block_scale[0], f32_bits(448.0f / f32_from_bits(bq.block_amax[0])));
}

// ---- D2: what a tensor or block decided BF16 holds is the BF16 of its input ----

// An FP32 tensor whose values are not BF16 numbers: every kept element must come out as its BF16 rounding.
Tensor fp32_tensor(int64_t rows, int64_t cols, uint64_t seed, float spread) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Tensor t{"f32", DType::kF32, rows, cols, {}};
  for (int64_t i = 0; i < rows * cols; ++i)
    t.bits.push_back(f32_bits(std::ldexp(normal(rng), static_cast<int>(rng() % static_cast<uint64_t>(spread)))) | 1u);
  return t;
}

uint32_t bf16_rne(uint32_t x) { return f32_from_bf16(bf16_from_f32(x)); }

TEST(policy, Fp32InputKeptAsBf16IsItsBf16Rounding) {
  // Rejected (threshold 0): the tensor is kept in BF16, every element RNE to BF16, and the output error says so.
  const Tensor t = fp32_tensor(64, 256, 3, 4);
  TensorLevelConfig cfg;
  cfg.threshold = 0.0;
  QuantResult r = quantize_tensor_level(t, cfg);
  ASSERT_EQ(r.tensor_format, FormatTag::kBF16);
  ASSERT_EQ(r.reason, Reason::kRejected);
  for (std::size_t i = 0; i < t.size(); ++i) ASSERT_EQ(r.dequant[i], bf16_rne(t.bits[i])) << i;
  EXPECT_GT(measure_error(t, r.dequant).err_sum, 0u);  // BF16 rounding of FP32 data is an error, not 0
  // MOR_REF rounds its BF16 ties away from zero: the kept values follow the profile's rule.
  cfg.rules.bf16 = Bf16Rounding::kMorRef;
  r = quantize_tensor_level(t, cfg);
  for (std::size_t i = 0; i < t.size(); ++i) ASSERT_EQ(r.dequant[i], f32_from_bf16(bf16_round_mor_ref(t.bits[i]))) << i;

  // Non-finite: passed through as BF16; NaN keeps its sign and becomes the quiet NaN; Inf stays Inf.
  Tensor nf = fp32_tensor(32, 64, 4, 4);
  nf.bits[3] = 0xFFC00001u;
  nf.bits[9] = 0x7F800000u;
  r = quantize_tensor_level(nf, TensorLevelConfig{});
  ASSERT_EQ(r.reason, Reason::kNonFinite);
  EXPECT_EQ(r.dequant[3], 0xFFC00000u);
  EXPECT_EQ(r.dequant[9], 0x7F800000u);
  for (std::size_t i = 0; i < nf.size(); ++i) ASSERT_EQ(r.dequant[i], bf16_rne(nf.bits[i])) << i;

  // BF16 inputs are BF16 numbers: kept unchanged (cfg still rejects everything).
  const Tensor b = make_tensor("b", 64, 128, 8, 5);
  r = quantize_tensor_level(b, cfg);
  ASSERT_EQ(r.tensor_format, FormatTag::kBF16);
  EXPECT_EQ(r.dequant, b.bits);

  // Sub-tensor: a BF16 block (here a non-finite one) holds the BF16 of its input; FP8 blocks are unchanged.
  Tensor mixed = fp32_tensor(64, 64, 5, 3);
  mixed.bits[0] = 0x7FC00000u;
  SubTensorConfig s;
  s.block = {32, 32};
  r = quantize_subtensor(mixed, s);
  ASSERT_EQ(r.block_tag[0], static_cast<uint8_t>(FormatTag::kBF16));
  ASSERT_NE(r.block_tag[1], static_cast<uint8_t>(FormatTag::kBF16));
  for (int64_t rr = 0; rr < 32; ++rr)
    for (int64_t c = 0; c < 32; ++c) {
      const auto i = static_cast<std::size_t>(rr * 64 + c);
      ASSERT_EQ(r.dequant[i], bf16_rne(mixed.bits[i])) << i;
      ASSERT_EQ(r.codes[i], 0);
      ASSERT_EQ(r.dequant[i + 32], quantize_element<E4M3>(mixed.bits[i + 32], r.block_scale[1]).dequant) << i;
    }
}

// ---- MOR_REF against the reference code (DECISIONS "Profiles") ----

TensorLevelConfig mor_ref_tensor_level() {
  const Profile p = *find_profile("MOR_REF");
  TensorLevelConfig c;
  c.rules = p.rules;
  c.metric = p.metric;
  c.gam_group_floor = p.gam_group_floor;
  c.zero_inputs_positive = p.zero_inputs_positive;
  return c;
}

TEST(policy, MorRefZeroInputsComeOutPositive) {
  Tensor t = make_tensor("t", 128, 128, 12, 0);
  for (std::size_t i = 0; i < t.size(); i += 7) t.bits[i] = 0x80000000u;
  t.bits[1] = 0;
  const QuantResult ref = quantize_tensor_level(t, mor_ref_tensor_level());
  const QuantResult dflt = quantize_tensor_level(t, TensorLevelConfig{});
  ASSERT_EQ(ref.tensor_format, FormatTag::kE4M3);
  for (std::size_t i = 0; i < t.size(); i += 7) {
    EXPECT_EQ(ref.codes[i], 0x00) << i;  // the reference computes nonzero elements only: -0 comes out +0
    EXPECT_EQ(ref.dequant[i], 0u) << i;
    EXPECT_EQ(dflt.codes[i], 0x80) << i;  // the project keeps the sign of zero (D4)
    EXPECT_EQ(dflt.dequant[i], 0x80000000u) << i;
  }
  EXPECT_EQ(ref.dequant[1], 0u);
  // Negative values that underflow keep their -0 (the reference's SQDD computes them): only zero inputs change.
  Tensor u = make_tensor("u", 128, 128, 13, 0);
  u.bits[5] = f32_bits(-1e-30f);
  const QuantResult ru = quantize_tensor_level(u, mor_ref_tensor_level());
  EXPECT_EQ(ru.codes[5], 0x80);
  // Sub-tensor mode keeps -0 in the reference too (its quantize_kernel computes every element).
  SubTensorConfig s;
  s.rules = find_profile("MOR_REF")->rules;
  EXPECT_EQ(quantize_subtensor(t, s).dequant[7], 0x80000000u);
}

TEST(policy, MorRefTensorLevelUsesTheSpecErrorForm) {
  // The reference's tensor-level kernel computes |(d - x) / x| (its |d/x - 1| is the sub-tensor path's): MOR_REF's
  // canonical sum and decision equal the plain implementation's, which uses the spec form.
  for (int kind = 0; kind < 7; ++kind) {
    const Tensor t = make_tensor("t", 256, 384, 40 + static_cast<uint64_t>(kind), kind);
    const QuantResult r = quantize_tensor_level(t, mor_ref_tensor_level());
    const Plain p = plain_tensor_level(t, 128, 128, 0.045);
    if (r.reason == Reason::kNonFinite) continue;
    EXPECT_EQ(r.err_sum, p.err_sum) << kind;
    EXPECT_EQ(f32_bits(r.mre_fp32), f32_bits(p.mre)) << kind;
    EXPECT_EQ(r.fp32_rejects, p.mre > 0.045f) << kind;
  }
}

// Sub-tensor quant-error mode under MOR_REF: FP32 block scales RN32(FMAX / amax), errors |RN32(d / x) - 1|, and the
// E4M3 and E5M2 FP32 sums in the reference's CUDA order (sequential row-major where that order is not defined),
// E4M3 iff its sum is not larger.
TEST(policy, MorRefQuantErrorModeComparesFp32Sums) {
  const Profile p = *find_profile("MOR_REF");
  int measured = 0, chose_e4m3 = 0, chose_bf16 = 0;
  for (BlockShape blk : {BlockShape{32, 32}, BlockShape{128, 128}, BlockShape{1, 32}})
    for (int seed = 0; seed < 6; ++seed) {
      // Blocks in the measured band (DR in (114688, 2^29.8]): normal values, a share of them 2^17..2^24 smaller;
      // a small share favours E4M3 (finer steps), a large one E5M2's range, i.e. BF16.
      std::mt19937_64 rng(300 + static_cast<uint64_t>(seed));
      std::normal_distribution<float> normal(0.0f, 1.0f);
      const double tiny_share = seed % 3 == 0 ? 0.002 : seed % 3 == 1 ? 0.05 : 0.4;
      Tensor t{"qe", DType::kBF16, 256, 256, {}};
      for (int i = 0; i < 256 * 256; ++i) {
        float v = normal(rng);
        if (static_cast<double>(rng() % 10000) < tiny_share * 10000) v = std::ldexp(v, -17 - static_cast<int>(rng() % 8));
        t.bits.push_back(f32_bits(v) & 0xFFFF0000u);
      }
      SubTensorConfig cfg;
      cfg.block = blk;
      cfg.mode = SubTensorMode::kQuantError;
      cfg.scale_rule = p.subtensor_scale;
      cfg.error_form = p.subtensor_error_form;
      cfg.metric = p.metric;
      cfg.rules = p.rules;
      const QuantResult r = quantize_subtensor(t, cfg);
      const int64_t gc = 256 / blk.cols;
      std::vector<float> e4(t.size(), 0.0f), e5(t.size(), 0.0f);  // each block fills its own elements
      for (int64_t b = 0; b < r.block_grid_rows * gc; ++b) {
        float amax = 0, amin = INFINITY;
        const int64_t r0 = b / gc * blk.rows, c0 = b % gc * blk.cols;
        for (int64_t rr = r0; rr < r0 + blk.rows; ++rr)
          for (int64_t c = c0; c < c0 + blk.cols; ++c) {
            const float v = std::fabs(f32_from_bits(t.at(rr, c)));
            amax = std::max(amax, v);
            if (v != 0) amin = std::min(amin, v);
          }
        const float dr = amax / amin;
        if (!(dr > 4 * 28672.0f && dr <= 939524096.0f)) continue;  // only the measured band
        ++measured;
        const float s4 = 448.0f / amax, s5 = 57344.0f / amax;
        for (int64_t rr = r0; rr < r0 + blk.rows; ++rr)
          for (int64_t c = c0; c < c0 + blk.cols; ++c) {
            const auto i = static_cast<std::size_t>(rr * 256 + c);
            const float x = f32_from_bits(t.bits[i]);
            if (x == 0) continue;
            e4[i] = std::fabs(f32_from_bits(quantize_element<E4M3>(t.bits[i], f32_bits(s4)).dequant) / x - 1.0f);
            e5[i] = std::fabs(f32_from_bits(quantize_element<E5M2>(t.bits[i], f32_bits(s5)).dequant) / x - 1.0f);
          }
        float sum4 = 0, sum5 = 0;
        if (blk.cols == 32 && blk.rows == 1) {  // 16 threads: not whole warps, the model sums in row-major order
          for (int64_t c = c0; c < c0 + 32; ++c) sum4 += e4[static_cast<std::size_t>(r0 * 256 + c)];
          for (int64_t c = c0; c < c0 + 32; ++c) sum5 += e5[static_cast<std::size_t>(r0 * 256 + c)];
        } else {
          sum4 = sim::subtensor_block_error_sum(e4, 256, 256, blk.rows, blk.cols, b / gc, b % gc);
          sum5 = sim::subtensor_block_error_sum(e5, 256, 256, blk.rows, blk.cols, b / gc, b % gc);
        }
        const FormatTag want = sum4 <= sum5 ? FormatTag::kE4M3 : FormatTag::kBF16;
        ASSERT_EQ(r.block_tag[static_cast<std::size_t>(b)], static_cast<uint8_t>(want)) << blk.rows << "x" << blk.cols << " " << b;
        (want == FormatTag::kE4M3 ? chose_e4m3 : chose_bf16)++;
      }
    }
  EXPECT_GT(measured, 100);
  EXPECT_GT(chose_e4m3, 10);
  EXPECT_GT(chose_bf16, 10);
}

// ---- the output error every policy reports (QuantResult::output_err_*) ----

// D5's FP32 order over a result's blocks, written plainly: the reference's CUDA tree where its grid defines one
// (simulated thread by thread), else each block row-major and the block sums in block order.
float plain_output_fp32(const Tensor& t, const std::vector<uint32_t>& dequant, BlockShape blk) {
  std::vector<float> e(t.size(), 0.0f);
  for (std::size_t i = 0; i < t.size(); ++i)
    if (!f32_is_zero(t.bits[i]) && f32_is_finite(t.bits[i])) e[i] = f32_from_bits(relative_error(t.bits[i], dequant[i]));
  if (blk.rows % 32 == 0 && blk.cols % 64 == 0 && t.rows % blk.rows == 0 && t.cols % blk.cols == 0)
    return sim::tensor_level_error_sum(e, t.rows, t.cols, blk.rows, blk.cols);
  float total = 0;
  for (int64_t r0 = 0; r0 < t.rows; r0 += blk.rows)
    for (int64_t c0 = 0; c0 < t.cols; c0 += blk.cols) {
      float block = 0;
      for (int64_t r = r0; r < std::min(t.rows, r0 + blk.rows); ++r)
        for (int64_t c = c0; c < std::min(t.cols, c0 + blk.cols); ++c) block += e[static_cast<std::size_t>(r * t.cols + c)];
      total += block;
    }
  return total;
}

TEST(policy, OutputErrorIsTheErrorOfWhatWasWritten) {
  int checked = 0;
  for (int kind : {0, 1, 3, 5})
    for (auto shape : {std::pair<int64_t, int64_t>{256, 256}, {100, 130}})
      for (double T : {0.045, 0.0}) {
        Tensor t = kind == 3 ? fp32_tensor(shape.first, shape.second, 77, 30)
                             : make_tensor("t", shape.first, shape.second, 60 + static_cast<uint64_t>(kind), kind);
        if (kind == 5) t.bits[17] = 0xFF800000u;  // a non-finite block / tensor
        TensorLevelConfig tl;
        tl.threshold = T;
        SubTensorConfig st;
        st.mode = T == 0.0 ? SubTensorMode::kQuantError : SubTensorMode::kDynamicRange;
        const std::pair<QuantResult, BlockShape> results[] = {
            {quantize_tensor_level(t, tl), tl.block},        {quantize_subtensor(t, st), st.block},
            {quantize_current_scaling(t, CurrentScalingConfig{}), BlockShape{128, 128}},
            {quantize_mx(t, MxConfig{}), MxConfig{}.block}, {quantize_blockwise(t, BlockwiseConfig{}), BlockwiseConfig{}.block}};
        for (const auto& [r, blk] : results) {
          const ErrorSummary want = measure_error(t, r.dequant);  // report.cpp's definition, element by element
          ASSERT_EQ(r.output_err_sum, want.err_sum) << r.policy << " kind " << kind;
          ASSERT_EQ(r.output_nnz, want.nnz) << r.policy << " kind " << kind;
          ASSERT_TRUE(r.has_output_err_fp32);
          ASSERT_EQ(f32_bits(r.output_err_fp32), f32_bits(plain_output_fp32(t, r.dequant, blk))) << r.policy << " kind " << kind;
          ++checked;
        }
        const QuantResult& r = results[0].first;  // tensor level, FP8 decided: the output error is the metric
        if (r.tensor_format != FormatTag::kBF16) {
          EXPECT_EQ(r.output_err_sum, r.err_sum);
          EXPECT_EQ(f32_bits(fdiv_rn(r.output_err_fp32, static_cast<float>(r.output_nnz))), f32_bits(r.mre_fp32));
        }
      }
  EXPECT_EQ(checked, 80);
  CurrentScalingConfig canonical;
  canonical.output_errors = OutputErrors::kCanonical;
  const Tensor small = make_tensor("t", 64, 64, 1, 0);
  QuantResult c = quantize_current_scaling(small, canonical);
  EXPECT_FALSE(c.has_output_err_fp32);
  EXPECT_EQ(c.output_err_sum, measure_error(small, c.dequant).err_sum);
  canonical.output_errors = OutputErrors::kNone;
  c = quantize_current_scaling(small, canonical);
  EXPECT_EQ(c.output_err_sum, 0u);
  EXPECT_EQ(c.output_nnz, 0u);
}

// write_outputs = false: no codes or fake-quantized values, and every decision, tag, scale and error the same.
TEST(policy, WithoutOutputsEverythingElseIsTheSame) {
  auto same = [](const QuantResult& a, const QuantResult& b) {
    return a.tensor_format == b.tensor_format && a.reason == b.reason && a.block_tag == b.block_tag &&
           a.block_scale == b.block_scale && a.block_exp_offset == b.block_exp_offset && a.err_sum == b.err_sum &&
           f32_bits(a.mre_fp32) == f32_bits(b.mre_fp32) && a.output_err_sum == b.output_err_sum &&
           a.output_nnz == b.output_nnz && f32_bits(a.output_err_fp32) == f32_bits(b.output_err_fp32) &&
           a.elements_per_format == b.elements_per_format;
  };
  for (int kind : {0, 1, 4, 5}) {
    Tensor t = make_tensor("t", 256, 384, 90 + static_cast<uint64_t>(kind), kind);
    if (kind == 4) t.bits[300] = 0x7FC00000u;
    for (const char* profile : {"PROJECT_DEFAULT", "MOR_REF", "MICROXCALING"}) {
      const Profile p = *find_profile(profile);
      TensorLevelConfig tl = mor_ref_tensor_level();
      tl.rules = p.rules;
      SubTensorConfig st;
      st.mode = kind % 2 ? SubTensorMode::kQuantError : SubTensorMode::kDynamicRange;
      st.rules = p.rules;
      MxConfig mx;
      mx.rules = p.rules;
      for (double T : {0.045, 0.0}) {
        tl.threshold = T;
        QuantResult with = quantize_tensor_level(t, tl);
        tl.write_outputs = false;
        QuantResult without = quantize_tensor_level(t, tl);
        tl.write_outputs = true;
        EXPECT_TRUE(without.codes.empty() && without.dequant.empty());
        EXPECT_TRUE(same(with, without)) << profile << " kind " << kind << " T " << T;
      }
      QuantResult a = quantize_subtensor(t, st), b;
      st.write_outputs = false;
      quantize_subtensor(t, st, b);
      EXPECT_TRUE(b.codes.empty() && same(a, b)) << profile << " kind " << kind;
      a = quantize_mx(t, mx);
      mx.write_outputs = false;
      quantize_mx(t, mx, b);  // reusing a result that had outputs: they are dropped
      EXPECT_TRUE(b.codes.empty() && same(a, b)) << profile << " kind " << kind;
      a = quantize_current_scaling(t, CurrentScalingConfig{});
      CurrentScalingConfig cs;
      cs.write_outputs = false;
      EXPECT_TRUE(same(a, quantize_current_scaling(t, cs)));
      a = quantize_blockwise(t, BlockwiseConfig{});
      BlockwiseConfig bw;
      bw.write_outputs = false;
      EXPECT_TRUE(same(a, quantize_blockwise(t, bw)));
    }
  }
}

// A reused result gives the same as a fresh one, whatever it held before.
TEST(policy, ReusedResultEqualsFreshOne) {
  QuantResult reused;
  for (int kind = 0; kind < 6; ++kind)
    for (auto shape : {std::pair<int64_t, int64_t>{256, 384}, {64, 64}, {300, 17}}) {
      const Tensor t = make_tensor("t", shape.first, shape.second, 500 + static_cast<uint64_t>(kind), kind);
      SubTensorConfig st;
      st.mode = SubTensorMode::kQuantError;
      quantize_subtensor(t, st, reused);
      const QuantResult fresh = quantize_subtensor(t, st);
      EXPECT_EQ(reused.codes, fresh.codes);
      EXPECT_EQ(reused.dequant, fresh.dequant);
      EXPECT_EQ(reused.block_tag, fresh.block_tag);
      quantize_tensor_level(t, TensorLevelConfig{}, reused);
      const QuantResult fresh_tl = quantize_tensor_level(t, TensorLevelConfig{});
      EXPECT_EQ(reused.codes, fresh_tl.codes);
      EXPECT_EQ(reused.dequant, fresh_tl.dequant);
      EXPECT_EQ(reused.err_sum, fresh_tl.err_sum);
    }
}

// ---- BF16 tensors held as stored, shared statistics, the row kernels of 1xN blocks (issue 19, round 2) ----

// Every field of two results, or the first that differs.
std::string result_difference(const QuantResult& a, const QuantResult& b) {
  auto f = [](float v) { return f32_bits(v); };
  const std::pair<const char*, bool> fields[] = {
      {"policy", a.policy == b.policy},
      {"tensor_format", a.tensor_format == b.tensor_format},
      {"reason", a.reason == b.reason},
      {"block", a.block.rows == b.block.rows && a.block.cols == b.block.cols},
      {"grid", a.block_grid_rows == b.block_grid_rows && a.block_grid_cols == b.block_grid_cols},
      {"block_tag", a.block_tag == b.block_tag},
      {"block_amax", a.block_amax == b.block_amax},
      {"block_scale", a.block_scale == b.block_scale},
      {"block_exp_offset", a.block_exp_offset == b.block_exp_offset},
      {"block_scale_e8m0", a.block_scale_e8m0 == b.block_scale_e8m0},
      {"group_amax", a.group_amax == b.group_amax},
      {"group_scale", a.group_scale == b.group_scale},
      {"codes", a.codes == b.codes},
      {"dequant", a.dequant == b.dequant},
      {"nnz", a.nnz == b.nnz && a.nonfinite == b.nonfinite && a.tensor_amax == b.tensor_amax},
      {"err_sum", a.err_sum == b.err_sum && a.threshold_fx == b.threshold_fx},
      {"decisions", a.canonical_rejects == b.canonical_rejects && a.fp32_rejects == b.fp32_rejects},
      {"mre_fp32", f(a.mre_fp32) == f(b.mre_fp32)},
      {"interval", a.interval_k == b.interval_k && a.interval_lo_sum == b.interval_lo_sum &&
                       a.interval_hi_sum == b.interval_hi_sum && a.interval_fallbacks == b.interval_fallbacks},
      {"per_format", a.blocks_per_format == b.blocks_per_format && a.elements_per_format == b.elements_per_format},
      {"output_err", a.output_err_sum == b.output_err_sum && a.output_nnz == b.output_nnz &&
                         f(a.output_err_fp32) == f(b.output_err_fp32) && a.has_output_err_fp32 == b.has_output_err_fp32},
  };
  for (const auto& [name, same] : fields)
    if (!same) return name;
  return "";
}

// A BF16 tensor holding its stored 16-bit data instead of FP32 bits.
Tensor held_as_bf16(const Tensor& t) {
  Tensor h = t;
  h.bf16.resize(t.bits.size());
  for (std::size_t i = 0; i < t.bits.size(); ++i) h.bf16[i] = static_cast<uint16_t>(t.bits[i] >> 16);
  h.bits.clear();
  return h;
}

// BF16 test tensors with specials sprinkled in: -0, NaN payloads, Inf, subnormals, the largest value.
Tensor with_specials(Tensor t, uint64_t seed) {
  const uint32_t specials[] = {0x80000000u, 0x7FA10000u, 0xFFC00000u, 0x7F800000u, 0xFF800000u,
                               0x00010000u, 0x80070000u, 0x7F7F0000u, 0x00000000u};
  std::mt19937_64 rng(seed);
  for (int k = 0; k < 12; ++k) t.bits[rng() % t.bits.size()] = specials[rng() % std::size(specials)];
  return t;
}

// The five policies configured as a profile sets them (as the CLI's plan_policy does).
struct ProfileConfigs {
  TensorLevelConfig tl;
  SubTensorConfig st;
  CurrentScalingConfig cs;
  MxConfig mx;
  BlockwiseConfig bw;
};

ProfileConfigs configs_of(const Profile& p, int threads, bool write_outputs) {
  ProfileConfigs c;
  c.tl.rules = c.st.rules = c.cs.rules = c.mx.rules = c.bw.rules = p.rules;
  c.tl.metric = p.metric;
  c.tl.gam_group_floor = p.gam_group_floor;
  c.tl.zero_inputs_positive = p.zero_inputs_positive;
  c.st.metric = p.metric;
  c.st.scale_rule = p.subtensor_scale;
  c.st.error_form = p.subtensor_error_form;
  c.mx.rule = p.mx_rule;
  c.tl.threads = c.st.threads = c.cs.threads = c.mx.threads = c.bw.threads = threads;
  c.tl.write_outputs = c.st.write_outputs = c.cs.write_outputs = c.mx.write_outputs = c.bw.write_outputs = write_outputs;
  return c;
}

// Every policy of `c` on t and u must give the same result (u: t in another form, or with shared statistics).
void expect_same_policies(const Tensor& t, const Tensor& u, ProfileConfigs c, const SharedStats* shared,
                          const std::string& where) {
  auto check = [&](const QuantResult& a, const QuantResult& b, const char* what) {
    const std::string diff = result_difference(a, b);
    EXPECT_EQ(diff, "") << where << " " << what;
  };
  QuantResult b;
  for (double T : {0.045, 0.0}) {  // accepted and rejected tensors
    c.tl.threshold = T;
    quantize_tensor_level(u, c.tl, b, shared);
    check(quantize_tensor_level(t, c.tl), b, "tensor level");
  }
  for (SubTensorMode mode : {SubTensorMode::kDynamicRange, SubTensorMode::kQuantError}) {
    c.st.mode = mode;
    quantize_subtensor(u, c.st, b, shared);
    check(quantize_subtensor(t, c.st), b, "sub-tensor");
  }
  quantize_current_scaling(u, c.cs, b, shared);
  check(quantize_current_scaling(t, c.cs), b, "current scaling");
  for (BlockShape blk : {BlockShape{1, 32}, BlockShape{16, 32}}) {  // one-row blocks take the row kernel
    c.mx.block = blk;
    quantize_mx(u, c.mx, b, shared);
    check(quantize_mx(t, c.mx), b, "mxfp8");
  }
  for (BlockShape blk : {BlockShape{1, 128}, BlockShape{128, 128}}) {
    c.bw.block = blk;
    quantize_blockwise(u, c.bw, b, shared);
    check(quantize_blockwise(t, c.bw), b, "blockwise");
  }
}

// A BF16 tensor read as stored (2 bytes per element) gives every output of its widened FP32 form, for every
// profile, policy and block shape, with and without element outputs, on any thread count.
TEST(policy, Bf16HeldTensorGivesTheSameResults) {
  int runs = 0;
  for (int kind : {0, 1, 4, 5})
    for (auto shape : {std::pair<int64_t, int64_t>{256, 384}, {100, 130}, {1, 1000}}) {
      Tensor t = make_tensor("t", shape.first, shape.second, 700 + static_cast<uint64_t>(kind), kind);
      if (kind >= 4) t = with_specials(t, static_cast<uint64_t>(kind));
      const Tensor h = held_as_bf16(t);
      ASSERT_TRUE(h.holds_bf16());
      ASSERT_EQ(h.size(), t.size());
      for (const Profile& p : all_profiles())
        for (bool write : {true, false}) {
          expect_same_policies(t, h, configs_of(p, kind % 2 ? 3 : 1, write), nullptr,
                               p.name + " kind " + std::to_string(kind) + " " + std::to_string(shape.first) + "x" +
                                   std::to_string(shape.second) + (write ? "" : " no outputs"));
          ++runs;
        }
    }
  EXPECT_EQ(runs, 4 * 3 * 7 * 2);
}

// Shared statistics: every block's statistics are stats_add over its elements, for every shape in the set; a
// policy using them gives the result it computes alone; they are found only for their tensor, shape and policy.
TEST(policy, SharedStatisticsGiveTheSameResults) {
  const std::vector<std::vector<BlockShape>> sets = {
      {{128, 128}, {1, 32}, {1, 128}, {128, 128}},  // mor analyze's (a shape twice)
      {{64, 96}, {1, 32}, {32, 32}},
      {{128, 128}, {1, 100}},  // widths with a small common divisor: a pass per shape
      {{1, 32}}};
  for (int form = 0; form < 3; ++form)
    for (auto shape : {std::pair<int64_t, int64_t>{256, 384}, {100, 130}, {300, 17}, {1, 1000}}) {
      Tensor t = form == 2 ? fp32_tensor(shape.first, shape.second, 31, 30)
                           : with_specials(make_tensor("t", shape.first, shape.second, 41, 5), 3);
      if (form == 2) t.bits[7] = 0x7FC00001u;
      if (form == 1) t = held_as_bf16(t);
      for (const auto& shapes : sets)
        for (NanPolicy nan : {NanPolicy::kIgnoreNan, NanPolicy::kPropagateNan}) {
          SharedStats ss;
          ss.compute(t, shapes, nan, 2);
          for (BlockShape blk : shapes) {
            const std::vector<BlockStats>* got = ss.find(t, blk, nan);
            ASSERT_NE(got, nullptr);
            const int64_t gr = (t.rows + blk.rows - 1) / blk.rows, gc = (t.cols + blk.cols - 1) / blk.cols;
            ASSERT_EQ(got->size(), static_cast<std::size_t>(gr * gc));
            for (int64_t b = 0; b < gr * gc; ++b) {
              BlockStats want;
              for (int64_t r = (b / gc) * blk.rows; r < std::min(t.rows, (b / gc + 1) * blk.rows); ++r)
                for (int64_t c = (b % gc) * blk.cols; c < std::min(t.cols, (b % gc + 1) * blk.cols); ++c)
                  stats_add(want, t.at(r, c), nan);
              const BlockStats& g = (*got)[static_cast<std::size_t>(b)];
              ASSERT_TRUE(g.amax == want.amax && g.min_nonzero == want.min_nonzero && g.nnz == want.nnz &&
                          g.nonfinite == want.nonfinite && g.saw_nan == want.saw_nan)
                  << "form " << form << " block " << blk.rows << "x" << blk.cols << " #" << b;
            }
          }
          EXPECT_EQ(ss.find(t, BlockShape{7, 7}, nan), nullptr);
          EXPECT_EQ(ss.find(t, shapes[0], nan == NanPolicy::kIgnoreNan ? NanPolicy::kPropagateNan : NanPolicy::kIgnoreNan),
                    nullptr);
          const Tensor copy = t;  // the same values elsewhere: not the tensor they were computed for
          EXPECT_EQ(ss.find(copy, shapes[0], nan), nullptr);
        }
      // Policies with the statistics mor analyze shares give what they compute alone.
      SharedStats ss;
      ss.compute(t, {{128, 128}, {1, 32}, {1, 128}, {16, 32}}, NanPolicy::kIgnoreNan, 2);
      for (const char* profile : {"PROJECT_DEFAULT", "MOR_REF", "OCP_MX"})
        expect_same_policies(t, t, configs_of(*find_profile(profile), 2, true), &ss,
                             std::string(profile) + " shared, form " + std::to_string(form));
    }
}

// MXFP8 and blockwise over rows of 1x32 / 1x128 blocks (one kernel call per row, MX multiplying by RN32(1 / X)):
// every code and value is the scalar element path with the block's scale, for every profile's rules, both FP8
// formats, BF16 and FP32 inputs, edge blocks.
TEST(policy, RowBlocksAreTheScalarElementPath) {
  uint64_t bad = 0, checked = 0;
  for (int form = 0; form < 2; ++form) {
    const Tensor base = form ? fp32_tensor(64, 100, 5, 40) : with_specials(make_tensor("t", 64, 100, 9, 5), 4);
    const Tensor t = form ? base : held_as_bf16(base);
    for (const Profile& p : all_profiles())
      for (FormatTag fmt : {FormatTag::kE4M3, FormatTag::kE5M2}) {
        MxConfig mx;
        mx.rules = p.rules;
        mx.rule = p.mx_rule;
        mx.format = fmt;
        mx.threads = 2;
        const QuantResult r = quantize_mx(t, mx);
        BlockwiseConfig bw;
        bw.rules = p.rules;
        bw.threads = 2;
        const QuantResult w = fmt == FormatTag::kE4M3 ? quantize_blockwise(t, bw) : QuantResult{};
        for (int64_t i = 0; i < t.rows * t.cols; ++i) {
          const uint32_t x = t.value(static_cast<std::size_t>(i));
          const int64_t row = i / t.cols, col = i % t.cols;
          const uint32_t X = f32_from_e8m0(r.block_scale_e8m0[static_cast<std::size_t>(row * 4 + col / 32)]);
          uint8_t q = fmt == FormatTag::kE4M3 ? convert<E4M3, FP32>(fdiv_rn_bits(x, X), p.rules.mode)
                                              : convert<E5M2, FP32>(fdiv_rn_bits(x, X), p.rules.mode);
          if (p.rules.negative_zero_to_positive && q == 0x80) q = 0;
          const uint32_t qf = fmt == FormatTag::kE4M3 ? convert<FP32, E4M3>(q, kIeeeDefault) : convert<FP32, E5M2>(q, kIeeeDefault);
          bad += r.codes[static_cast<std::size_t>(i)] != q || r.dequant[static_cast<std::size_t>(i)] != fmul_rn_bits(qf, X);
          ++checked;
          if (fmt != FormatTag::kE4M3) continue;
          const uint32_t s = w.block_scale[static_cast<std::size_t>(row + col / 128)];
          uint8_t qb = convert<E4M3, FP32>(fmul_rn_bits(x, s), p.rules.mode);
          if (p.rules.negative_zero_to_positive && qb == 0x80) qb = 0;
          const uint32_t qbf = convert<FP32, E4M3>(qb, kIeeeDefault);
          const uint32_t db = p.rules.dequant == DequantMode::kDivideByScale
                                  ? fdiv_rn_bits(qbf, s)
                                  : fmul_rn_bits(qbf, f32_bits(fdiv_rn(1.0f, f32_from_bits(s))));
          bad += w.codes[static_cast<std::size_t>(i)] != qb || w.dequant[static_cast<std::size_t>(i)] != db;
        }
      }
  }
  EXPECT_EQ(bad, 0u);
  EXPECT_GT(checked, 100'000u);
}

// FakeOutput::kBf16: the values written as BF16 are fake_bf16(rules.bf16) of the FP32 ones, and everything else is
// the same, for every profile and policy, small and large (streamed) tensors, BF16 and FP32 inputs.
TEST(policy, Bf16FakeOutputIsTheRoundingOfTheFp32One) {
  int checked = 0;
  for (int form = 0; form < 3; ++form) {
    const Tensor t = form == 0   ? with_specials(make_tensor("t", 100, 130, 21, 5), 8)
                     : form == 1 ? fp32_tensor(64, 96, 22, 30)
                                 : held_as_bf16(make_tensor("big", 2048, 2048, 23, 1));
    for (const Profile& p : all_profiles()) {
      if (form == 2 && p.name != "PROJECT_DEFAULT" && p.name != "MOR_REF") continue;  // large: two profiles
      ProfileConfigs c = configs_of(p, 2, true), b = c;
      b.tl.fake_output = b.st.fake_output = b.cs.fake_output = b.mx.fake_output = b.bw.fake_output = FakeOutput::kBf16;
      auto check = [&](const QuantResult& f, QuantResult h, const char* what) {
        ASSERT_TRUE(h.dequant.empty()) << what;
        ASSERT_EQ(h.dequant_bf16, f.fake_bf16(p.rules.bf16)) << p.name << " " << what << " form " << form;
        h.dequant = f.dequant;  // the rest is the same
        h.dequant_bf16.clear();
        EXPECT_EQ(result_difference(f, h), "") << p.name << " " << what << " form " << form;
        ++checked;
      };
      for (double T : {0.045, 0.0}) {
        c.tl.threshold = b.tl.threshold = T;
        check(quantize_tensor_level(t, c.tl), quantize_tensor_level(t, b.tl), "tensor level");
      }
      check(quantize_subtensor(t, c.st), quantize_subtensor(t, b.st), "sub-tensor");
      check(quantize_current_scaling(t, c.cs), quantize_current_scaling(t, b.cs), "current scaling");
      check(quantize_mx(t, c.mx), quantize_mx(t, b.mx), "mxfp8");
      check(quantize_blockwise(t, c.bw), quantize_blockwise(t, b.bw), "blockwise");
    }
  }
  EXPECT_EQ(checked, (7 + 7 + 2) * 6);
}

// Outputs of 4M elements and more are written by streaming stores from a staged row: every code and value is still
// the scalar element path with its block's format and scale (tensor level, sub-tensor, current scaling).
TEST(policy, LargeOutputsAreTheScalarElementPath) {
  const Tensor t = held_as_bf16(make_tensor("big", 2048, 2048, 3, 1));
  auto element = [](FormatTag f, uint32_t x, uint32_t s) {
    return f == FormatTag::kE4M3 ? quantize_element<E4M3>(x, s) : quantize_element<E5M2>(x, s);
  };
  TensorLevelConfig tl;
  tl.threads = 2;
  const QuantResult a = quantize_tensor_level(t, tl);
  ASSERT_NE(a.tensor_format, FormatTag::kBF16);
  SubTensorConfig st;
  st.threads = 2;
  const QuantResult b = quantize_subtensor(t, st);
  CurrentScalingConfig cs;
  cs.threads = 2;
  const QuantResult c = quantize_current_scaling(t, cs);
  uint64_t bad = 0;
  for (int64_t i = 0; i < t.rows * t.cols; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const uint32_t x = t.value(k);
    const auto blk = static_cast<std::size_t>((i / t.cols) / 128 * 16 + (i % t.cols) / 128);
    const QuantizedElement wa = element(a.tensor_format, x, a.block_scale[blk]);
    bad += a.codes[k] != wa.code || a.dequant[k] != wa.dequant;
    const auto tag = static_cast<FormatTag>(b.block_tag[blk]);
    const QuantizedElement wb = tag == FormatTag::kBF16 ? QuantizedElement{0, x} : element(tag, x, b.block_scale[blk]);
    bad += b.codes[k] != wb.code || b.dequant[k] != wb.dequant;
    const QuantizedElement wc = element(FormatTag::kE4M3, x, c.group_scale[0]);
    bad += c.codes[k] != wc.code || c.dequant[k] != wc.dequant;
  }
  EXPECT_EQ(bad, 0u);
}

TEST(policy, ProfilesByName) {
  EXPECT_TRUE(find_profile("project-default"));
  EXPECT_TRUE(find_profile("mor_ref"));
  EXPECT_TRUE(find_profile("ML_DTYPES"));
  EXPECT_FALSE(find_profile("nope"));
  EXPECT_EQ(all_profiles().size(), 7u);
  // MICROXCALING writes negative underflow as +0; the project default keeps -0.
  Tensor t{"t", DType::kF32, 1, 32, std::vector<uint32_t>(32, f32_bits(-1e-30f))};
  t.bits[0] = f32_bits(1.0f);
  MxConfig mx;
  mx.rules = find_profile("MICROXCALING")->rules;
  EXPECT_EQ(quantize_mx(t, mx).codes[1], 0x00);
  EXPECT_EQ(quantize_mx(t, MxConfig{}).codes[1], 0x80);
}

}  // namespace
}  // namespace mor
