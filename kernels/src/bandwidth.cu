// Device-to-device copy: the bandwidth ceiling every kernel is reported against (METHOD: bytes read + written).
#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "mor/kernels/timing.hpp"

namespace mor::gpu {
namespace {

// 16-byte loads and stores, grid-stride; the hand-written twin of cudaMemcpyAsync so both can be reported.
__global__ void copy_u4(const uint4* __restrict__ src, uint4* __restrict__ dst, std::size_t n16) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < n16; i += std::size_t{gridDim.x} * blockDim.x)
    dst[i] = src[i];
}

}  // namespace

Status time_device_copy(std::size_t bytes, int reps, bool use_memcpy, double* median_ms) {
  void *src = nullptr, *dst = nullptr;
  Status s = cuda_check(cudaMalloc(&src, bytes), "cudaMalloc");
  if (s) s = cuda_check(cudaMalloc(&dst, bytes), "cudaMalloc");
  if (s) s = cuda_check(cudaMemset(src, 0x5A, bytes), "cudaMemset");
  if (s) {
    int sms = 0;
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
    s = time_median_ms(reps, median_ms, [&](cudaStream_t stream) {
      if (use_memcpy) {
        cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream);
      } else {
        copy_u4<<<sms * 8, 512, 0, stream>>>(static_cast<const uint4*>(src), static_cast<uint4*>(dst), bytes / 16);
      }
    });
  }
  cudaFree(src);
  cudaFree(dst);
  return s;
}

Status cuda_check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return {};
  return {false, std::string(what) + ": " + cudaGetErrorString(e)};
}

}  // namespace mor::gpu
