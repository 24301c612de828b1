// Verilated converter lanes against the golden model, bit for bit, in-process.
#include <gtest/gtest.h>

#include "Vcvt_f32_e4m3.h"
#include "Vcvt_f32_e5m2.h"
#include "mor/convert.hpp"
#include "sweep.hpp"

namespace mor {
namespace {

template <class Dut, class Fmt>
uint64_t check_range(uint64_t first, uint64_t count, uint64_t stride, int overflow_mode, int nan_mode) {
  Dut dut;
  const ConvertMode m{Rounding::kRNE, static_cast<Overflow>(overflow_mode), static_cast<NanEncoding>(nan_mode)};
  dut.overflow_mode = static_cast<uint8_t>(overflow_mode);
  dut.nan_mode = static_cast<uint8_t>(nan_mode);
  uint64_t bad = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const uint32_t x = static_cast<uint32_t>(first + i * stride);
    dut.f32 = x;
    dut.eval();
    const uint8_t want = convert<Fmt, FP32>(x, m);
    if (dut.code != want) {
      if (bad < 3) ADD_FAILURE() << std::hex << "f32=" << x << " rtl=" << int(dut.code) << " model=" << int(want);
      ++bad;
    }
  }
  return bad;
}

template <class Dut, class Fmt>
void sweep_all_modes(const char* label) {
  for (int ovf = 0; ovf < 3; ++ovf)
    for (int nan = 0; nan < 2; ++nan) {
      const uint64_t bad = test::sweep_u32(
          test::fp32_stride(4099),
          [&](uint64_t first, uint64_t count, uint64_t stride) {
            return check_range<Dut, Fmt>(first, count, stride, ovf, nan);
          },
          label);
      EXPECT_EQ(bad, 0u) << "overflow mode " << ovf << " nan mode " << nan;
    }
}

TEST(rtl_cvt, AllBf16PatternsE4M3) {
  for (int ovf = 0; ovf < 3; ++ovf)
    EXPECT_EQ((check_range<Vcvt_f32_e4m3, E4M3>(0, 65536, 65536, ovf, 0)), 0u);
}

TEST(rtl_cvt, AllBf16PatternsE5M2) {
  for (int ovf = 0; ovf < 3; ++ovf)
    EXPECT_EQ((check_range<Vcvt_f32_e5m2, E5M2>(0, 65536, 65536, ovf, 1)), 0u);
}

TEST(rtl_cvt, Fp32SweepE4M3) { sweep_all_modes<Vcvt_f32_e4m3, E4M3>("rtl e4m3"); }
TEST(rtl_cvt, Fp32SweepE5M2) { sweep_all_modes<Vcvt_f32_e5m2, E5M2>("rtl e5m2"); }

}  // namespace
}  // namespace mor
