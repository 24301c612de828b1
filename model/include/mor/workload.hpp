// The built-in workload: seeded, platform-independent generators of training-like tensors (integer PRNG and
// integer-to-float steps only, no libm, so the bits are the same on every machine). Used as the default input of
// `mor quantize`, `mor analyze`, `mor-sim` and the CUDA tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mor/tensor.hpp"

namespace mor {

// Workload sets: "default" (9 tensors, about 8 MiB of BF16) and "small" (the same kinds, 64x... for tests).
std::vector<Tensor> generate_workload(const std::string& name, uint64_t seed = 1);
std::vector<std::string> workload_names();

}  // namespace mor
