// The model against NVIDIA's own software definition of the conversions: the host paths of cuda_fp8.h, compiled
// with the host compiler (no GPU involved). Every mode where CUDA and the model overlap: RNE x SATFINITE/NOSAT for
// FP32, FP64, BF16 and FP16 inputs to E4M3/E5M2; E8M0 RZ/RP x SATFINITE/NOSAT; FP8 -> FP16 and E8M0 -> BF16 decode.
// Skipped (reported as skipped) when the toolkit's header is absent.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "mor/core/convert.hpp"
#include "sweep.hpp"

#if MOR_HAVE_CUDA_FP8
#include <cuda_fp8.h>
#endif

namespace mor {
namespace {

#if MOR_HAVE_CUDA_FP8
#define REQUIRE_CUDA_FP8() (void)0
#else
#define REQUIRE_CUDA_FP8() GTEST_SKIP() << "cuda_fp8.h not found at configure time: CUDA host oracle not built"
#endif

#if MOR_HAVE_CUDA_FP8
ConvertMode rne(bool sat) {
  return {Rounding::kRNE, sat ? Overflow::kSatFinite : Overflow::kNoSat, NanEncoding::kCanonical};
}
__nv_saturation_t cuda_sat(bool sat) { return sat ? __NV_SATFINITE : __NV_NOSAT; }

uint64_t check_f32(uint32_t x) {
  uint64_t bad = 0;
  const float f = f32_from_bits(x);
  for (bool sat : {true, false}) {
    bad += __nv_cvt_float_to_fp8(f, cuda_sat(sat), __NV_E4M3) != convert<E4M3, FP32>(x, rne(sat));
    bad += __nv_cvt_float_to_fp8(f, cuda_sat(sat), __NV_E5M2) != convert<E5M2, FP32>(x, rne(sat));
    for (bool rp : {false, true}) {
      const uint8_t cuda = __nv_cvt_float_to_e8m0(f, cuda_sat(sat), rp ? cudaRoundPosInf : cudaRoundZero);
      bad += cuda != e8m0_from_f32(x, rp ? Rounding::kRU : Rounding::kRZ, sat ? Overflow::kSatFinite : Overflow::kNoSat);
    }
  }
  return bad;
}
#endif

TEST(cuda_oracle, AllBf16Inputs) {
  REQUIRE_CUDA_FP8();
#if MOR_HAVE_CUDA_FP8
  uint64_t bad = 0;
  for (uint32_t b = 0; b < 65536; ++b) {
    __nv_bfloat16_raw raw;
    raw.x = static_cast<unsigned short>(b);
    for (bool sat : {true, false}) {
      bad += __nv_cvt_bfloat16raw_to_fp8(raw, cuda_sat(sat), __NV_E4M3) != convert<E4M3, BF16>(static_cast<uint16_t>(b), rne(sat));
      bad += __nv_cvt_bfloat16raw_to_fp8(raw, cuda_sat(sat), __NV_E5M2) != convert<E5M2, BF16>(static_cast<uint16_t>(b), rne(sat));
      for (bool rp : {false, true})
        bad += __nv_cvt_bfloat16raw_to_e8m0(raw, cuda_sat(sat), rp ? cudaRoundPosInf : cudaRoundZero) !=
               convert<E8M0, BF16>(static_cast<uint16_t>(b), {rp ? Rounding::kRU : Rounding::kRZ,
                                                               sat ? Overflow::kSatFinite : Overflow::kNoSat,
                                                               NanEncoding::kCanonical});
    }
    // FP32 patterns with this BF16 as the top half and tie / sticky low halves.
    for (uint32_t lo : {0x0000u, 0x8000u, 0x0001u, 0x7FFFu, 0xFFFFu}) bad += check_f32(b << 16 | lo);
  }
  EXPECT_EQ(bad, 0u);
#endif
}

TEST(cuda_oracle, AllFp16Inputs) {
  REQUIRE_CUDA_FP8();
#if MOR_HAVE_CUDA_FP8
  uint64_t bad = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    __half_raw raw;
    raw.x = static_cast<unsigned short>(h);
    for (bool sat : {true, false}) {
      bad += __nv_cvt_halfraw_to_fp8(raw, cuda_sat(sat), __NV_E4M3) != convert<E4M3, FP16>(static_cast<uint16_t>(h), rne(sat));
      bad += __nv_cvt_halfraw_to_fp8(raw, cuda_sat(sat), __NV_E5M2) != convert<E5M2, FP16>(static_cast<uint16_t>(h), rne(sat));
    }
  }
  EXPECT_EQ(bad, 0u);
#endif
}

TEST(cuda_oracle, DecodeEveryCode) {
  REQUIRE_CUDA_FP8();
#if MOR_HAVE_CUDA_FP8
  auto is_nan16 = [](uint16_t h) { return (h & 0x7C00u) == 0x7C00u && (h & 0x3FFu) != 0; };
  for (uint32_t c = 0; c < 256; ++c) {
    const uint8_t code = static_cast<uint8_t>(c);
    for (bool e5 : {false, true}) {
      const uint16_t cuda = __nv_cvt_fp8_to_halfraw(code, e5 ? __NV_E5M2 : __NV_E4M3).x;
      const uint16_t model = e5 ? convert<FP16, E5M2>(code, kIeeeDefault) : convert<FP16, E4M3>(code, kIeeeDefault);
      if (is_nan16(cuda) || is_nan16(model))
        EXPECT_TRUE(is_nan16(cuda) && is_nan16(model)) << "code " << c;  // NaN as a class
      else
        EXPECT_EQ(cuda, model) << "code " << c << (e5 ? " e5m2" : " e4m3");
    }
    const uint16_t cuda_e8 = __nv_cvt_e8m0_to_bf16raw(code).x;
    const uint16_t model_e8 = convert<BF16, E8M0>(code, kIeeeDefault);
    if (c == 0xFF)
      EXPECT_TRUE((cuda_e8 & 0x7F80u) == 0x7F80u && (cuda_e8 & 0x7Fu) && (model_e8 & 0x7F80u) == 0x7F80u && (model_e8 & 0x7Fu));
    else
      EXPECT_EQ(cuda_e8, model_e8) << "e8m0 code " << c;
  }
#endif
}

TEST(cuda_oracle, Fp64NearMidpoints) {
  REQUIRE_CUDA_FP8();
#if MOR_HAVE_CUDA_FP8
  uint64_t bad = 0;
  for (uint32_t c = 0; c < 0x7F; ++c) {  // every pair of adjacent positive E4M3/E5M2 codes
    for (bool e5 : {false, true}) {
      const uint8_t code = static_cast<uint8_t>(c);
      const double lo = f32_from_bits(e5 ? f32_from_e5m2(code) : f32_from_e4m3(code));
      const double hi = f32_from_bits(e5 ? f32_from_e5m2(static_cast<uint8_t>(code + 1)) : f32_from_e4m3(static_cast<uint8_t>(code + 1)));
      if (std::isnan(hi) || std::isinf(hi)) continue;
      const double mid = (lo + hi) / 2;
      for (double x : {mid, std::nextafter(mid, 0.0), std::nextafter(mid, 1e300), mid * (1 + 0x1p-35)})
        for (double s : {1.0, -1.0})
          for (bool sat : {true, false}) {
            const double v = s * x;
            const uint8_t cuda = __nv_cvt_double_to_fp8(v, cuda_sat(sat), e5 ? __NV_E5M2 : __NV_E4M3);
            const uint8_t model = e5 ? convert<E5M2, FP64>(f64_bits(v), rne(sat)) : convert<E4M3, FP64>(f64_bits(v), rne(sat));
            bad += cuda != model;
          }
    }
  }
  EXPECT_EQ(bad, 0u);
#endif
}

TEST(cuda_oracle, Fp32Sweep) {
  REQUIRE_CUDA_FP8();
#if MOR_HAVE_CUDA_FP8
  const uint64_t bad = test::sweep_u32(
      test::fp32_stride(1021),
      [](uint64_t first, uint64_t count, uint64_t stride) {
        uint64_t b = 0;
        for (uint64_t i = 0; i < count; ++i) b += check_f32(static_cast<uint32_t>(first + i * stride));
        return b;
      },
      "cuda_fp8.h host oracle");
  EXPECT_EQ(bad, 0u);
#endif
}

}  // namespace
}  // namespace mor
