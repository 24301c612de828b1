// The vectorized span kernels (quant_kernel.hpp) against the scalar definitions they must equal bit for bit:
// quantize_element / quantize_element_mx and convert (D4), relative_error / relative_error_mor_ref and error_fx
// (D5), stats_add (D1), bf16_from_f32 / bf16_round_mor_ref (D2). Every instruction set this CPU runs, every
// format and rule the policies use, directed inputs (zeros of both signs, subnormals, rounding ties after scaling,
// saturation, Inf, NaN payloads) and random bit patterns, spans of lengths around the kernels' chunk size.
#include <gtest/gtest.h>

#include <random>
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
        v.push_back(c);
      }
  return v;
}

// Multipliers: 1, powers of two, GAM-like mantissas, huge (y overflows), tiny and subnormal (y underflows, d
// overflows), and a NaN MX scale (E8M0 0xFF).
const uint32_t kScales[] = {0x3F800000, 0x43E00000, 0x41000000, 0x3E800000, 0x4B5FAF2C, 0x47AB1234, 0x7F000000,
                            0x7F7FFFFF, 0x00800000, 0x00000400, 0x2B8CBCCC, 0x5F5E1000};

TEST(QuantKernel, SpanEqualsScalarElementPath) {
  const auto x = test_inputs(5);
  uint64_t checked = 0, mismatches = 0;
  for (VectorIsa isa : isas())
    for (const Case& c : cases())
      for (bool mx : {false, true})
        for (uint32_t s : kScales)
          for (bool table : {false, true}) {
            const uint32_t scale = mx ? (s & 0x7F800000u) | (s == 0x7F7FFFFF ? 0x7FC00000u : 0u) : s;
            const SpanQuantizer q(c.format, c.rules, c.form, isa);
            const SpanScale sc = mx ? q.mx(scale, table) : q.scaled(scale, table);
            std::vector<uint8_t> codes(x.size());
            std::vector<uint32_t> d(x.size());
            std::vector<float> e(x.size());
            SpanErrors err;
            // Uneven pieces so that every chunk boundary and tail length occurs; err_sum accumulates over them.
            for (std::size_t at = 0, len = 1; at < x.size(); at += len, len = len * 3 % 517 + 1) {
              err.e = &e[at];
              q.run(sc, &x[at], std::min(len, x.size() - at), &codes[at], &d[at], &err);
            }
            uint64_t want_sum = 0;
            for (std::size_t i = 0; i < x.size(); ++i) {
              const QuantizedElement want = scalar_element(c.format, c.rules, mx, x[i], scale);
              const bool measured = !f32_is_zero(x[i]) && f32_is_finite(x[i]);
              const uint32_t want_e = !measured ? 0u
                                      : c.form == ErrorForm::kSpec ? relative_error(x[i], want.dequant)
                                                                   : relative_error_mor_ref(x[i], want.dequant);
              want_sum += measured ? error_fx(want_e) : 0u;
              const bool bad = codes[i] != want.code || d[i] != want.dequant || f32_bits(e[i]) != want_e;
              if (bad && mismatches++ < 5)
                ADD_FAILURE() << vector_isa_name(isa) << " format " << int(c.format) << " mx " << mx << " s 0x"
                              << std::hex << scale << " x 0x" << x[i] << ": code " << int(codes[i]) << "/"
                              << int(want.code) << " d " << d[i] << "/" << want.dequant << " e " << f32_bits(e[i])
                              << "/" << want_e;
              ++checked;
            }
            EXPECT_EQ(err.err_sum, want_sum) << vector_isa_name(isa) << " format " << int(c.format);
          }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_GT(checked, 10'000'000u);
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
        for (uint32_t v : x) stats_add(a, v, policy);
        stats_add_fast(b, x.data(), x.size(), policy, isa);
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
