// Device-side checks for the GPU tests: exhaustive sweeps of the kernels' element operations against the model's
// shared scalar code, run on the GPU where 2^32 inputs take milliseconds, and periodic tensors built and compared
// on the device (tensors over 2^31 elements, which the host model cannot process in a test). Plain C++ interface;
// the implementation is tests/gpu/device_checks.cu.
#pragma once

#include <cstddef>
#include <cstdint>

#include "mor/kernels/gpu.hpp"

namespace mor::gpu::checks {

struct Count {
  uint64_t checked = 0, mismatches = 0;
  uint32_t first_input = 0, first_got = 0, first_want = 0;  // the first mismatch found (any order)
};

// All 2^32 FP32 patterns through the kernels' bf16_out and, for the non-NaN ones, through cvt.rn.bf16x2.f32 in both
// slots (bf16_pair_out<false>), against the model's bf16_from_f32.
Status sweep_bf16_outputs(Count* bf16_out, Count* bf16x2);

// On the device: dequant_by_reciprocal against __fdiv_rn for every finite E4M3/E5M2/E2M3 code x every scale
// significand x exponent fields 27, 127, 227 (the CPU proof's set, now through __frcp_rn and __fmaf_rn); and
// error_fx_by_float against error_fx for every non-negative FP32 pattern.
Status sweep_rewrites(Count* dequant, Count* error_fx);

// dst[i] = slab[i % slab_bytes] for i < total_bytes (slab_bytes a multiple of 16, total_bytes of slab_bytes).
Status fill_periodic(void* dst, std::size_t total_bytes, const void* slab, std::size_t slab_bytes);

// Number of bytes i < total_bytes with data[i] != slab[i % slab_bytes] (same layout rules as fill_periodic).
Status count_periodic_mismatches(const void* data, std::size_t total_bytes, const void* slab, std::size_t slab_bytes,
                                 uint64_t* mismatches);

}  // namespace mor::gpu::checks
