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

// One line per device sweep (what it checked, how many differed), then no mismatch, with the first one shown.
void expect_no_mismatch(const char* name, const gpu::checks::Count& c, const char* input, const char* want) {
  std::printf("%-27s checked %llu, mismatches %llu\n", name, static_cast<unsigned long long>(c.checked),
              static_cast<unsigned long long>(c.mismatches));
  EXPECT_EQ(c.mismatches, 0u) << name << std::hex << ": " << input << " " << c.first_input << " gpu " << c.first_got
                              << " " << want << " " << c.first_want;
}

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
  expect_no_mismatch("bf16_out", out, "input", "model");
  expect_no_mismatch("cvt.rn.bf16x2.f32 (no NaN)", pair, "input", "model");
  EXPECT_EQ(out.checked, uint64_t{1} << 32);
  EXPECT_GT(pair.checked, (uint64_t{1} << 32) / 100 * 97);  // the pairs with no NaN in either slot
}

// Issue 21: the exact rewrites of the v2 kernels on the device (__frcp_rn, __fmaf_rn, fminf, __float2uint_rz), over
// the same full sets as the CPU proofs in test_kernel_rewrites.
TEST_F(gpu_convert, ExactRewritesOnDevice) {
  gpu::checks::Count dequant, error;
  const auto s = gpu::checks::sweep_rewrites(&dequant, &error);
  ASSERT_TRUE(s.ok) << s.message;
  expect_no_mismatch("dequant_by_reciprocal", dequant, "scale", "divider");
  expect_no_mismatch("error_fx_by_float", error, "e", "model");
  EXPECT_EQ(dequant.checked, uint64_t{3} * (uint64_t{1} << 23) * (254 + 248 + 64));
  EXPECT_EQ(error.checked, uint64_t{1} << 31);
}

}  // namespace
}  // namespace mor
