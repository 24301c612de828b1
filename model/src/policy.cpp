// MoR policies and baselines. The per-element math is element.hpp / metric.hpp / gam.hpp / scale.hpp (the shared
// definitions); this file adds the tiling, the reductions in a fixed order and the threading.
#include "mor/policy.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include "mor/core/decision.hpp"
#include "mor/core/element.hpp"
#include "mor/fast_convert.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/gam.hpp"
#include "mor/core/metric.hpp"
#include "mor/core/scale.hpp"

namespace mor {

const char* name_of(FormatTag f) {
  switch (f) {
    case FormatTag::kE4M3: return "e4m3";
    case FormatTag::kE5M2: return "e5m2";
    case FormatTag::kBF16: return "bf16";
    case FormatTag::kE2M3: return "e2m3";
  }
  return "?";
}

const char* name_of(Reason r) {
  switch (r) {
    case Reason::kAccepted: return "accepted";
    case Reason::kRejected: return "rejected";
    case Reason::kNonFinite: return "nonfinite";
    case Reason::kAllZero: return "all-zero";
  }
  return "?";
}

const char* name_of(DType d) {
  switch (d) {
    case DType::kF32: return "f32";
    case DType::kBF16: return "bf16";
    case DType::kF16: return "f16";
  }
  return "?";
}

std::vector<uint16_t> QuantResult::fake_bf16(Bf16Rounding rounding) const {
  std::vector<uint16_t> out(dequant.size());
  for (std::size_t i = 0; i < dequant.size(); ++i)
    out[i] = rounding == Bf16Rounding::kRne ? bf16_from_f32(dequant[i]) : bf16_round_mor_ref(dequant[i]);
  return out;
}

namespace {

// ---- tiling ----

struct Grid {
  int64_t rows, cols;          // tensor
  BlockShape block;
  int64_t grid_rows, grid_cols;
  int64_t count() const { return grid_rows * grid_cols; }
  int64_t r0(int64_t b) const { return (b / grid_cols) * block.rows; }
  int64_t c0(int64_t b) const { return (b % grid_cols) * block.cols; }
  int64_t r1(int64_t b) const { return std::min(rows, r0(b) + block.rows); }
  int64_t c1(int64_t b) const { return std::min(cols, c0(b) + block.cols); }
};

Grid make_grid(const Tensor& t, BlockShape b) {
  if (t.rows <= 0 || t.cols <= 0) throw std::invalid_argument("tensor '" + t.name + "' is empty");
  if (static_cast<int64_t>(t.bits.size()) != t.rows * t.cols)
    throw std::invalid_argument("tensor '" + t.name + "' has " + std::to_string(t.bits.size()) + " values for shape " +
                                std::to_string(t.rows) + "x" + std::to_string(t.cols));
  if (b.rows <= 0 || b.cols <= 0) throw std::invalid_argument("block shape must be positive");
  return {t.rows, t.cols, b, (t.rows + b.rows - 1) / b.rows, (t.cols + b.cols - 1) / b.cols};
}

// Visit every element of block b in row-major order of the block.
template <class F>
void for_each_in_block(const Grid& g, int64_t b, F&& f) {
  for (int64_t r = g.r0(b); r < g.r1(b); ++r)
    for (int64_t c = g.c0(b); c < g.c1(b); ++c) f(static_cast<std::size_t>(r * g.cols + c));
}

// Blocks handed out in contiguous ranges; each block's outputs depend only on the block, so the result is the same
// for any thread count.
void parallel_blocks(int64_t n, int threads, const std::function<void(int64_t)>& fn) {
  int t = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  t = static_cast<int>(std::min<int64_t>(t, n));
  if (t <= 1) {
    for (int64_t b = 0; b < n; ++b) fn(b);
    return;
  }
  std::vector<std::thread> pool;
  for (int k = 0; k < t; ++k)
    pool.emplace_back([&, k] {
      for (int64_t b = n * k / t; b < n * (k + 1) / t; ++b) fn(b);
    });
  for (auto& th : pool) th.join();
}

// ---- element quantization through tables (equal to quantize_element<>, which the tests check) ----

FormatId format_id(FormatTag f) {
  switch (f) {
    case FormatTag::kE4M3: return FormatId::kE4M3;
    case FormatTag::kE5M2: return FormatId::kE5M2;
    case FormatTag::kE2M3: return FormatId::kE2M3;
    case FormatTag::kBF16: break;
  }
  throw std::invalid_argument("BF16 is not a quantized format");
}

class ElementQuantizer {
 public:
  ElementQuantizer(FormatTag f, const ElementRules& rules)
      : rules_(rules), encode_(cached_fp32_table(format_id(f), rules.mode)), sign_mask_(0x80) {
    for (uint32_t c = 0; c < 256; ++c)
      decode_[c] = static_cast<uint32_t>(convert_dynamic(FormatId::kFP32, format_id(f), c, kIeeeDefault));
    if (f == FormatTag::kE2M3) sign_mask_ = 0x20;
  }
  // Multiplier convention: y = x * s, d = q / s (or q * RN32(1/s) under TE's rule).
  QuantizedElement scaled(uint32_t x, uint32_t s) const {
    uint8_t q = encode_(fmul_rn_bits(x, s));
    if (rules_.negative_zero_to_positive && q == sign_mask_) q = 0;
    const uint32_t qf = decode_[q];
    const uint32_t d = rules_.dequant == DequantMode::kDivideByScale
                           ? fdiv_rn_bits(qf, s)
                           : fmul_rn_bits(qf, f32_bits(fdiv_rn(1.0f, f32_from_bits(s))));
    return {q, d};
  }
  // OCP MX convention: y = x / X, d = q * X.
  QuantizedElement mx(uint32_t x, uint32_t X) const {
    uint8_t q = encode_(fdiv_rn_bits(x, X));
    if (rules_.negative_zero_to_positive && q == sign_mask_) q = 0;
    return {q, fmul_rn_bits(decode_[q], X)};
  }
  uint32_t error(uint32_t x, uint32_t d) const {
    return rules_.error_form == ErrorForm::kSpec ? relative_error(x, d) : relative_error_mor_ref(x, d);
  }

 private:
  ElementRules rules_;
  const Fp32To8BitTable& encode_;
  uint32_t decode_[256];
  uint8_t sign_mask_;
};

struct BlockErrors {
  uint64_t err_sum = 0;
  float err_fp32 = 0.0f;  // block's FP32 sum, elements in row-major order of the block
};

// Quantize block b with multiplier s, writing codes and dequantized values; returns its error sums.
BlockErrors quantize_block(const Grid& g, int64_t b, const Tensor& t, const ElementQuantizer& q, uint32_t s,
                           QuantResult& out, bool want_fp32) {
  BlockErrors e;
  for_each_in_block(g, b, [&](std::size_t i) {
    const uint32_t x = t.bits[i];
    const QuantizedElement qe = q.scaled(x, s);
    out.codes[i] = qe.code;
    out.dequant[i] = qe.dequant;
    if (!f32_is_zero(x)) {
      const uint32_t err = q.error(x, qe.dequant);
      e.err_sum += error_fx(err);
      if (want_fp32) e.err_fp32 = fadd_rn(e.err_fp32, f32_from_bits(err));
    }
  });
  return e;
}

void keep_block_bf16(const Grid& g, int64_t b, const Tensor& t, QuantResult& out) {
  for_each_in_block(g, b, [&](std::size_t i) {
    out.codes[i] = 0;
    out.dequant[i] = t.bits[i];
  });
}

QuantResult start_result(const char* policy, const Grid& g, std::size_t elements) {
  QuantResult r;
  r.policy = policy;
  r.block = g.block;
  r.block_grid_rows = g.grid_rows;
  r.block_grid_cols = g.grid_cols;
  const auto n = static_cast<std::size_t>(g.count());
  r.block_tag.assign(n, static_cast<uint8_t>(FormatTag::kE4M3));
  r.block_amax.assign(n, 0);
  r.block_scale.assign(n, 0);
  r.codes.assign(elements, 0);
  r.dequant.assign(elements, 0);
  return r;
}

std::vector<BlockStats> block_statistics(const Tensor& t, const Grid& g, NanPolicy policy, int threads) {
  std::vector<BlockStats> stats(static_cast<std::size_t>(g.count()));
  parallel_blocks(g.count(), threads, [&](int64_t b) {
    BlockStats s;
    for_each_in_block(g, b, [&](std::size_t i) { stats_add(s, t.bits[i], policy); });
    stats[static_cast<std::size_t>(b)] = s;
  });
  return stats;
}

void count_formats(const Grid& g, QuantResult& r) {
  for (int64_t b = 0; b < g.count(); ++b) {
    const auto tag = r.block_tag[static_cast<std::size_t>(b)];
    ++r.blocks_per_format[tag];
    r.elements_per_format[tag] += static_cast<uint64_t>((g.r1(b) - g.r0(b)) * (g.c1(b) - g.c0(b)));
  }
}

BlockStats merge_all(const std::vector<BlockStats>& stats) {
  BlockStats all;
  for (const auto& s : stats) all = stats_merge(all, s);
  return all;
}

// The opening every policy shares: the block grid, the result with its per-block arrays, each block's statistics
// (in parallel) and the tensor's, whose NNZ, non-finite count and amax go into the result.
struct Opening {
  Grid g;
  std::vector<BlockStats> stats;
  BlockStats all;
};

Opening open_policy(const char* policy, const Tensor& t, BlockShape block, NanPolicy nan_policy, int threads,
                    QuantResult& r) {
  Opening o{make_grid(t, block), {}, {}};
  r = start_result(policy, o.g, t.size());
  o.stats = block_statistics(t, o.g, nan_policy, threads);
  o.all = merge_all(o.stats);
  r.nnz = o.all.nnz;
  r.nonfinite = o.all.nonfinite;
  r.tensor_amax = o.all.amax;
  return o;
}

void passthrough_bf16(const Tensor& t, const Grid& g, Reason why, QuantResult& r) {
  r.tensor_format = FormatTag::kBF16;
  r.reason = why;
  std::fill(r.block_tag.begin(), r.block_tag.end(), static_cast<uint8_t>(FormatTag::kBF16));
  std::fill(r.block_scale.begin(), r.block_scale.end(), 0u);
  std::fill(r.codes.begin(), r.codes.end(), 0);
  r.dequant = t.bits;
  count_formats(g, r);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Tensor-level MoR with GAM scales (spec 6, D3, D5, D6).

QuantResult quantize_tensor_level(const Tensor& t, const TensorLevelConfig& cfg) {
  QuantResult r;
  const Opening o = open_policy("tensor", t, cfg.block, cfg.rules.nan_policy, cfg.threads, r);
  const Grid& g = o.g;
  const auto& stats = o.stats;
  const BlockStats& all = o.all;
  r.threshold_fx = threshold_fx(cfg.threshold);
  for (std::size_t b = 0; b < stats.size(); ++b) r.block_amax[b] = stats[b].amax;
  if (all.nonfinite > 0) {  // D2
    passthrough_bf16(t, g, Reason::kNonFinite, r);
    return r;
  }

  // Groups of whole blocks; {0, 0} is the whole tensor.
  const BlockShape group = cfg.group.rows > 0 ? cfg.group : BlockShape{g.grid_rows * g.block.rows, g.grid_cols * g.block.cols};
  if (group.rows % g.block.rows || group.cols % g.block.cols)
    throw std::invalid_argument("GAM group " + std::to_string(group.rows) + "x" + std::to_string(group.cols) +
                                " is not tiled by blocks " + std::to_string(g.block.rows) + "x" +
                                std::to_string(g.block.cols));
  const int64_t gb_rows = group.rows / g.block.rows, gb_cols = group.cols / g.block.cols;
  const int64_t groups_per_row = (g.grid_cols + gb_cols - 1) / gb_cols;
  auto group_of = [&](int64_t b) { return (b / g.grid_cols) / gb_rows * groups_per_row + (b % g.grid_cols) / gb_cols; };
  const int64_t n_groups = ((g.grid_rows + gb_rows - 1) / gb_rows) * groups_per_row;
  r.group_amax.assign(static_cast<std::size_t>(n_groups), 0);
  for (int64_t b = 0; b < g.count(); ++b) {
    auto& ga = r.group_amax[static_cast<std::size_t>(group_of(b))];
    ga = std::max(ga, stats[static_cast<std::size_t>(b)].amax);
  }
  r.block_exp_offset.assign(static_cast<std::size_t>(g.count()), 0);

  bool first_fp8 = true, any_rejected = false;
  for (Candidate c : cfg.candidates) {
    if (c == Candidate::kBF16) {
      passthrough_bf16(t, g, any_rejected ? Reason::kRejected : Reason::kAccepted, r);
      return r;
    }
    const FormatTag fmt = c == Candidate::kE4M3Gam ? FormatTag::kE4M3 : FormatTag::kE5M2;
    const float fmax = fmax_of(fmt);
    r.group_scale.resize(r.group_amax.size());
    for (std::size_t k = 0; k < r.group_amax.size(); ++k)
      r.group_scale[k] = cfg.gam_group_floor ? gam_group_scale(r.group_amax[k], fmax)
                                             : fdiv_rn_bits(f32_bits(fmax), r.group_amax[k]);
    const ElementQuantizer q(fmt, cfg.rules);
    std::vector<BlockErrors> errs(static_cast<std::size_t>(g.count()));
    const bool want_fp32 = cfg.compute_reference_metric || cfg.metric == MetricKind::kFp32Reference;
    parallel_blocks(g.count(), cfg.threads, [&](int64_t b) {
      const auto bi = static_cast<std::size_t>(b);
      const uint32_t r_g = r.group_scale[static_cast<std::size_t>(group_of(b))];
      const uint32_t s = gam_block_scale(r_g, stats[bi].amax, fmax);
      r.block_scale[bi] = s;
      r.block_exp_offset[bi] = static_cast<uint8_t>(gam_exp_offset(r_g, s));
      r.block_tag[bi] = static_cast<uint8_t>(fmt);
      errs[bi] = quantize_block(g, b, t, q, s, r, want_fp32);
    });
    uint64_t err_sum = 0;
    float e_fp32 = 0.0f;
    for (const auto& e : errs) {  // block order: the documented order of the FP32 reference sum
      err_sum += e.err_sum;
      e_fp32 = fadd_rn(e_fp32, e.err_fp32);
    }
    const TensorDecision canonical_decision = tensor_decision(0, all.nnz, err_sum, r.threshold_fx, fmt);
    const bool canonical = canonical_decision.reason == Reason::kRejected;
    const float mre = all.nnz ? fdiv_rn(e_fp32, static_cast<float>(all.nnz)) : 0.0f;
    const bool fp32 = mre > static_cast<float>(cfg.threshold);
    if (first_fp8) {
      r.canonical_rejects = canonical;
      r.mre_fp32 = mre;
      r.fp32_rejects = fp32;
      first_fp8 = false;
    }
    r.err_sum = err_sum;
    const bool reject = all.nnz > 0 && (cfg.metric == MetricKind::kCanonical ? canonical : fp32);
    if (!reject) {
      r.tensor_format = fmt;
      r.reason = all.nnz == 0 ? Reason::kAllZero : (any_rejected ? Reason::kRejected : Reason::kAccepted);
      count_formats(g, r);
      return r;
    }
    any_rejected = true;
  }
  throw std::invalid_argument("tensor-level candidate list must end with bf16 (every FP8 candidate was rejected)");
}

// ---------------------------------------------------------------------------------------------------------------
// Sub-tensor MoR (spec 7, D7).

QuantResult quantize_subtensor(const Tensor& t, const SubTensorConfig& cfg) {
  QuantResult r;
  const Opening o = open_policy("subtensor", t, cfg.block, cfg.rules.nan_policy, cfg.threads, r);
  const Grid& g = o.g;
  const auto& stats = o.stats;
  const BlockStats& all = o.all;
  const ElementQuantizer q4(FormatTag::kE4M3, cfg.rules), q5(FormatTag::kE5M2, cfg.rules),
      q23(FormatTag::kE2M3, cfg.rules);
  const SubTensorRules rules{cfg.mode == SubTensorMode::kQuantError, cfg.e5m2_to_bf16, cfg.enable_e2m3};
  auto scale_for = [&](uint32_t amax, FormatTag f) {
    return cfg.scale_rule == BlockScaleRule::kE8RZ ? mor_e8_rz_scale(amax, fmax_of(f)) : fp32_block_scale(amax, fmax_of(f));
  };
  parallel_blocks(g.count(), cfg.threads, [&](int64_t b) {
    const auto bi = static_cast<std::size_t>(b);
    const BlockStats& s = stats[bi];
    r.block_amax[bi] = s.amax;
    // D2: a non-finite block is decided BF16 before its dynamic range is formed.
    const uint32_t dr = s.nonfinite > 0 ? kF32One : subtensor_dynamic_range(s.amax, s.min_nonzero);
    const SubTensorBand band = subtensor_band(dr, s.nonfinite > 0, rules);
    FormatTag f = band.tag;
    if (band.measure) {  // quant-error mode: E4M3 if its error sum is not larger than E5M2's, else BF16
      const BlockErrors e5 = quantize_block(g, b, t, q5, scale_for(s.amax, FormatTag::kE5M2), r, false);
      const BlockErrors e4 = quantize_block(g, b, t, q4, scale_for(s.amax, FormatTag::kE4M3), r, false);
      f = subtensor_quant_error_choice(e4.err_sum, e5.err_sum);
    }
    r.block_tag[bi] = static_cast<uint8_t>(f);
    if (f == FormatTag::kBF16) {
      keep_block_bf16(g, b, t, r);
      return;
    }
    const uint32_t scale = scale_for(s.amax, f);
    r.block_scale[bi] = scale;
    quantize_block(g, b, t, f == FormatTag::kE4M3 ? q4 : f == FormatTag::kE5M2 ? q5 : q23, scale, r, false);
  });
  count_formats(g, r);
  r.tensor_format = subtensor_tensor_tag(r.elements_per_format.data());
  r.reason = all.nonfinite ? Reason::kNonFinite : Reason::kAccepted;
  return r;
}

// ---------------------------------------------------------------------------------------------------------------
// Baselines.

QuantResult quantize_current_scaling(const Tensor& t, const CurrentScalingConfig& cfg) {
  QuantResult r;  // blocks only for parallelism; one scale for the tensor
  const Opening o = open_policy("current", t, BlockShape{128, 128}, cfg.rules.nan_policy, cfg.threads, r);
  const Grid& g = o.g;
  const auto& stats = o.stats;
  const BlockStats& all = o.all;
  const uint32_t scale = te_current_scale(all.amax, fmax_of(cfg.format), cfg.eps, cfg.power_of_two);
  r.group_amax = {all.amax};
  r.group_scale = {scale};
  const ElementQuantizer q(cfg.format, cfg.rules);
  parallel_blocks(g.count(), cfg.threads, [&](int64_t b) {
    const auto bi = static_cast<std::size_t>(b);
    r.block_amax[bi] = stats[bi].amax;
    r.block_scale[bi] = scale;
    r.block_tag[bi] = static_cast<uint8_t>(cfg.format);
    for_each_in_block(g, b, [&](std::size_t i) {
      const QuantizedElement qe = q.scaled(t.bits[i], scale);
      r.codes[i] = qe.code;
      r.dequant[i] = qe.dequant;
    });
  });
  r.tensor_format = cfg.format;
  count_formats(g, r);
  return r;
}

QuantResult quantize_blockwise(const Tensor& t, const BlockwiseConfig& cfg) {
  QuantResult r;
  const Opening o = open_policy("blockwise", t, cfg.block, cfg.rules.nan_policy, cfg.threads, r);
  const Grid& g = o.g;
  const auto& stats = o.stats;
  const ElementQuantizer q(FormatTag::kE4M3, cfg.rules);
  parallel_blocks(g.count(), cfg.threads, [&](int64_t b) {
    const auto bi = static_cast<std::size_t>(b);
    r.block_amax[bi] = stats[bi].amax;
    const uint32_t s = te_current_scale(stats[bi].amax, kE4M3Max, 0.0f, cfg.power_of_two);
    r.block_scale[bi] = s;
    for_each_in_block(g, b, [&](std::size_t i) {
      const QuantizedElement qe = q.scaled(t.bits[i], s);
      r.codes[i] = qe.code;
      r.dequant[i] = qe.dequant;
    });
  });
  count_formats(g, r);
  return r;
}

QuantResult quantize_mx(const Tensor& t, const MxConfig& cfg) {
  QuantResult r;
  const Opening o = open_policy("mxfp8", t, cfg.block, cfg.rules.nan_policy, cfg.threads, r);
  const Grid& g = o.g;
  const auto& stats = o.stats;
  r.block_scale_e8m0.assign(static_cast<std::size_t>(g.count()), 0);
  const ElementQuantizer q(cfg.format, cfg.rules);
  const int emax_elem = cfg.format == FormatTag::kE4M3 ? 8 : 15;
  parallel_blocks(g.count(), cfg.threads, [&](int64_t b) {
    const auto bi = static_cast<std::size_t>(b);
    r.block_amax[bi] = stats[bi].amax;
    r.block_tag[bi] = static_cast<uint8_t>(cfg.format);
    const uint8_t X = cfg.rule == MxScaleRule::kNvRceil ? nv_rceil_scale_e8m0(stats[bi].amax, fmax_of(cfg.format))
                                                        : ocp_floor_scale_e8m0(stats[bi].amax, emax_elem);
    r.block_scale_e8m0[bi] = X;
    const uint32_t Xf = f32_from_e8m0(X);
    r.block_scale[bi] = f32_is_nan(Xf) ? kF32QuietNan : fdiv_rn_bits(kF32One, Xf);
    for_each_in_block(g, b, [&](std::size_t i) {
      const QuantizedElement qe = q.mx(t.bits[i], Xf);
      r.codes[i] = qe.code;
      r.dequant[i] = qe.dequant;
    });
  });
  r.tensor_format = cfg.format;
  count_formats(g, r);
  return r;
}

}  // namespace mor
