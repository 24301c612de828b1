// GPU conversions against the model. Skipped (reported as skipped, not passed) where no CUDA device exists.
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "device_checks.hpp"
#include "gpu_test_env.hpp"
#include "mor/core/convert.hpp"
#include "mor/kernels/gpu.hpp"

namespace mor {
namespace {

class gpu_convert : public ::testing::Test {
 protected:
  void SetUp() override { test::skip_without_gpu(); }
};

std::vector<uint32_t> bf16_patterns_with_ties() {
  std::vector<uint32_t> in;
  for (uint32_t hi = 0; hi < 65536; ++hi)
    for (uint32_t lo : {0x0000u, 0x8000u, 0x0001u, 0xFFFFu}) in.push_back(hi << 16 | lo);
  return in;
}

TEST_F(gpu_convert, HardwareCvtMatchesModel) {
  const auto in = bf16_patterns_with_ties();
  for (bool sat : {true, false}) {
    std::vector<uint8_t> out(in.size());
    const auto s = gpu::convert_f32_to_e4m3(in.data(), out.data(), in.size(), true, sat);
    ASSERT_TRUE(s.ok) << s.message;
    const ConvertMode m{Rounding::kRNE, sat ? Overflow::kSatFinite : Overflow::kNoSat, NanEncoding::kCanonical};
    uint64_t bad = 0;
    for (std::size_t i = 0; i < in.size(); ++i) bad += out[i] != (convert<E4M3, FP32>(in[i], m));
    EXPECT_EQ(bad, 0u);
  }
}

TEST_F(gpu_convert, SharedScalarCodeMatchesHost) {
  const auto in = bf16_patterns_with_ties();
  std::vector<uint8_t> out(in.size());
  const auto s = gpu::convert_f32_to_e4m3(in.data(), out.data(), in.size(), false);
  ASSERT_TRUE(s.ok) << s.message;
  uint64_t bad = 0;
  for (std::size_t i = 0; i < in.size(); ++i) bad += out[i] != e4m3_from_f32(in[i]);
  EXPECT_EQ(bad, 0u);
}

}  // namespace
}  // namespace mor

namespace mor {
namespace {

// Issue 7: every FP32 input through the hardware cvt instructions, both slots of the x2 forms; every FP16 input
// through the f16x2 forms; every FP8 code through the decoders. Seconds on a GPU, so it is in the default run.
TEST_F(gpu_convert, AllFp32InputsThroughHardwareCvt) {
  std::vector<gpu::SweepResult> results;
  const auto s = gpu::sweep_hw_cvt(&results);
  ASSERT_TRUE(s.ok) << s.message;
  ASSERT_EQ(results.size(), 4u);
  for (const auto& r : results) {
    std::printf("%-60s checked %llu, mismatches %llu\n", r.name.c_str(), static_cast<unsigned long long>(r.checked),
                static_cast<unsigned long long>(r.mismatches));
    EXPECT_EQ(r.mismatches, 0u) << r.name;
    for (const auto& e : r.examples)
      ADD_FAILURE() << std::hex << r.name << " input " << e.input << " gpu " << e.got << " model " << e.want;
  }
  EXPECT_EQ(results[0].checked, uint64_t{1} << 32);
  EXPECT_EQ(results[1].checked, uint64_t{1} << 32);
}

// Issue 21: the kernels' own BF16 output paths over every FP32 input: bf16_out (NaN as the model's signed quiet NaN)
// and the packed cvt.rn.bf16x2.f32 the v2 kernels use where no NaN can occur.
TEST_F(gpu_convert, AllFp32InputsThroughBf16Outputs) {
  gpu::checks::Count out, pair;
  const auto s = gpu::checks::sweep_bf16_outputs(&out, &pair);
  ASSERT_TRUE(s.ok) << s.message;
  std::printf("bf16_out                    checked %llu, mismatches %llu\n", static_cast<unsigned long long>(out.checked),
              static_cast<unsigned long long>(out.mismatches));
  std::printf("cvt.rn.bf16x2.f32 (no NaN)  checked %llu, mismatches %llu\n", static_cast<unsigned long long>(pair.checked),
              static_cast<unsigned long long>(pair.mismatches));
  EXPECT_EQ(out.checked, uint64_t{1} << 32);
  EXPECT_EQ(out.mismatches, 0u) << std::hex << "input " << out.first_input << " gpu " << out.first_got << " model " << out.first_want;
  EXPECT_GT(pair.checked, (uint64_t{1} << 32) / 100 * 97);  // the pairs with no NaN in either slot
  EXPECT_EQ(pair.mismatches, 0u) << std::hex << "input " << pair.first_input << " gpu " << pair.first_got << " model " << pair.first_want;
}

// Issue 21: the exact rewrites of the v2 kernels on the device (__frcp_rn, __fmaf_rn, fminf, __float2uint_rz), over
// the same full sets as the CPU proofs in test_kernel_rewrites.
TEST_F(gpu_convert, ExactRewritesOnDevice) {
  gpu::checks::Count dequant, error;
  const auto s = gpu::checks::sweep_rewrites(&dequant, &error);
  ASSERT_TRUE(s.ok) << s.message;
  std::printf("dequant_by_reciprocal       checked %llu, mismatches %llu\n", static_cast<unsigned long long>(dequant.checked),
              static_cast<unsigned long long>(dequant.mismatches));
  std::printf("error_fx_by_float           checked %llu, mismatches %llu\n", static_cast<unsigned long long>(error.checked),
              static_cast<unsigned long long>(error.mismatches));
  EXPECT_EQ(dequant.checked, uint64_t{3} * (uint64_t{1} << 23) * (254 + 248 + 64));
  EXPECT_EQ(dequant.mismatches, 0u) << std::hex << "scale " << dequant.first_input << " gpu " << dequant.first_got
                                    << " divider " << dequant.first_want;
  EXPECT_EQ(error.checked, uint64_t{1} << 31);
  EXPECT_EQ(error.mismatches, 0u) << std::hex << "e " << error.first_input << " gpu " << error.first_got << " model "
                                  << error.first_want;
}

}  // namespace
}  // namespace mor
