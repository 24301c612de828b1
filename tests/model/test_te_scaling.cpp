// TE current scaling with BF16 inputs against CUDA's host conversion composed the same way (spec 9): every positive
// finite BF16 amax x every BF16 element under `make exhaustive` (2^31 pairs); every 61st amax in the default run.
// The oracle side is written out here from spec 3: scale = RN32(448 / amax) (Inf -> FLT_MAX), q =
// __nv_cvt_float_to_fp8(RN32(x * scale), SATFINITE, E4M3). The model side is te_current_scale + quantize_element.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <string>

#include "mor/core/element.hpp"
#include "mor/core/scale.hpp"
#include "sweep.hpp"

#if MOR_HAVE_CUDA_FP8
#include <cuda_fp8.h>
#endif

namespace mor {
namespace {

TEST(te_scaling, SpecialAmaxValues) {
  EXPECT_EQ(te_current_scale(0, 448.0f), kF32One);
  EXPECT_EQ(te_current_scale(kF32Inf, 448.0f), kF32One);
  EXPECT_EQ(te_current_scale(kF32QuietNan, 448.0f), kF32One);
  EXPECT_EQ(te_current_scale(0x00000001u, 448.0f), kF32Max);             // 448 / 2^-149 overflows -> FLT_MAX
  EXPECT_EQ(te_current_scale(f32_bits(3.0f), 448.0f, 0.0f, true), f32_bits(128.0f));  // 149.33 -> 2^7
  EXPECT_EQ(te_current_scale(f32_bits(1e-10f), 448.0f, 1e-4f), f32_bits(448.0f / 1e-4f));
}

TEST(te_scaling, Sweep) {
#if !MOR_HAVE_CUDA_FP8
  GTEST_SKIP() << "cuda_fp8.h not found: CUDA host oracle not built";
#else
  const uint64_t stride = test::full_sweep() ? 1 : 61;
  uint64_t bad = 0;
  test::Check check("amax x element");
  // amax: every positive finite BF16 (0x0001 .. 0x7F7F); elements: all 2^16 BF16 patterns. Shards take every N-th
  // amax (--shard I/N).
  for (uint32_t a = 1, k = 0; a <= 0x7F7F; a += static_cast<uint32_t>(stride), ++k) {
    if (!test::shard_owns(k)) continue;
    const uint64_t bad_before = bad;
    const uint32_t amax = a << 16;
    float scale = 448.0f / f32_from_bits(amax);
    if (std::isinf(scale)) scale = FLT_MAX;
    const uint32_t model_scale = te_current_scale(amax, 448.0f);
    if (model_scale != f32_bits(scale)) {
      check.mismatch(uint64_t{amax} << 32, "scale of amax " + std::to_string(amax));
      ++bad;
    }
    for (uint32_t e = 0; e < 65536; ++e) {
      const uint32_t x = e << 16;
      const uint8_t cuda = __nv_cvt_float_to_fp8(f32_from_bits(x) * scale, __NV_SATFINITE, __NV_E4M3);
      const uint8_t model = quantize_element<E4M3>(x, model_scale).code;
      if (cuda != model && bad == 0) check.mismatch(uint64_t{amax} << 32 | x, "amax " + std::to_string(amax) + " x " +
                                                  std::to_string(x) + ": cuda " + std::to_string(cuda) + " model " + std::to_string(model));
      bad += cuda != model;
    }
    check.add(65536, bad - bad_before);
  }
  EXPECT_EQ(bad, 0u);
#endif
}

}  // namespace
}  // namespace mor
