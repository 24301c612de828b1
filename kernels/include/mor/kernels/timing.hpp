// Timing of device work with CUDA events: warm-up, then the median of `reps` timed launches (METHOD.md).
// Used by the benchmarks only; tests never time anything.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "mor/kernels/gpu.hpp"

namespace mor::gpu {

Status cuda_check(cudaError_t e, const char* what);

template <class Launch>
Status time_median_ms(int reps, double* median_ms, Launch launch) {
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  launch(cudaStream_t{});  // warm-up: module load, first-touch
  Status s = cuda_check(cudaDeviceSynchronize(), "warm-up");
  std::vector<float> ms;
  for (int r = 0; s && r < reps; ++r) {
    cudaEventRecord(start);
    launch(cudaStream_t{});
    cudaEventRecord(stop);
    s = cuda_check(cudaEventSynchronize(stop), "timed launch");
    float t = 0;
    cudaEventElapsedTime(&t, start, stop);
    ms.push_back(t);
  }
  if (s) s = cuda_check(cudaGetLastError(), "launch");
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  if (s) {
    std::sort(ms.begin(), ms.end());
    *median_ms = ms[ms.size() / 2];
  }
  return s;
}

// Median time of a device-to-device copy of `bytes` (cudaMemcpyAsync, or a 16-byte-vector copy kernel).
Status time_device_copy(std::size_t bytes, int reps, bool use_memcpy, double* median_ms);

}  // namespace mor::gpu
