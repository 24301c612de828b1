// mor::convert (and the table fast paths) against the independent reference (reference.hpp), bit for bit:
// every 8-bit code, every BF16 and FP16 input through every converter and mode, FP32 sweeps (strided here, complete
// under `make exhaustive`), TestFloat-style boundary generators and FP64 inputs near midpoints.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <type_traits>
#include <vector>

#include "mor/core/convert.hpp"
#include "mor/fast_convert.hpp"
#include "reference.hpp"
#include "sweep.hpp"

namespace mor {
namespace {

constexpr Rounding kDeterministic[] = {Rounding::kRNE, Rounding::kRNA, Rounding::kRZ,
                                       Rounding::kRU,  Rounding::kRD,  Rounding::kRTO};
constexpr Overflow kOverflows[] = {Overflow::kSatFinite, Overflow::kNoSat, Overflow::kSatFiniteOnly};
constexpr NanEncoding kNans[] = {NanEncoding::kCanonical, NanEncoding::kKeepSign};

ref::Round rr(Rounding r) { return static_cast<ref::Round>(static_cast<int>(r)); }
ref::Sat rs(Overflow o) { return static_cast<ref::Sat>(static_cast<int>(o)); }
ref::Nan rn(NanEncoding n) { return static_cast<ref::Nan>(static_cast<int>(n)); }

const ref::Converter& ref_of(FormatId f) {
  static const ref::Converter e4(ref::e4m3()), e5(ref::e5m2()), b16(ref::bf16()), f16(ref::fp16()), e8(ref::e8m0()),
      e23(ref::e2m3()), e32(ref::e3m2()), e21(ref::e2m1());
  switch (f) {
    case FormatId::kE4M3: return e4;
    case FormatId::kE5M2: return e5;
    case FormatId::kBF16: return b16;
    case FormatId::kFP16: return f16;
    case FormatId::kE8M0: return e8;
    case FormatId::kE2M3: return e23;
    case FormatId::kE3M2: return e32;
    default: return e21;
  }
}

// FormatId of a source format type.
template <class F>
constexpr FormatId spec_id() {
  if constexpr (std::is_same_v<F, FP32>) return FormatId::kFP32;
  if constexpr (std::is_same_v<F, BF16>) return FormatId::kBF16;
  if constexpr (std::is_same_v<F, FP16>) return FormatId::kFP16;
  return FormatId::kFP64;
}

bool rounding_allowed(FormatId dst, Rounding r) {
  return dst != FormatId::kE8M0 || r == Rounding::kRZ || r == Rounding::kRU;
}

// One input through every deterministic mode for one target, model (generic and, if given, table) vs reference.
// Returns the number of mismatches and reports the first few.
template <class Src>
uint64_t check_all_modes(FormatId dst, typename Src::code_t in, double x, bool negative,
                         const std::vector<Fp32To8BitTable>* tables = nullptr) {
  const ref::Converter& ref = ref_of(dst);
  uint64_t bad = 0;
  int table_index = 0;
  for (Rounding r : kDeterministic) {
    if (!rounding_allowed(dst, r)) continue;
    const bool special = std::isnan(x) || std::isinf(x);
    const ref::Rounded rounded =
        special ? ref::Rounded{false, 0} : ref.round_magnitude(std::fabs(x), negative, rr(r));
    for (Overflow o : kOverflows)
      for (NanEncoding n : kNans) {
        uint32_t want;
        if (std::isnan(x)) want = ref.nan_code(negative, rn(n));
        else if (std::isinf(x)) want = ref.inf_code(negative, rs(o));
        else want = ref.finish(rounded, negative, rr(r), rs(o));
        const ConvertMode m{r, o, n};
        const uint64_t got = convert_dynamic(dst, spec_id<Src>(), in, m);
        uint64_t got_table = got;
        if (tables) got_table = (*tables)[static_cast<std::size_t>(table_index)](static_cast<uint32_t>(in));
        ++table_index;
        if (got != want || got_table != want) {
          if (bad++ < 4)
            ADD_FAILURE() << std::hex << "dst " << spec_of(dst).name << " in 0x" << static_cast<uint64_t>(in)
                          << " rounding " << static_cast<int>(r) << " overflow " << static_cast<int>(o) << " nan "
                          << static_cast<int>(n) << ": model 0x" << got << " table 0x" << got_table << " ref 0x"
                          << want;
        }
      }
  }
  return bad;
}

constexpr FormatId k8BitTargets[] = {FormatId::kE4M3, FormatId::kE5M2, FormatId::kE8M0,
                                     FormatId::kE2M3, FormatId::kE3M2, FormatId::kE2M1};

std::vector<Fp32To8BitTable> tables_for(FormatId dst) {
  std::vector<Fp32To8BitTable> t;
  for (Rounding r : kDeterministic) {
    if (!rounding_allowed(dst, r)) continue;
    for (Overflow o : kOverflows)
      for (NanEncoding n : kNans) t.emplace_back(dst, ConvertMode{r, o, n});
  }
  return t;
}

TEST(reference, EveryCodeDecodesToItsDefinedValue) {
  for (FormatId f : k8BitTargets) {
    const ref::Converter& ref = ref_of(f);
    const FormatSpec& s = spec_of(f);
    for (uint32_t code = 0; code < (1u << s.bits()); ++code) {
      const uint32_t f32 = static_cast<uint32_t>(convert_dynamic(FormatId::kFP32, f, code, kIeeeDefault));
      const uint32_t mag = code & static_cast<uint32_t>(s.mag_mask());
      const bool neg = (code & s.sign_mask()) != 0;
      if (s.has_inf() && mag == (s.exp_all_ones() << s.man_bits)) {  // Inf (spec table: E5M2 S.11111.00)
        EXPECT_EQ(f32, neg ? 0xFF800000u : 0x7F800000u) << s.name << " code " << code;
        continue;
      }
      if (mag > ref.max_mag()) {  // NaN codes
        EXPECT_TRUE(ref::f32_is_nan(f32)) << s.name << " code " << code;
        continue;
      }
      const double want = (neg ? -1.0 : 1.0) * ref.value_of_mag(mag);
      EXPECT_EQ(ref::value_of_f32(f32), want) << s.name << " code " << code;
      EXPECT_EQ(f32 >> 31, neg ? 1u : 0u) << s.name << " code " << code << " (sign of zero too)";
      // Re-encoding the decoded value gives the code back in every deterministic mode.
      for (Rounding r : kDeterministic) {
        if (!rounding_allowed(f, r)) continue;
        EXPECT_EQ(convert_dynamic(f, FormatId::kFP32, f32, {r, Overflow::kNoSat, NanEncoding::kKeepSign}), code)
            << s.name << " code " << code;
      }
    }
  }
}

TEST(reference, AllBf16InputsEveryTargetEveryMode) {
  for (FormatId dst : k8BitTargets) {
    uint64_t bad = 0;
    for (uint32_t x = 0; x < 65536; ++x) {
      const uint16_t b = static_cast<uint16_t>(x);
      bad += check_all_modes<BF16>(dst, b, ref::value_of_bf16(b), (b >> 15) != 0);
    }
    EXPECT_EQ(bad, 0u) << spec_of(dst).name;
  }
}

TEST(reference, AllFp16InputsEveryTargetEveryMode) {
  for (FormatId dst : {FormatId::kE4M3, FormatId::kE5M2, FormatId::kE8M0, FormatId::kE2M3, FormatId::kE3M2,
                       FormatId::kE2M1, FormatId::kBF16}) {
    uint64_t bad = 0;
    for (uint32_t x = 0; x < 65536; ++x) {
      const uint16_t h = static_cast<uint16_t>(x);
      bad += check_all_modes<FP16>(dst, h, ref::value_of_f16(h), (h >> 15) != 0);
    }
    EXPECT_EQ(bad, 0u) << spec_of(dst).name;
  }
}

TEST(reference, HalfTablesMatchGeneric) {
  for (FormatId src : {FormatId::kBF16, FormatId::kFP16})
    for (FormatId dst : {FormatId::kE4M3, FormatId::kE5M2})
      for (Rounding r : kDeterministic)
        for (Overflow o : kOverflows) {
          const ConvertMode m{r, o, NanEncoding::kKeepSign};
          const Half16To8BitTable table(src, dst, m);
          std::vector<uint16_t> in(65536);
          std::vector<uint8_t> out(65536);
          for (uint32_t x = 0; x < 65536; ++x) in[x] = static_cast<uint16_t>(x);
          table.convert(in.data(), out.data(), in.size());
          uint64_t bad = 0;
          for (uint32_t x = 0; x < 65536; ++x) bad += out[x] != convert_dynamic(dst, src, x, m);
          EXPECT_EQ(bad, 0u);
        }
}

TEST(reference, StochasticRoundingAllBf16Inputs) {
  std::mt19937 rng(20261122);
  for (FormatId dst : {FormatId::kE4M3, FormatId::kE5M2}) {
    const ref::Converter& ref = ref_of(dst);
    uint64_t bad = 0;
    for (uint32_t x = 0; x < 65536; ++x)
      for (int k = 0; k < 4; ++k) {
        const uint32_t rand_bits = k == 0 ? 0u : k == 1 ? 0xFFFFFFFFu : static_cast<uint32_t>(rng());
        const double v = ref::value_of_bf16(static_cast<uint16_t>(x));
        const bool neg = (x >> 15) != 0;
        for (Overflow o : kOverflows) {
          const uint32_t want = ref.convert(v, neg, ref::Round::kSR, rs(o), ref::Nan::kKeepSign, rand_bits);
          const uint64_t got = convert_dynamic(dst, FormatId::kBF16, x, {Rounding::kSR, o, NanEncoding::kKeepSign}, rand_bits);
          bad += got != want;
        }
      }
    EXPECT_EQ(bad, 0u) << spec_of(dst).name;
  }
}

// The instruction sets this CPU runs: each compiled copy of the vector path is checked, not only the fastest.
std::vector<VectorIsa> runnable_isas() {
  std::vector<VectorIsa> isas;
  for (VectorIsa isa : {VectorIsa::kBaseline, VectorIsa::kAvx2, VectorIsa::kAvx512})
    if (vector_isa_supported(isa)) isas.push_back(isa);
  return isas;
}

// Every runnable copy of the vectorized RNE/SATFINITE/CANON path against the reference.
uint64_t check_vector_path(FormatId dst, const std::vector<uint32_t>& xs) {
  const ref::Converter& ref = ref_of(dst);
  std::vector<uint8_t> want(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i)
    want[i] = static_cast<uint8_t>(ref.convert(ref::value_of_f32(xs[i]), (xs[i] >> 31) != 0, ref::Round::kRNE,
                                               ref::Sat::kSatFinite, ref::Nan::kCanon));
  uint64_t bad = 0;
  std::vector<uint8_t> got(xs.size());
  for (VectorIsa isa : runnable_isas()) {
    fp8_rne_satfinite(dst, xs.data(), got.data(), xs.size(), isa);
    for (std::size_t i = 0; i < xs.size(); ++i)
      if (got[i] != want[i] && bad++ < 4)
        ADD_FAILURE() << std::hex << "vector path (" << vector_isa_name(isa) << ") " << spec_of(dst).name << " in 0x"
                      << xs[i] << ": 0x" << int(got[i]) << " ref 0x" << int(want[i]);
  }
  return bad;
}

TEST(reference, VectorPathAllBf16Inputs) {
  for (FormatId dst : {FormatId::kE4M3, FormatId::kE5M2}) {
    std::vector<uint32_t> wide(65536);
    for (uint32_t x = 0; x < 65536; ++x) wide[x] = x << 16;
    EXPECT_EQ(check_vector_path(dst, wide), 0u);
  }
  for (VectorIsa isa : runnable_isas())
    for (FormatId dst : {FormatId::kE4M3, FormatId::kE5M2}) {
      std::vector<uint16_t> in(65536);
      for (uint32_t x = 0; x < 65536; ++x) in[x] = static_cast<uint16_t>(x);
      std::vector<uint8_t> got(65536);
      fp8_rne_satfinite_bf16(dst, in.data(), got.data(), in.size(), isa);
      uint64_t bad = 0;
      for (uint32_t x = 0; x < 65536; ++x) bad += got[x] != convert_dynamic(dst, FormatId::kBF16, x, kFp8Default);
      EXPECT_EQ(bad, 0u) << vector_isa_name(isa) << " bf16 entry point";
    }
}

TEST(reference, VectorPathRejectsBadTargets) {
  std::vector<uint32_t> x(4, 0);
  std::vector<uint8_t> out(4);
  EXPECT_THROW(fp8_rne_satfinite(FormatId::kBF16, x.data(), out.data(), x.size()), std::invalid_argument);
  EXPECT_TRUE(vector_isa_supported(VectorIsa::kBaseline));
  EXPECT_TRUE(vector_isa_supported(best_vector_isa()));
}

// FP32 sweep for one 8-bit target: every pattern (stride 1) under `make exhaustive`, > 2^24 patterns by default.
void fp32_sweep(FormatId dst) {
  const auto tables = tables_for(dst);
  const uint64_t bad = test::sweep_u32(
      test::fp32_stride(251),
      [&](uint64_t first, uint64_t count, uint64_t stride) {
        uint64_t b = 0;
        std::vector<uint32_t> xs(count);
        for (uint64_t i = 0; i < count; ++i) {
          const uint32_t x = static_cast<uint32_t>(first + i * stride);
          xs[i] = x;
          b += check_all_modes<FP32>(dst, x, ref::value_of_f32(x), (x >> 31) != 0, &tables);
        }
        if (dst == FormatId::kE4M3 || dst == FormatId::kE5M2) b += check_vector_path(dst, xs);
        return b;
      },
      std::string("fp32->") + spec_of(dst).name);
  EXPECT_EQ(bad, 0u);
}

TEST(reference, Fp32SweepE4M3) { fp32_sweep(FormatId::kE4M3); }
TEST(reference, Fp32SweepE5M2) { fp32_sweep(FormatId::kE5M2); }
TEST(reference, Fp32SweepE8M0) { fp32_sweep(FormatId::kE8M0); }

TEST(reference, Fp32SweepBf16) {
  const uint64_t bad = test::sweep_u32(
      test::fp32_stride(251),
      [&](uint64_t first, uint64_t count, uint64_t stride) {
        uint64_t b = 0;
        for (uint64_t i = 0; i < count; ++i) {
          const uint32_t x = static_cast<uint32_t>(first + i * stride);
          b += check_all_modes<FP32>(FormatId::kBF16, x, ref::value_of_f32(x), (x >> 31) != 0);
        }
        return b;
      },
      "fp32->bf16");
  EXPECT_EQ(bad, 0u);
}

// TestFloat-style generator: for each target binade (and the subnormal range and beyond max), significands whose
// bits just below the target precision take every guard/round/sticky/carry pattern, and the midpoints +-1 ulp.
std::vector<uint32_t> boundary_fp32_inputs() {
  std::vector<uint32_t> out;
  for (uint32_t sign : {0u, 1u})
    for (uint32_t exp = 0; exp < 256; ++exp)
      for (uint32_t top = 0; top < 16; ++top)               // mantissa bits 22..19 (kept + guard for E4M3)
        for (uint32_t low : {0u, 1u, 0x3FFFFu, 0x40000u, 0x40001u, 0x7FFFFu, 0x7FFFEu, 0x20000u})
          for (int shift : {0, 1, 2}) {  // move the pattern so E5M2/E2M1's rounding points are hit too
            const uint32_t man = ((top << 19) | low) >> shift | (shift ? (top & 1u) << 22 : 0u);
            out.push_back(sign << 31 | exp << 23 | (man & 0x7FFFFFu));
          }
  return out;
}

TEST(reference, Fp32BoundaryGenerator) {
  const auto inputs = boundary_fp32_inputs();
  for (FormatId dst : k8BitTargets) {
    const auto tables = tables_for(dst);
    uint64_t bad = 0;
    for (uint32_t x : inputs) bad += check_all_modes<FP32>(dst, x, ref::value_of_f32(x), (x >> 31) != 0, &tables);
    EXPECT_EQ(bad, 0u) << spec_of(dst).name;
  }
}

// FP64 inputs round once: doubles a hair either side of every E4M3/E5M2 midpoint, and exactly on them.
TEST(reference, Fp64NearMidpoints) {
  for (FormatId dst : {FormatId::kE4M3, FormatId::kE5M2}) {
    const ref::Converter& ref = ref_of(dst);
    uint64_t bad = 0, checked = 0;
    for (uint32_t mag = 0; mag < ref.max_mag(); ++mag) {
      const double lo = ref.value_of_mag(mag), hi = ref.value_of_mag(mag + 1);
      const double mid = (lo + hi) / 2;
      for (double x : {mid, std::nextafter(mid, 0.0), std::nextafter(mid, 1e300), mid * (1 + 0x1p-40),
                       mid * (1 - 0x1p-40), lo, hi})
        for (double s : {1.0, -1.0}) {
          const double v = s * x;
          bad += check_all_modes<FP64>(dst, f64_bits(v), v, s < 0);
          ++checked;
        }
    }
    EXPECT_GT(checked, 1000u);
    EXPECT_EQ(bad, 0u) << spec_of(dst).name;
  }
}

}  // namespace
}  // namespace mor
