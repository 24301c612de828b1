// The vectorized span kernels (quant_kernel.hpp) against the scalar definitions they must equal bit for bit:
// quantize_element / quantize_element_mx and convert (D4), relative_error / relative_error_mor_ref and error_fx
// (D5), stats_add (D1), bf16_from_f32 / bf16_round_mor_ref (D2). Every instruction set this CPU runs, every
// format and rule the policies use, FP32 inputs and BF16 inputs read as stored, directed inputs (zeros of both
// signs, subnormals, rounding ties after scaling, saturation, Inf, NaN payloads) and random bit patterns, spans of
// lengths around the kernels' chunk size, one scale per span or per group (run_groups), outputs written or not.
#include <gtest/gtest.h>

#include <cmath>
#include <iterator>
#include <random>
#include <stdexcept>
#include <vector>

#include "mor/core/element.hpp"
#include "mor/core/metric.hpp"
#include "mor/quant_kernel.hpp"
#include "sweep.hpp"

namespace mor {
namespace {

std::vector<VectorIsa> isas() {
  std::vector<VectorIsa> v;
  for (VectorIsa i : {VectorIsa::kBaseline, VectorIsa::kAvx2, VectorIsa::kAvx512})
    if (vector_isa_supported(i)) v.push_back(i);
  return v;
}

// Directed FP32 inputs, both signs, then random patterns and random BF16-like values.
std::vector<uint32_t> test_inputs(uint64_t seed) {
  std::vector<uint32_t> v = {0x00000000, 0x00000001, 0x00000002, 0x007FFFFF, 0x00800000, 0x00800001, 0x3A800000,
                             0x3B000000, 0x3B400000, 0x3C800000, 0x3F800000, 0x3F880000, 0x3F880001, 0x3F900000,
                             0x3F8C0000, 0x3F840000, 0x43E00000, 0x43E80000, 0x43E80001, 0x43F00000, 0x47600000,
                             0x47700000, 0x476FFFFF, 0x4E6E6B28, 0x7F7FFFFF, 0x7F800000, 0x7F800001, 0x7FC00000,
                             0x7FFFFFFF, 0x7FA00000, 0x37800000, 0x37C00000, 0x38800000, 0x3C000000, 0x3BFFFFFF};
  const std::size_t n = v.size();
  for (std::size_t i = 0; i < n; ++i) v.push_back(v[i] ^ 0x80000000u);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 3000; ++i) v.push_back(static_cast<uint32_t>(rng()));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int i = 0; i < 3000; ++i) v.push_back(f32_bits(std::ldexp(normal(rng), static_cast<int>(rng() % 60) - 30)) & 0xFFFF0000u);
  return v;
}

uint8_t scalar_encode(FormatTag f, uint32_t y, ConvertMode m) {
  switch (f) {
    case FormatTag::kE4M3: return convert<E4M3, FP32>(y, m);
    case FormatTag::kE5M2: return convert<E5M2, FP32>(y, m);
    default: return convert<E2M3, FP32>(y, m);
  }
}

uint32_t scalar_decode(FormatTag f, uint8_t q) {
  switch (f) {
    case FormatTag::kE4M3: return convert<FP32, E4M3>(q, kIeeeDefault);
    case FormatTag::kE5M2: return convert<FP32, E5M2>(q, kIeeeDefault);
    default: return convert<FP32, E2M3>(q, kIeeeDefault);
  }
}

// The element path written out from its definition (D4 and the profiles' rules), one element at a time.
QuantizedElement scalar_element(FormatTag f, const ElementRules& rules, bool mx, uint32_t x, uint32_t s) {
  const uint32_t y = mx ? fdiv_rn_bits(x, s) : fmul_rn_bits(x, s);
  uint8_t q = scalar_encode(f, y, rules.mode);
  const uint8_t sign = f == FormatTag::kE2M3 ? 0x20 : 0x80;
  if (rules.negative_zero_to_positive && q == sign) q = 0;
  const uint32_t qf = scalar_decode(f, q);
  if (mx) return {q, fmul_rn_bits(qf, s)};
  if (rules.dequant == DequantMode::kDivideByScale) return {q, fdiv_rn_bits(qf, s)};
  return {q, fmul_rn_bits(qf, f32_bits(fdiv_rn(1.0f, f32_from_bits(s))))};
}

struct Case {
  FormatTag format;
  ElementRules rules;
  ErrorForm form;
};

std::vector<Case> cases() {
  std::vector<Case> v;
  const ConvertMode modes[] = {kFp8Default,
                               {Rounding::kRNA, Overflow::kSatFinite, NanEncoding::kCanonical},
                               {Rounding::kRNE, Overflow::kNoSat, NanEncoding::kKeepSign},
                               {Rounding::kRZ, Overflow::kSatFinite, NanEncoding::kCanonical}};
  for (FormatTag f : {FormatTag::kE4M3, FormatTag::kE5M2, FormatTag::kE2M3})
    for (const ConvertMode& m : modes)
      for (int variant = 0; variant < 3; ++variant) {
        Case c{f, ElementRules{}, variant == 2 ? ErrorForm::kMorRef : ErrorForm::kSpec};
        c.rules.mode = m;
        c.rules.negative_zero_to_positive = variant == 1;
        c.rules.dequant = variant == 1 ? DequantMode::kMultiplyByInverse : DequantMode::kDivideByScale;
        c.rules.bf16 = variant == 2 ? Bf16Rounding::kMorRef : Bf16Rounding::kRne;  // BF16 values written (SpanOutputs)
        v.push_back(c);
      }
  return v;
}

// Multipliers: 1, powers of two, GAM-like mantissas, huge (y overflows), tiny and subnormal (y underflows, d
// overflows), and a NaN MX scale (E8M0 0xFF).
const uint32_t kScales[] = {0x3F800000, 0x43E00000, 0x41000000, 0x3E800000, 0x4B5FAF2C, 0x47AB1234, 0x7F000000,
                            0x7F7FFFFF, 0x00800000, 0x00000400, 0x2B8CBCCC, 0x5F5E1000};

// An input element's FP32 value: FP32 bits as they are, BF16 widened (the 16 bits on top).
uint32_t wide(uint32_t x) { return x; }
uint32_t wide(uint16_t x) { return uint32_t{x} << 16; }

// The BF16 inputs: the top halves of the FP32 ones (zeros of both signs, subnormals, NaN payloads, Inf, random).
std::vector<uint16_t> bf16_inputs(const std::vector<uint32_t>& x) {
  std::vector<uint16_t> h(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) h[i] = static_cast<uint16_t>(x[i] >> 16);
  return h;
}

// What element i must give: the scalar definition's code and value, its error (D5's form or the reference's) and
// whether it is measured (nonzero and finite).
struct Want {
  QuantizedElement q;
  uint32_t e;
  bool measured;
};
Want want_element(const Case& c, bool mx, uint32_t x, uint32_t scale) {
  const QuantizedElement q = scalar_element(c.format, c.rules, mx, x, scale);
  const bool measured = !f32_is_zero(x) && f32_is_finite(x);
  const uint32_t e = !measured ? 0u : c.form == ErrorForm::kSpec ? relative_error(x, q.dequant) : relative_error_mor_ref(x, q.dequant);
  return {q, e, measured};
}

// Every output of SpanQuantizer::run on xs (FP32 or BF16 inputs) against the scalar definitions, and the errors of a
// run without outputs (null codes and values) against the same; returns the mismatches.
template <class X>
uint64_t check_spans(const std::vector<X>& xs, uint64_t* checked) {
  uint64_t mismatches = 0;
  for (VectorIsa isa : isas())
    for (const Case& c : cases())
      for (bool mx : {false, true})
        for (uint32_t s : kScales)
          for (bool table : {false, true}) {
            const uint32_t scale = mx ? (s & 0x7F800000u) | (s == 0x7F7FFFFF ? 0x7FC00000u : 0u) : s;
            const SpanQuantizer q(c.format, c.rules, c.form, isa);
            const SpanScale sc = mx ? q.mx(scale, table) : q.scaled(scale, table);
            std::vector<uint8_t> codes(xs.size());
            std::vector<uint32_t> d(xs.size());
            std::vector<float> e(xs.size()), e_alone(xs.size());
            std::vector<uint8_t> codes16(xs.size());
            std::vector<uint16_t> d16(xs.size());
            SpanErrors err, alone;
            // Uneven pieces so that every chunk boundary and tail length occurs; err_sum accumulates over them.
            for (std::size_t at = 0, len = 1; at < xs.size(); at += len, len = len * 3 % 517 + 1) {
              const std::size_t n = std::min(len, xs.size() - at);
              err.e = &e[at];
              q.run(sc, &xs[at], n, &codes[at], &d[at], &err);
              alone.e = &e_alone[at];
              SpanOutputs to16;  // no FP32 values: their BF16 rounding (RNE or the reference's) instead
              to16.codes = &codes16[at];
              to16.dequant_bf16 = &d16[at];
              to16.rounding = c.rules.bf16;
              q.run(sc, &xs[at], n, to16, &alone);
            }
            uint64_t want_sum = 0;
            for (std::size_t i = 0; i < xs.size(); ++i) {
              const uint32_t x = wide(xs[i]);
              const Want w = want_element(c, mx, x, scale);
              want_sum += w.measured ? error_fx(w.e) : 0u;
              const uint16_t want16 =
                  c.rules.bf16 == Bf16Rounding::kRne ? bf16_from_f32(w.q.dequant) : bf16_round_mor_ref(w.q.dequant);
              const bool bad = codes[i] != w.q.code || d[i] != w.q.dequant || f32_bits(e[i]) != w.e ||
                               f32_bits(e_alone[i]) != w.e || codes16[i] != w.q.code || d16[i] != want16;
              if (bad && mismatches++ < 5)
                ADD_FAILURE() << vector_isa_name(isa) << " input bytes " << sizeof(X) << " format " << int(c.format)
                              << " mx " << mx << " s 0x" << std::hex << scale << " x 0x" << x << ": code "
                              << int(codes[i]) << "/" << int(w.q.code) << " d " << d[i] << "/" << w.q.dequant << " e "
                              << f32_bits(e[i]) << "/" << f32_bits(e_alone[i]) << "/" << w.e;
              ++*checked;
            }
            EXPECT_EQ(err.err_sum, want_sum) << vector_isa_name(isa) << " format " << int(c.format);
            EXPECT_EQ(alone.err_sum, want_sum) << vector_isa_name(isa) << " format " << int(c.format);
          }
  return mismatches;
}

TEST(QuantKernel, SpanEqualsScalarElementPath) {
  const auto x = test_inputs(5);
  uint64_t checked = 0;
  EXPECT_EQ(check_spans(x, &checked), 0u);
  EXPECT_GT(checked, 10'000'000u);
}

// BF16 tensors are read as stored and widened in the kernels: the same outputs as the widened FP32 input.
TEST(QuantKernel, Bf16InputSpanEqualsScalarElementPath) {
  uint64_t checked = 0;
  EXPECT_EQ(check_spans(bf16_inputs(test_inputs(6)), &checked), 0u);
  EXPECT_GT(checked, 10'000'000u);
}

// Every BF16 input (all 2^16 patterns) through the hot path of each format against quantize_element<>.
TEST(QuantKernel, EveryBf16InputThroughTheDefaultPath) {
  std::vector<uint16_t> all(65536);
  for (uint32_t h = 0; h < 65536; ++h) all[h] = static_cast<uint16_t>(h);
  for (VectorIsa isa : isas())
    for (uint32_t s : {0x3F800000u, 0x43E00000u, 0x4B5FAF2Cu, 0x2B8CBCCCu, 0x00800000u}) {
      const SpanQuantizer q4(FormatTag::kE4M3, ElementRules{}, ErrorForm::kSpec, isa);
      const SpanQuantizer q5(FormatTag::kE5M2, ElementRules{}, ErrorForm::kSpec, isa);
      std::vector<uint8_t> c4(all.size()), c5(all.size());
      std::vector<uint32_t> d4(all.size()), d5(all.size());
      q4.run(q4.scaled(s, true), all.data(), all.size(), c4.data(), d4.data(), nullptr);
      q5.run(q5.scaled(s, false), all.data(), all.size(), c5.data(), d5.data(), nullptr);
      uint64_t bad = 0;
      for (uint32_t h = 0; h < 65536; ++h) {
        const auto w4 = quantize_element<E4M3>(h << 16, s), w5 = quantize_element<E5M2>(h << 16, s);
        bad += c4[h] != w4.code || d4[h] != w4.dequant || c5[h] != w5.code || d5[h] != w5.dequant;
      }
      EXPECT_EQ(bad, 0u) << vector_isa_name(isa) << " s 0x" << std::hex << s;
    }
}

// run_groups: a scale per group of elements in one call (MXFP8 with every E8M0 value, the multiplier with the
// test scales), FP32 and BF16 inputs, against the scalar definition with each group's scale.
template <class X>
uint64_t check_groups(const std::vector<X>& xs, uint64_t* checked, uint64_t* both_nan) {
  uint64_t mismatches = 0;
  for (VectorIsa isa : isas())
    for (const Case& c : cases())
      for (int form = 0; form < 3; ++form)  // 0: multiplier, 1: MX multiplying by RN32(1 / X), 2: MX dividing by X
        for (std::size_t group : {std::size_t{32}, std::size_t{128}, std::size_t{7}}) {
          const bool mx = form > 0;
          const std::size_t groups = (xs.size() + group - 1) / group;
          std::vector<uint32_t> s(groups), inv(groups);
          for (std::size_t k = 0; k < groups; ++k) {
            // Every E8M0 code, the NaN code (0xFF) in every fourth group, so NaN inputs meet NaN scales.
            s[k] = mx ? f32_from_e8m0(static_cast<uint8_t>(k % 4 == 0 ? 255 : k * 37 % 256)) : kScales[k % std::size(kScales)];
            inv[k] = f32_is_nan(s[k]) ? kF32QuietNan : f32_bits(fdiv_rn(1.0f, f32_from_bits(s[k])));
          }
          const SpanQuantizer q(c.format, c.rules, c.form, isa);
          std::vector<uint8_t> codes(xs.size());
          std::vector<uint32_t> d(xs.size());
          std::vector<float> e(xs.size());
          SpanErrors err;
          // Pieces of whole groups of uneven counts, each starting at a group boundary.
          for (std::size_t k0 = 0, m = 1; k0 < groups; k0 += m, m = m * 5 % 13 + 1) {
            const std::size_t at = k0 * group, n = std::min(m * group, xs.size() - at);
            err.e = &e[at];
            const GroupScales gs{&s[k0], form == 2 ? nullptr : &inv[k0], mx, group};
            q.run_groups(gs, &xs[at], n, &codes[at], &d[at], &err);
          }
          uint64_t want_sum = 0;
          for (std::size_t i = 0; i < xs.size(); ++i) {
            const Want w = want_element(c, mx, wide(xs[i]), s[i / group]);
            *both_nan += f32_is_nan(wide(xs[i])) && f32_is_nan(s[i / group]);
            want_sum += w.measured ? error_fx(w.e) : 0u;
            if ((codes[i] != w.q.code || d[i] != w.q.dequant || f32_bits(e[i]) != w.e) && mismatches++ < 5)
              ADD_FAILURE() << vector_isa_name(isa) << " form " << form << " group " << group << " x 0x" << std::hex
                            << wide(xs[i]) << " s 0x" << s[i / group] << ": code " << int(codes[i]) << "/"
                            << int(w.q.code) << " d " << d[i] << "/" << w.q.dequant;
            ++*checked;
          }
          EXPECT_EQ(err.err_sum, want_sum) << vector_isa_name(isa) << " form " << form << " group " << group;
        }
  return mismatches;
}

TEST(QuantKernel, GroupScalesEqualScalarElementPath) {
  const auto x = test_inputs(11);
  uint64_t checked = 0, both_nan = 0;
  EXPECT_EQ(check_groups(x, &checked, &both_nan), 0u);
  EXPECT_EQ(check_groups(bf16_inputs(x), &checked, &both_nan), 0u);
  EXPECT_GT(checked, 5'000'000u);
  EXPECT_GT(both_nan, 1000u);  // x86 gives the first operand's NaN: the kernels must keep x's
  // A reciprocal is exact only for an E8M0 value: any other MX scale with one is refused.
  const SpanQuantizer q(FormatTag::kE4M3, ElementRules{});
  const uint32_t bad_x = 0x3FC00000u, inv = 0x3F2AAAABu;  // 1.5
  uint8_t code;
  uint32_t d;
  EXPECT_THROW(q.run_groups(GroupScales{&bad_x, &inv, true, 32}, x.data(), 1, &code, &d, nullptr), std::invalid_argument);
}

// The project default through the kernel equals quantize_element<> itself, the function the RTL and kernels share.
TEST(QuantKernel, DefaultPathIsQuantizeElement) {
  const auto x = test_inputs(9);
  for (VectorIsa isa : isas())
    for (uint32_t s : kScales) {
      const SpanQuantizer q4(FormatTag::kE4M3, ElementRules{}, ErrorForm::kSpec, isa);
      const SpanQuantizer q5(FormatTag::kE5M2, ElementRules{}, ErrorForm::kSpec, isa);
      std::vector<uint8_t> c4(x.size()), c5(x.size());
      std::vector<uint32_t> d4(x.size()), d5(x.size());
      q4.run(q4.scaled(s, true), x.data(), x.size(), c4.data(), d4.data(), nullptr);
      q5.run(q5.scaled(s, false), x.data(), x.size(), c5.data(), d5.data(), nullptr);
      for (std::size_t i = 0; i < x.size(); ++i) {
        const auto w4 = quantize_element<E4M3>(x[i], s), w5 = quantize_element<E5M2>(x[i], s);
        ASSERT_EQ(c4[i], w4.code) << std::hex << x[i] << " " << s;
        ASSERT_EQ(d4[i], w4.dequant) << std::hex << x[i] << " " << s;
        ASSERT_EQ(c5[i], w5.code) << std::hex << x[i] << " " << s;
        ASSERT_EQ(d5[i], w5.dequant) << std::hex << x[i] << " " << s;
      }
    }
  // The OCP MX convention against quantize_element_mx, over every E8M0 scale code.
  for (VectorIsa isa : isas()) {
    const SpanQuantizer q(FormatTag::kE4M3, ElementRules{}, ErrorForm::kSpec, isa);
    for (int code = 0; code < 256; code += 3) {
      std::vector<uint8_t> c(x.size());
      std::vector<uint32_t> d(x.size());
      q.run(q.mx(f32_from_e8m0(static_cast<uint8_t>(code)), code % 2 == 0), x.data(), x.size(), c.data(), d.data(), nullptr);
      for (std::size_t i = 0; i < x.size(); ++i) {
        const auto w = quantize_element_mx<E4M3>(x[i], static_cast<uint8_t>(code));
        ASSERT_EQ(c[i], w.code) << std::hex << x[i] << " X " << code;
        ASSERT_EQ(d[i], w.dequant) << std::hex << x[i] << " X " << code;
      }
    }
  }
}

// stats_groups against stats_add over each group: FP32 and BF16 inputs (the AVX-512 path takes BF16 groups of 32),
// groups of every kind of length, both NaN policies, specials mixed in.
TEST(QuantKernel, GroupStatsEqualStatsAdd) {
  std::mt19937_64 rng(29);
  const uint32_t specials[] = {0u, 0x80000000u, 0x7F800000u, 0xFF800000u, 0x7FC00000u, 0xFFFF0000u, 0x7F810000u,
                               0x00010000u, 0x807F0000u, 0x7F7F0000u, 0x3F800000u, 0x00000001u};
  uint64_t differ = 0, groups_checked = 0;
  for (VectorIsa isa : isas())
    for (NanPolicy policy : {NanPolicy::kIgnoreNan, NanPolicy::kPropagateNan})
      for (std::size_t group : {std::size_t{32}, std::size_t{128}, std::size_t{5}, std::size_t{1}, std::size_t{33}})
        for (int iter = 0; iter < 60; ++iter) {
          std::vector<uint32_t> x(rng() % 700 + 1);
          for (auto& v : x) {
            v = rng() % 3 == 0 ? specials[rng() % std::size(specials)] : static_cast<uint32_t>(rng());
            if (iter % 2) v &= 0xFFFF0000u;  // BF16 values (the BF16 input below)
          }
          const std::size_t groups = (x.size() + group - 1) / group;
          std::vector<BlockStats> got(groups), got16(groups);
          stats_groups(x.data(), x.size(), group, policy, got.data(), isa);
          const std::vector<uint16_t> h = bf16_inputs(x);
          stats_groups(h.data(), h.size(), group, policy, got16.data(), isa);
          for (std::size_t k = 0; k < groups; ++k) {
            BlockStats want, want16;
            for (std::size_t i = k * group; i < std::min(x.size(), (k + 1) * group); ++i) {
              stats_add(want, x[i], policy);
              stats_add(want16, wide(h[i]), policy);
            }
            auto same = [](const BlockStats& a, const BlockStats& b) {
              return a.amax == b.amax && a.min_nonzero == b.min_nonzero && a.nnz == b.nnz && a.nonfinite == b.nonfinite &&
                     a.saw_nan == b.saw_nan;
            };
            differ += !same(got[k], want) + !same(got16[k], want16);
            ++groups_checked;
          }
        }
  EXPECT_EQ(differ, 0u);
  EXPECT_GT(groups_checked, 10'000u);
}

// keep_and_measure equals keep_as_bf16 then measure_span, with and without an output array, FP32 and BF16 inputs.
TEST(QuantKernel, KeepAndMeasureEqualsKeepThenMeasure) {
  const auto x = test_inputs(13);
  const auto h = bf16_inputs(x);
  for (VectorIsa isa : isas())
    for (Bf16Rounding r : {Bf16Rounding::kRne, Bf16Rounding::kMorRef})
      for (int input = 0; input < 2; ++input) {
        const SpanInput in = input ? SpanInput(h.data()) : SpanInput(x.data());
        std::vector<uint32_t> kept(x.size()), kept2(x.size());
        std::vector<float> e(x.size()), e2(x.size()), e3(x.size());
        keep_as_bf16(in, x.size(), r, kept.data(), isa);
        SpanErrors want, got, alone;
        want.e = e.data();
        measure_span(in, kept.data(), x.size(), &want, isa);
        got.e = e2.data();
        SpanOutputs to;
        to.dequant = kept2.data();
        keep_and_measure(in, x.size(), r, to, &got, isa);
        alone.e = e3.data();
        keep_and_measure(in, x.size(), r, SpanOutputs{}, &alone, isa);
        // The kept values' BF16 rounding, by either rule, without the FP32 array.
        for (Bf16Rounding out_rounding : {Bf16Rounding::kRne, Bf16Rounding::kMorRef}) {
          std::vector<uint16_t> kept16(x.size());
          SpanOutputs to16;
          to16.dequant_bf16 = kept16.data();
          to16.rounding = out_rounding;
          keep_and_measure(in, x.size(), r, to16, nullptr, isa);
          for (std::size_t i = 0; i < x.size(); ++i)
            ASSERT_EQ(kept16[i], out_rounding == Bf16Rounding::kRne ? bf16_from_f32(kept[i]) : bf16_round_mor_ref(kept[i])) << i;
        }
        EXPECT_EQ(kept2, kept);
        EXPECT_EQ(got.err_sum, want.err_sum);
        EXPECT_EQ(alone.err_sum, want.err_sum);
        for (std::size_t i = 0; i < x.size(); ++i) {
          ASSERT_EQ(f32_bits(e2[i]), f32_bits(e[i])) << i;
          ASSERT_EQ(f32_bits(e3[i]), f32_bits(e[i])) << i;
          // BF16 input kept as BF16 is itself (NaN: the quiet NaN with its sign), FP32 input its rounding.
          const uint32_t xi = input ? wide(h[i]) : x[i];
          ASSERT_EQ(kept[i], r == Bf16Rounding::kRne ? f32_from_bf16(bf16_from_f32(xi)) : f32_from_bf16(bf16_round_mor_ref(xi)));
        }
      }
}

// stream_store copies exactly, at every alignment of the destination and every length, and touches nothing else.
TEST(QuantKernel, StreamStoreCopiesEveryAlignment) {
  std::vector<uint8_t> src(400);
  for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(i * 7 + 3);
  for (std::size_t offset = 0; offset < 70; ++offset)
    for (std::size_t len = 0; len < 300; len += len < 70 ? 1 : 37) {
      std::vector<uint8_t> dst(512, 0xEE);
      stream_store(dst.data() + offset, src.data(), len);
      stream_fence();
      for (std::size_t i = 0; i < dst.size(); ++i) {
        const uint8_t want = i >= offset && i < offset + len ? src[i - offset] : 0xEE;
        ASSERT_EQ(dst[i], want) << "offset " << offset << " length " << len << " byte " << i;
      }
    }
}

TEST(QuantKernel, StatsEqualStatsAdd) {
  std::mt19937_64 rng(23);
  const uint32_t specials[] = {0u, 0x80000000u, 0x7F800000u, 0xFF800000u, 0x7FC00000u, 0xFFFFFFFFu, 0x7F800001u,
                               1u, 0x807FFFFFu, 0x7F7FFFFFu, 0x3F800000u};
  uint64_t differ = 0;
  for (VectorIsa isa : isas())
    for (NanPolicy policy : {NanPolicy::kIgnoreNan, NanPolicy::kPropagateNan}) {
      BlockStats a, b;
      for (int iter = 0; iter < 4000; ++iter) {
        std::vector<uint32_t> x(rng() % 300);
        for (auto& v : x) v = rng() % 4 == 0 ? specials[rng() % std::size(specials)] : static_cast<uint32_t>(rng());
        if (iter % 3 == 0)  // BF16 values, read as stored (16-bit lanes)
          for (auto& v : x) v &= 0xFFFF0000u;
        for (uint32_t v : x) stats_add(a, v, policy);
        if (iter % 3 == 0) {
          const std::vector<uint16_t> h = bf16_inputs(x);
          stats_add_fast(b, h.data(), h.size(), policy, isa);
        } else {
          stats_add_fast(b, x.data(), x.size(), policy, isa);
        }
        differ += a.amax != b.amax || a.min_nonzero != b.min_nonzero || a.nnz != b.nnz || a.nonfinite != b.nonfinite ||
                  a.saw_nan != b.saw_nan;
        if (iter % 37 == 0) a = b = BlockStats{};
      }
    }
  EXPECT_EQ(differ, 0u);
}

// keep_as_bf16 against the converters over FP32 bit patterns (strided; all 2^32 under `make exhaustive`).
TEST(QuantKernel, KeepAsBf16EqualsConvertersSweep) {
  for (VectorIsa isa : isas()) {
    const uint64_t bad = test::sweep_u32(test::fp32_stride(), [&](uint64_t first, uint64_t count, uint64_t stride) {
      std::vector<uint32_t> x(4096), rne(4096), ref(4096);
      uint64_t mismatches = 0;
      for (uint64_t done = 0; done < count; done += x.size()) {
        const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(x.size(), count - done));
        for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<uint32_t>(first + (done + i) * stride);
        keep_as_bf16(x.data(), n, Bf16Rounding::kRne, rne.data(), isa);
        keep_as_bf16(x.data(), n, Bf16Rounding::kMorRef, ref.data(), isa);
        for (std::size_t i = 0; i < n; ++i)
          mismatches += (rne[i] != f32_from_bf16(bf16_from_f32(x[i]))) + (ref[i] != f32_from_bf16(bf16_round_mor_ref(x[i])));
      }
      return mismatches;
    });
    EXPECT_EQ(bad, 0u) << vector_isa_name(isa);
  }
}

}  // namespace
}  // namespace mor
