// The interval error lane (rtl/src/mor_error_lane_interval.sv) against its model twin mor::error_fx_interval
// (model/include/mor/core/metric_interval.hpp), bit for bit on both bounds: the default lane (K = 6,
// combinational), K = 6 with two register stages and K = 10 with one, fed a new element every cycle. Inputs:
// directed edge triples, realistic elements (x, a GAM block scale, y = RN32(x * s), q = decode(FP8(y)), both
// formats) and arbitrary 32-bit triples (every class, outside the contract included): 4 M in the default run,
// 10^8 under the `exhaustive` label (MOR_SWEEP=full; --shard I/N takes every N-th chunk of 2^20).
#include <gtest/gtest.h>

#include <cstdint>
#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include "Verror_lane_interval.h"
#include "Verror_lane_interval_k10s1.h"
#include "Verror_lane_interval_k6s2.h"
#include "mor/core/convert.hpp"
#include "mor/core/gam.hpp"
#include "mor/core/metric_interval.hpp"
#include "mor/core/splitmix64.hpp"
#include "sweep.hpp"

namespace mor {
namespace {

struct Triple {
  uint32_t x, y, q;
};

// One lane variant: inputs applied every cycle, outputs compared with the model STAGES cycles later.
template <class V>
struct Lane {
  V dut;
  int k, stages;
  std::deque<ErrorFxInterval> expect;
  uint64_t bad = 0, checked = 0;
  Lane(int k_, int stages_) : k(k_), stages(stages_) {
    dut.clk = 0;
    dut.eval();  // settle at clk = 0 first, so the first rising edge is seen as one
  }
  void push(const Triple& t) {
    dut.x = t.x;
    dut.y = t.y;
    dut.q_f32 = t.q;
    if (stages == 0) {
      dut.eval();
      compare(error_fx_interval(t.x, t.y, t.q, k), t);
      return;
    }
    expect.push_back(error_fx_interval(t.x, t.y, t.q, k));
    dut.clk = 1;
    dut.eval();
    dut.clk = 0;
    dut.eval();
    if (static_cast<int>(expect.size()) == stages) {
      compare(expect.front(), t);
      expect.pop_front();
    }
  }
  void compare(const ErrorFxInterval& m, const Triple& t) {
    ++checked;
    if (dut.e_lo != m.lo || dut.e_hi != m.hi) {
      if (bad < 5)
        ADD_FAILURE() << std::hex << "K=" << k << " x=" << t.x << " y=" << t.y << " q=" << t.q << std::dec
                      << " (the input " << stages << " cycles ago for a pipelined lane) rtl [" << dut.e_lo << ", "
                      << dut.e_hi << "] model [" << m.lo << ", " << m.hi << "]";
      ++bad;
    }
  }
};

struct Lanes {
  Lane<Verror_lane_interval> dflt{kIntervalDefaultK, 0};
  Lane<Verror_lane_interval_k6s2> k6{6, 2};
  Lane<Verror_lane_interval_k10s1> k10{10, 1};
  void push(const Triple& t) {
    dflt.push(t);
    k6.push(t);
    k10.push(t);
  }
  uint64_t bad() const { return dflt.bad + k6.bad + k10.bad; }
};

template <class Fmt>
Triple realistic(uint32_t x, uint32_t s) {
  const uint32_t y = fmul_rn_bits(x, s);
  return {x, y, convert<FP32, Fmt>(convert<Fmt, FP32>(y, kFp8Default), kIeeeDefault)};
}

TEST(rtl_interval, DirectedTriples) {
  Lanes l;
  const std::vector<uint32_t> vals = {0x00000000, 0x00000001, 0x00080000, 0x007FFFFF, 0x00800000, 0x3A800000,
                                      0x3A800001, 0x3AC00000, 0x3B000000, 0x3C000000, 0x3C7FFFFF, 0x3F800000,
                                      0x3F880000, 0x3F900000, 0x3FF80000, 0x3FFFFFFF, 0x43E00000, 0x43E80000,
                                      0x43F00000, 0x44000000, 0x447A0000, 0x47600000, 0x47700000, 0x47800000,
                                      0x7E800000, 0x7F000000, 0x7F7FFFFF, 0x7F800000, 0x7FC00000, 0x7F800001};
  for (uint32_t x : vals)
    for (uint32_t y : vals)
      for (uint32_t q : vals) {
        l.push({x, y, q});
        l.push({x ^ 0x80000000u, y ^ 0x80000000u, q ^ 0x80000000u});
      }
  // Every E4M3 and E5M2 value as q against y around it: one ulp either side, the residue's half way, the binade
  // edges; x = y and a huge x.
  for (uint32_t c = 0; c < 256; ++c)
    for (uint32_t q : {f32_from_e4m3(static_cast<uint8_t>(c)), f32_from_e5m2(static_cast<uint8_t>(c))})
      for (int32_t delta : {-0x100000, -0x80000, -0x40001, -1, 0, 1, 0x3FFFF, 0x80000, 0x100000}) {
        const uint32_t y = q + static_cast<uint32_t>(delta);
        l.push({y, y, q});
        l.push({0x7E812345u, y, q});
      }
  EXPECT_EQ(l.bad(), 0u);
  EXPECT_GT(l.dflt.checked, 50000u);
}

constexpr uint64_t kTripleChunk = uint64_t{1} << 20;

TEST(rtl_interval, RealisticAndRandom) {
  const uint64_t n = test::full_sweep() ? 100000000ull : 4000000ull;
  test::Check check("triples");
  Lanes l;
  for (uint64_t i = 0; i < n; ++i) {
    if (!test::shard_owns(i / kTripleChunk)) {
      i = (i / kTripleChunk + 1) * kTripleChunk - 1;  // skip to this shard's next chunk
      continue;
    }
    const uint64_t r0 = splitmix64_at(0x16, 2 * i), r1 = splitmix64_at(0x16, 2 * i + 1);
    const auto x = static_cast<uint32_t>(r0), y = static_cast<uint32_t>(r0 >> 32), q = static_cast<uint32_t>(r1);
    switch (i % 4) {
      case 0:
      case 1: {  // x of any exponent, a GAM block scale (any significand) of an amax at or above |x|
        const uint32_t xv = (x & 0x807FFFFFu) | static_cast<uint32_t>(r1 >> 40) % 255u << 23;
        const uint32_t amax = f32_abs_bits(xv) + static_cast<uint32_t>(r1 % (1u << 24));
        const float fmax = i % 2 ? kE5M2Max : kE4M3Max;
        const uint32_t s = gam_block_scale(gam_group_scale(amax + (y & 0xFFFFFu), fmax), amax, fmax);
        l.push(i % 2 ? realistic<E5M2>(xv, s) : realistic<E4M3>(xv, s));
        break;
      }
      case 2:  // any positive normal scale: saturation, underflow to zero, y = Inf
        l.push(realistic<E4M3>(x, (q & 0x007FFFFFu) | (1u + q % 254u) << 23));
        break;
      default:  // anything
        l.push({x, y, q});
    }
  }
  check.add(l.dflt.checked + l.k6.checked + l.k10.checked, l.bad());
  if (l.bad()) check.mismatch(0, std::to_string(l.bad()) + " triples differ (see the failures)");
  EXPECT_EQ(l.bad(), 0u);
  uint64_t owned = 0;
  for (uint64_t c = 0; c * kTripleChunk < n; ++c)
    if (test::shard_owns(c)) owned += std::min(kTripleChunk, n - c * kTripleChunk);
  EXPECT_EQ(l.dflt.checked, owned);
}

}  // namespace
}  // namespace mor
