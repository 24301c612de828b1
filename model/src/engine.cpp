#include "mor/engine.hpp"

#include <cmath>
#include <limits>

#include "mor/core/amax.hpp"
#include "mor/core/convert.hpp"
#include "mor/core/decision.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/metric_interval.hpp"
#include "mor/core/scale.hpp"
#include "mor/core/splitmix64.hpp"

namespace mor {

bool engine_refuses(const EngineConfig& c) {
  if (c.block_beats <= 0 || c.block_beats > kEngineBlockBeatsMax || c.num_blocks <= 0) return true;
  if (c.mode != static_cast<int>(EngineMode::kTensorLevel) && c.mode != static_cast<int>(EngineMode::kSubTensor)) return true;
  if (c.num_blocks > int64_t{0xFFFFFFFF}) return true;  // past cfg_num_blocks' 32 bits
  return static_cast<uint64_t>(c.num_blocks) * static_cast<uint64_t>(c.block_beats) * static_cast<uint64_t>(c.lanes) >
         (uint64_t{1} << kEngineElementsLog2Max);
}

namespace {

// Tensor-level (D3, D5, D6 with the interval metric of the engine's K): the decision, the bounds' sums and whether
// they left it open (then the engine's err_sum is the exact one). The engine emits the E4M3 candidate's codes in
// pass 2 and decides at the end (a BF16 decision tells the consumer to keep its original tensor).
QuantResult tensor_level_expected(const Tensor& t, const EngineConfig& c, EngineTensorInfo& info) {
  TensorLevelConfig tc;
  tc.block = {1, static_cast<int64_t>(c.block_beats) * c.lanes};
  tc.threshold = static_cast<double>(c.threshold_fx) / 16777216.0;  // exact: threshold_fx() gives it back
  tc.compute_reference_metric = false;
  tc.metric = MetricKind::kInterval;
  tc.interval_k = kEngineIntervalK;
  tc.threads = 1;
  QuantResult r = quantize_tensor_level(t, tc);
  const bool fallback = r.interval_fallbacks > 0;
  info.check_group_scale = info.check_sums = r.reason != Reason::kNonFinite;
  info.group_scale = info.check_group_scale ? r.group_scale[0] : 0;
  info.sum_lo = r.interval_lo_sum;
  info.sum_hi = r.interval_hi_sum;
  info.fallbacks = fallback ? 1u : 0u;
  info.err_sum = fallback ? r.err_sum : 0;
  if (r.reason == Reason::kRejected) {
    TensorLevelConfig accept_all = tc;
    accept_all.threshold = 1.999;
    const QuantResult cand = quantize_tensor_level(t, accept_all);
    r.codes = cand.codes;
    r.block_exp_offset = cand.block_exp_offset;
  }
  return r;
}

// Sub-tensor: the quant-error blocks whose interval bounds (E4M3 against E5M2) leave the choice open: the engine
// decides them by their exact sums (a fallback).
uint32_t subtensor_fallbacks(const Tensor& t, const EngineConfig& c) {
  if (!c.qe) return 0;
  const std::size_t cols = static_cast<std::size_t>(c.block_beats) * static_cast<std::size_t>(c.lanes);
  const SubTensorRules rules{true, c.e5m2_to_bf16, false};
  uint32_t n = 0;
  for (int64_t b = 0; b < c.num_blocks; ++b) {
    BlockStats st;
    const uint32_t* x = &t.bits[static_cast<std::size_t>(b) * cols];
    for (std::size_t i = 0; i < cols; ++i) stats_add(st, x[i], NanPolicy::kIgnoreNan);
    if (st.nonfinite > 0 || !subtensor_band(subtensor_dynamic_range(st.amax, st.min_nonzero), false, rules).measure)
      continue;
    uint64_t lo[2] = {0, 0}, hi[2] = {0, 0};
    for (int f = 0; f < 2; ++f) {
      const float fmax = f ? kE5M2Max : kE4M3Max;
      const uint32_t s = c.fp32_scales ? fp32_block_scale(st.amax, fmax) : mor_e8_rz_scale(st.amax, fmax);
      for (std::size_t i = 0; i < cols; ++i) {
        const uint32_t y = fmul_rn_bits(x[i], s);
        const uint32_t q = f ? f32_from_e5m2(e5m2_from_f32(y)) : f32_from_e4m3(e4m3_from_f32(y));
        const ErrorFxInterval e = error_fx_interval(x[i], y, q, kEngineIntervalK);
        lo[f] += e.lo;
        hi[f] += e.hi;
      }
    }
    n += !(hi[0] <= lo[1]) && !(lo[0] > hi[1]);
  }
  return n;
}

}  // namespace

EngineExpect engine_expected(const Tensor& t, const EngineConfig& c) {
  EngineExpect e{};
  if (engine_refuses(c)) {
    e.tensor.status = static_cast<uint32_t>(EngineStatus::kRefused);
    return e;
  }
  const auto cols = static_cast<std::size_t>(c.block_beats * c.lanes);
  QuantResult r;
  if (c.mode == 0) {
    r = tensor_level_expected(t, c, e.tensor);
    e.meta = r.block_amax;
    e.passes = 2 + static_cast<int>(e.tensor.fallbacks);
  } else {
    SubTensorConfig sc;
    sc.block = {1, static_cast<int64_t>(cols)};
    sc.mode = c.qe ? SubTensorMode::kQuantError : SubTensorMode::kDynamicRange;
    sc.e5m2_to_bf16 = c.e5m2_to_bf16;
    sc.scale_rule = c.fp32_scales ? BlockScaleRule::kFp32 : BlockScaleRule::kE8RZ;
    sc.threads = 1;
    r = quantize_subtensor(t, sc);
    e.tensor.fallbacks = subtensor_fallbacks(t, c);
    e.passes = 1;
  }
  e.tensor.decision = static_cast<uint32_t>(r.tensor_format);
  e.tensor.reason = static_cast<uint32_t>(r.reason);
  e.tensor.group_amax = r.tensor_amax;
  e.tensor.nnz = r.nnz;
  if (c.mode == 0 && r.reason == Reason::kNonFinite) return e;  // D2: no codes, no block info
  for (int64_t b = 0; b < c.num_blocks; ++b) {
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
  beats.reserve(n);
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
  t.bits.reserve(static_cast<std::size_t>(c.num_blocks) * static_cast<std::size_t>(n));
  const int tensor_exp = static_cast<int>(rng.next() % 40) - 20;
  for (int64_t b = 0; b < c.num_blocks; ++b) {
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
