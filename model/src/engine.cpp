#include "mor/engine.hpp"

#include <cmath>
#include <limits>

#include "mor/core/fp32_ops.hpp"
#include "mor/core/splitmix64.hpp"

namespace mor {

EngineExpect engine_expected(const Tensor& t, const EngineConfig& c) {
  EngineExpect e{};
  const auto cols = static_cast<std::size_t>(c.block_beats * c.lanes);
  QuantResult r;
  if (c.mode == 0) {
    TensorLevelConfig tc;
    tc.block = {1, static_cast<int64_t>(cols)};
    tc.threshold = static_cast<double>(c.threshold_fx) / 16777216.0;  // exact: threshold_fx() gives it back
    tc.compute_reference_metric = false;
    tc.threads = 1;
    r = quantize_tensor_level(t, tc);
    if (r.reason == Reason::kRejected) {
      // The engine emits the E4M3 candidate's codes in pass 2 and decides at the end (a BF16 decision tells the
      // consumer to keep its original tensor): codes and offsets come from the accepted candidate.
      TensorLevelConfig accept_all = tc;
      accept_all.threshold = 1.999;
      const QuantResult cand = quantize_tensor_level(t, accept_all);
      r.codes = cand.codes;
      r.block_exp_offset = cand.block_exp_offset;
    }
    e.tensor.check_group_scale = e.tensor.check_err_sum = r.reason != Reason::kNonFinite;
    e.tensor.group_scale = e.tensor.check_group_scale ? r.group_scale[0] : 0;
    e.tensor.err_sum = r.err_sum;
  } else {
    SubTensorConfig sc;
    sc.block = {1, static_cast<int64_t>(cols)};
    sc.mode = c.qe ? SubTensorMode::kQuantError : SubTensorMode::kDynamicRange;
    sc.e5m2_to_bf16 = c.e5m2_to_bf16;
    sc.scale_rule = c.fp32_scales ? BlockScaleRule::kFp32 : BlockScaleRule::kE8RZ;
    sc.threads = 1;
    r = quantize_subtensor(t, sc);
    e.tensor.check_group_scale = e.tensor.check_err_sum = true;
  }
  e.tensor.decision = static_cast<uint32_t>(r.tensor_format);
  e.tensor.reason = static_cast<uint32_t>(r.reason);
  e.tensor.group_amax = r.tensor_amax;
  e.tensor.nnz = r.nnz;
  if (c.mode == 0 && r.reason == Reason::kNonFinite) return e;  // D2: no codes, no block info
  for (int b = 0; b < c.num_blocks; ++b) {
    const auto bi = static_cast<std::size_t>(b);
    const uint32_t tag = c.mode == 0 ? 0u : r.block_tag[bi];
    e.blocks.push_back({static_cast<uint32_t>(b), tag, c.mode == 0 ? r.block_exp_offset[bi] : r.block_scale[bi]});
    if (tag == static_cast<uint32_t>(FormatTag::kBF16)) continue;
    for (int beat = 0; beat < c.block_beats; ++beat) {
      EngineCodeBeat cb{std::vector<uint8_t>(static_cast<std::size_t>(c.lanes)), beat == c.block_beats - 1};
      for (int l = 0; l < c.lanes; ++l)
        cb.codes[static_cast<std::size_t>(l)] = r.codes[bi * cols + static_cast<std::size_t>(beat * c.lanes + l)];
      e.code_beats.push_back(std::move(cb));
    }
  }
  return e;
}

std::vector<std::vector<uint32_t>> engine_input_beats(const Tensor& t, const EngineConfig& c) {
  std::vector<std::vector<uint32_t>> beats;
  const std::size_t n = t.bits.size() / static_cast<std::size_t>(c.lanes);
  for (int pass = 0; pass < (c.mode == 0 ? 2 : 1); ++pass)
    for (std::size_t b = 0; b < n; ++b)
      beats.emplace_back(t.bits.begin() + static_cast<std::ptrdiff_t>(b * static_cast<std::size_t>(c.lanes)),
                         t.bits.begin() + static_cast<std::ptrdiff_t>((b + 1) * static_cast<std::size_t>(c.lanes)));
  return beats;
}

const char* engine_block_style_name(int style) {
  static const char* kNames[kEngineStyleE5Band + 1] = {"normal", "scaled normal", "wide range", "all-zero",
                                                       "sparse", "narrow", "NaN inside", "Inf inside",
                                                       "near overflow", "subnormal values", "E5M2-band range"};
  return style >= 0 && style <= kEngineStyleE5Band ? kNames[style] : "?";
}

namespace {

struct Rng : SplitMix64 {  // the same tensors on every platform
  // A rough normal sample: the sum of four uniforms, centred (integer arithmetic, then one exact scaling).
  float normalish() {
    int64_t s4 = 0;
    for (int k = 0; k < 4; ++k) s4 += static_cast<int64_t>(next() >> 40);
    return static_cast<float>(s4 - (int64_t{1} << 25)) * 0x1p-23f;
  }
};

float pow2(int e) { return f32_from_bits(static_cast<uint32_t>(127 + e) << 23); }  // |e| <= 126

}  // namespace

Tensor engine_test_tensor(uint64_t seed, const EngineConfig& c, int force_style) {
  Rng rng{seed};
  const int n = c.block_beats * c.lanes;
  Tensor t{"engine", DType::kF32, c.num_blocks, n, {}};
  const int tensor_exp = static_cast<int>(rng.next() % 40) - 20;
  for (int b = 0; b < c.num_blocks; ++b) {
    const int style = force_style >= 0 ? force_style : static_cast<int>(rng.next() % kEngineBlockStyles);
    const float bs = pow2(tensor_exp + static_cast<int>(rng.next() % 12) - 6);
    for (int i = 0; i < n; ++i) {
      float v = fmul_rn(rng.normalish(), bs);
      switch (style) {
        case 2: v = fmul_rn(v, pow2(static_cast<int>(rng.next() % 40) - 20)); break;
        case 3: v = 0.0f; break;
        case 4: v = rng.next() % 4 ? 0.0f : v; break;
        case 5: v = 1.0f + static_cast<float>(rng.next() % 1000) * 0x1p-10f; break;
        case 6: v = i == 3 ? std::numeric_limits<float>::quiet_NaN() : v; break;
        case 7: v = i == 5 ? -std::numeric_limits<float>::infinity() : v; break;
        case 8: v = fmul_rn(rng.normalish(), 0x1p122f); break;
        case 9: v = f32_from_bits(static_cast<uint32_t>(rng.next() % 0x00800000u) | (rng.next() % 2 ? 0x80000000u : 0u)); break;
        case kEngineStyleE5Band: v = fmul_rn(v, pow2(static_cast<int>(rng.next() % 16))); break;
        default: break;
      }
      t.bits.push_back(f32_bits(v));
    }
  }
  return t;
}

}  // namespace mor
