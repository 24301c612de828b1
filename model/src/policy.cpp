// MoR policies and baselines. The per-element math is element.hpp / metric.hpp / gam.hpp / scale.hpp (the shared
// definitions); this file adds the tiling, the reductions in a fixed order and the threading.
#include "mor/policy.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <numeric>
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
  if (!dequant_bf16.empty()) return dequant_bf16;
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
  if (!t.bits.empty() && !t.bf16.empty())
    throw std::invalid_argument("tensor '" + t.name + "' holds both FP32 bits and BF16 data");
  if (static_cast<int64_t>(t.size()) != t.rows * t.cols)
    throw std::invalid_argument("tensor '" + t.name + "' has " + std::to_string(t.size()) + " values for shape " +
                                std::to_string(t.rows) + "x" + std::to_string(t.cols));
  if (b.rows <= 0 || b.cols <= 0) throw std::invalid_argument("block shape must be positive");
  return {t.rows, t.cols, b, (t.rows + b.rows - 1) / b.rows, (t.cols + b.cols - 1) / b.cols};
}

int thread_count(int threads) {
  return threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Work items handed out in contiguous ranges; each block's outputs depend only on the block, so the result is the
// same for any thread count.
void parallel_blocks(int64_t n, int threads, const std::function<void(int64_t)>& fn) {
  const int t = static_cast<int>(std::min<int64_t>(thread_count(threads), n));
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

// Row r from column c on, as the tensor holds it (FP32 bits, or BF16 data the kernels widen exactly).
SpanInput elements(const Tensor& t, int64_t r, int64_t c) {
  const auto i = static_cast<std::size_t>(r * t.cols + c);
  return t.holds_bf16() ? SpanInput(&t.bf16[i]) : SpanInput(&t.bits[i]);
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

struct BlockErrors {
  uint64_t err_sum = 0;
  float err_fp32 = 0.0f;  // the block's FP32 sum in the order `order`
};

// What a block's element pass writes: its FP8 codes and values (q and its scale), or its BF16 representation (D2,
// D6, D7: what a block decided BF16 holds; exact for BF16 inputs).
struct BlockPlan {
  const SpanQuantizer* q = nullptr;  // null: keep as BF16
  SpanScale scale;                   // with q
  Bf16Rounding keep = Bf16Rounding::kRne;
  bool zeros_positive = false;       // MOR_REF: a zero input comes out +0 with code 0 (the reference's tensor-level
                                     // kernel computes nonzero elements only)
};

// One block's element pass, fed its rows in order: writes what its plan says into the result's arrays, or nowhere
// when the result holds no element outputs (write_outputs = false: the kernels keep codes and values in their own
// buffers, so errors and decisions are the same either way), and sums the errors of what it writes (the plan's
// quantizer's error form) exactly and, unless order is kNone, in FP32.
class BlockPass {
 public:
  BlockPass(const Grid& g, int64_t b, const BlockPlan& plan, bool want_errors, Fp32Order order)
      : plan_(plan), r0_(g.r0(b)), c0_(g.c0(b)), n_(g.c1(b) - g.c0(b)), want_(want_errors), fp32_(order, g.block) {}
  int64_t col() const { return c0_; }
  // Row i of the block into out (null arrays: nowhere); its per-element errors into e when e is not null (for
  // add_fp32).
  void row(const Tensor& t, int64_t i, float* e, const SpanOutputs& out) {
    const SpanInput x = elements(t, r0_ + i, c0_);
    const auto n = static_cast<std::size_t>(n_);
    errors_.e = e;
    if (plan_.q == nullptr) {
      if (want_ || out.dequant != nullptr || out.dequant_bf16 != nullptr)
        keep_and_measure(x, n, plan_.keep, out, want_ ? &errors_ : nullptr);
      if (out.codes != nullptr) std::fill_n(out.codes, n, uint8_t{0});
      return;
    }
    plan_.q->run(plan_.scale, x, n, out, want_ ? &errors_ : nullptr);
    if (plan_.zeros_positive && out.codes != nullptr) zeros_positive(t, i, out);
  }
  void add_fp32(int64_t i, const float* e) { fp32_.add_row(i, e, n_); }
  BlockErrors errors() const { return {errors_.err_sum, fp32_.sum()}; }

 private:
  void zeros_positive(const Tensor& t, int64_t i, const SpanOutputs& out) const {
    for (int64_t c = 0; c < n_; ++c)
      if (t.at(r0_ + i, c0_ + c) == 0x80000000u) {
        out.codes[c] = 0;
        if (out.dequant != nullptr) out.dequant[c] = 0;
        if (out.dequant_bf16 != nullptr) out.dequant_bf16[c] = 0;
      }
  }
  const BlockPlan& plan_;
  int64_t r0_, c0_, n_;
  bool want_;
  SpanErrors errors_;
  BlockFp32Sum fp32_;
};

// A piece of the element passes' work: block row `band`, block columns [bc0, bc1).
struct BandPart {
  int64_t band, bc0, bc1;
};

// Whole bands when there are enough of them for the threads, else each band cut into pieces of whole blocks. A
// block's outputs depend only on the block, so the pieces change no result.
std::vector<BandPart> band_parts(const Grid& g, int threads) {
  const int64_t want = 4 * static_cast<int64_t>(thread_count(threads));
  const int64_t pieces = g.grid_rows >= want ? 1 : std::min(g.grid_cols, (want + g.grid_rows - 1) / g.grid_rows);
  std::vector<BandPart> parts;
  for (int64_t band = 0; band < g.grid_rows; ++band)
    for (int64_t k = 0; k < pieces; ++k)
      parts.push_back({band, g.grid_cols * k / pieces, g.grid_cols * (k + 1) / pieces});
  return parts;
}

void parallel_parts(const Grid& g, int threads, const std::function<void(const BandPart&)>& fn) {
  const std::vector<BandPart> parts = band_parts(g, threads);
  parallel_blocks(static_cast<int64_t>(parts.size()), threads, [&](int64_t k) { fn(parts[static_cast<std::size_t>(k)]); });
}

// Element outputs at least this large (codes and values: 20 MiB) do not stay in the caches for whoever reads them
// next: they are written with streaming stores (stream_store), which write whole cache lines without first reading
// them (write allocation made the writes cost 2.5x here: 375 vs 930 M elements/s for the bytes tensor-level moves).
constexpr std::size_t kStreamMinElements = std::size_t{4} << 20;

// The passes of a part's blocks, row by row across them: the tensor's rows are read whole and in order, which the
// hardware prefetchers follow (block by block, every row segment starts a new page: 1.7x slower measured), and each
// block's rows in order, as its FP32 sum needs. With fp32, the FP32 sums add row i - 1 after row i is computed (two
// row buffers used in turn), so their loads never wait on the kernel's just-issued vector stores (a store-to-load
// forwarding stall took 80% of the summation's time when each row was added at once). Outputs go to out's arrays
// (null out, or a result without element outputs: nowhere); large ones through a staged row and streaming stores.
void run_passes(const Grid& g, const BandPart& p, const Tensor& t, std::vector<BlockPass>& passes, bool fp32,
                QuantResult* out, Bf16Rounding rounding) {
  const int64_t b0 = p.band * g.grid_cols, r0 = g.r0(b0), rows = g.r1(b0) - r0;
  const int64_t c0 = g.c0(b0 + p.bc0), width = g.c1(b0 + p.bc1 - 1) - c0;
  const bool write = out != nullptr && !out->codes.empty(), bf16 = write && !out->dequant_bf16.empty();
  const bool stream = write && out->codes.size() >= kStreamMinElements;
  thread_local std::vector<float> e;
  thread_local std::vector<uint8_t> staged_codes;
  thread_local std::vector<uint32_t> staged_dequant;
  thread_local std::vector<uint16_t> staged_bf16;
  e.resize(fp32 ? 2 * static_cast<std::size_t>(width) : 0);
  staged_codes.resize(stream ? static_cast<std::size_t>(width) : 0);
  staged_dequant.resize(stream && !bf16 ? static_cast<std::size_t>(width) : 0);
  staged_bf16.resize(stream && bf16 ? static_cast<std::size_t>(width) : 0);
  auto row_e = [&](int64_t i, const BlockPass& pass) {
    return fp32 ? &e[static_cast<std::size_t>((i % 2) * width + pass.col() - c0)] : nullptr;
  };
  // Where row i of a pass goes: the result's arrays, or the staged row.
  auto outputs = [&](int64_t i, const BlockPass& pass) {
    SpanOutputs o;
    o.rounding = rounding;
    if (!write) return o;
    const auto at = static_cast<std::size_t>((r0 + i) * g.cols + pass.col()), k = static_cast<std::size_t>(pass.col() - c0);
    o.codes = stream ? &staged_codes[k] : &out->codes[at];
    if (bf16) o.dequant_bf16 = stream ? &staged_bf16[k] : &out->dequant_bf16[at];
    else o.dequant = stream ? &staged_dequant[k] : &out->dequant[at];
    return o;
  };
  for (int64_t i = 0; i < rows; ++i) {
    for (auto& pass : passes) pass.row(t, i, row_e(i, pass), outputs(i, pass));
    if (stream) {
      const auto at = static_cast<std::size_t>((r0 + i) * g.cols + c0);
      stream_store(&out->codes[at], staged_codes.data(), staged_codes.size());
      if (bf16) stream_store(&out->dequant_bf16[at], staged_bf16.data(), 2 * staged_bf16.size());
      else stream_store(&out->dequant[at], staged_dequant.data(), 4 * staged_dequant.size());
    }
    if (fp32 && i > 0)
      for (auto& pass : passes) pass.add_fp32(i - 1, row_e(i - 1, pass));
  }
  if (fp32)
    for (auto& pass : passes) pass.add_fp32(rows - 1, row_e(rows - 1, pass));
  if (stream) stream_fence();
}

// The blocks of part p with their plans (plans[k] for block column p.bc0 + k), written into r; returns the errors of
// each block into errs (indexed by block) when want_errors.
void run_plans(const Grid& g, const BandPart& p, const Tensor& t, const std::vector<BlockPlan>& plans, QuantResult& r,
               bool want_errors, Fp32Order order, std::vector<BlockErrors>* errs, Bf16Rounding rounding) {
  std::vector<BlockPass> passes;
  passes.reserve(plans.size());
  const int64_t b0 = p.band * g.grid_cols + p.bc0;
  for (std::size_t k = 0; k < plans.size(); ++k)
    passes.emplace_back(g, b0 + static_cast<int64_t>(k), plans[k], want_errors, order);
  run_passes(g, p, t, passes, want_errors && order != Fp32Order::kNone, &r, rounding);
  if (want_errors)
    for (std::size_t k = 0; k < plans.size(); ++k) (*errs)[static_cast<std::size_t>(b0) + k] = passes[k].errors();
}

// Blocks of one row (1xN: MXFP8's 1x32, blockwise 1x128): the part's blocks in one kernel call with a scale per
// block (GroupScales), then each block's FP32 sum, sequential (D5) from its errors. The canonical sums are exact
// integers, so the part's total is kept on its first block (only the total is reported).
void run_row_groups(const Grid& g, const BandPart& p, const Tensor& t, const SpanQuantizer& q, const GroupScales& gs,
                    QuantResult& r, bool want_errors, Fp32Order order, std::vector<BlockErrors>* errs,
                    Bf16Rounding rounding) {
  const int64_t b0 = p.band * g.grid_cols + p.bc0, row = g.r0(b0), c0 = g.c0(b0);
  const auto width = static_cast<std::size_t>(g.c1(b0 + (p.bc1 - p.bc0) - 1) - c0);
  const bool fp32 = want_errors && order != Fp32Order::kNone;
  const bool write = !r.codes.empty(), bf16 = write && !r.dequant_bf16.empty();
  const bool stream = write && r.codes.size() >= kStreamMinElements;
  thread_local std::vector<float> e;
  thread_local std::vector<uint8_t> staged_codes;
  thread_local std::vector<uint32_t> staged;
  thread_local std::vector<uint16_t> staged_bf16;
  e.resize(fp32 ? width : 0);
  staged_codes.resize(stream ? width : 0);
  staged.resize(stream && !bf16 ? width : 0);
  staged_bf16.resize(stream && bf16 ? width : 0);
  SpanErrors span;
  span.e = fp32 ? e.data() : nullptr;
  const std::size_t at = static_cast<std::size_t>(row * g.cols + c0);
  SpanOutputs out;
  out.rounding = rounding;
  if (write) {
    out.codes = stream ? staged_codes.data() : &r.codes[at];
    if (bf16) out.dequant_bf16 = stream ? staged_bf16.data() : &r.dequant_bf16[at];
    else out.dequant = stream ? staged.data() : &r.dequant[at];
  }
  q.run_groups(gs, elements(t, row, c0), width, out, want_errors ? &span : nullptr);
  if (stream) {
    stream_store(&r.codes[at], staged_codes.data(), width);
    if (bf16) stream_store(&r.dequant_bf16[at], staged_bf16.data(), 2 * width);
    else stream_store(&r.dequant[at], staged.data(), 4 * width);
    stream_fence();
  }
  if (!want_errors) return;
  for (int64_t b = b0; b < b0 + (p.bc1 - p.bc0); ++b) {
    float sum = 0.0f;
    if (fp32)
      for (int64_t c = g.c0(b); c < g.c1(b); ++c) sum = fadd_rn(sum, e[static_cast<std::size_t>(c - c0)]);
    (*errs)[static_cast<std::size_t>(b)] = {b == b0 ? span.err_sum : 0u, sum};
  }
}

// Part p of a policy with a plain scale per block (gs: the part's blocks in order): blocks of one row in one kernel
// call (run_row_groups), others block by block with a dequantize table where the block amortizes one.
void run_scaled_part(const Grid& g, const BandPart& p, const Tensor& t, const SpanQuantizer& q, const GroupScales& gs,
                     QuantResult& r, bool want_errors, Fp32Order order, std::vector<BlockErrors>* errs,
                     Bf16Rounding rounding) {
  if (g.block.rows == 1 && (order == Fp32Order::kNone || order == Fp32Order::kSequential)) {
    run_row_groups(g, p, t, q, gs, r, want_errors, order, errs, rounding);
    return;
  }
  std::vector<BlockPlan> plans(static_cast<std::size_t>(p.bc1 - p.bc0));
  for (std::size_t k = 0; k < plans.size(); ++k) {
    const bool table = block_elements(g, p.band * g.grid_cols + p.bc0 + static_cast<int64_t>(k)) >= kTableMinElements;
    plans[k].q = &q;
    plans[k].scale = gs.mx ? q.mx(gs.s[k], table) : q.scaled(gs.s[k], table);
  }
  run_plans(g, p, t, plans, r, want_errors, order, errs, rounding);
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
      const uint32_t x = t.at(r, c), y = fmul_rn_bits(x, s);
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
void start_result(const char* policy, const Grid& g, std::size_t elements, bool write_outputs, FakeOutput fake,
                  QuantResult& r) {
  std::vector<uint8_t> codes = std::move(r.codes);
  std::vector<uint32_t> dequant = std::move(r.dequant);
  std::vector<uint16_t> dequant_bf16 = std::move(r.dequant_bf16);
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
  r.dequant_bf16 = std::move(dequant_bf16);
  r.codes.resize(write_outputs ? elements : 0);
  r.dequant.resize(write_outputs && fake == FakeOutput::kFp32 ? elements : 0);
  r.dequant_bf16.resize(write_outputs && fake == FakeOutput::kBf16 ? elements : 0);
}

// a * b / gcd(a, b), or `limit` when that is larger (a band or piece of `limit` rows or columns is the whole tensor).
int64_t lcm_or_all(int64_t a, int64_t b, int64_t limit) {
  const int64_t l = a / std::gcd(a, b);
  return l > limit / b ? limit : l * b;
}

// The statistics of the blocks of every grid in one pass over the data (D1: each statistic is a max, a min, a count
// or an or, so merging parts in any grouping gives the block's). Each row is read whole and in order, which the
// hardware prefetchers follow (block by block, every row segment starts a new page: 1.6-1.9x slower measured on a
// 4096x1024 tensor), in groups of G columns (the greatest common divisor of the blocks' widths); the row's segments
// of each block width are merged from those of the widest narrower width that divides it (1x32 -> 1x128), and
// each grid's blocks take the segments of their width. Work items are bands of L rows (the least common multiple of
// the blocks' heights), cut at multiples of W columns (of their widths) when there are few bands, so every block
// lies in one item.
std::vector<std::vector<BlockStats>> block_statistics(const Tensor& t, const std::vector<Grid>& grids, NanPolicy policy,
                                                      int threads) {
  int64_t G = 0, L = 1, W = 1;
  std::vector<int64_t> widths;  // distinct block widths, ascending
  for (const Grid& g : grids) {
    G = std::gcd(G, g.block.cols);
    L = lcm_or_all(L, std::min(g.block.rows, t.rows), t.rows);
    W = lcm_or_all(W, std::min(g.block.cols, t.cols), t.cols);
    widths.push_back(g.block.cols);
  }
  std::sort(widths.begin(), widths.end());
  widths.erase(std::unique(widths.begin(), widths.end()), widths.end());
  std::vector<int> source(widths.size(), -1);  // the narrower width each one is merged from; -1: the groups
  for (std::size_t w = 0; w < widths.size(); ++w)
    for (std::size_t f = 0; f < w; ++f)
      if (widths[w] % widths[f] == 0) source[w] = static_cast<int>(f);
  std::vector<std::size_t> level(grids.size());
  for (std::size_t k = 0; k < grids.size(); ++k)
    level[k] = static_cast<std::size_t>(std::find(widths.begin(), widths.end(), grids[k].block.cols) - widths.begin());

  std::vector<std::vector<BlockStats>> stats;
  for (const Grid& g : grids) stats.emplace_back(static_cast<std::size_t>(g.count()));
  const int64_t bands = (t.rows + L - 1) / L, spans = (t.cols + W - 1) / W;
  const int64_t want = 4 * static_cast<int64_t>(thread_count(threads));
  const int64_t pieces = bands >= want ? 1 : std::min(spans, (want + bands - 1) / bands);
  parallel_blocks(bands * pieces, threads, [&](int64_t item) {
    const int64_t r0 = (item / pieces) * L, r1 = std::min(t.rows, r0 + L);
    const int64_t c0 = spans * (item % pieces) / pieces * W, c1 = std::min(t.cols, spans * (item % pieces + 1) / pieces * W);
    auto count = [&](int64_t width) { return static_cast<std::size_t>((c1 - c0 + width - 1) / width); };
    thread_local std::vector<BlockStats> groups;
    thread_local std::vector<std::vector<BlockStats>> segments;  // per width: the row's segments
    groups.resize(count(G));
    segments.resize(widths.size());
    for (std::size_t w = 0; w < widths.size(); ++w) segments[w].resize(widths[w] == G ? 0 : count(widths[w]));
    auto row_segments = [&](std::size_t w) -> const std::vector<BlockStats>& {
      return widths[w] == G ? groups : segments[w];
    };
    for (int64_t r = r0; r < r1; ++r) {
      stats_groups(elements(t, r, c0), static_cast<std::size_t>(c1 - c0), static_cast<std::size_t>(G), policy,
                   groups.data());
      for (std::size_t w = 0; w < widths.size(); ++w) {
        if (widths[w] == G) continue;
        const std::vector<BlockStats>& finer = source[w] < 0 ? groups : row_segments(static_cast<std::size_t>(source[w]));
        const std::size_t ratio = static_cast<std::size_t>(widths[w] / (source[w] < 0 ? G : widths[static_cast<std::size_t>(source[w])]));
        for (std::size_t j = 0; j < segments[w].size(); ++j) {
          BlockStats merged;
          for (std::size_t i = j * ratio; i < std::min(finer.size(), (j + 1) * ratio); ++i) merged = stats_merge(merged, finer[i]);
          segments[w][j] = merged;
        }
      }
      for (std::size_t k = 0; k < grids.size(); ++k) {
        const Grid& g = grids[k];
        const std::vector<BlockStats>& seg = row_segments(level[k]);
        BlockStats* row_blocks = &stats[k][static_cast<std::size_t>((r / g.block.rows) * g.grid_cols + c0 / g.block.cols)];
        if (g.block.rows == 1) std::copy(seg.begin(), seg.end(), row_blocks);
        else
          for (std::size_t j = 0; j < seg.size(); ++j) row_blocks[j] = stats_merge(row_blocks[j], seg[j]);
      }
    }
  });
  return stats;
}

void count_formats(const Grid& g, QuantResult& r) {
  for (int64_t br = 0, b = 0; br < g.grid_rows; ++br) {
    const int64_t rows = std::min(g.rows, (br + 1) * g.block.rows) - br * g.block.rows;
    for (int64_t bc = 0; bc < g.grid_cols; ++bc, ++b) {
      const auto tag = r.block_tag[static_cast<std::size_t>(b)];
      ++r.blocks_per_format[tag];
      r.elements_per_format[tag] += static_cast<uint64_t>(rows * (std::min(g.cols, (bc + 1) * g.block.cols) - bc * g.block.cols));
    }
  }
}

BlockStats merge_all(const std::vector<BlockStats>& stats) {
  BlockStats all;
  for (const auto& s : stats) all = stats_merge(all, s);
  return all;
}

// The opening every policy shares: the block grid, the result with its per-block arrays, each block's statistics
// (shared ones when the caller computed them for this tensor, block shape and NaN policy; else computed here in
// parallel) and the tensor's, whose NNZ, non-finite count and amax go into the result.
struct Opening {
  Grid g;
  std::vector<BlockStats> own;
  const std::vector<BlockStats>* shared;
  BlockStats all;
  const std::vector<BlockStats>& stats() const { return shared != nullptr ? *shared : own; }
};

Opening open_policy(const char* policy, const Tensor& t, BlockShape block, NanPolicy nan_policy, int threads,
                    bool write_outputs, FakeOutput fake, const SharedStats* shared, QuantResult& r) {
  Opening o{make_grid(t, block), {}, shared != nullptr ? shared->find(t, block, nan_policy) : nullptr, {}};
  start_result(policy, o.g, t.size(), write_outputs, fake, r);
  if (o.shared == nullptr) o.own = std::move(block_statistics(t, {o.g}, nan_policy, threads)[0]);
  o.all = merge_all(o.stats());
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
  BlockPlan keep;  // D2, D6
  keep.keep = rounding;
  parallel_parts(g, threads, [&](const BandPart& p) {
    const std::vector<BlockPlan> plans(static_cast<std::size_t>(p.bc1 - p.bc0), keep);
    run_plans(g, p, t, plans, r, true, order, &errs, rounding);
  });
  set_output_error(errs, stats, order, r);
  count_formats(g, r);
}

}  // namespace

void SharedStats::compute(const Tensor& t, const std::vector<BlockShape>& shapes, NanPolicy policy, int threads) {
  data_ = t.holds_bf16() ? static_cast<const void*>(t.bf16.data()) : static_cast<const void*>(t.bits.data());
  rows_ = t.rows;
  cols_ = t.cols;
  policy_ = policy;
  shapes_.clear();
  for (BlockShape b : shapes)  // each shape once
    if (std::none_of(shapes_.begin(), shapes_.end(), [&](BlockShape s) { return s.rows == b.rows && s.cols == b.cols; }))
      shapes_.push_back(b);
  std::vector<Grid> grids;
  for (BlockShape b : shapes_) grids.push_back(make_grid(t, b));
  // One pass for all shapes unless their widths share only a small divisor (then each its own pass: per-group work
  // on groups of a few columns costs more than a second pass).
  int64_t G = 0;
  for (BlockShape b : shapes_) G = std::gcd(G, b.cols);
  if (G >= 32 || shapes_.size() <= 1) {
    stats_ = block_statistics(t, grids, policy, threads);
    return;
  }
  stats_.clear();
  for (const Grid& g : grids) stats_.push_back(std::move(block_statistics(t, {g}, policy, threads)[0]));
}

const std::vector<BlockStats>* SharedStats::find(const Tensor& t, BlockShape shape, NanPolicy policy) const {
  const void* data = t.holds_bf16() ? static_cast<const void*>(t.bf16.data()) : static_cast<const void*>(t.bits.data());
  if (data != data_ || t.rows != rows_ || t.cols != cols_ || policy != policy_) return nullptr;
  for (std::size_t k = 0; k < shapes_.size(); ++k)
    if (shapes_[k].rows == shape.rows && shapes_[k].cols == shape.cols) return &stats_[k];
  return nullptr;
}

// ---------------------------------------------------------------------------------------------------------------
// Tensor-level MoR with GAM scales (spec 6, D3, D5, D6).

void quantize_tensor_level(const Tensor& t, const TensorLevelConfig& cfg, QuantResult& r, const SharedStats* shared) {
  if (cfg.metric == MetricKind::kInterval) check_interval_config(cfg);
  const Opening o = open_policy("tensor", t, cfg.block, cfg.rules.nan_policy, cfg.threads, cfg.write_outputs, cfg.fake_output, shared, r);
  const Grid& g = o.g;
  const auto& stats = o.stats();
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
    parallel_parts(g, cfg.threads, [&](const BandPart& p) {
      std::vector<BlockPlan> plans(static_cast<std::size_t>(p.bc1 - p.bc0));
      for (int64_t bc = p.bc0; bc < p.bc1; ++bc) {
        const int64_t b = p.band * g.grid_cols + bc;
        const auto bi = static_cast<std::size_t>(b);
        const uint32_t r_g = r.group_scale[static_cast<std::size_t>(group_of(b))];
        const uint32_t s = gam_block_scale(r_g, stats[bi].amax, fmax);
        r.block_scale[bi] = s;
        r.block_exp_offset[bi] = static_cast<uint8_t>(gam_exp_offset(r_g, s));
        r.block_tag[bi] = static_cast<uint8_t>(fmt);
        BlockPlan& plan = plans[static_cast<std::size_t>(bc - p.bc0)];
        plan.q = &q;
        plan.scale = q.scaled(s, block_elements(g, b) >= kTableMinElements);
        plan.zeros_positive = cfg.zero_inputs_positive;
      }
      run_plans(g, p, t, plans, r, true, order, &errs, cfg.rules.bf16);
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

void quantize_subtensor(const Tensor& t, const SubTensorConfig& cfg, QuantResult& r, const SharedStats* shared) {
  const Opening o = open_policy("subtensor", t, cfg.block, cfg.rules.nan_policy, cfg.threads, cfg.write_outputs, cfg.fake_output, shared, r);
  const Grid& g = o.g;
  const auto& stats = o.stats();
  const BlockStats& all = o.all;
  // Quant-error mode measures with the configured error form; the output's error is D5's (spec form).
  const SpanQuantizer m4(FormatTag::kE4M3, cfg.rules, cfg.error_form), m5(FormatTag::kE5M2, cfg.rules, cfg.error_form);
  const SpanQuantizer q4(FormatTag::kE4M3, cfg.rules), q5(FormatTag::kE5M2, cfg.rules), q23(FormatTag::kE2M3, cfg.rules);
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
  parallel_parts(g, cfg.threads, [&](const BandPart& p) {
    const int64_t b0 = p.band * g.grid_cols + p.bc0;
    std::vector<FormatTag> tags;
    std::vector<int64_t> measured;  // blocks whose E4M3 and E5M2 errors decide
    for (int64_t b = b0; b < b0 + (p.bc1 - p.bc0); ++b) {
      const BlockStats& st = stats[static_cast<std::size_t>(b)];
      r.block_amax[static_cast<std::size_t>(b)] = st.amax;
      // D2: a non-finite block is decided BF16 before its dynamic range is formed.
      const uint32_t dr = st.nonfinite > 0 ? kF32One : subtensor_dynamic_range(st.amax, st.min_nonzero);
      const SubTensorBand band = subtensor_band(dr, st.nonfinite > 0, rules);
      tags.push_back(band.tag);
      if (band.measure) measured.push_back(b);
    }
    if (!measured.empty()) {  // quant-error mode: E4M3 if its error sum is not larger than E5M2's, else BF16
      std::vector<BlockPlan> plans5(measured.size()), plans4(measured.size());
      std::vector<BlockPass> pass5, pass4;
      pass5.reserve(measured.size());
      pass4.reserve(measured.size());
      for (std::size_t j = 0; j < measured.size(); ++j) {
        const int64_t b = measured[j];
        const uint32_t amax = stats[static_cast<std::size_t>(b)].amax;
        const bool table = block_elements(g, b) >= kTableMinElements;
        plans5[j].q = &m5;
        plans5[j].scale = m5.scaled(scale_for(amax, FormatTag::kE5M2), table);
        plans4[j].q = &m4;
        plans4[j].scale = m4.scaled(scale_for(amax, FormatTag::kE4M3), table);
        pass5.emplace_back(g, b, plans5[j], true, qe_order);
        pass4.emplace_back(g, b, plans4[j], true, qe_order);
      }
      run_passes(g, p, t, pass5, qe_order != Fp32Order::kNone, nullptr, cfg.rules.bf16);  // they write nothing
      run_passes(g, p, t, pass4, qe_order != Fp32Order::kNone, nullptr, cfg.rules.bf16);
      for (std::size_t j = 0; j < measured.size(); ++j) {
        const BlockErrors e5 = pass5[j].errors(), e4 = pass4[j].errors();
        tags[static_cast<std::size_t>(measured[j] - b0)] =
            fp32_sums ? (e4.err_fp32 <= e5.err_fp32 ? FormatTag::kE4M3 : FormatTag::kBF16)  // the reference's test
                      : subtensor_quant_error_choice(e4.err_sum, e5.err_sum);
      }
    }
    std::vector<BlockPlan> plans(tags.size());
    for (std::size_t k = 0; k < tags.size(); ++k) {
      const int64_t b = b0 + static_cast<int64_t>(k);
      const auto bi = static_cast<std::size_t>(b);
      const FormatTag f = tags[k];
      r.block_tag[bi] = static_cast<uint8_t>(f);
      if (f == FormatTag::kBF16) {
        plans[k].keep = cfg.rules.bf16;
        continue;
      }
      const uint32_t scale = scale_for(stats[bi].amax, f);
      r.block_scale[bi] = scale;
      plans[k].q = f == FormatTag::kE4M3 ? &q4 : f == FormatTag::kE5M2 ? &q5 : &q23;
      plans[k].scale = plans[k].q->scaled(scale, block_elements(g, b) >= kTableMinElements);
    }
    if (out_errors || !r.codes.empty()) run_plans(g, p, t, plans, r, out_errors, out_order, &out_errs, cfg.rules.bf16);
  });
  if (out_errors) set_output_error(out_errs, stats, out_order, r);
  count_formats(g, r);
  r.tensor_format = subtensor_tensor_tag(r.elements_per_format.data());
  r.reason = all.nonfinite ? Reason::kNonFinite : Reason::kAccepted;
}

namespace {

// Every E8M0 code's FP32 value X and the multiplier RN32(1 / X) (exact: X is a power of two from 2^-127 to 2^127;
// the quiet NaN for the NaN code).
struct E8m0Values {
  uint32_t value[256], reciprocal[256];
};

const E8m0Values& e8m0_values() {
  static const E8m0Values v = [] {
    E8m0Values t{};
    for (int c = 0; c < 256; ++c) {
      t.value[c] = f32_from_e8m0(static_cast<uint8_t>(c));
      t.reciprocal[c] = f32_is_nan(t.value[c]) ? kF32QuietNan : fdiv_rn_bits(kF32One, t.value[c]);
    }
    return t;
  }();
  return v;
}

// The MX scale code of every amax with 16 zero low bits (every BF16 magnitude, and the quiet NaN), by the rule's
// own function: one table per rule and format, built on first use.
template <class ScaleOf>
const std::vector<uint8_t>& mx_scale_table(MxScaleRule rule, FormatTag format, const ScaleOf& scale_of) {
  static std::mutex m;
  static std::map<std::pair<int, int>, std::vector<uint8_t>> tables;
  const std::lock_guard<std::mutex> lock(m);
  std::vector<uint8_t>& t = tables[{static_cast<int>(rule), static_cast<int>(format)}];
  if (t.empty()) {
    t.resize(65536);
    for (uint32_t h = 0; h < 65536; ++h) t[h] = scale_of(h << 16);
  }
  return t;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Baselines.

void quantize_current_scaling(const Tensor& t, const CurrentScalingConfig& cfg, QuantResult& r, const SharedStats* shared) {
  // Blocks only for parallelism; one scale for the tensor.
  const Opening o = open_policy("current", t, kCurrentScalingBlocks, cfg.rules.nan_policy, cfg.threads,
                                cfg.write_outputs, cfg.fake_output, shared, r);
  const Grid& g = o.g;
  const auto& stats = o.stats();
  const BlockStats& all = o.all;
  const uint32_t scale = te_current_scale(all.amax, fmax_of(cfg.format), cfg.eps, cfg.power_of_two);
  r.group_amax = {all.amax};
  r.group_scale = {scale};
  const SpanQuantizer q(cfg.format, cfg.rules);
  BlockPlan plan;
  plan.q = &q;
  plan.scale = q.scaled(scale, true);
  const bool out_errors = cfg.output_errors != OutputErrors::kNone;
  const Fp32Order out_order = fp32_order(t, g, cfg.output_errors == OutputErrors::kCanonicalAndFp32);
  std::vector<BlockErrors> out_errs(static_cast<std::size_t>(g.count()));
  parallel_parts(g, cfg.threads, [&](const BandPart& p) {
    for (int64_t b = p.band * g.grid_cols + p.bc0; b < p.band * g.grid_cols + p.bc1; ++b) {
      const auto bi = static_cast<std::size_t>(b);
      r.block_amax[bi] = stats[bi].amax;
      r.block_scale[bi] = scale;
      r.block_tag[bi] = static_cast<uint8_t>(cfg.format);
    }
    if (out_errors || !r.codes.empty())  // the output's error
      run_plans(g, p, t, std::vector<BlockPlan>(static_cast<std::size_t>(p.bc1 - p.bc0), plan), r, out_errors,
                out_order, &out_errs, cfg.rules.bf16);
  });
  if (out_errors) set_output_error(out_errs, stats, out_order, r);
  r.tensor_format = cfg.format;
  count_formats(g, r);
}

void quantize_blockwise(const Tensor& t, const BlockwiseConfig& cfg, QuantResult& r, const SharedStats* shared) {
  const Opening o = open_policy("blockwise", t, cfg.block, cfg.rules.nan_policy, cfg.threads, cfg.write_outputs, cfg.fake_output, shared, r);
  const Grid& g = o.g;
  const auto& stats = o.stats();
  const SpanQuantizer q(FormatTag::kE4M3, cfg.rules);
  const bool out_errors = cfg.output_errors != OutputErrors::kNone;
  const Fp32Order out_order = fp32_order(t, g, cfg.output_errors == OutputErrors::kCanonicalAndFp32);
  std::vector<BlockErrors> out_errs(static_cast<std::size_t>(g.count()));
  parallel_parts(g, cfg.threads, [&](const BandPart& p) {
    std::vector<uint32_t> scales, inverses;
    for (int64_t b = p.band * g.grid_cols + p.bc0; b < p.band * g.grid_cols + p.bc1; ++b) {
      const auto bi = static_cast<std::size_t>(b);
      r.block_amax[bi] = stats[bi].amax;
      r.block_scale[bi] = te_current_scale(stats[bi].amax, kE4M3Max, 0.0f, cfg.power_of_two);
      scales.push_back(r.block_scale[bi]);
      inverses.push_back(f32_bits(fdiv_rn(1.0f, f32_from_bits(r.block_scale[bi]))));
    }
    if (!out_errors && r.codes.empty()) return;
    run_scaled_part(g, p, t, q, GroupScales{scales.data(), inverses.data(), false, static_cast<std::size_t>(g.block.cols)},
                    r, out_errors, out_order, &out_errs, cfg.rules.bf16);
  });
  if (out_errors) set_output_error(out_errs, stats, out_order, r);
  count_formats(g, r);
}

void quantize_mx(const Tensor& t, const MxConfig& cfg, QuantResult& r, const SharedStats* shared) {
  const Opening o = open_policy("mxfp8", t, cfg.block, cfg.rules.nan_policy, cfg.threads, cfg.write_outputs, cfg.fake_output, shared, r);
  const Grid& g = o.g;
  const auto& stats = o.stats();
  r.block_scale_e8m0.assign(static_cast<std::size_t>(g.count()), 0);
  const SpanQuantizer q(cfg.format, cfg.rules);
  const int emax_elem = cfg.format == FormatTag::kE4M3 ? 8 : 15;
  const bool out_errors = cfg.output_errors != OutputErrors::kNone;
  const Fp32Order out_order = fp32_order(t, g, cfg.output_errors == OutputErrors::kCanonicalAndFp32);
  std::vector<BlockErrors> out_errs(static_cast<std::size_t>(g.count()));
  auto scale_of = [&](uint32_t amax) {
    return cfg.rule == MxScaleRule::kNvRceil ? nv_rceil_scale_e8m0(amax, fmax_of(cfg.format))
                                             : ocp_floor_scale_e8m0(amax, emax_elem);
  };
  // Many blocks of BF16 values: their scales from a table of every BF16 amax (the same function, evaluated once).
  const std::vector<uint8_t>* by_bf16 = g.count() >= 16384 ? &mx_scale_table(cfg.rule, cfg.format, scale_of) : nullptr;
  const E8m0Values& e8m0 = e8m0_values();
  parallel_parts(g, cfg.threads, [&](const BandPart& p) {
    std::vector<uint32_t> scales;
    const std::size_t first = static_cast<std::size_t>(p.band * g.grid_cols + p.bc0);
    for (int64_t b = p.band * g.grid_cols + p.bc0; b < p.band * g.grid_cols + p.bc1; ++b) {
      const auto bi = static_cast<std::size_t>(b);
      const uint32_t amax = stats[bi].amax;
      r.block_amax[bi] = amax;
      r.block_tag[bi] = static_cast<uint8_t>(cfg.format);
      const uint8_t X = by_bf16 != nullptr && (amax & 0xFFFFu) == 0 ? (*by_bf16)[amax >> 16] : scale_of(amax);
      r.block_scale_e8m0[bi] = X;
      r.block_scale[bi] = e8m0.reciprocal[X];
      scales.push_back(e8m0.value[X]);
    }
    if (!out_errors && r.codes.empty()) return;
    // block_scale holds RN32(1 / X), exact for every E8M0 value X: the kernels multiply by it instead of dividing
    run_scaled_part(g, p, t, q, GroupScales{scales.data(), &r.block_scale[first], true, static_cast<std::size_t>(g.block.cols)},
                    r, out_errors, out_order, &out_errs, cfg.rules.bf16);
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
