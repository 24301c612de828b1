// Device-side checks for the GPU tests (device_checks.hpp).
#include <cuda_runtime.h>

#include "device_checks.hpp"
#include "mor/core/convert.hpp"
#include "mor/core/exact_rewrites.hpp"
#include "mor/core/metric.hpp"
#include "mor/kernels/device/element.cuh"
#include "mor/kernels/timing.hpp"

namespace mor::gpu::checks {
namespace {

struct DeviceCount {
  unsigned long long checked, mismatches;
  unsigned int first_input, first_got, first_want;
};

__device__ void record(DeviceCount* c, uint32_t input, uint32_t got, uint32_t want) {
  if (atomicAdd(&c->mismatches, 1ull) == 0) {
    c->first_input = input;
    c->first_got = got;
    c->first_want = want;
  }
}

constexpr unsigned kGrid = 132 * 16, kThreads = 256;
constexpr uint32_t kSlotMix = 0x9E3779B1u;  // odd: i -> i * mix is a bijection, so the high slot sees every input

__global__ void bf16_kernel(DeviceCount* out, DeviceCount* pair) {
  unsigned long long n_out = 0, n_pair = 0;
  for (uint64_t i = blockIdx.x * uint64_t{blockDim.x} + threadIdx.x; i < (uint64_t{1} << 32); i += uint64_t{gridDim.x} * blockDim.x) {
    const uint32_t lo = static_cast<uint32_t>(i), hi = lo * kSlotMix;
    const uint16_t want_lo = bf16_from_f32(lo), want_hi = bf16_from_f32(hi);
    const uint16_t got = bf16_out(lo);
    if (got != want_lo) record(out, lo, got, want_lo);
    ++n_out;
    if (!f32_is_nan(lo) && !f32_is_nan(hi)) {
      const uint32_t got2 = bf16_pair_out<false>(lo, hi), want2 = static_cast<uint32_t>(want_hi) << 16 | want_lo;
      if (got2 != want2) record(pair, lo, got2, want2);
      ++n_pair;
    }
  }
  atomicAdd(&out->checked, n_out);
  atomicAdd(&pair->checked, n_pair);
}

__constant__ uint32_t c_codes[254 + 248 + 64];

__global__ void dequant_kernel(DeviceCount* c, int n_codes) {
  const uint32_t fields[3] = {27, 127, 227};
  unsigned long long n = 0;
  for (uint64_t i = blockIdx.x * uint64_t{blockDim.x} + threadIdx.x; i < 3 * (uint64_t{1} << 23); i += uint64_t{gridDim.x} * blockDim.x) {
    const uint32_t s = fields[i >> 23] << 23 | static_cast<uint32_t>(i & 0x7FFFFFu);
    const DequantScale ds = dequant_scale(s);
    for (int k = 0; k < n_codes; ++k) {
      const uint32_t got = dequant_by_reciprocal(c_codes[k], s, ds.reciprocal), want = fdiv_rn_bits(c_codes[k], s);
      if (got != want) record(c, s, got, want);
    }
    n += static_cast<unsigned long long>(n_codes);
  }
  atomicAdd(&c->checked, n);
}

__global__ void error_fx_kernel(DeviceCount* c) {
  unsigned long long n = 0;
  for (uint32_t e = blockIdx.x * blockDim.x + threadIdx.x; e < 0x80000000u; e += gridDim.x * blockDim.x) {
    const uint32_t got = error_fx_by_float(e), want = error_fx(e);
    if (got != want) record(c, e, got, want);
    ++n;
  }
  atomicAdd(&c->checked, n);
}

__global__ void fill_kernel(uint4* dst, std::size_t total16, const uint4* slab, std::size_t slab16) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < total16; i += std::size_t{gridDim.x} * blockDim.x)
    dst[i] = slab[i % slab16];
}

__global__ void compare_kernel(const uint4* data, std::size_t total16, const uint4* slab, std::size_t slab16,
                               unsigned long long* mismatches) {
  unsigned long long bad = 0;
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < total16; i += std::size_t{gridDim.x} * blockDim.x) {
    const uint4 a = data[i], b = slab[i % slab16];
    const uint32_t w[4] = {a.x ^ b.x, a.y ^ b.y, a.z ^ b.z, a.w ^ b.w};
    for (uint32_t d : w)  // bytes that differ
      bad += ((d & 0xFFu) != 0) + ((d & 0xFF00u) != 0) + ((d & 0xFF0000u) != 0) + ((d & 0xFF000000u) != 0);
  }
  if (bad) atomicAdd(mismatches, bad);
}

template <class Launch>
Status run_counts(int n, Count* out[], Launch launch) {
  DeviceCount* d = nullptr;
  Status s = cuda_check(cudaMalloc(&d, sizeof(DeviceCount) * n), "cudaMalloc");
  if (s) s = cuda_check(cudaMemset(d, 0, sizeof(DeviceCount) * n), "cudaMemset");
  if (s) {
    launch(d);
    s = cuda_check(cudaGetLastError(), "launch");
  }
  if (s) s = cuda_check(cudaDeviceSynchronize(), "device sweep");
  DeviceCount h[2] = {};
  if (s) s = cuda_check(cudaMemcpy(h, d, sizeof(DeviceCount) * n, cudaMemcpyDeviceToHost), "cudaMemcpy");
  cudaFree(d);
  for (int k = 0; k < n; ++k) *out[k] = {h[k].checked, h[k].mismatches, h[k].first_input, h[k].first_got, h[k].first_want};
  return s;
}

}  // namespace

Status sweep_bf16_outputs(Count* bf16_out, Count* bf16x2) {
  Count* out[2] = {bf16_out, bf16x2};
  return run_counts(2, out, [](DeviceCount* d) { bf16_kernel<<<kGrid, kThreads>>>(d, d + 1); });
}

Status sweep_rewrites(Count* dequant, Count* error) {
  uint32_t codes[254 + 248 + 64];
  int n = 0;
  for (uint32_t c = 0; c < 256; ++c) {
    const uint32_t e4 = convert<FP32, E4M3>(static_cast<uint8_t>(c), kIeeeDefault);
    const uint32_t e5 = convert<FP32, E5M2>(static_cast<uint8_t>(c), kIeeeDefault);
    if (f32_is_finite(e4)) codes[n++] = e4;
    if (f32_is_finite(e5)) codes[n++] = e5;
    if (c < 64) codes[n++] = convert<FP32, E2M3>(static_cast<uint8_t>(c), kIeeeDefault);
  }
  Status s = cuda_check(cudaMemcpyToSymbol(c_codes, codes, sizeof(uint32_t) * n), "cudaMemcpyToSymbol");
  Count* d[1] = {dequant};
  if (s) s = run_counts(1, d, [n](DeviceCount* c) { dequant_kernel<<<kGrid, kThreads>>>(c, n); });
  Count* e[1] = {error};
  if (s) s = run_counts(1, e, [](DeviceCount* c) { error_fx_kernel<<<kGrid, kThreads>>>(c); });
  return s;
}

Status fill_periodic(void* dst, std::size_t total_bytes, const void* slab, std::size_t slab_bytes) {
  if (slab_bytes % 16 || total_bytes % slab_bytes) return {false, "fill_periodic: sizes must be multiples of 16 and of the slab"};
  fill_kernel<<<kGrid, kThreads>>>(static_cast<uint4*>(dst), total_bytes / 16, static_cast<const uint4*>(slab), slab_bytes / 16);
  Status s = cuda_check(cudaGetLastError(), "launch");
  return s ? cuda_check(cudaDeviceSynchronize(), "fill_periodic") : s;
}

Status count_periodic_mismatches(const void* data, std::size_t total_bytes, const void* slab, std::size_t slab_bytes,
                                 uint64_t* mismatches) {
  if (slab_bytes % 16 || total_bytes % slab_bytes) return {false, "count_periodic_mismatches: sizes must be multiples of 16 and of the slab"};
  unsigned long long* d = nullptr;
  Status s = cuda_check(cudaMalloc(&d, sizeof *d), "cudaMalloc");
  if (s) s = cuda_check(cudaMemset(d, 0, sizeof *d), "cudaMemset");
  if (s) {
    compare_kernel<<<kGrid, kThreads>>>(static_cast<const uint4*>(data), total_bytes / 16, static_cast<const uint4*>(slab),
                                        slab_bytes / 16, d);
    s = cuda_check(cudaGetLastError(), "launch");
  }
  unsigned long long h = 0;
  if (s) s = cuda_check(cudaMemcpy(&h, d, sizeof h, cudaMemcpyDeviceToHost), "cudaMemcpy");
  cudaFree(d);
  *mismatches = h;
  return s;
}

}  // namespace mor::gpu::checks
