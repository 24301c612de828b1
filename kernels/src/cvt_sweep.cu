// Exhaustive check of the GPU's hardware FP8 conversions against the model's shared scalar code (mor::convert),
// run on the device so all 2^32 FP32 inputs take seconds. The instructions are the kernels' own wrappers
// (mor/kernels/device/fp8_ptx.cuh), each naming its exact PTX.
#include <cuda_runtime.h>

#include <type_traits>

#include "mor/core/convert.hpp"
#include "mor/kernels/device/fp8_ptx.cuh"
#include "mor/kernels/gpu.hpp"

namespace mor::gpu {
namespace {

constexpr int kMaxRecorded = 8;

struct DeviceReport {
  unsigned long long checked;
  unsigned long long mismatches;
  unsigned int first_input[kMaxRecorded];
  unsigned int first_got[kMaxRecorded];
  unsigned int first_want[kMaxRecorded];
};

__device__ void record(DeviceReport* r, uint32_t input, uint32_t got, uint32_t want) {
  const unsigned long long n = atomicAdd(&r->mismatches, 1ull);
  if (n < kMaxRecorded) {
    r->first_input[n] = input;
    r->first_got[n] = got;
    r->first_want[n] = want;
  }
}

// Every 32-bit pattern i goes through the low slot as itself and through the high slot as hi(j) for the unique j
// with j * odd == i (multiplication by an odd constant is a bijection on 2^32), so one pass covers both slots.
constexpr uint32_t kSlotMix = 0x9E3779B1u;

template <bool kE5M2>
__global__ void sweep_f32x2(uint64_t first, uint64_t count, DeviceReport* report) {
  using Fmt = typename std::conditional<kE5M2, E5M2, E4M3>::type;
  const ConvertMode mode{Rounding::kRNE, Overflow::kSatFinite, NanEncoding::kCanonical};
  unsigned long long local = 0;
  for (uint64_t k = blockIdx.x * uint64_t{blockDim.x} + threadIdx.x; k < count; k += uint64_t{gridDim.x} * blockDim.x) {
    const uint32_t lo = static_cast<uint32_t>(first + k);
    const uint32_t hi = lo * kSlotMix;
    const uint16_t got = cvt_f32x2_to_fp8x2<kE5M2>(hi, lo);
    const uint16_t want = static_cast<uint16_t>(convert<Fmt, FP32>(hi, mode) << 8 | convert<Fmt, FP32>(lo, mode));
    if (got != want) record(report, lo, got, want);
    ++local;
  }
  atomicAdd(&report->checked, local);
}

// cvt.rn.satfinite.{e4m3x2,e5m2x2}.f16x2 over all FP16 pairs (i, ~i) and cvt.rn.f16x2.{e4m3x2,e5m2x2} decode.
template <bool kE5M2>
__global__ void sweep_f16(DeviceReport* report) {
  using Fmt = typename std::conditional<kE5M2, E5M2, E4M3>::type;
  const ConvertMode mode{Rounding::kRNE, Overflow::kSatFinite, NanEncoding::kCanonical};
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= 65536) return;
  const uint32_t pair = (i ^ 0xFFFFu) << 16 | i;
  const uint16_t got = cvt_f16x2_to_fp8x2<kE5M2>(pair);
  const uint16_t want = static_cast<uint16_t>(convert<Fmt, FP16>(static_cast<uint16_t>(i ^ 0xFFFFu), mode) << 8 |
                                              convert<Fmt, FP16>(static_cast<uint16_t>(i), mode));
  if (got != want) record(report, pair, got, want);
  atomicAdd(&report->checked, 1ull);
  if (i < 256) {  // decode: every FP8 code pair (i, 255-i) to FP16x2; NaN compared as a class
    const uint16_t codes = static_cast<uint16_t>((255 - i) << 8 | i);
    const uint32_t halves = cvt_fp8x2_to_f16x2<kE5M2>(codes);
    for (int slot = 0; slot < 2; ++slot) {
      const uint8_t code = static_cast<uint8_t>(codes >> (8 * slot));
      const uint16_t h = static_cast<uint16_t>(halves >> (16 * slot));
      const uint16_t w = convert<FP16, Fmt>(code, kIeeeDefault);
      const bool both_nan = (h & 0x7C00u) == 0x7C00u && (h & 0x3FFu) && (w & 0x7C00u) == 0x7C00u && (w & 0x3FFu);
      if (h != w && !both_nan) record(report, 0xDEC00000u | code, h, w);
    }
    atomicAdd(&report->checked, 2ull);
  }
}

Status check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return {};
  return {false, std::string(what) + ": " + cudaGetErrorString(e)};
}

template <class Launch>
Status run_sweep(const char* name, SweepResult* out, Launch launch) {
  DeviceReport* d = nullptr;
  Status s = check(cudaMalloc(&d, sizeof(DeviceReport)), "cudaMalloc");
  if (s) s = check(cudaMemset(d, 0, sizeof(DeviceReport)), "cudaMemset");
  if (s) {
    launch(d);
    s = check(cudaGetLastError(), "launch");
  }
  if (s) s = check(cudaDeviceSynchronize(), name);
  DeviceReport h{};
  if (s) s = check(cudaMemcpy(&h, d, sizeof h, cudaMemcpyDeviceToHost), "cudaMemcpy");
  cudaFree(d);
  out->name = name;
  out->checked = h.checked;
  out->mismatches = h.mismatches;
  for (int k = 0; k < kMaxRecorded && k < static_cast<int>(h.mismatches); ++k)
    out->examples.push_back({h.first_input[k], h.first_got[k], h.first_want[k]});
  return s;
}

}  // namespace

Status sweep_hw_cvt(std::vector<SweepResult>* results) {
  const uint64_t count = uint64_t{1} << 32;
  auto f32 = [&](auto kernel, const char* name) {
    SweepResult r;
    Status s = run_sweep(name, &r, [&](DeviceReport* d) { kernel<<<132 * 16, 256>>>(0, count, d); });
    results->push_back(r);
    return s;
  };
  Status s = f32(sweep_f32x2<false>, "cvt.rn.satfinite.e4m3x2.f32");
  if (s) s = f32(sweep_f32x2<true>, "cvt.rn.satfinite.e5m2x2.f32");
  for (int e5 = 0; s && e5 < 2; ++e5) {
    SweepResult r;
    s = run_sweep(e5 ? "cvt.rn.satfinite.e5m2x2.f16x2 + cvt.rn.f16x2.e5m2x2" : "cvt.rn.satfinite.e4m3x2.f16x2 + cvt.rn.f16x2.e4m3x2",
                  &r, [&](DeviceReport* d) {
                    if (e5)
                      sweep_f16<true><<<256, 256>>>(d);
                    else
                      sweep_f16<false><<<256, 256>>>(d);
                  });
    results->push_back(r);
  }
  return s;
}

}  // namespace mor::gpu
