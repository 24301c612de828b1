// The format table is the single description of every format: check it against spec section 1 and check that the
// RTL's generated package (and its CMake copy) still match it.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "mor/core/convert.hpp"
#include "mor/core/format.hpp"
#include "mor/format_export.hpp"
#include "sweep.hpp"

namespace mor {
namespace {

TEST(formats, MaxFiniteMatchesSpecTable) {
  // Spec section 1: max finite values, written out from the spec, not from the code.
  EXPECT_EQ(f32_from_bits(f32_from_e4m3(static_cast<uint8_t>(kE4M3Spec.max_finite_mag()))), 448.0f);
  EXPECT_EQ(f32_from_bits(f32_from_e5m2(static_cast<uint8_t>(kE5M2Spec.max_finite_mag()))), 57344.0f);
  EXPECT_EQ(kE4M3Spec.max_finite_mag(), 0x7Eu);
  EXPECT_EQ(kE5M2Spec.max_finite_mag(), 0x7Bu);
  EXPECT_EQ(kE8M0Spec.max_finite_mag(), 0xFEu);
  EXPECT_EQ(kBF16Spec.max_finite_mag(), 0x7F7Fu);
  EXPECT_EQ(kFP32Spec.max_finite_mag(), 0x7F7FFFFFu);
}

TEST(formats, MinValuesMatchSpecTable) {
  EXPECT_EQ(f32_from_e4m3(0x01), 0x3B000000u);  // 2^-9
  EXPECT_EQ(f32_from_e4m3(0x08), 0x3C800000u);  // 2^-6
  EXPECT_EQ(f32_from_e5m2(0x01), 0x37800000u);  // 2^-16
  EXPECT_EQ(f32_from_e5m2(0x04), 0x38800000u);  // 2^-14
  EXPECT_EQ(f32_from_e8m0(0x00), 0x00400000u);  // 2^-127
  EXPECT_EQ(f32_from_e8m0(0xFE), 0x7F000000u);  // 2^127
}

// The committed outputs of `make formats` are what the generator writes from the model's headers today.
void expect_in_sync(const char* path, const std::string& generated) {
  std::ifstream f(test::source_path(path));
  ASSERT_TRUE(f) << "cannot read " << path;
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(), generated) << path << " is stale: run `make formats` and commit the result";
}

TEST(formats, VerilogPackageInSync) { expect_in_sync("rtl/include/mor_pkg.sv", verilog_package()); }

TEST(formats, CMakeContractInSync) { expect_in_sync("rtl/include/mor_pkg.cmake", cmake_contract()); }

}  // namespace
}  // namespace mor
