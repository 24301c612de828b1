// Verilated converter lanes against the golden model (mor::convert, itself checked against the independent
// reference and CUDA), bit for bit, in-process: all BF16 patterns in every mode by default, FP32 strided (complete
// under `make exhaustive`), SR with random words. Functional coverage counters are printed and asserted non-zero.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>

#include "Vcvt_f32_e2m3.h"
#include "Vcvt_f32_e4m3.h"
#include "Vcvt_f32_e5m2.h"
#include "cvt_lane_check.hpp"
#include "mor/core/convert.hpp"
#include "sweep.hpp"

namespace mor {
namespace {

// Edge classes of spec 9 seen on the inputs/outputs of the E4M3 lane.
struct Coverage {
  std::map<std::string, uint64_t> hits;
  void see(uint32_t x, uint8_t code, const ConvertMode& m) {
    const uint32_t a = x & 0x7FFFFFFFu;
    if (a == 0) ++hits["zero in"];
    else if (a < 0x00800000u) ++hits["fp32 subnormal in"];
    else if (a > 0x7F800000u) ++hits["nan in"];
    else if (a == 0x7F800000u) ++hits["inf in"];
    if ((code & 0x7F) != 0 && (code & 0x78) == 0) ++hits["e4m3 subnormal out"];
    if ((code & 0x7F) == 0x7E && a > 0x43E00000u && a < 0x7F800000u) ++hits["saturated"];
    if ((code & 0x7F) == 0x7F && a < 0x7F800000u) ++hits["overflow to nan (nosat)"];
    if ((x & 0x7FFFF) == 0x40000 && m.rounding == Rounding::kRNE) ++hits["tie"];
  }
};

template <class Dut, class Fmt>
uint64_t check_range(uint64_t first, uint64_t count, uint64_t stride, const ConvertMode& m, Coverage* cov,
                     uint64_t seed = 0) {
  uint64_t reported = 0;
  return check_cvt_lane<Dut, Fmt>(
      first, count, stride, m, seed,
      [&](uint32_t x, uint8_t want) {
        if (cov) cov->see(x, want, m);
      },
      [&](uint32_t x, uint8_t got, uint8_t want) {
        test::note_mismatch(x, "rtl " + std::to_string(got) + " model " + std::to_string(want));
        if (reported++ < 3)
          ADD_FAILURE() << std::hex << "f32=" << x << " rtl=" << int(got) << " model=" << int(want) << std::dec
                        << " mode " << int(m.rounding) << "/" << int(m.overflow) << "/" << int(m.nan);
      });
}

template <class Dut, class Fmt>
uint64_t all_modes_bf16(Coverage* cov) {
  uint64_t bad = 0;
  for (int r = 0; r <= static_cast<int>(Rounding::kSR); ++r)
    for (int o = 0; o < 3; ++o)
      for (int n = 0; n < 2; ++n) {
        const ConvertMode m{static_cast<Rounding>(r), static_cast<Overflow>(o), static_cast<NanEncoding>(n)};
        // Every BF16 pattern, and each with a tie / sticky low half.
        for (uint32_t lo : {0x0000u, 0x8000u, 0x0001u, 0x7FFFu})
          bad += check_range<Dut, Fmt>(lo, 65536, 65536, m, cov, static_cast<uint64_t>(r * 7 + o));
      }
  return bad;
}

TEST(rtl_cvt, AllBf16PatternsEveryModeE4M3) {
  Coverage cov;
  EXPECT_EQ((all_modes_bf16<Vcvt_f32_e4m3, E4M3>(&cov)), 0u);
  for (const char* k : {"zero in", "fp32 subnormal in", "nan in", "inf in", "e4m3 subnormal out", "saturated",
                        "overflow to nan (nosat)", "tie"}) {
    std::printf("  coverage %-26s %llu\n", k, static_cast<unsigned long long>(cov.hits[k]));
    EXPECT_GT(cov.hits[k], 0u) << k;
  }
}

TEST(rtl_cvt, AllBf16PatternsEveryModeE5M2) { EXPECT_EQ((all_modes_bf16<Vcvt_f32_e5m2, E5M2>(nullptr)), 0u); }
TEST(rtl_cvt, AllBf16PatternsEveryModeE2M3) { EXPECT_EQ((all_modes_bf16<Vcvt_f32_e2m3, E2M3>(nullptr)), 0u); }

// The FP32 sweep, one test per format and mode (NaN keep-sign; SR is covered by the BF16 tests above), so that one
// mode runs alone (--gtest_filter='*Fp32SweepE4M3_rne_satfinite') and `make exhaustive` spreads the modes.
template <class Dut, class Fmt>
void sweep_one_mode(Rounding r, Overflow o, const std::string& label) {
  const ConvertMode m{r, o, NanEncoding::kKeepSign};
  const uint64_t bad = test::sweep_u32(
      test::fp32_stride(4099),
      [&](uint64_t first, uint64_t count, uint64_t stride) { return check_range<Dut, Fmt>(first, count, stride, m, nullptr); },
      label);
  EXPECT_EQ(bad, 0u);
}

#define MOR_SWEEP_TEST(FMT, DUT, R, O, NAME)                                   \
  TEST(rtl_cvt, Fp32Sweep##FMT##_##NAME) {                                  \
    sweep_one_mode<DUT, FMT>(Rounding::R, Overflow::O, "rtl " #FMT " " #NAME); \
  }
#define MOR_SWEEP_ROUNDING(FMT, DUT, R, r)                     \
  MOR_SWEEP_TEST(FMT, DUT, R, kSatFinite, r##_satfinite)       \
  MOR_SWEEP_TEST(FMT, DUT, R, kNoSat, r##_nosat)               \
  MOR_SWEEP_TEST(FMT, DUT, R, kSatFiniteOnly, r##_satfiniteonly)
#define MOR_SWEEP_FORMAT(FMT, DUT)          \
  MOR_SWEEP_ROUNDING(FMT, DUT, kRNE, rne)   \
  MOR_SWEEP_ROUNDING(FMT, DUT, kRNA, rna)   \
  MOR_SWEEP_ROUNDING(FMT, DUT, kRZ, rz)     \
  MOR_SWEEP_ROUNDING(FMT, DUT, kRU, ru)     \
  MOR_SWEEP_ROUNDING(FMT, DUT, kRD, rd)     \
  MOR_SWEEP_ROUNDING(FMT, DUT, kRTO, rto)

MOR_SWEEP_FORMAT(E4M3, Vcvt_f32_e4m3)
MOR_SWEEP_FORMAT(E5M2, Vcvt_f32_e5m2)

}  // namespace
}  // namespace mor
