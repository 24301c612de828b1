// libmor_dpi called from C++ without a simulator: its hand-written format dispatch against the model's own
// (convert_dynamic, fast_convert.cpp) for every pair of formats and every mode, the block functions against
// stats_add / quantize_element, the constants, and the bad-argument path. The open arrays come from the four svdpi
// functions the library uses, defined here over a plain vector (a simulator provides them otherwise).
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "mor/core/amax.hpp"
#include "mor/core/decision.hpp"
#include "mor/core/element.hpp"
#include "mor/core/gam.hpp"
#include "mor/core/metric.hpp"
#include "mor/fast_convert.hpp"
#include "mor_dpi.h"

namespace {
struct Array {
  std::vector<uint32_t> v;
  int left, right;  // SystemVerilog index range, as declared: [left:right]
};
}  // namespace

extern "C" {
int svSize(const svOpenArrayHandle h, int) { return static_cast<int>(static_cast<const Array*>(h)->v.size()); }
int svLeft(const svOpenArrayHandle h, int) { return static_cast<const Array*>(h)->left; }
int svRight(const svOpenArrayHandle h, int) { return static_cast<const Array*>(h)->right; }
void* svGetArrElemPtr1(const svOpenArrayHandle h, int i) {
  auto* a = static_cast<Array*>(h);
  const int k = a->left <= a->right ? i - a->left : a->left - i;
  return &a->v.at(static_cast<std::size_t>(k));
}
}

namespace mor {
namespace {

constexpr int kFormats = 11;  // FormatId::kFP64 .. kUE4M3

TEST(dpi_lib, ConvertMatchesTheModelsDispatchForEveryPairAndMode) {
  std::mt19937_64 rng(20);
  uint64_t checked = 0;
  for (int dst = 0; dst < kFormats; ++dst)
    for (int src = 0; src < kFormats; ++src) {
      const int bits = spec_of(static_cast<FormatId>(src)).bits();
      for (int r = 0; r <= static_cast<int>(Rounding::kSR); ++r)
        for (int o = 0; o < 3; ++o)
          for (int n = 0; n < 2; ++n)
            for (int k = 0; k < 40; ++k) {
              const uint64_t code = rng() & (bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1);
              const uint32_t rand_bits = static_cast<uint32_t>(rng());
              const ConvertMode m{static_cast<Rounding>(r), static_cast<Overflow>(o), static_cast<NanEncoding>(n)};
              const uint64_t want =
                  convert_dynamic(static_cast<FormatId>(dst), static_cast<FormatId>(src), code, m, rand_bits);
              ASSERT_EQ(mor_dpi_convert(dst, src, code, r, o, n, rand_bits), want)
                  << "dst " << dst << " src " << src << " code " << code << " mode " << r << o << n;
              ++checked;
            }
    }
  EXPECT_EQ(checked, 11u * 11u * 7u * 3u * 2u * 40u);
  EXPECT_EQ(mor_dpi_error_count(), 0);
}

TEST(dpi_lib, BlockFunctionsAreTheModels) {
  std::mt19937 rng(7);
  Array a{std::vector<uint32_t>(300), 299, 0};  // declared [299:0]: the walk starts at the left index
  for (auto& x : a.v) x = rng() % 5 == 0 ? 0u : (rng() & 0x87FFFFFFu) | 0x30000000u;
  a.v[17] = 0x7FC00001u;  // a NaN: ignored in amax unless propagated
  const int count = 250;
  BlockStats want, want_nan;
  uint64_t want_err = 0;
  const uint32_t scale = gam_block_scale(gam_group_scale(0x3F000000u), 0x3E800000u);
  for (int k = 0; k < count; ++k) {
    const uint32_t x = a.v[static_cast<std::size_t>(k)];
    stats_add(want, x, NanPolicy::kIgnoreNan);
    stats_add(want_nan, x, NanPolicy::kPropagateNan);
    if (!f32_is_zero(x)) want_err += error_fx(relative_error(x, quantize_element<E5M2>(x, scale).dequant));
  }
  unsigned amax, mn, nnz, nf;
  mor_dpi_block_stats(&a, count, 0, &amax, &mn, &nnz, &nf);
  EXPECT_EQ(amax, want.amax);
  EXPECT_EQ(mn, want.min_nonzero);
  EXPECT_EQ(nnz, want.nnz);
  EXPECT_EQ(nf, 1u);
  mor_dpi_block_stats(&a, count, 1, &amax, &mn, &nnz, &nf);
  EXPECT_EQ(amax, want_nan.amax);
  EXPECT_EQ(amax, kF32QuietNan);
  EXPECT_EQ(mor_dpi_block_err_sum(&a, count, scale, static_cast<int>(FormatTag::kE5M2)), want_err);
  unsigned char code;
  unsigned d, e;
  mor_dpi_element(a.v[3], scale, static_cast<int>(FormatTag::kE5M2), &code, &d, &e);
  EXPECT_EQ(code, quantize_element<E5M2>(a.v[3], scale).code);
  EXPECT_EQ(mor_dpi_error_count(), 0);
}

TEST(dpi_lib, DecisionsAreDecisionHpp) {
  int tag, reason;
  mor_dpi_tensor_decision(0, 10, 100, 10, 0, &tag, &reason);
  EXPECT_EQ(tag, static_cast<int>(FormatTag::kE4M3));
  EXPECT_EQ(reason, static_cast<int>(Reason::kAccepted));  // 100 > 10 * 10 is false: strict '>'
  mor_dpi_tensor_decision(0, 10, 101, 10, 0, &tag, &reason);
  EXPECT_EQ(reason, static_cast<int>(Reason::kRejected));
  svBit measure;
  mor_dpi_subtensor_band(f32_bits(kBandE4M3) + 1, 0, 1, 0, 0, &tag, &measure);
  EXPECT_EQ(tag, static_cast<int>(FormatTag::kE4M3));  // inside quant-error mode's wider E4M3 band
  EXPECT_EQ(measure, 0);
  mor_dpi_subtensor_band(f32_bits(kBandE4M3QuantError) + 1, 0, 1, 0, 0, &tag, &measure);
  EXPECT_EQ(measure, 1);
  EXPECT_EQ(mor_dpi_subtensor_tensor_tag(5, 9, 9, 0), static_cast<int>(FormatTag::kE5M2));  // tie: the lower tag
  EXPECT_EQ(mor_dpi_error_count(), 0);
}

TEST(dpi_lib, ConstantsAndBadArguments) {
  EXPECT_EQ(mor_dpi_constant("FMT_UE4M3"), static_cast<int>(FormatId::kUE4M3));
  EXPECT_EQ(mor_dpi_constant("RND_SR"), static_cast<int>(Rounding::kSR));
  EXPECT_EQ(mor_dpi_constant("REASON_ALL_ZERO"), static_cast<int>(Reason::kAllZero));
  EXPECT_EQ(mor_dpi_constant("NO_SUCH_NAME"), -1);
  const int before = mor_dpi_error_count();
  EXPECT_EQ(mor_dpi_convert(11, 1, 0, 0, 0, 0, 0), 0u);
  EXPECT_EQ(mor_dpi_convert(4, 1, 0, 7, 0, 0, 0), 0u);
  EXPECT_EQ(mor_dpi_gam_group_scale(0x3F800000u, 2), 0u);  // BF16 has no FMAX
  Array a{std::vector<uint32_t>(4), 0, 3};
  unsigned amax, mn, nnz, nf;
  mor_dpi_block_stats(&a, 5, 0, &amax, &mn, &nnz, &nf);  // more than the array holds
  EXPECT_EQ(mor_dpi_error_count(), before + 4);
}

}  // namespace
}  // namespace mor
