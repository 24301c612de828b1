// Host API of the CUDA kernels. Callable from any C++ translation unit; the implementation is in kernels/src/*.cu.
// Every function returns a Status; none throws across the CUDA boundary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mor::gpu {

struct Status {
  bool ok = true;
  std::string message;  // the CUDA error string when !ok
  explicit operator bool() const { return ok; }
};

// Number of usable CUDA devices: 0 when there is none or the runtime cannot be used (then `why`, when given, says
// which: "no CUDA device", or the CUDA error of a missing or broken driver). Never fails.
int device_count(std::string* why = nullptr);
// "NVIDIA H100 80GB HBM3, sm_90, 132 SMs" for device 0, or why there is none.
std::string device_description();

// FP32 -> E4M3 (RNE) of n host values on the GPU. hardware_cvt selects the cvt.rn.satfinite.e4m3x2.f32 instruction
// (SATFINITE only); otherwise the model's shared scalar code (mor::convert) runs on the device.
Status convert_f32_to_e4m3(const uint32_t* host_in, uint8_t* host_out, std::size_t n, bool hardware_cvt,
                           bool satfinite = true);

// One exhaustive comparison of a hardware conversion instruction against the model.
struct SweepResult {
  struct Example {
    uint32_t input, got, want;
  };
  std::string name;  // the PTX instruction(s) checked
  uint64_t checked = 0;
  uint64_t mismatches = 0;
  std::vector<Example> examples;  // the first few mismatches
};

// All 2^32 FP32 patterns through cvt.rn.satfinite.e4m3x2.f32
// and .e5m2x2.f32 in both slots, and all FP16 patterns through the f16x2 forms and the FP8 -> f16x2 decoders,
// compared on the device with the model's shared scalar code.
Status sweep_hw_cvt(std::vector<SweepResult>* results);

}  // namespace mor::gpu
