// The cheaper error lanes of spec 8.2 (rtl/src/mor_error_lane_prescale.sv, mor_error_lane_binade.sv) against their
// model twins mor::error_fx_prescale / error_fx_binade (model/include/mor/core/metric.hpp), bit for bit: directed edge
// pairs, realistic pairs (q = decode(cvt_e4m3(y))) and arbitrary 32-bit pairs (NaN, Inf, subnormals included).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "Verror_lane_binade.h"
#include "Verror_lane_prescale.h"
#include "mor/core/convert.hpp"
#include "mor/core/metric.hpp"

namespace mor {
namespace {

struct Lanes {
  Verror_lane_prescale pre;
  Verror_lane_binade bin;
  uint64_t bad = 0;
  void check(uint32_t y, uint32_t q) {
    pre.y = y;
    pre.q_f32 = q;
    pre.eval();
    bin.y = y;
    bin.q_f32 = q;
    bin.eval();
    const uint32_t mp = error_fx_prescale(y, q), mb = error_fx_binade(y, q);
    if ((pre.e_fx != mp || bin.e_fx != mb) && bad < 5)
      ADD_FAILURE() << std::hex << "y=" << y << " q=" << q << " prescale rtl=" << pre.e_fx << " model=" << mp
                    << " binade rtl=" << bin.e_fx << " model=" << mb;
    bad += pre.e_fx != mp;
    bad += bin.e_fx != mb;
  }
};

std::vector<uint32_t> edge_values() {
  std::vector<uint32_t> v = {0x00000000, 0x00000001, 0x00000002, 0x00000003, 0x003FFFFF, 0x00400000, 0x007FFFFF,
                             0x00800000, 0x00800001, 0x3F7FFFFF, 0x3F800000, 0x3F800001, 0x3F900000, 0x3FC00000,
                             0x3FFFFFFF, 0x40000000, 0x40500000, 0x40400000, 0x43E00000, 0x43E80000, 0x3B000000,
                             0x3A800000, 0x3C000000, 0x49800000, 0x49C00000, 0x71800000, 0x0D800000, 0x7F7FFFFF,
                             0x7F800000, 0x7FC00000, 0x7F800001, 0x33800000, 0x34000000};
  const std::size_t n = v.size();
  for (std::size_t i = 0; i < n; ++i) v.push_back(v[i] | 0x80000000u);
  return v;
}

TEST(rtl_error_variants, DirectedPairs) {
  require_ieee_fp_env();
  Lanes l;
  const auto vals = edge_values();
  for (uint32_t y : vals) {
    for (uint32_t q : vals) l.check(y, q);
    l.check(y, f32_from_e4m3(e4m3_from_f32(y)));
  }
  // Every E4M3 code against y values around it (one ulp either side and half-way points).
  for (uint32_t c = 0; c < 256; ++c) {
    const uint32_t q = f32_from_e4m3(static_cast<uint8_t>(c));
    for (int32_t delta : {-0x100000, -1, 0, 1, 0x80000, 0x100000}) l.check(q + static_cast<uint32_t>(delta), q);
  }
  EXPECT_EQ(l.bad, 0u);
}

TEST(rtl_error_variants, RandomPairs) {
  require_ieee_fp_env();
  Lanes l;
  std::mt19937_64 rng(31);
  for (int i = 0; i < 1000000; ++i) {
    const uint64_t r = rng();
    uint32_t y = static_cast<uint32_t>(r), q = static_cast<uint32_t>(r >> 32);
    switch (i % 4) {
      case 0:  // realistic: y in E4M3's scaled range (exponent -14 .. 9), q its quantized value
      case 1: {
        const uint32_t exp = 127 - 14 + static_cast<uint32_t>((r >> 32) % 24);
        y = (y & 0x807FFFFFu) | (exp << 23);
        q = f32_from_e4m3(e4m3_from_f32(y));
        break;
      }
      case 2:  // realistic with any y exponent (saturation, underflow to zero, subnormal y)
        q = f32_from_e4m3(e4m3_from_f32(y));
        break;
      default:  // arbitrary pairs
        break;
    }
    l.check(y, q);
  }
  EXPECT_EQ(l.bad, 0u);
}

}  // namespace
}  // namespace mor
