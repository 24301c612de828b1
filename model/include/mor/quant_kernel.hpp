// The policies' element path on spans of contiguous elements (host only): scale, quantize, dequantize, the
// per-element error and its fixed-point sum, and the per-block statistics, as loops the compiler vectorizes,
// compiled for AVX-512, AVX2 and baseline x86-64 like fast_convert.hpp and picked at run time.
//
// Every output is the scalar definition's, bit for bit: quantize_element / quantize_element_mx (element.hpp, D4),
// relative_error / relative_error_mor_ref and error_fx (metric.hpp, D5), stats_add (amax.hpp, D1). Host FP32 vector
// instructions round each lane like the scalar ones (IEEE RNE, FTZ and DAZ clear and checked, no contraction: D0),
// so a vector multiply or divide gives the scalar bits. tests/model/test_quant_kernel.cpp compares every output with
// the scalar definitions on directed and random data, for every instruction set this CPU runs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "mor/core/amax.hpp"
#include "mor/fast_convert.hpp"
#include "mor/policy.hpp"

namespace mor {

namespace detail {
struct KernelArgs;  // quant_kernel.cpp
}

// The elements a kernel reads: FP32 bits, or a BF16 tensor's stored bits, widened on load (exact: tensor.hpp).
struct SpanInput {
  const uint32_t* f32 = nullptr;
  const uint16_t* bf16 = nullptr;
  SpanInput() = default;
  SpanInput(const uint32_t* x) : f32(x) {}  // NOLINT: implicit, a pointer to FP32 bits is an input
  SpanInput(const uint16_t* x) : bf16(x) {}  // NOLINT
  SpanInput operator+(std::size_t i) const { return bf16 != nullptr ? SpanInput(bf16 + i) : SpanInput(f32 + i); }
};

// One scale of a block (or of a tensor) prepared for the span kernels.
struct SpanScale {
  uint32_t s = 0;         // the multiplier s (y = x * s), or the MX scale X (y = x / X); FP32 bits
  uint32_t inv = 0;       // RN32(1 / s), for DequantMode::kMultiplyByInverse
  bool mx = false;
  bool has_table = false;
  uint32_t table[256];    // when has_table: the dequantized value of every code (D4: d depends only on q and s)
};

// Scales of consecutive groups of `group` elements (1xN blocks along a row: MXFP8's 1x32, blockwise 1x128), for a
// span that starts at a group boundary: s[k] (or X[k]) for group k, and under DequantMode::kMultiplyByInverse
// inv[k] = RN32(1 / s[k]). No dequantize tables (groups this short do not amortize one).
struct GroupScales {
  const uint32_t* s = nullptr;
  const uint32_t* inv = nullptr;
  bool mx = false;
  std::size_t group = 0;
};

// What a span reports about its errors, over its nonzero finite x (a zero has no relative error, D5; a non-finite
// x is never measured, D2).
struct SpanErrors {
  uint64_t err_sum = 0;   // sum of error_fx(e): the canonical metric's share of the span
  float* e = nullptr;     // when set: e of every element (FP32), +0 where not measured, for an FP32 sum in order
};

// Where a span's outputs go: codes, and the values as FP32 bits or as their BF16 rounding by `rounding` (what
// QuantResult::fake_bf16 gives, written without the FP32 array). A null pointer is not written.
struct SpanOutputs {
  uint8_t* codes = nullptr;
  uint32_t* dequant = nullptr;
  uint16_t* dequant_bf16 = nullptr;
  Bf16Rounding rounding = Bf16Rounding::kRne;
};

class SpanQuantizer {
 public:
  // f: E4M3, E5M2 or E2M3. form: the per-element error the span computes when asked for errors.
  SpanQuantizer(FormatTag f, const ElementRules& rules, ErrorForm form = ErrorForm::kSpec,
                VectorIsa isa = best_vector_isa());

  // Multiplier convention: y = RN32(x * s), d = RN32(decode(q) / s), or decode(q) * RN32(1 / s) under TE's rule.
  // with_table builds the 256-entry dequantize table (256 scalar steps; worth it for blocks of >= 1k elements).
  SpanScale scaled(uint32_t s, bool with_table) const;
  // OCP MX convention with the FP32 value X of an E8M0 scale: y = RN32(x / X), d = RN32(decode(q) * X).
  SpanScale mx(uint32_t X, bool with_table) const;

  // n contiguous elements: codes and dequantized values (FP32 bits); the errors when err is given. Null codes and
  // dequant: the errors alone (the kernel keeps the values in its own buffers).
  void run(const SpanScale& sc, SpanInput x, std::size_t n, uint8_t* codes, uint32_t* dequant,
           SpanErrors* err) const;
  void run(const SpanScale& sc, SpanInput x, std::size_t n, const SpanOutputs& out, SpanErrors* err) const;

  // The same for n elements whose scale changes every gs.group elements: equal to run() on each group with its
  // own scale (without a table), in one call.
  void run_groups(const GroupScales& gs, SpanInput x, std::size_t n, uint8_t* codes, uint32_t* dequant,
                  SpanErrors* err) const;
  void run_groups(const GroupScales& gs, SpanInput x, std::size_t n, const SpanOutputs& out, SpanErrors* err) const;

  FormatTag format() const { return format_; }

 private:
  uint32_t dequant_one(const SpanScale& sc, uint8_t q) const;
  // The kernel's arguments for a span of this quantizer (the scale fields are the caller's).
  void fill(detail::KernelArgs& a, SpanInput x, std::size_t n, const SpanOutputs& out, SpanErrors* err) const;

  FormatTag format_;
  ElementRules rules_;
  ErrorForm form_;
  VectorIsa isa_;
  int encoder_;                   // 0: vector E4M3, 1: vector E5M2 (RNE SATFINITE CANON), 2: the table
  const Fp32To8BitTable* table_;  // every other mode and format
  uint32_t decode_[256];          // FP32 bits of each code
  uint8_t negative_zero_code_;    // the code rewritten to 0 under negative_zero_to_positive; 0 when kept
};

// D5's error (the spec form |RN32(RN32(d - x) / x)|) of values already written, n contiguous elements: what a policy
// reports as the error of its output. Adds to err->err_sum; writes err->e when set.
void measure_span(SpanInput x, const uint32_t* dequant, std::size_t n, SpanErrors* err,
                  VectorIsa isa = best_vector_isa());

// The BF16 representation of n FP32 values as FP32 bits (DECISIONS D2, D6, D7: what a tensor or block decided
// BF16 holds): bf16_from_f32 (RNE, NaN keeps its sign) or the reference's bf16_round_mor_ref, widened exactly.
void keep_as_bf16(SpanInput x, std::size_t n, Bf16Rounding rounding, uint32_t* out,
                  VectorIsa isa = best_vector_isa());

// keep_as_bf16 and measure_span of its values in one pass, the values into out.dequant or out.dequant_bf16 (by
// out.rounding) or nowhere; err may be null (the values alone). out.codes is not written.
void keep_and_measure(SpanInput x, std::size_t n, Bf16Rounding rounding, const SpanOutputs& out, SpanErrors* err,
                      VectorIsa isa = best_vector_isa());

// stats_add over n contiguous elements (the same statistics; every one is a max, min, count or or, so the order
// does not matter), vectorized.
void stats_add_fast(BlockStats& s, SpanInput x, std::size_t n, NanPolicy policy,
                    VectorIsa isa = best_vector_isa());

// Copies `bytes` to dst with streaming (non-temporal) stores for the whole 64-byte lines of dst (the partial lines at
// either end with ordinary stores): the lines are written without being read first, and do not displace the caches.
// Call stream_fence() before the data is read by another thread.
void stream_store(void* dst, const void* src, std::size_t bytes);
void stream_fence();

// The statistics of consecutive groups of `group` elements: out[k] = the statistics (from a fresh BlockStats) of
// elements [k * group, min(n, (k + 1) * group)).
void stats_groups(SpanInput x, std::size_t n, std::size_t group, NanPolicy policy, BlockStats* out,
                  VectorIsa isa = best_vector_isa());

}  // namespace mor
