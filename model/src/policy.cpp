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
#include "mor/core/fp32_ops.hpp"
#include "mor/core/gam.hpp"
#include "mor/core/metric.hpp"
#include "mor/core/metric_interval.hpp"
#include "mor/core/scale.hpp"
#include "mor/quant_kernel.hpp"
#include "mor/ref_error_sum.hpp"

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
    case DType::kF64: return "f64";
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

// ---- the element path: the span kernels of quant_kernel.hpp, one row segment of a block at a time (equal to
// quantize_element<>, relative_error and error_fx, which the tests check) ----

// A block this large amortizes the 256 scalar steps of its dequantize table (D4: d depends only on q and s).
constexpr int64_t kTableMinElements = 1024;

int64_t block_elements(const Grid& g, int64_t b) { return (g.r1(b) - g.r0(b)) * (g.c1(b) - g.c0(b)); }

// The order of a block's FP32 error sum (D5, D7): the reference code's where it is defined (ref_error_sum.hpp),
// else sequential in row-major order of the block.
enum class Fp32Order { kNone, kSequential, kTensorLevelRef, kSubTensorRef };

class BlockFp32Sum {
 public:
  BlockFp32Sum(Fp32Order order, BlockShape block) : order_(order) {
    if (order == Fp32Order::kTensorLevelRef) tensor_level_.start_block();
    if (order == Fp32Order::kSubTensorRef) {
      sub_tensor_.emplace_back(block);
      sub_tensor_[0].start_block();
    }
  }
  void add_row(int64_t row_in_block, const float* e, int64_t n) {
    if (order_ == Fp32Order::kSequential)
      for (int64_t i = 0; i < n; ++i) sequential_ = fadd_rn(sequential_, e[i]);
    else if (order_ == Fp32Order::kTensorLevelRef) tensor_level_.add_row(row_in_block, e, n);
    else if (order_ == Fp32Order::kSubTensorRef) sub_tensor_[0].add_row(row_in_block, e, n);
  }
  float sum() const {
    return order_ == Fp32Order::kTensorLevelRef ? tensor_level_.block_sum()
           : order_ == Fp32Order::kSubTensorRef ? sub_tensor_[0].block_sum()
                                                : sequential_;
  }

 private:
  Fp32Order order_;
  float sequential_ = 0.0f;
  TensorLevelRefSum tensor_level_;
  std::vector<SubTensorRefSum> sub_tensor_;  // zero or one
};

// The per-element errors of a block's rows for its FP32 sum, in two buffers used in turn: row r - 1 is added while
// row r's errors are fresh, so the sum's loads never wait on the kernel's just-issued vector stores (a store-to-load
// forwarding stall took 80% of the summation's time when each row was added at once).
class RowErrors {
 public:
  RowErrors(Fp32Order order, int64_t n) : n_(n), e_(order == Fp32Order::kNone ? 0 : 2 * static_cast<std::size_t>(n)) {}
  float* row(int64_t r) { return e_.empty() ? nullptr : &e_[static_cast<std::size_t>((r % 2) * n_)]; }
  void add_previous(int64_t r, BlockFp32Sum& sum) {
    if (r > 0 && !e_.empty()) sum.add_row(r - 1, row(r - 1), n_);
  }
  void add_last(int64_t rows, BlockFp32Sum& sum) { add_previous(rows, sum); }

 private:
  int64_t n_;
  std::vector<float> e_;
};

struct BlockErrors {
  uint64_t err_sum = 0;
  float err_fp32 = 0.0f;  // the block's FP32 sum in the order `order`
};

// Where block b's codes and fake-quantized values go: the result's arrays, or, when the caller asked for no element
// outputs (write_outputs = false), a per-thread scratch block, so that errors and decisions are the same either way.
struct BlockOut {
  uint8_t* codes;
  uint32_t* dequant;
  int64_t stride;  // elements from one row of the block to the next
};

BlockOut block_out(const Grid& g, int64_t b, QuantResult& r) {
  if (!r.codes.empty()) {
    const auto i = static_cast<std::size_t>(g.r0(b) * g.cols + g.c0(b));
    return {&r.codes[i], &r.dequant[i], g.cols};
  }
  thread_local std::vector<uint8_t> codes;
  thread_local std::vector<uint32_t> dequant;
  codes.resize(static_cast<std::size_t>(block_elements(g, b)));
  dequant.resize(codes.size());
  return {codes.data(), dequant.data(), g.c1(b) - g.c0(b)};
}

// Quantize block b with the prepared scale, writing codes and dequantized values; with want_errors, returns its
// canonical error sum and, unless order is kNone, its FP32 error sum.
BlockErrors quantize_block(const Grid& g, int64_t b, const Tensor& t, const SpanQuantizer& q, const SpanScale& sc,
                           const BlockOut& out, bool want_errors, Fp32Order order = Fp32Order::kNone) {
  const int64_t c0 = g.c0(b), n = g.c1(b) - c0;
  RowErrors e(order, n);
  SpanErrors span;
  BlockFp32Sum fp32(order, g.block);
  for (int64_t r = 0; r < g.r1(b) - g.r0(b); ++r) {
    span.e = e.row(r);
    q.run(sc, &t.bits[static_cast<std::size_t>((g.r0(b) + r) * g.cols + c0)], static_cast<std::size_t>(n),
          out.codes + r * out.stride, out.dequant + r * out.stride, want_errors ? &span : nullptr);
    if (want_errors) e.add_previous(r, fp32);
  }
  if (want_errors) e.add_last(g.r1(b) - g.r0(b), fp32);
  return {span.err_sum, fp32.sum()};
}

// ---- the interval metric (MetricKind::kInterval, docs/interval-metric.md) ----

// The reciprocal table of one k, and the element path of one FP8 format under the theorem's contract (RNE,
// SATFINITE: check_interval_config).
struct IntervalLane {
  int k;
  bool e5m2;
  std::vector<uint32_t> recip;  // F(0..2^k)
  IntervalLane(int k_, FormatTag f) : k(k_), e5m2(f == FormatTag::kE5M2), recip((1u << k_) + 1) {
    for (uint32_t j = 0; j <= (1u << k); ++j) recip[j] = interval_recip(k, j);
  }
  uint32_t quantized(uint32_t y) const {  // decode(q) for q = convert(y)
    return e5m2 ? f32_from_e5m2(e5m2_from_f32(y)) : f32_from_e4m3(e4m3_from_f32(y));
  }
};

// Sum lo and Sum hi of block b (y = RN32(x * s) and q as the element path forms them; the policy may not have
// written its codes: write_outputs = false).
std::pair<uint64_t, uint64_t> interval_block_sums(const Grid& g, int64_t b, const Tensor& t, uint32_t s,
                                                  const IntervalLane& lane) {
  uint64_t lo = 0, hi = 0;
  for (int64_t r = g.r0(b); r < g.r1(b); ++r)
    for (int64_t c = g.c0(b); c < g.c1(b); ++c) {
      const uint32_t x = t.bits[static_cast<std::size_t>(r * g.cols + c)], y = fmul_rn_bits(x, s);
      const uint32_t idx = interval_index(y, lane.k);
      const ErrorFxInterval e =
          error_fx_interval_entries(x, y, lane.quantized(y), lane.k, lane.recip[idx], lane.recip[idx + 1]);
      lo += e.lo;
      hi += e.hi;
    }
  return {lo, hi};
}

// The theorem's contract: RNE/SATFINITE conversion, d = RN32(q / s), e = |(d - x) / x| (DECISIONS D4, D5).
void check_interval_config(const TensorLevelConfig& cfg) {
  if (cfg.interval_k < kIntervalMinK || cfg.interval_k > kIntervalMaxK)
    throw std::invalid_argument("interval metric: k = " + std::to_string(cfg.interval_k) + " is outside [" +
                                std::to_string(kIntervalMinK) + ", " + std::to_string(kIntervalMaxK) + "]");
  const ElementRules& r = cfg.rules;
  if (r.mode.rounding != Rounding::kRNE || r.mode.overflow != Overflow::kSatFinite ||
      r.dequant != DequantMode::kDivideByScale)
    throw std::invalid_argument("interval metric: needs RNE/SATFINITE conversion, d = q / s and e = |(d - x) / x| "
                                "(the PROJECT_DEFAULT element rules)");
}

// Decides one FP8 candidate by the bounds; an undecided tensor falls back to the exact canonical err_sum. The model
// has that sum anyway, so a bound-decided verdict that differs from it is a broken theorem: it throws.
bool interval_rejects(const Grid& g, const Tensor& t, const TensorLevelConfig& cfg, FormatTag fmt, uint64_t nnz,
                      bool canonical, QuantResult& r) {
  const IntervalLane lane(cfg.interval_k, fmt);
  std::vector<std::pair<uint64_t, uint64_t>> sums(static_cast<std::size_t>(g.count()));
  parallel_blocks(g.count(), cfg.threads, [&](int64_t b) {
    const auto bi = static_cast<std::size_t>(b);
    sums[bi] = interval_block_sums(g, b, t, r.block_scale[bi], lane);
  });
  r.interval_k = cfg.interval_k;
  r.interval_lo_sum = r.interval_hi_sum = 0;
  for (const auto& s : sums) {
    r.interval_lo_sum += s.first;
    r.interval_hi_sum += s.second;
  }
  const IntervalVerdict v = interval_verdict(r.interval_lo_sum, r.interval_hi_sum, nnz, r.threshold_fx);
  if (v == IntervalVerdict::kUndecided) {
    ++r.interval_fallbacks;
    return canonical;
  }
  if ((v == IntervalVerdict::kReject) != canonical)
    throw std::logic_error("interval metric: bounds decided against the canonical err_sum (theorem violated)");
  return v == IntervalVerdict::kReject;
}

// A zero input comes out +0 with code 0 (MOR_REF: the reference's tensor-level kernel computes nonzero elements only).
void zeros_out_positive(const Grid& g, int64_t b, const Tensor& t, const BlockOut& out) {
  const int64_t c0 = g.c0(b), n = g.c1(b) - c0;
  for (int64_t r = 0; r < g.r1(b) - g.r0(b); ++r)
    for (int64_t c = 0; c < n; ++c)
      if (t.bits[static_cast<std::size_t>((g.r0(b) + r) * g.cols + c0 + c)] == 0x80000000u) {
        out.codes[r * out.stride + c] = 0;
        out.dequant[r * out.stride + c] = 0;
      }
}

// D2, D6, D7: what a block decided BF16 holds is the BF16 representation of its input (exact for BF16 inputs).
void keep_block_bf16(const Grid& g, int64_t b, const Tensor& t, Bf16Rounding rounding, const BlockOut& out) {
  const int64_t c0 = g.c0(b), n = g.c1(b) - c0;
  for (int64_t r = 0; r < g.r1(b) - g.r0(b); ++r) {
    std::fill_n(out.codes + r * out.stride, n, uint8_t{0});
    keep_as_bf16(&t.bits[static_cast<std::size_t>((g.r0(b) + r) * g.cols + c0)], static_cast<std::size_t>(n), rounding,
                 out.dequant + r * out.stride);
  }
}

// D5's error of block b's written values (the output error), canonical and, unless order is kNone, FP32.
BlockErrors measure_block(const Grid& g, int64_t b, const Tensor& t, const BlockOut& out, Fp32Order order) {
  const int64_t c0 = g.c0(b), n = g.c1(b) - c0;
  RowErrors e(order, n);
  SpanErrors span;
  BlockFp32Sum fp32(order, g.block);
  for (int64_t r = 0; r < g.r1(b) - g.r0(b); ++r) {
    span.e = e.row(r);
    measure_span(&t.bits[static_cast<std::size_t>((g.r0(b) + r) * g.cols + c0)], out.dequant + r * out.stride,
                 static_cast<std::size_t>(n), &span);
    e.add_previous(r, fp32);
  }
  e.add_last(g.r1(b) - g.r0(b), fp32);
  return {span.err_sum, fp32.sum()};
}

// The order of a result's FP32 error sums (D5): the reference code's tree where its block grid defines one.
Fp32Order fp32_order(const Tensor& t, const Grid& g, bool wanted) {
  if (!wanted) return Fp32Order::kNone;
  return TensorLevelRefSum::applies(t.rows, t.cols, g.block) ? Fp32Order::kTensorLevelRef : Fp32Order::kSequential;
}

// Block sums to the result's total: exact for the canonical sums; in D5's order for the FP32 ones.
float combine_fp32(const std::vector<BlockErrors>& blocks, Fp32Order order) {
  if (order == Fp32Order::kTensorLevelRef) {
    std::vector<float> sums(blocks.size());
    for (std::size_t b = 0; b < blocks.size(); ++b) sums[b] = blocks[b].err_fp32;
    return TensorLevelRefSum::tensor_sum(sums);
  }
  float total = 0.0f;
  if (order == Fp32Order::kSequential)
    for (const auto& e : blocks) total = fadd_rn(total, e.err_fp32);  // block order
  return total;
}

// Records the output error from its per-block parts; the count is that of the nonzero finite inputs.
void set_output_error(const std::vector<BlockErrors>& blocks, const std::vector<BlockStats>& stats, Fp32Order order,
                      QuantResult& r) {
  r.output_err_sum = 0;
  r.output_nnz = 0;
  for (const auto& e : blocks) r.output_err_sum += e.err_sum;
  for (const auto& s : stats) r.output_nnz += s.nnz - s.nonfinite;
  r.output_err_fp32 = combine_fp32(blocks, order);
  r.has_output_err_fp32 = order != Fp32Order::kNone;
}

// Resets r for a new result, keeping the capacity of its element buffers: a caller that passes the same result
// again pays no allocation, page faults or zero fill (every policy writes every element's code and value).
void start_result(const char* policy, const Grid& g, std::size_t elements, bool write_outputs, QuantResult& r) {
  std::vector<uint8_t> codes = std::move(r.codes);
  std::vector<uint32_t> dequant = std::move(r.dequant);
  r = QuantResult{};
  r.policy = policy;
  r.block = g.block;
  r.block_grid_rows = g.grid_rows;
  r.block_grid_cols = g.grid_cols;
  const auto n = static_cast<std::size_t>(g.count());
  r.block_tag.assign(n, static_cast<uint8_t>(FormatTag::kE4M3));
  r.block_amax.assign(n, 0);
  r.block_scale.assign(n, 0);
  r.codes = std::move(codes);
  r.dequant = std::move(dequant);
  r.codes.resize(write_outputs ? elements : 0);
  r.dequant.resize(write_outputs ? elements : 0);
}

// One band of block rows at a time, each tensor row across all the band's blocks: the rows are read whole and in
// order, which the hardware prefetchers follow (block by block, every row segment starts a new page: 1.6-1.9x
// slower measured on a 4096x1024 tensor). The statistics do not depend on the order (D1).
std::vector<BlockStats> block_statistics(const Tensor& t, const Grid& g, NanPolicy policy, int threads) {
  std::vector<BlockStats> stats(static_cast<std::size_t>(g.count()));
  parallel_blocks(g.grid_rows, threads, [&](int64_t band) {
    BlockStats* row_stats = &stats[static_cast<std::size_t>(band * g.grid_cols)];
    const int64_t b0 = band * g.grid_cols;
    for (int64_t r = g.r0(b0); r < g.r1(b0); ++r)
      for (int64_t bc = 0; bc < g.grid_cols; ++bc)
        stats_add_fast(row_stats[bc], &t.bits[static_cast<std::size_t>(r * g.cols + g.c0(b0 + bc))],
                       static_cast<std::size_t>(g.c1(b0 + bc) - g.c0(b0 + bc)), policy);
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
                    bool write_outputs, QuantResult& r) {
  Opening o{make_grid(t, block), {}, {}};
  start_result(policy, o.g, t.size(), write_outputs, r);
  o.stats = block_statistics(t, o.g, nan_policy, threads);
  o.all = merge_all(o.stats);
  r.nnz = o.all.nnz;
  r.nonfinite = o.all.nonfinite;
  r.tensor_amax = o.all.amax;
  return o;
}

void passthrough_bf16(const Tensor& t, const Grid& g, const std::vector<BlockStats>& stats, Reason why,
                      Bf16Rounding rounding, Fp32Order order, int threads, QuantResult& r) {
  r.tensor_format = FormatTag::kBF16;
  r.reason = why;
  std::fill(r.block_tag.begin(), r.block_tag.end(), static_cast<uint8_t>(FormatTag::kBF16));
  std::fill(r.block_scale.begin(), r.block_scale.end(), 0u);
  std::vector<BlockErrors> errs(static_cast<std::size_t>(g.count()));
  parallel_blocks(g.count(), threads, [&](int64_t b) {
    const BlockOut out = block_out(g, b, r);
    keep_block_bf16(g, b, t, rounding, out);  // D2, D6
    errs[static_cast<std::size_t>(b)] = measure_block(g, b, t, out, order);
  });
  set_output_error(errs, stats, order, r);
  count_formats(g, r);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Tensor-level MoR with GAM scales (spec 6, D3, D5, D6).

void quantize_tensor_level(const Tensor& t, const TensorLevelConfig& cfg, QuantResult& r) {
  if (cfg.metric == MetricKind::kInterval) check_interval_config(cfg);
  const Opening o = open_policy("tensor", t, cfg.block, cfg.rules.nan_policy, cfg.threads, cfg.write_outputs, r);
  const Grid& g = o.g;
  const auto& stats = o.stats;
  const BlockStats& all = o.all;
  r.threshold_fx = threshold_fx(cfg.threshold);
  for (std::size_t b = 0; b < stats.size(); ++b) r.block_amax[b] = stats[b].amax;
  if (all.nonfinite > 0) {  // D2
    passthrough_bf16(t, g, stats, Reason::kNonFinite, cfg.rules.bf16, fp32_order(t, g, cfg.compute_reference_metric),
                     cfg.threads, r);
    return;
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
      passthrough_bf16(t, g, stats, any_rejected ? Reason::kRejected : Reason::kAccepted, cfg.rules.bf16,
                       fp32_order(t, g, cfg.compute_reference_metric), cfg.threads, r);
      return;
    }
    const FormatTag fmt = c == Candidate::kE4M3Gam ? FormatTag::kE4M3 : FormatTag::kE5M2;
    const float fmax = fmax_of(fmt);
    r.group_scale.resize(r.group_amax.size());
    for (std::size_t k = 0; k < r.group_amax.size(); ++k)
      r.group_scale[k] = cfg.gam_group_floor ? gam_group_scale(r.group_amax[k], fmax)
                                             : fdiv_rn_bits(f32_bits(fmax), r.group_amax[k]);
    const SpanQuantizer q(fmt, cfg.rules);  // the spec's error form; the reference's tensor-level kernel uses it too
    std::vector<BlockErrors> errs(static_cast<std::size_t>(g.count()));
    const bool want_fp32 = cfg.compute_reference_metric || cfg.metric == MetricKind::kFp32Reference;
    const Fp32Order order = fp32_order(t, g, want_fp32);
    parallel_blocks(g.count(), cfg.threads, [&](int64_t b) {
      const auto bi = static_cast<std::size_t>(b);
      const uint32_t r_g = r.group_scale[static_cast<std::size_t>(group_of(b))];
      const uint32_t s = gam_block_scale(r_g, stats[bi].amax, fmax);
      r.block_scale[bi] = s;
      r.block_exp_offset[bi] = static_cast<uint8_t>(gam_exp_offset(r_g, s));
      r.block_tag[bi] = static_cast<uint8_t>(fmt);
      const SpanScale sc = q.scaled(s, block_elements(g, b) >= kTableMinElements);
      const BlockOut out = block_out(g, b, r);
      errs[bi] = quantize_block(g, b, t, q, sc, out, true, order);
      if (cfg.zero_inputs_positive) zeros_out_positive(g, b, t, out);
    });
    uint64_t err_sum = 0;
    for (const auto& e : errs) err_sum += e.err_sum;
    const float e_fp32 = combine_fp32(errs, order);  // D5's order
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
    bool reject = all.nnz > 0 && (cfg.metric == MetricKind::kFp32Reference ? fp32 : canonical);
    if (cfg.metric == MetricKind::kInterval && all.nnz > 0) reject = interval_rejects(g, t, cfg, fmt, all.nnz, canonical, r);
    if (!reject) {
      set_output_error(errs, stats, order, r);  // the decided candidate's error is the output's
      r.tensor_format = fmt;
      r.reason = all.nnz == 0 ? Reason::kAllZero : (any_rejected ? Reason::kRejected : Reason::kAccepted);
      count_formats(g, r);
      return;
    }
    any_rejected = true;
  }
  throw std::invalid_argument("tensor-level candidate list must end with bf16 (every FP8 candidate was rejected)");
}

// ---------------------------------------------------------------------------------------------------------------
// Sub-tensor MoR (spec 7, D7).

void quantize_subtensor(const Tensor& t, const SubTensorConfig& cfg, QuantResult& r) {
  const Opening o = open_policy("subtensor", t, cfg.block, cfg.rules.nan_policy, cfg.threads, cfg.write_outputs, r);
  const Grid& g = o.g;
  const auto& stats = o.stats;
  const BlockStats& all = o.all;
  const SpanQuantizer q4(FormatTag::kE4M3, cfg.rules, cfg.error_form), q5(FormatTag::kE5M2, cfg.rules, cfg.error_form),
      q23(FormatTag::kE2M3, cfg.rules, cfg.error_form);
  const SubTensorRules rules{cfg.mode == SubTensorMode::kQuantError, cfg.e5m2_to_bf16, cfg.enable_e2m3};
  // Quant-error mode compares canonical sums (D7), or under MOR_REF the FP32 sums in the reference's order.
  const bool fp32_sums = cfg.metric == MetricKind::kFp32Reference;
  const Fp32Order qe_order = !fp32_sums ? Fp32Order::kNone
                             : SubTensorRefSum::applies(t.cols, g.block) ? Fp32Order::kSubTensorRef
                                                                          : Fp32Order::kSequential;
  auto scale_for = [&](uint32_t amax, FormatTag f) {
    return cfg.scale_rule == BlockScaleRule::kE8RZ ? mor_e8_rz_scale(amax, fmax_of(f)) : fp32_block_scale(amax, fmax_of(f));
  };
  const bool out_errors = cfg.output_errors != OutputErrors::kNone;
  const Fp32Order out_order = fp32_order(t, g, cfg.output_errors == OutputErrors::kCanonicalAndFp32);
  std::vector<BlockErrors> out_errs(static_cast<std::size_t>(g.count()));
  parallel_blocks(g.count(), cfg.threads, [&](int64_t b) {
    const auto bi = static_cast<std::size_t>(b);
    const BlockStats& s = stats[bi];
    r.block_amax[bi] = s.amax;
    // D2: a non-finite block is decided BF16 before its dynamic range is formed.
    const uint32_t dr = s.nonfinite > 0 ? kF32One : subtensor_dynamic_range(s.amax, s.min_nonzero);
    const SubTensorBand band = subtensor_band(dr, s.nonfinite > 0, rules);
    FormatTag f = band.tag;
    const bool table = block_elements(g, b) >= kTableMinElements;
    const BlockOut out = block_out(g, b, r);
    if (band.measure) {  // quant-error mode: E4M3 if its error sum is not larger than E5M2's, else BF16
      const BlockErrors e5 = quantize_block(g, b, t, q5, q5.scaled(scale_for(s.amax, FormatTag::kE5M2), table), out, true, qe_order);
      const BlockErrors e4 = quantize_block(g, b, t, q4, q4.scaled(scale_for(s.amax, FormatTag::kE4M3), table), out, true, qe_order);
      f = fp32_sums ? (e4.err_fp32 <= e5.err_fp32 ? FormatTag::kE4M3 : FormatTag::kBF16)  // the reference's test
                    : subtensor_quant_error_choice(e4.err_sum, e5.err_sum);
    }
    r.block_tag[bi] = static_cast<uint8_t>(f);
    if (f == FormatTag::kBF16) {
      keep_block_bf16(g, b, t, cfg.rules.bf16, out);
    } else {
      const uint32_t scale = scale_for(s.amax, f);
      r.block_scale[bi] = scale;
      const SpanQuantizer& q = f == FormatTag::kE4M3 ? q4 : f == FormatTag::kE5M2 ? q5 : q23;
      if (!band.measure) quantize_block(g, b, t, q, q.scaled(scale, table), out, false);  // else E4M3 was last
    }
    if (out_errors) out_errs[bi] = measure_block(g, b, t, out, out_order);
  });
  if (out_errors) set_output_error(out_errs, stats, out_order, r);
  count_formats(g, r);
  r.tensor_format = subtensor_tensor_tag(r.elements_per_format.data());
  r.reason = all.nonfinite ? Reason::kNonFinite : Reason::kAccepted;
}

// ---------------------------------------------------------------------------------------------------------------
// Baselines.

void quantize_current_scaling(const Tensor& t, const CurrentScalingConfig& cfg, QuantResult& r) {
  // Blocks only for parallelism; one scale for the tensor.
  const Opening o = open_policy("current", t, BlockShape{128, 128}, cfg.rules.nan_policy, cfg.threads,
                                cfg.write_outputs, r);
  const Grid& g = o.g;
  const auto& stats = o.stats;
  const BlockStats& all = o.all;
  const uint32_t scale = te_current_scale(all.amax, fmax_of(cfg.format), cfg.eps, cfg.power_of_two);
  r.group_amax = {all.amax};
  r.group_scale = {scale};
  const SpanQuantizer q(cfg.format, cfg.rules);
  const SpanScale sc = q.scaled(scale, true);
  const bool out_errors = cfg.output_errors != OutputErrors::kNone;
  const Fp32Order out_order = fp32_order(t, g, cfg.output_errors == OutputErrors::kCanonicalAndFp32);
  std::vector<BlockErrors> out_errs(static_cast<std::size_t>(g.count()));
  parallel_blocks(g.count(), cfg.threads, [&](int64_t b) {
    const auto bi = static_cast<std::size_t>(b);
    r.block_amax[bi] = stats[bi].amax;
    r.block_scale[bi] = scale;
    r.block_tag[bi] = static_cast<uint8_t>(cfg.format);
    out_errs[bi] = quantize_block(g, b, t, q, sc, block_out(g, b, r), out_errors, out_order);  // the output's error
  });
  if (out_errors) set_output_error(out_errs, stats, out_order, r);
  r.tensor_format = cfg.format;
  count_formats(g, r);
}

void quantize_blockwise(const Tensor& t, const BlockwiseConfig& cfg, QuantResult& r) {
  const Opening o = open_policy("blockwise", t, cfg.block, cfg.rules.nan_policy, cfg.threads, cfg.write_outputs, r);
  const Grid& g = o.g;
  const auto& stats = o.stats;
  const SpanQuantizer q(FormatTag::kE4M3, cfg.rules);
  const bool out_errors = cfg.output_errors != OutputErrors::kNone;
  const Fp32Order out_order = fp32_order(t, g, cfg.output_errors == OutputErrors::kCanonicalAndFp32);
  std::vector<BlockErrors> out_errs(static_cast<std::size_t>(g.count()));
  parallel_blocks(g.count(), cfg.threads, [&](int64_t b) {
    const auto bi = static_cast<std::size_t>(b);
    r.block_amax[bi] = stats[bi].amax;
    const uint32_t s = te_current_scale(stats[bi].amax, kE4M3Max, 0.0f, cfg.power_of_two);
    r.block_scale[bi] = s;
    const SpanScale sc = q.scaled(s, block_elements(g, b) >= kTableMinElements);
    out_errs[bi] = quantize_block(g, b, t, q, sc, block_out(g, b, r), out_errors, out_order);
  });
  if (out_errors) set_output_error(out_errs, stats, out_order, r);
  count_formats(g, r);
}

void quantize_mx(const Tensor& t, const MxConfig& cfg, QuantResult& r) {
  const Opening o = open_policy("mxfp8", t, cfg.block, cfg.rules.nan_policy, cfg.threads, cfg.write_outputs, r);
  const Grid& g = o.g;
  const auto& stats = o.stats;
  r.block_scale_e8m0.assign(static_cast<std::size_t>(g.count()), 0);
  const SpanQuantizer q(cfg.format, cfg.rules);
  const int emax_elem = cfg.format == FormatTag::kE4M3 ? 8 : 15;
  const bool out_errors = cfg.output_errors != OutputErrors::kNone;
  const Fp32Order out_order = fp32_order(t, g, cfg.output_errors == OutputErrors::kCanonicalAndFp32);
  std::vector<BlockErrors> out_errs(static_cast<std::size_t>(g.count()));
  parallel_blocks(g.count(), cfg.threads, [&](int64_t b) {
    const auto bi = static_cast<std::size_t>(b);
    r.block_amax[bi] = stats[bi].amax;
    r.block_tag[bi] = static_cast<uint8_t>(cfg.format);
    const uint8_t X = cfg.rule == MxScaleRule::kNvRceil ? nv_rceil_scale_e8m0(stats[bi].amax, fmax_of(cfg.format))
                                                        : ocp_floor_scale_e8m0(stats[bi].amax, emax_elem);
    r.block_scale_e8m0[bi] = X;
    const uint32_t Xf = f32_from_e8m0(X);
    r.block_scale[bi] = f32_is_nan(Xf) ? kF32QuietNan : fdiv_rn_bits(kF32One, Xf);
    const SpanScale sc = q.mx(Xf, block_elements(g, b) >= kTableMinElements);
    out_errs[bi] = quantize_block(g, b, t, q, sc, block_out(g, b, r), out_errors, out_order);
  });
  if (out_errors) set_output_error(out_errs, stats, out_order, r);
  r.tensor_format = cfg.format;
  count_formats(g, r);
}

QuantResult quantize_tensor_level(const Tensor& t, const TensorLevelConfig& cfg) {
  QuantResult r;
  quantize_tensor_level(t, cfg, r);
  return r;
}

QuantResult quantize_subtensor(const Tensor& t, const SubTensorConfig& cfg) {
  QuantResult r;
  quantize_subtensor(t, cfg, r);
  return r;
}

QuantResult quantize_current_scaling(const Tensor& t, const CurrentScalingConfig& cfg) {
  QuantResult r;
  quantize_current_scaling(t, cfg, r);
  return r;
}

QuantResult quantize_blockwise(const Tensor& t, const BlockwiseConfig& cfg) {
  QuantResult r;
  quantize_blockwise(t, cfg, r);
  return r;
}

QuantResult quantize_mx(const Tensor& t, const MxConfig& cfg) {
  QuantResult r;
  quantize_mx(t, cfg, r);
  return r;
}

}  // namespace mor
