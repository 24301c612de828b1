// The RTL FP32 units against the host FPU (IEEE 754 binary32, RNE, subnormals kept: D0), bit for bit; NaN results
// compared as a class (the RTL returns 0x7FC00000, the datapaths never depend on NaN payloads).
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "Vf32_addsub.h"
#include "Vf32_div.h"
#include "Vf32_mul.h"
#include "mor/core/fp32_ops.hpp"
#include "sweep.hpp"

namespace mor {
namespace {

bool same(uint32_t rtl, uint32_t host) { return rtl == host || (f32_is_nan(rtl) && f32_is_nan(host)); }

// Operands that hit the hard cases: signed zeros, subnormals (min, max, middle), the normal/subnormal boundary,
// 1 +- ulp, exact powers of two, max finite, Inf, NaN, values whose product or quotient is exactly halfway.
std::vector<uint32_t> edge_operands() {
  std::vector<uint32_t> v = {0x00000000, 0x00000001, 0x00000002, 0x003FFFFF, 0x00400000, 0x007FFFFF, 0x00800000,
                             0x00800001, 0x3F7FFFFF, 0x3F800000, 0x3F800001, 0x3FC00000, 0x3FFFFFFF, 0x40000000,
                             0x7F7FFFFF, 0x7F000000, 0x7F800000, 0x7FC00000, 0x7F800001, 0x43E00000, 0x0554AD2E,
                             0x33800000, 0x34000000, 0x3F000001, 0x3EFFFFFF, 0x4B000001, 0x4AFFFFFF, 0x01000000};
  const std::size_t n = v.size();
  for (std::size_t i = 0; i < n; ++i) v.push_back(v[i] | 0x80000000u);
  return v;
}

struct Units {
  Vf32_mul mul;
  Vf32_div div;
  Vf32_addsub add;
  uint64_t check(uint32_t a, uint32_t b) {
    mul.a = a;
    mul.b = b;
    mul.eval();
    div.a = a;
    div.b = b;
    div.eval();
    const float fa = f32_from_bits(a), fb = f32_from_bits(b);
    uint64_t bad = 0;
    bad += !same(mul.y, f32_bits(fmul_rn(fa, fb)));
    bad += !same(div.y, f32_bits(fdiv_rn(fa, fb)));
    for (int s = 0; s < 2; ++s) {
      add.a = a;
      add.b = b;
      add.sub = static_cast<uint8_t>(s);
      add.eval();
      bad += !same(add.y, f32_bits(s ? fsub_rn(fa, fb) : fadd_rn(fa, fb)));
    }
    return bad;
  }
};

TEST(rtl_fp32, EdgeOperandPairs) {
  require_ieee_fp_env();
  Units u;
  const auto ops = edge_operands();
  uint64_t bad = 0;
  for (uint32_t a : ops)
    for (uint32_t b : ops) {
      const uint64_t k = u.check(a, b);
      if (k && bad < 5) ADD_FAILURE() << std::hex << "a=" << a << " b=" << b;
      bad += k;
    }
  EXPECT_EQ(bad, 0u);
}

TEST(rtl_fp32, RandomOperands) {
  require_ieee_fp_env();
  const uint64_t n = test::full_sweep() ? 200'000'000u : 2'000'000u;
  const uint64_t bad = test::sweep_u32(
      (uint64_t{1} << 32) / n,
      [](uint64_t first, uint64_t count, uint64_t) {
        Units u;
        std::mt19937_64 rng(first);
        uint64_t b = 0;
        for (uint64_t i = 0; i < count; ++i) {
          const uint64_t r = rng();
          uint32_t x = static_cast<uint32_t>(r), y = static_cast<uint32_t>(r >> 32);
          if (i % 3 == 1) y = (x & 0xFF800000u) ^ (y & 0x807FFFFFu);  // same exponent: cancellation in add/sub
          if (i % 3 == 2) x = (x & 0x807FFFFFu) | static_cast<uint32_t>((r >> 40) % 48 << 23);  // small exponents: subnormal results
          b += u.check(x, y);
        }
        return b;
      },
      "rtl fp32 units");
  EXPECT_EQ(bad, 0u);
}

}  // namespace
}  // namespace mor
