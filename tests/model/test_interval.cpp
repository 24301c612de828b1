// The interval metric (model/include/mor/core/metric_interval.hpp, docs/interval-metric.md) against the canonical
// metric of D5, which stays the definition:
// - directed values derived by hand (the table entries, the distance, the bounds);
// - Lemma A for every significand of y (2^23) in every exponent class of both FP8 candidates, in exact integer
//   arithmetic against an independent |q - y| (FP64, exact here);
// - the theorem lo <= e_fx <= hi on random and directed (x, GAM scale) pairs through the canonical chain: 10^7 in
//   the default run, 10^9 under MOR_SWEEP=full (ctest label exhaustive);
// - the tensor decision: the built-in workloads and the golden-vector tensors decided by kInterval and kCanonical
//   alike, and 1000 generated tensors placed within +-1% of T, where the fallback must run and still agree.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mor/core/convert.hpp"
#include "mor/core/element.hpp"
#include "mor/core/gam.hpp"
#include "mor/core/metric.hpp"
#include "mor/core/metric_interval.hpp"
#include "mor/core/splitmix64.hpp"
#include "mor/policy.hpp"
#include "mor/workload.hpp"
#include "sweep.hpp"

namespace mor {
namespace {

uint32_t b(float v) { return f32_bits(v); }

// The canonical e_fx of D5 for x at block scale s, and the pieces the lane sees.
struct Chain {
  uint32_t y, q, e_fx;
};

template <class Fmt>
Chain canonical_chain(uint32_t x, uint32_t s) {
  const uint32_t y = fmul_rn_bits(x, s);
  const uint32_t q = convert<FP32, Fmt>(convert<Fmt, FP32>(y, kFp8Default), kIeeeDefault);
  const uint32_t d = fdiv_rn_bits(q, s);
  return {y, q, f32_is_zero(x) ? 0u : error_fx(relative_error(x, d))};
}

// Runs fn(thread, first, count) over [0, n) on all cores.
template <class F>
void parallel_range(uint64_t n, F&& fn) {
  const unsigned t = std::max(1u, test::threads());  // all cores, or --threads; 1 inside a --shard
  std::vector<std::thread> pool;
  for (unsigned k = 0; k < t; ++k) pool.emplace_back([&, k] { fn(k, n * k / t, n * (k + 1) / t - n * k / t); });
  for (auto& th : pool) th.join();
}

// ---- directed values ----

TEST(interval, TableEntries) {
  // F(j) = ceil(2^(13+k) / (2^k + j)). k = 6: F(0) = 2^13, F(64) = 2^12, F(1) = ceil(524288 / 65) = 8066
  // (65 * 8066 = 524290), F(32) = ceil(524288 / 96) = 5462 (96 * 5461 = 524256 < 524288).
  EXPECT_EQ(interval_recip(6, 0), 8192u);
  EXPECT_EQ(interval_recip(6, 64), 4096u);
  EXPECT_EQ(interval_recip(6, 1), 8066u);
  EXPECT_EQ(interval_recip(6, 32), 5462u);
  EXPECT_EQ(interval_recip(10, 1024), 4096u);
  EXPECT_EQ(interval_recip(10, 1), 8185u);  // 2^23 / 1025 = 8184.0078
  // The index: y = 1.0625 = 1.00010000b has top fraction bits 00010000 = 16.
  EXPECT_EQ(interval_index(b(1.0625f), 8), 16u);
  EXPECT_EQ(interval_index(b(1.0625f), 6), 4u);
}

TEST(interval, Reciprocal) {
  // R = 2049 + r = ceil((F(i) 2^p - G(i) phi) / 2^(p + 1)), p = 11 - k.
  // y = 1: i = 0, phi = 0: R = F(0) / 2 = 4096 = 2 * 2^11.
  EXPECT_EQ(interval_recip_r(b(1.0f), 6, 8192, 8066), 2047u);
  // y = 1.5, k = 6: i = 32, phi = 0: R = ceil(5462 / 2) = 2731 >= 2/1.5 * 2^11 = 2730.67.
  EXPECT_EQ(interval_recip_r(b(1.5f), 6, 5462, interval_recip(6, 33)), 2731u - 2049u);
  // y = 1 + 2^-7, k = 6: i = 0, phi = 16 of 32: the chord's midpoint (8192 - 126 / 2) / 2 = 4064.5 -> 4065;
  // 2/y * 2^11 = 4064.12.
  EXPECT_EQ(interval_recip_r(b(1.0078125f), 6, 8192, 8066), 4065u - 2049u);
}

TEST(interval, Distance) {
  // y = 1.0625 (y_top = 8, r = 2^19), q = 1.0 (q_sig = 8): q < y, D = 2^19 exactly.
  EXPECT_EQ(interval_distance(b(1.0625f), 8u), 1u << 19);
  // q = 1.125 (q_sig = 9) > y: D = 2^19, reported as D - 1.
  EXPECT_EQ(interval_distance(b(1.0625f), 9u), (1u << 19) - 1u);
  // y = 1.9375 = 1.1111b, q = 2.0 (q_sig = 16): D = 0.0625 * 2^23 = 2^19, minus one.
  EXPECT_EQ(interval_distance(b(1.9375f), 16u), (1u << 19) - 1u);
  // y = 496 = 1.9375 * 2^8, q = 448 = 1.75 * 2^8 (q_sig = 14, saturation inside the binade): D = 0.1875 * 2^23.
  EXPECT_EQ(interval_distance(b(496.0f), 14u), 3u << 19);
  // y = 1.0009765625 (r = 2^13), q = 2 (q_sig = 16, a subnormal output's grid): D = 2^23 - 2^13, minus one.
  EXPECT_EQ(interval_distance(b(1.0009765625f), 16u), (1u << 23) - (1u << 13) - 1u);
}

TEST(interval, Product) {
  // Nothing is dropped when D_t has no bit under 2^9 (rows of a >= 9 are whole).
  EXPECT_EQ(interval_product(1u << 13, 1807u), uint64_t{8192} * 3856u);
  // D_t = 1: the rows D_t << 11 (kept) and D_t (weight 1, dropped); D_t * r: r's bits of weight >= 2^9 only.
  EXPECT_EQ(interval_product(1u, 0x7FFu), 2048u + 0x600u);
  // The bound of what is dropped: column c < 9 holds c + 1 bits of D_t * r and one of the D_t row.
  EXPECT_EQ(kIntervalDropMax, 4608u);
  const uint64_t full = uint64_t{0x1FF} * 4096u;  // D_t = 511 (all bits under the cut), R = 4096 (r = 2047)
  EXPECT_LE(full - interval_product(0x1FFu, 2047u), kIntervalDropMax);
  EXPECT_EQ(interval_hi_margin(6), 128u + 144u + 8u);
  EXPECT_EQ(interval_hi_margin(9), 1024u + 1152u + 8u);
}

TEST(interval, DirectedBounds) {
  // x = y = 1.0625, s = 1: q = 1.0 (a tie, to even), canonical e = 1/17, 2^24 / 17 = 986895.06 -> 986895.
  // k = 6: i = 4, phi = 0, F(4) = ceil(2^19 / 68) = 7711, R = ceil(7711 / 2) = 3856; D = 2^19 < 2^20: D_t = 2^13.
  // P_t = 8192 * 3856 = 31588352 (nothing dropped), tau = P_t >> 5 = 987136.
  // lo = 987136 - 964 - 9 = 986163; hi = 987136 + 280 = 987416.
  const ErrorFxInterval e = error_fx_interval(b(1.0625f), b(1.0625f), b(1.0f), 6);
  EXPECT_EQ(e.lo, 986163u);
  EXPECT_EQ(e.hi, 987416u);
  EXPECT_EQ(canonical_chain<E4M3>(b(1.0625f), b(1.0f)).e_fx, 986895u);
  // The classes with fixed bounds.
  EXPECT_EQ(error_fx_interval(0u, 0u, 0u, 6).hi, 0u);                           // x = 0
  EXPECT_EQ(error_fx_interval(0x80000000u, 0u, 0u, 6).hi, 0u);                  // x = -0
  EXPECT_EQ(error_fx_interval(b(1e-30f), b(1e-30f), 0u, 6).lo, 1u << 24);      // q = 0
  EXPECT_EQ(error_fx_interval(b(1e-30f), b(1e-30f), 0u, 6).hi, 1u << 24);
  EXPECT_EQ(error_fx_interval(b(3e38f), kF32Inf, b(448.0f), 6).lo, 1u << 24);  // y = Inf
  const ErrorFxInterval sat = error_fx_interval(b(1000.0f), b(1000.0f), b(448.0f), 6);  // 1000 >= 512
  EXPECT_EQ(sat.lo, (1u << 21) - 8u);
  EXPECT_EQ(sat.hi, (1u << 24) + 8u);
  // 1 - 448/1000 = 0.552 -> 0.552 * 2^24 = 9261023.2 (RN32 moves it by < 1 unit).
  const uint32_t sat_e = canonical_chain<E4M3>(b(1000.0f), b(1.0f)).e_fx;
  EXPECT_GE(sat_e, 9261022u);
  EXPECT_LE(sat_e, 9261024u);
  EXPECT_EQ(error_fx_interval(0x00080000u, b(0.03125f), b(0.03125f), 6).hi, 2u << 24);  // subnormal x
  EXPECT_EQ(error_fx_interval(b(1.0f), b(1.0f), b(4.0f), 6).hi, 2u << 24);            // q no rounding of y
  EXPECT_EQ(error_fx_interval(kF32Inf, kF32Inf, b(448.0f), 6).hi, 2u << 24);          // x non-finite
  // |x| >= 2^126: the upper bound is the cap (d = RN32(q / s) may overflow).
  EXPECT_EQ(error_fx_interval(b(1.5e38f), b(1.0625f), b(1.0f), 6).hi, 2u << 24);
  EXPECT_EQ(error_fx_interval(b(1.5e38f), b(1.0625f), b(1.0f), 6).lo, 986163u);
  // d = Inf does happen there: x = 1.9921875 * 2^127, s = 2^-120: y = 255 rounds to q = 256, q / s = 2^128 -> Inf,
  // e = Inf, e_fx = the cap; the bounds [lo, 2^25] hold it.
  const Chain big = canonical_chain<E4M3>(0x7F7F0000u, 7u << 23);
  EXPECT_EQ(big.q, b(256.0f));
  EXPECT_EQ(big.e_fx, 2u << 24);
  const ErrorFxInterval big_b = error_fx_interval(0x7F7F0000u, big.y, big.q, 6);
  EXPECT_LE(big_b.lo, big.e_fx);
  EXPECT_EQ(big_b.hi, 2u << 24);
}

TEST(interval, Verdict) {
  // T_fx * NNZ = 10 * 3 = 30: strict '>' on both sides.
  EXPECT_EQ(interval_verdict(31, 40, 3, 10), IntervalVerdict::kReject);
  EXPECT_EQ(interval_verdict(20, 30, 3, 10), IntervalVerdict::kAccept);
  EXPECT_EQ(interval_verdict(30, 31, 3, 10), IntervalVerdict::kUndecided);
  EXPECT_EQ(interval_verdict(30, 30, 3, 10), IntervalVerdict::kAccept);
}

// ---- Lemma R: R is an upper bound of 2/m within 2^-10, for every significand and every k ----

TEST(interval, LemmaREverySignificand) {
  // In integers, with M_y = m 2^23 and R = 2049 + r: 2^35 <= R * M_y (R 2^-11 >= 2/m) and
  // R * M_y * (2^10 - 1) <= 2^45 (R 2^-11 (1 - 2^-10) <= 2/m). The exponent does not enter: one binade is all.
  for (int k = kIntervalMinK; k <= kIntervalMaxK; ++k) {
    uint64_t bad = 0;
    double worst = 0;  // the largest relative excess (R M_y - 2^35) / (R M_y), for the log
    for (uint32_t man = 0; man < (1u << 23); ++man) {
      const uint32_t y = 127u << 23 | man, i = interval_index(y, k);
      const uint32_t r = interval_recip_r(y, k, interval_recip(k, i), interval_recip(k, i + 1));
      const uint64_t big_r = kIntervalRecipBase + r, m_y = (1u << 23) | man;
      if (r >= (1u << kIntervalRecipBits) || big_r * m_y < (uint64_t{1} << 35) ||
          big_r * m_y * ((1u << kIntervalRelBits) - 1u) > (uint64_t{1} << (35 + kIntervalRelBits))) {
        if (bad++ < 3) ADD_FAILURE() << "k=" << k << " man=" << man << " r=" << r;
      }
      worst = std::max(worst, 1.0 - static_cast<double>(uint64_t{1} << 35) / static_cast<double>(big_r * m_y));
    }
    EXPECT_EQ(bad, 0u) << "k=" << k;
    std::printf("Lemma R, k=%d: every significand, largest (R 2^-11 - 2/m) / (R 2^-11) = %.5f%% (bound %.5f%%)\n", k,
                100.0 * worst, 100.0 / (1u << kIntervalRelBits));
  }
}

// ---- Lemma A: every significand of y in every exponent class ----

// tau = 2^24 |q - y| / |y| against the lane's integer z in exact integers: with D = |q - y| 2^(23-E) and
// M_y = |y| 2^(23-E) (computed in FP64, exact: both have <= 24 significant bits in [2^E, 2^(E+2))),
// (z - floor(z / 2^10) - 1) M_y < 2^24 D < (z + interval_hi_margin(j) - 7) M_y.
template <class Fmt>
uint64_t lemma_a_binade(int k, int exp, uint64_t* general) {
  std::atomic<uint64_t> bad{0}, gen{0};
  parallel_range(1u << 23, [&](unsigned, uint64_t first, uint64_t count) {
    uint64_t my_bad = 0, my_gen = 0;
    for (uint64_t m = first; m < first + count; ++m) {
      const uint32_t y = static_cast<uint32_t>((exp + 127) << 23 | m);
      const uint32_t q = convert<FP32, Fmt>(convert<Fmt, FP32>(y, kFp8Default), kIeeeDefault);
      if (interval_class(b(1.0f), y, q) != IntervalClass::kGeneral) continue;
      ++my_gen;
      const uint32_t i = interval_index(y, k);
      const IntervalTau t = interval_tau(y, q, k, interval_recip(k, i), interval_recip(k, i + 1));
      const double scale = std::ldexp(1.0, 23 - exp);
      const uint64_t m_y = static_cast<uint64_t>(static_cast<double>(f32_from_bits(y)) * scale);
      const uint64_t d = static_cast<uint64_t>(
          std::fabs(static_cast<double>(f32_from_bits(q)) - static_cast<double>(f32_from_bits(y))) * scale);
      const uint64_t lhs = d << 24;
      const int64_t lo = static_cast<int64_t>(t.z) - static_cast<int64_t>(t.z >> kIntervalRelBits) - 1;
      const uint64_t hi = uint64_t{t.z} + interval_hi_margin(t.shift_d) - (kIntervalMargin - 1u);
      if ((lo > 0 && static_cast<uint64_t>(lo) * m_y >= lhs) || lhs >= hi * m_y) {
        if (my_bad++ < 3)
          ADD_FAILURE() << std::hex << "y=" << y << " q=" << q << std::dec << " z " << t.z << " j " << t.shift_d
                        << " D=" << d << " M_y=" << m_y;
      }
    }
    bad += my_bad;
    gen += my_gen;
  });
  *general += gen;
  return bad;
}

TEST(interval, LemmaAEverySignificand) {
  // E4M3: normal outputs (binades -6, 0 and 7 stand for all of [-6, 7]: the grid is the same relative to y), the
  // binade of FMAX with rounding to 448 and saturation in [464, 512), the subnormal outputs (-7 .. -10). E5M2: normal
  // (-14, 0), FMAX's binade (saturation in [61440, 65536)), subnormal outputs (-15 .. -17).
  // Under --shard I/N each shard checks every N-th (k, binade) item.
  test::Check check("lemma_a");
  uint64_t item = 0;
  for (int k : {kIntervalDefaultK, (kIntervalMinK + kIntervalMaxK) / 2, kIntervalMaxK}) {
    uint64_t bad = 0, general = 0;
    const bool all = k == kIntervalDefaultK || test::full_sweep();
    for (int e : {-6, 0, 7, 8, -7, -8, -9, -10})
      if ((all || e == 8 || e == -10) && test::shard_owns(item++)) bad += lemma_a_binade<E4M3>(k, e, &general);
    for (int e : {-14, 0, 15, -15, -16, -17})
      if ((all || e == 15 || e == -17) && test::shard_owns(item++)) bad += lemma_a_binade<E5M2>(k, e, &general);
    EXPECT_EQ(bad, 0u) << "k=" << k;
    if (test::shard().count == 1) {
      EXPECT_GT(general, 0u);
    }
    if (bad) check.mismatch(static_cast<uint64_t>(k), "k " + std::to_string(k) + ": " + std::to_string(bad) + " violations");
    check.add(general, bad);
  }
}

// ---- the theorem on (x, s) pairs ----

struct PairStats {
  uint64_t pairs = 0, violations = 0, classes[6] = {};
  int64_t dev_min = 0, dev_max = 0;  // e_fx - floor(tau), general class (how much of the margin is used)
};

// Pair `index` of the seeded stream: x of any finite pattern (subnormals included) or GAM-realistic; s a GAM block
// scale of a random group amax and block amax (any significand), or an arbitrary positive normal scale; directed
// strata put y at the E4M3 / E5M2 subnormal boundaries, near FMAX and past it.
void make_pair(uint64_t seed, uint64_t index, uint32_t* x, uint32_t* s, float fmax) {
  const uint64_t r0 = splitmix64_at(seed, 2 * index), r1 = splitmix64_at(seed, 2 * index + 1);
  const uint32_t kind = static_cast<uint32_t>(r0 % 8);
  uint32_t xv = static_cast<uint32_t>(r0 >> 32);
  if (kind < 5) {  // GAM: amax >= |x|, a group amax >= the block amax
    const uint32_t exp = static_cast<uint32_t>((r1 >> 40) % 254);
    xv = (xv & 0x807FFFFFu) | (kind == 4 ? 0u : exp << 23);  // kind 4: FP32-subnormal x
    const uint32_t ax = f32_abs_bits(xv);
    const uint32_t block_amax = std::min<uint32_t>(kF32Max, ax + static_cast<uint32_t>(r1 % (kind == 0 ? 64 : 1u << 26)));
    const uint32_t group_amax = std::min<uint32_t>(kF32Max, block_amax + static_cast<uint32_t>((r1 >> 26) % (1u << 27)));
    *s = gam_block_scale(gam_group_scale(group_amax, fmax), block_amax, fmax);
  } else if (kind == 5) {  // any finite x, any positive normal s
    xv = (xv & 0x807FFFFFu) | (static_cast<uint32_t>((r1 >> 40) % 255) << 23);
    *s = (static_cast<uint32_t>(r1) & 0x007FFFFFu) | (static_cast<uint32_t>(1 + (r1 >> 23) % 254) << 23);
  } else {  // y placed at the edges: s a random-significand normal scale, x chosen so x * s lands at a boundary
    static const float kEdges[] = {0x1p-10f, 0x1p-9f, 0x1.8p-10f, 0x1p-6f, 0x1.cp-7f, 0x1p-17f, 0x1p-16f,
                                   0x1p-14f, 448.0f, 464.0f, 480.0f, 512.0f, 57344.0f, 61440.0f, 65536.0f, 1.0f};
    const float edge = kEdges[(r1 >> 8) % 16];
    *s = (static_cast<uint32_t>(r1 >> 32) & 0x007FFFFFu) | (static_cast<uint32_t>(100 + (r1 >> 56) % 56) << 23);
    const uint32_t x0 = fdiv_rn_bits(b(edge), *s);
    xv = x0 + static_cast<uint32_t>(static_cast<int32_t>(r1 % 65) - 32) * (1u + static_cast<uint32_t>((r1 >> 16) % 64));
    if (kind == 7) xv |= 0x80000000u;
  }
  *x = f32_is_finite(xv) ? xv : (xv & 0x80000000u) | kF32Max;
}

template <class Fmt>
void check_pair(uint32_t x, uint32_t s, int k, PairStats& st) {
  const Chain c = canonical_chain<Fmt>(x, s);
  const ErrorFxInterval e = error_fx_interval(x, c.y, c.q, k);
  const IntervalClass cls = interval_class(x, c.y, c.q);
  ++st.pairs;
  ++st.classes[static_cast<int>(cls)];
  if (e.lo > c.e_fx || c.e_fx > e.hi) {
    if (st.violations++ < 3)
      ADD_FAILURE() << std::hex << "x=" << x << " s=" << s << " y=" << c.y << " q=" << c.q << std::dec
                    << " e_fx=" << c.e_fx << " not in [" << e.lo << ", " << e.hi << "] class "
                    << static_cast<int>(cls);
  }
  if (cls == IntervalClass::kGeneral && f32_exp_field(x) < kIntervalHugeXExp) {  // past it d may be Inf
    const double tau = std::fabs(static_cast<double>(f32_from_bits(c.q)) - static_cast<double>(f32_from_bits(c.y))) /
                       std::fabs(static_cast<double>(f32_from_bits(c.y))) * 16777216.0;
    const int64_t dev = static_cast<int64_t>(c.e_fx) - static_cast<int64_t>(std::floor(tau));
    st.dev_min = std::min(st.dev_min, dev);
    st.dev_max = std::max(st.dev_max, dev);
  }
}

// Pairs come in chunks of 2^20; under --shard I/N this shard checks chunk c iff c % N == I.
constexpr uint64_t kPairChunk = uint64_t{1} << 20;

PairStats run_pairs(uint64_t n, uint64_t seed) {
  std::vector<PairStats> per(std::max(1u, test::threads()));
  parallel_range(n, [&](unsigned t, uint64_t first, uint64_t count) {
    for (uint64_t i = first; i < first + count; ++i) {
      if (!test::shard_owns(i / kPairChunk)) {
        i = (i / kPairChunk + 1) * kPairChunk - 1;  // skip to the next chunk
        continue;
      }
      uint32_t x, s;
      const int k = i % 16 == 0 ? kIntervalMinK + static_cast<int>((i >> 4) % (kIntervalMaxK - kIntervalMinK + 1))
                                : kIntervalDefaultK;
      if (i % 2 == 0) {
        make_pair(seed, i, &x, &s, kE4M3Max);
        check_pair<E4M3>(x, s, k, per[t]);
      } else {
        make_pair(seed, i, &x, &s, kE5M2Max);
        check_pair<E5M2>(x, s, k, per[t]);
      }
    }
  });
  PairStats all;
  for (const auto& p : per) {
    all.pairs += p.pairs;
    all.violations += p.violations;
    for (int c = 0; c < 6; ++c) all.classes[c] += p.classes[c];
    all.dev_min = std::min(all.dev_min, p.dev_min);
    all.dev_max = std::max(all.dev_max, p.dev_max);
  }
  return all;
}

TEST(interval, BoundsRandomPairs) {
  require_ieee_fp_env();
  const uint64_t n = test::full_sweep() ? 1000000000ull : 10000000ull;
  test::Check check("pairs");
  const PairStats st = run_pairs(n, 0x16);
  check.add(st.pairs, st.violations);
  if (st.violations) check.mismatch(0, std::to_string(st.violations) + " pairs outside their bounds (see the failures)");
  EXPECT_EQ(st.violations, 0u);
  uint64_t owned = 0;
  for (uint64_t c = 0; c * kPairChunk < n; ++c)
    if (test::shard_owns(c)) owned += std::min(kPairChunk, n - c * kPairChunk);
  EXPECT_EQ(st.pairs, owned);
  // Every class of the contract occurs (kZero: +-0 is rare in a random stream; kOutside never happens inside the
  // contract: both are covered by DirectedBounds).
  EXPECT_EQ(st.classes[static_cast<int>(IntervalClass::kOutside)], 0u);
  for (IntervalClass c : {IntervalClass::kOne, IntervalClass::kSaturated,
                          IntervalClass::kSubnormalX, IntervalClass::kGeneral})
    if (owned > 0) {
      EXPECT_GT(st.classes[static_cast<int>(c)], 0u) << "class " << static_cast<int>(c);
    }
  // Lemma B: |e * 2^24 - tau| < 7.000001, so e_fx - floor(tau) is in [-8, 8].
  EXPECT_GE(st.dev_min, -8);
  EXPECT_LE(st.dev_max, 8);
  std::printf("interval pairs: %llu; classes zero %llu one %llu outside %llu saturated %llu subnormal-x %llu general "
              "%llu; e_fx - floor(tau) in [%lld, %lld]\n",
              static_cast<unsigned long long>(st.pairs), static_cast<unsigned long long>(st.classes[0]),
              static_cast<unsigned long long>(st.classes[1]), static_cast<unsigned long long>(st.classes[2]),
              static_cast<unsigned long long>(st.classes[3]), static_cast<unsigned long long>(st.classes[4]),
              static_cast<unsigned long long>(st.classes[5]), static_cast<long long>(st.dev_min),
              static_cast<long long>(st.dev_max));
}

// ---- tensor decisions ----

struct DecisionStats {
  int tensors = 0, decided = 0, fallbacks = 0, differences = 0;
  double window_max = 0;  // the largest (Sum hi - Sum lo) / (T_fx * NNZ) of the last candidate the bounds decided
};

void compare_decision(const Tensor& t, TensorLevelConfig cfg, DecisionStats& st) {
  cfg.metric = MetricKind::kCanonical;
  const QuantResult canon = quantize_tensor_level(t, cfg);
  cfg.metric = MetricKind::kInterval;
  const QuantResult iv = quantize_tensor_level(t, cfg);  // throws if the bounds decide against err_sum
  ++st.tensors;
  const bool metric_decided = canon.reason == Reason::kAccepted || canon.reason == Reason::kRejected;
  st.decided += metric_decided;
  st.fallbacks += iv.interval_fallbacks;
  if (iv.tensor_format != canon.tensor_format || iv.reason != canon.reason || iv.codes != canon.codes) {
    ++st.differences;
    ADD_FAILURE() << t.name << ": interval " << name_of(iv.tensor_format) << " canonical " << name_of(canon.tensor_format);
  }
  if (metric_decided) {
    EXPECT_LE(iv.interval_lo_sum, iv.err_sum) << t.name;
    EXPECT_GE(iv.interval_hi_sum, iv.err_sum) << t.name;
    st.window_max = std::max(st.window_max, static_cast<double>(iv.interval_hi_sum - iv.interval_lo_sum) /
                                                (static_cast<double>(iv.threshold_fx) * static_cast<double>(iv.nnz)));
  }
}

TEST(interval, WorkloadDecisions) {
  DecisionStats st;
  for (const char* w : {"small", "default"})
    for (const Tensor& t : generate_workload(w, 1))
      for (double thr : {0.005, 0.02, 0.045, 0.06}) {
        TensorLevelConfig cfg;
        cfg.threshold = thr;
        cfg.compute_reference_metric = false;
        cfg.candidates = {Candidate::kE4M3Gam, Candidate::kE5M2Gam, Candidate::kBF16};
        compare_decision(t, cfg, st);
      }
  EXPECT_EQ(st.differences, 0);
  EXPECT_GT(st.decided, 0);
  std::printf("workload: %d tensor decisions, %d by the metric, %d fallbacks, largest window %.3f%% of T_fx * NNZ\n",
              st.tensors, st.decided, st.fallbacks, 100.0 * st.window_max);
}

// The tensor-level tensors of golden/quantizer.hex (mode 0): block-major rows, one block per row, first pass beats.
TEST(interval, GoldenVectorTensors) {
  std::ifstream f(test::source_path("golden/quantizer.hex"));
  ASSERT_TRUE(f.good());
  DecisionStats st;
  std::string line;
  int mode = -1, beats = 0, blocks = 0;
  uint32_t thr = 0;
  std::vector<uint32_t> data;
  auto finish = [&] {
    if (mode != 0) return;
    Tensor t;
    t.name = "golden" + std::to_string(st.tensors);
    t.rows = blocks;
    t.cols = beats * kEngineLanes;
    t.bits.assign(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(t.rows * t.cols));  // pass 1 only
    TensorLevelConfig cfg;
    cfg.block = {1, t.cols};
    cfg.threshold = static_cast<double>(thr) / 16777216.0;
    cfg.compute_reference_metric = false;
    compare_decision(t, cfg, st);
  };
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    char tag;
    in >> tag;
    if (tag == 'C') {
      in >> std::hex >> mode >> beats >> blocks >> thr;
      data.clear();
    } else if (tag == 'I' && mode == 0) {
      std::string hex;
      in >> hex;
      for (int l = kEngineLanes - 1; l >= 0; --l) data.push_back(0);
      for (int l = 0; l < kEngineLanes; ++l)  // lane 31 first
        data[data.size() - 1 - static_cast<std::size_t>(l)] =
            static_cast<uint32_t>(std::stoul(hex.substr(static_cast<std::size_t>(l) * 8, 8), nullptr, 16));
    } else if (tag == 'E') {
      finish();
      mode = -1;
    }
  }
  EXPECT_EQ(st.differences, 0);
  EXPECT_GE(st.tensors, 5);
}

// A generated tensor of `rows` x 64 with one of several value distributions (splitmix64 only).
Tensor generated_tensor(uint64_t seed, int64_t rows) {
  Tensor t;
  t.name = "gen" + std::to_string(seed);
  t.rows = rows;
  t.cols = 64;
  t.bits.resize(static_cast<std::size_t>(rows * 64));
  SplitMix64 g{seed};
  const uint64_t style = g.next() % 4;
  for (auto& v : t.bits) {
    const uint64_t r = g.next();
    uint32_t exp = 0;
    switch (style) {
      case 0: exp = 120 + static_cast<uint32_t>(r % 8); break;            // narrow
      case 1: exp = 100 + static_cast<uint32_t>(r % 30); break;           // wide (E4M3 subnormal outputs)
      case 2: exp = 127 - static_cast<uint32_t>(__builtin_ctzll(r | (1ull << 40))); break;  // heavy tail
      default: exp = 110 + static_cast<uint32_t>((r % 9) * (r % 3)); break;  // clustered
    }
    v = (static_cast<uint32_t>(r >> 40) & 0x807FFFFFu) | (exp << 23);
    if (r % 97 == 0) v = 0;  // some zeros (outside NNZ)
  }
  return t;
}

TEST(interval, TensorsNearThreshold) {
  // Each tensor gets T with T_fx * NNZ within +-1% of its canonical err_sum (both signs, and exactly on it), so
  // the bound sums straddle the limit for many of them and the fallback has to decide.
  DecisionStats st;
  for (uint64_t seed = 1; seed <= 1000; ++seed) {
    const Tensor t = generated_tensor(seed, 16 + static_cast<int64_t>(seed % 17));
    TensorLevelConfig cfg;
    cfg.block = {8, 32};
    cfg.compute_reference_metric = false;
    cfg.threshold = 1.999;
    const QuantResult probe = quantize_tensor_level(t, cfg);  // the E4M3 err_sum (accepted at T ~ 2)
    ASSERT_GT(probe.nnz, 0u);
    const double mean = static_cast<double>(probe.err_sum) / static_cast<double>(probe.nnz);
    // offset = +-u^2 * 1%, u uniform in [0, 1]: every tensor within +-1% of T, and more of them close to it (the
    // window is ~0.15% wide: with a uniform offset only ~7% of them would fall back).
    const uint64_t draw = splitmix64_at(seed, 0);
    const double u = static_cast<double>(draw % 1001) / 1000.0;
    const double offset = ((draw >> 32) & 1u ? 1.0 : -1.0) * u * u * 1e-2;
    const auto t_fx = static_cast<uint32_t>(mean * (1.0 + offset));
    cfg.threshold = static_cast<double>(t_fx) / 16777216.0;  // exact: threshold_fx() gives t_fx back
    cfg.interval_k = seed % 5 == 0 ? kIntervalMinK + static_cast<int>(seed % (kIntervalMaxK - kIntervalMinK + 1))
                                   : kIntervalDefaultK;
    compare_decision(t, cfg, st);
  }
  EXPECT_EQ(st.differences, 0);
  EXPECT_EQ(st.tensors, 1000);
  EXPECT_GE(st.fallbacks, 100) << "the fallback must really run";
  EXPECT_LT(st.fallbacks, st.tensors) << "the bounds must decide some tensors near T too";
  std::printf("near T: %d tensors, %d fallbacks, largest window %.3f%% of T_fx * NNZ\n", st.tensors, st.fallbacks,
              100.0 * st.window_max);
}

TEST(interval, OnTheLimit) {
  // Two elements: x0 = 1 is the amax (y = 448 exactly, e_fx = 0), x1 random below it. err_sum = e_fx(x1); T_fx is
  // put on T_fx * 2 = err_sum when err_sum is even (accepted: strict '>') and one unit either side of it. Unless
  // lo = hi the bounds cannot decide any of these: the fallback must, and agree.
  DecisionStats st;
  int on_limit = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    Tensor t;
    t.name = "limit" + std::to_string(seed);
    t.rows = 1;
    t.cols = 2;
    const uint64_t r = splitmix64_at(seed, 7);
    t.bits = {b(1.0f), (static_cast<uint32_t>(r) & 0x807FFFFFu) | static_cast<uint32_t>(110 + r % 17) << 23};
    TensorLevelConfig cfg;
    cfg.block = {1, 2};
    cfg.compute_reference_metric = false;
    cfg.threshold = 1.999;
    const uint64_t err_sum = quantize_tensor_level(t, cfg).err_sum;
    if (err_sum < 4) continue;  // x1 on the FP8 grid
    on_limit += err_sum % 2 == 0;
    for (uint64_t t_fx : {err_sum / 2 - 1, (err_sum + 1) / 2, err_sum % 2 == 0 ? err_sum / 2 : err_sum / 2 + 1}) {
      cfg.threshold = static_cast<double>(t_fx) / 16777216.0;
      compare_decision(t, cfg, st);
    }
  }
  EXPECT_EQ(st.differences, 0);
  EXPECT_EQ(st.fallbacks, st.tensors);
  EXPECT_GT(st.tensors, 300);
  EXPECT_GT(on_limit, 50);
}

TEST(interval, ConfigurationChecked) {
  const Tensor t = generated_tensor(7, 8);
  TensorLevelConfig cfg;
  cfg.block = {8, 32};
  cfg.metric = MetricKind::kInterval;
  cfg.interval_k = kIntervalMaxK + 1;
  EXPECT_THROW(quantize_tensor_level(t, cfg), std::invalid_argument);
  cfg.interval_k = kIntervalMinK - 1;
  EXPECT_THROW(quantize_tensor_level(t, cfg), std::invalid_argument);
  cfg.interval_k = kIntervalDefaultK;
  cfg.rules.mode.rounding = Rounding::kRZ;  // not the theorem's RNE conversion
  EXPECT_THROW(quantize_tensor_level(t, cfg), std::invalid_argument);
  cfg.rules = ElementRules{};
  cfg.rules.mode.overflow = Overflow::kNoSat;
  EXPECT_THROW(quantize_tensor_level(t, cfg), std::invalid_argument);
  cfg.rules = ElementRules{};
  cfg.rules.dequant = DequantMode::kMultiplyByInverse;
  EXPECT_THROW(quantize_tensor_level(t, cfg), std::invalid_argument);
  cfg.rules = ElementRules{};
  EXPECT_NO_THROW(quantize_tensor_level(t, cfg));
}

}  // namespace
}  // namespace mor
