// The converter-lane check of the Verilator harnesses: a Verilated FP32 -> 8-bit lane against the golden model
// (mor::convert), bit for bit, on the inputs x = first + i * stride. Shared by the test (tests/rtl/test_rtl_cvt.cpp)
// and the verification-throughput benchmark (bench/bench_rtl.cpp), so the benchmark times exactly what the test runs.
#pragma once

#include <cstdint>
#include <random>

#include "mor/core/convert.hpp"

namespace mor {

// Drives a Verilated converter lane's mode ports from m (the same ports for every FP32 -> 8-bit variant).
template <class Dut>
void set_cvt_lane_mode(Dut& dut, const ConvertMode& m) {
  dut.rounding_mode = static_cast<uint8_t>(m.rounding);
  dut.overflow_mode = static_cast<uint8_t>(m.overflow);
  dut.nan_mode = static_cast<uint8_t>(m.nan);
}

// see(x, model_code) runs on every input (coverage counters); mismatch(x, rtl_code, model_code) on every difference.
// Under SR each input takes a random word from a generator seeded with seed + first. Returns the mismatch count.
template <class Dut, class Fmt, class See, class Mismatch>
uint64_t check_cvt_lane(uint64_t first, uint64_t count, uint64_t stride, const ConvertMode& m, uint64_t seed,
                        See&& see, Mismatch&& mismatch) {
  Dut dut;
  set_cvt_lane_mode(dut, m);
  std::mt19937 rng(static_cast<uint32_t>(seed + first));
  uint64_t bad = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const uint32_t x = static_cast<uint32_t>(first + i * stride);
    const uint32_t r = m.rounding == Rounding::kSR ? static_cast<uint32_t>(rng()) : 0u;
    dut.f32 = x;
    dut.rand_bits = r;
    dut.eval();
    const uint8_t want = convert<Fmt, FP32>(x, m, r);
    see(x, want);
    if (dut.code != want) {
      mismatch(x, static_cast<uint8_t>(dut.code), want);
      ++bad;
    }
  }
  return bad;
}

}  // namespace mor
