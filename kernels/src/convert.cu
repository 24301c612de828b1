// FP32 -> FP8 conversion kernels: the model's shared scalar code on the device, and the hardware cvt instruction.
#include <cuda_fp8.h>
#include <cuda_runtime.h>

#include <cstdio>

#include "mor/core/convert.hpp"
#include "mor/kernels/gpu.hpp"

namespace mor::gpu {
namespace {

__global__ void convert_shared_code(const uint32_t* in, uint8_t* out, std::size_t n, ConvertMode mode) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < n; i += std::size_t{gridDim.x} * blockDim.x)
    out[i] = convert<E4M3, FP32>(in[i], mode);
}

__global__ void convert_hw_cvt(const uint32_t* in, uint8_t* out, std::size_t n, bool satfinite) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < n; i += std::size_t{gridDim.x} * blockDim.x)
    out[i] = __nv_cvt_float_to_fp8(__uint_as_float(in[i]), satfinite ? __NV_SATFINITE : __NV_NOSAT, __NV_E4M3);
}

Status check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return {};
  return {false, std::string(what) + ": " + cudaGetErrorString(e)};
}

}  // namespace

int device_count(std::string* why) {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    cudaGetLastError();  // clear the error so later calls do not see it
    // A machine without a GPU says cudaErrorNoDevice; anything else (no driver, a driver older than the runtime,
    // a broken install) is named, so a bad driver is never mistaken for "no GPU here".
    if (why) *why = e == cudaErrorNoDevice ? std::string("no CUDA device")
                                           : std::string("CUDA unusable: ") + cudaGetErrorName(e) + ": " + cudaGetErrorString(e);
    return 0;
  }
  if (n == 0 && why) *why = "no CUDA device";
  return n;
}

std::string device_description() {
  std::string why;
  if (device_count(&why) == 0) return why;
  cudaDeviceProp p{};
  if (cudaGetDeviceProperties(&p, 0) != cudaSuccess) return "device 0 unreadable";
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s, sm_%d%d, %d SMs, %.1f GiB", p.name, p.major, p.minor, p.multiProcessorCount,
                p.totalGlobalMem / 1073741824.0);
  return buf;
}

Status convert_f32_to_e4m3(const uint32_t* host_in, uint8_t* host_out, std::size_t n, bool hardware_cvt,
                           bool satfinite) {
  uint32_t* d_in = nullptr;
  uint8_t* d_out = nullptr;
  Status s = check(cudaMalloc(&d_in, n * sizeof(uint32_t)), "cudaMalloc");
  if (s) s = check(cudaMalloc(&d_out, n), "cudaMalloc");
  if (s) s = check(cudaMemcpy(d_in, host_in, n * sizeof(uint32_t), cudaMemcpyHostToDevice), "cudaMemcpy");
  if (s) {
    const ConvertMode mode{Rounding::kRNE, satfinite ? Overflow::kSatFinite : Overflow::kNoSat, NanEncoding::kCanonical};
    if (hardware_cvt)
      convert_hw_cvt<<<1024, 256>>>(d_in, d_out, n, satfinite);
    else
      convert_shared_code<<<1024, 256>>>(d_in, d_out, n, mode);
    s = check(cudaGetLastError(), "kernel launch");
  }
  if (s) s = check(cudaMemcpy(host_out, d_out, n, cudaMemcpyDeviceToHost), "cudaMemcpy");
  cudaFree(d_in);
  cudaFree(d_out);
  return s;
}

}  // namespace mor::gpu
