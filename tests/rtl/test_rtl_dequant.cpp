// mor_dequant (the shared table of significand quotients + the per-lane multiplexer, round and pack) against the
// per-lane divider it replaces: bit for bit with the Verilated mor_f32_div (NaN encoding included) and with the
// model's RN32(q / s) (NaN as a class), for every E4M3 and E5M2 code at every scale class: zero, subnormal,
// normal, huge, Inf, NaN, GAM block scales (one group significand, many exponents) and random bit patterns; and
// E5M2 codes through the 8-entry table, the sharing mor_quantizer does.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "Vdequant_e4m3.h"
#include "Vdequant_e5m2.h"
#include "Vf32_div.h"
#include "mor/core/convert.hpp"
#include "mor/core/fp32_ops.hpp"

namespace mor {
namespace {

std::vector<uint32_t> scales() {
  std::vector<uint32_t> s = {0x00000000, 0x00000001, 0x00000003, 0x00400000, 0x007FFFFF, 0x00800000, 0x00800001,
                             0x3F800000, 0x3F800001, 0x3FFFFFFF, 0x43E00000, 0x7F7FFFFF, 0x7F000000, 0x7F800000,
                             0x7FC00000, 0x7F800001, 0x0554AD2E, 0x33800000, 0x4B000001, 0x01000000, 0x7E800000};
  std::mt19937_64 rng(2026);
  for (int g = 0; g < 24; ++g) {  // GAM: one group significand, block exponents over the whole range
    const uint32_t m_g = static_cast<uint32_t>(rng()) & 0x7FFFFFu;
    for (uint32_t e = 1; e < 255; e += 3) s.push_back(e << 23 | m_g);
  }
  for (int i = 0; i < 3000; ++i) s.push_back(static_cast<uint32_t>(rng()));
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n; ++i) s.push_back(s[i] ^ 0x80000000u);
  return s;
}

template <class Dut>
void check_format(Dut& dut, uint32_t (*decode)(uint8_t), const char* name) {
  require_ieee_fp_env();
  Vf32_div div;
  uint64_t bad_rtl = 0, bad_model = 0, n = 0;
  for (uint32_t s : scales())
    for (uint32_t code = 0; code < 256; ++code) {
      const uint32_t q = decode(static_cast<uint8_t>(code));
      dut.q_f32 = q;
      dut.scale = s;
      dut.eval();
      div.a = q;
      div.b = s;
      div.eval();
      const uint32_t model = f32_bits(fdiv_rn(f32_from_bits(q), f32_from_bits(s)));
      ++n;
      if (dut.dequant != div.y && bad_rtl++ < 4)
        ADD_FAILURE() << std::hex << name << " q 0x" << q << " s 0x" << s << ": table 0x" << dut.dequant
                      << ", mor_f32_div 0x" << div.y;
      const bool model_ok = dut.dequant == model || (f32_is_nan(dut.dequant) && f32_is_nan(model));
      if (!model_ok && bad_model++ < 4)
        ADD_FAILURE() << std::hex << name << " q 0x" << q << " s 0x" << s << ": table 0x" << dut.dequant
                      << ", model 0x" << model;
    }
  EXPECT_EQ(bad_rtl, 0u);
  EXPECT_EQ(bad_model, 0u);
  EXPECT_GT(n, 1'000'000u);
}

TEST(rtl_dequant, E4M3TableEqualsDivider) {
  Vdequant_e4m3 dut;
  check_format(dut, f32_from_e4m3, "e4m3");
}

TEST(rtl_dequant, E5M2TableEqualsDivider) {
  Vdequant_e5m2 dut;
  check_format(dut, f32_from_e5m2, "e5m2");
}

// mor_quantizer keeps one 8-entry table for both formats: an E5M2 value's significand 1.ab reads entry ab0.
TEST(rtl_dequant, E5M2CodesThroughTheEngineTable) {
  Vdequant_e4m3 dut;
  check_format(dut, f32_from_e5m2, "e5m2 via the 8-entry table");
}

}  // namespace
}  // namespace mor
