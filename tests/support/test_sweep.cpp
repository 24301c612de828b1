// The shard plumbing of sweep.hpp: --shard parsing, the shards of a sweep partition its input space exactly (every
// pattern once, over any shard count and stride), results keep the lowest-index mismatch, and a sharded process
// defaults to one thread. shard_selftest.Sweep is the cheap long check that test_shard_end_to_end.py runs through
// the real path (binary --shard I/N --shard-json, GNU parallel, exhaustive.py merge).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "sweep.hpp"

namespace mor::test {
namespace {

// Restores the process's shard and thread settings (the command line's) when a test changes them.
struct ShardGuard {
  Shard saved = shard();
  ~ShardGuard() {
    set_shard(saved);
    set_threads(0);
  }
};

TEST(shard, ParsesIOverN) {
  Shard s;
  EXPECT_TRUE(parse_shard("0/1", s));
  EXPECT_TRUE(parse_shard("6/7", s));
  EXPECT_EQ(s.index, 6u);
  EXPECT_EQ(s.count, 7u);
  EXPECT_TRUE(parse_shard("1048575/1048576", s));
  for (const char* bad : {"", "1", "/", "1/", "/2", "2/2", "3/2", "0/0", "-1/2", "1/2x", " 1/2", "0/1048577",
                          "a/b", "1//2", "99999999/100000000"})
    EXPECT_FALSE(parse_shard(bad, s)) << bad;
}

TEST(shard, OwnershipSplitsEveryCount) {
  ShardGuard g;
  for (uint64_t n : {1u, 2u, 3u, 7u, 64u})
    for (uint64_t total : {0u, 1u, 5u, 64u, 1000u}) {
      uint64_t sum = 0;
      for (uint64_t i = 0; i < n; ++i) {
        set_shard({i, n});
        uint64_t owned = 0;
        for (uint64_t k = 0; k < total; ++k) owned += shard_owns(k);
        EXPECT_EQ(owned, shard_share(total)) << i << "/" << n << " of " << total;
        sum += owned;
      }
      EXPECT_EQ(sum, total);
    }
}

TEST(shard, SweepShardsPartitionAllPatterns) {
  ShardGuard g;
  set_threads(3);
  for (uint64_t stride : {1u, 251u, 4099u, 1u << 12})
    for (uint64_t n : {1u, 2u, 3u, 64u, 1500u}) {
      std::vector<std::pair<uint64_t, uint64_t>> visits;  // (first input, count)
      std::mutex m;
      uint64_t elements = 0;
      for (uint64_t i = 0; i < n; ++i) {
        set_shard({i, n});
        sweep_u32(stride, [&](uint64_t first, uint64_t count, uint64_t s) {
          EXPECT_EQ(s, stride);
          std::lock_guard<std::mutex> lock(m);
          visits.emplace_back(first, count);
          return uint64_t{0};
        });
        elements += check_results().back().elements;
      }
      std::sort(visits.begin(), visits.end());
      uint64_t next = 0;  // the next input the union must start at
      for (const auto& [first, count] : visits) {
        ASSERT_EQ(first, next) << "stride " << stride << ", " << n << " shards: gap or overlap";
        next = first + count * stride;
      }
      const uint64_t patterns = ((uint64_t{1} << 32) + stride - 1) / stride;
      EXPECT_EQ(next, patterns * stride);
      EXPECT_EQ(elements, patterns);
    }
}

TEST(shard, FirstMismatchIsTheLowestIndex) {
  ShardGuard g;
  set_shard({0, 1});
  set_threads(2);
  const uint64_t bad = sweep_u32(
      1,
      [](uint64_t first, uint64_t count, uint64_t) -> uint64_t {
        const uint64_t described = 3u << 22, undescribed = 1u << 22, late = 900u << 22;
        if (first == described) note_mismatch(first + 5, "noted");
        if (first == described || first == undescribed || first == late) return 2;
        EXPECT_EQ(count, 1u << 22);
        return 0;
      },
      "fake");
  EXPECT_EQ(bad, 6u);
  const CheckResult r = check_results().back();
  EXPECT_EQ(r.name, "fake");
  EXPECT_EQ(r.test, "shard.FirstMismatchIsTheLowestIndex");
  EXPECT_EQ(r.mismatches, 6u);
  EXPECT_EQ(r.elements, uint64_t{1} << 32);
  EXPECT_EQ(r.first.index, uint64_t{1} << 22);  // the chunk without a note is described by its range
  EXPECT_NE(r.first.what.find("2 mismatches among the inputs 4194304"), std::string::npos) << r.first.what;
}

TEST(shard, ChecksCountAndKeepTheLowest) {
  {
    Check c("manual");
    c.add(10, 1);
    c.mismatch(50, "b");
    c.mismatch(7, "a");
    c.mismatch(9, "c");
    c.add(5, 0);
    EXPECT_EQ(c.elements(), 15u);
    EXPECT_EQ(c.mismatches(), 1u);
  }
  const CheckResult r = check_results().back();
  EXPECT_EQ(r.first.index, 7u);
  EXPECT_EQ(r.first.what, "a");
  EXPECT_GE(r.seconds, 0.0);
}

TEST(shard, ShardedProcessesDefaultToOneThread) {
  ShardGuard g;
  set_threads(0);
  set_shard({1, 4});
  EXPECT_EQ(threads(), 1u);
  set_threads(3);
  EXPECT_EQ(threads(), 3u);
  set_threads(0);
  set_shard({0, 1});
  EXPECT_GE(threads(), 1u);
}

// A long check that costs nothing: 2^28 patterns (stride 16, 64 chunks), with the mismatches named by
// MOR_SHARD_SELFTEST_MISMATCH (comma-separated inputs, multiples of 16) injected.
TEST(shard_selftest, Sweep) {
  std::vector<uint64_t> wrong;
  if (const char* env = std::getenv("MOR_SHARD_SELFTEST_MISMATCH")) {
    std::stringstream ss(env);
    std::string item;
    while (std::getline(ss, item, ',')) wrong.push_back(std::stoull(item));
  }
  const uint64_t bad = sweep_u32(
      16,
      [&](uint64_t first, uint64_t count, uint64_t stride) {
        uint64_t b = 0;
        for (const uint64_t x : wrong)
          if (x >= first && x < first + count * stride && (x - first) % stride == 0) {
            note_mismatch(x, "injected at " + std::to_string(x));
            ++b;
          }
        return b;
      },
      "selftest");
  EXPECT_EQ(bad, 0u);
}

}  // namespace
}  // namespace mor::test
