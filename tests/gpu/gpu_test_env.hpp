// How the GPU tests behave without a usable GPU: reported as skipped (never passed), with the reason (no device, or
// the CUDA error of a missing or broken driver). MOR_REQUIRE_GPU=1 turns that skip into a failure, so a check run on
// a GPU machine cannot pass by skipping (bench/gpu/gpu_check.sh sets it).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "mor/kernels/gpu.hpp"

namespace mor::test {

inline bool gpu_required() {
  const char* v = std::getenv("MOR_REQUIRE_GPU");
  return v && std::strcmp(v, "1") == 0;
}

// Call from SetUp(): returns after recording a skip (or, under MOR_REQUIRE_GPU=1, a failure) when no GPU is usable.
inline void skip_without_gpu() {
  std::string why;
  if (gpu::device_count(&why) > 0) return;
  if (gpu_required()) GTEST_FAIL() << "MOR_REQUIRE_GPU=1 but " << why;
  GTEST_SKIP() << why;
}

}  // namespace mor::test
