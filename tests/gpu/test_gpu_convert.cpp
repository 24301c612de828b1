// GPU conversions against the model. Skipped (reported as skipped, not passed) where no CUDA device exists.
#include <gtest/gtest.h>

#include <vector>

#include "mor/convert.hpp"
#include "mor/kernels/gpu.hpp"

namespace mor {
namespace {

class gpu_convert : public ::testing::Test {
 protected:
  void SetUp() override {
    if (gpu::device_count() == 0) GTEST_SKIP() << "no CUDA device: " << gpu::device_description();
  }
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
