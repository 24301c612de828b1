// `mor-bench-gpu`: achieved bandwidth of the MoR kernels next to a device-to-device copy measured in the same run
// (METHOD: bytes read + written per second, CUDA events, median of repeats after a warm-up), at sizes up to 2 GiB
// of BF16 input. The byte counts are what each kernel moves: tensor-level reads the input twice (statistics, then
// quantize) and writes codes + BF16; sub-tensor and MXFP8 read once.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "mor/kernels/mor_kernels.hpp"
#include "mor/kernels/timing.hpp"

namespace {

using namespace mor::gpu;

__global__ void fill_activation_like(uint16_t* x, std::size_t n, uint64_t seed) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < n; i += std::size_t{gridDim.x} * blockDim.x) {
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (i + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    // Sum of four uniforms (roughly normal), scaled; occasional outlier columns.
    float s = 0;
    for (int k = 0; k < 4; ++k) s += static_cast<float>((z >> (16 * k)) & 0xFFFF) * (1.0f / 65536.0f);
    float v = (s - 2.0f) * ((i % 8192) % 97 == 0 ? 40.0f : 1.0f);
    x[i] = static_cast<uint16_t>(__float_as_uint(v) >> 16);
  }
}

struct Row {
  std::string kernel;
  double mib, ms, bytes, gbs, pct_copy;
};

}  // namespace

int main(int argc, char** argv) {
  std::string json;
  std::vector<double> sizes_mib = {64, 256, 1024, 2048};
  int reps = 20;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json" && i + 1 < argc) json = argv[++i];
    else if (a == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (a == "--sizes-mib" && i + 1 < argc) {
      sizes_mib.clear();
      for (char* t = std::strtok(argv[++i], ","); t; t = std::strtok(nullptr, ",")) sizes_mib.push_back(std::atof(t));
    } else {
      std::fprintf(stderr, "usage: mor-bench-gpu [--sizes-mib 64,256,1024,2048] [--reps N] [--json FILE]\n");
      return 2;
    }
  }
  if (device_count() == 0) {
    std::fprintf(stderr, "mor-bench-gpu: no CUDA device (%s)\n", device_description().c_str());
    return 2;
  }
  std::printf("%s; %d repeats, median\n", device_description().c_str(), reps);
  std::printf("%9s  %-26s %10s %10s %10s %9s\n", "input", "kernel", "ms", "GB moved", "GB/s", "% copy");
  std::vector<Row> rows;
  for (double mib : sizes_mib) {
    const int64_t cols = 8192;
    const int64_t n = static_cast<int64_t>(mib * 1048576.0 / 2) / (128 * cols) * (128 * cols);
    const int64_t rows_n = n / cols;
    void *x, *codes, *fake, *tag, *scale, *off, *e8;
    const int64_t blocks_128 = n / (128 * 128), blocks_32 = n / 32;
    bool ok = device_alloc(&x, n * 2).ok && device_alloc(&codes, n).ok && device_alloc(&fake, n * 2).ok &&
              device_alloc(&tag, blocks_32).ok && device_alloc(&scale, blocks_32 * 4).ok &&
              device_alloc(&off, blocks_32).ok && device_alloc(&e8, blocks_32).ok;
    if (!ok) {
      std::fprintf(stderr, "allocation failed at %.0f MiB\n", mib);
      return 1;
    }
    fill_activation_like<<<1024, 256>>>(static_cast<uint16_t*>(x), static_cast<std::size_t>(n), 7);
    cudaDeviceSynchronize();
    DeviceTensor t{x, InputType::kBF16, rows_n, cols};
    DeviceOutputs o{static_cast<uint8_t*>(codes), static_cast<uint16_t*>(fake), static_cast<uint8_t*>(tag),
                    static_cast<uint32_t*>(scale), static_cast<uint8_t*>(off), static_cast<uint8_t*>(e8)};
    Workspace ws;
    double copy_ms = 0;
    const double in_bytes = static_cast<double>(n) * 2;
    Status s = time_device_copy(static_cast<std::size_t>(in_bytes), reps, true, &copy_ms);
    if (!s) {
      std::fprintf(stderr, "copy: %s\n", s.message.c_str());
      return 1;
    }
    const double copy_gbs = 2 * in_bytes / copy_ms / 1e6;
    auto add = [&](const char* name, double ms, double bytes) {
      const double gbs = bytes / ms / 1e6;
      rows.push_back({name, mib, ms, bytes, gbs, 100.0 * gbs / copy_gbs});
      std::printf("%6.0f MiB  %-26s %10.3f %10.3f %10.1f %8.1f%%\n", mib, name, ms, bytes / 1e9, gbs, 100.0 * gbs / copy_gbs);
    };
    add("copy (cudaMemcpy D2D)", copy_ms, 2 * in_bytes);
    double ms = 0;
    const double el = static_cast<double>(n);
    TensorLevelParams tp;
    s = time_median_ms(reps, &ms, [&](cudaStream_t st) { tensor_level_mor(t, tp, o, ws, st); });
    if (s) add("tensor-level MoR (GAM)", ms, el * (2 + 2 + 1 + 2) + blocks_128 * 9.0);
    SubTensorParams sp;
    if (s) s = time_median_ms(reps, &ms, [&](cudaStream_t st) { subtensor_mor(t, sp, o, ws, st); });
    if (s) add("sub-tensor MoR (128x128)", ms, el * (2 + 1 + 2) + blocks_128 * 5.0);
    if (s) s = time_median_ms(reps, &ms, [&](cudaStream_t st) { current_scaling(t, o, ws, st); });
    if (s) add("current scaling E4M3", ms, el * (2 + 2 + 1 + 2));
    if (s) s = time_median_ms(reps, &ms, [&](cudaStream_t st) { mxfp8(t, o, st); });
    if (s) add("MXFP8 (1x32, NV_RCEIL)", ms, el * (2 + 1 + 2) + blocks_32 * 2.0);
    if (!s) {
      std::fprintf(stderr, "benchmark failed: %s\n", s.message.c_str());
      return 1;
    }
    for (void* p : {x, codes, fake, tag, scale, off, e8}) device_free(p);
  }
  if (!json.empty()) {
    FILE* f = std::fopen(json.c_str(), "w");
    if (!f) return 1;
    std::fprintf(f, "{\"device\": \"%s\", \"reps\": %d, \"rows\": [\n", device_description().c_str(), reps);
    for (std::size_t i = 0; i < rows.size(); ++i)
      std::fprintf(f, "  {\"kernel\": \"%s\", \"input_mib\": %.0f, \"ms\": %.5f, \"bytes\": %.0f, \"gbs\": %.2f, \"pct_copy\": %.2f}%s\n",
                   rows[i].kernel.c_str(), rows[i].mib, rows[i].ms, rows[i].bytes, rows[i].gbs, rows[i].pct_copy,
                   i + 1 < rows.size() ? "," : "");
    std::fprintf(f, "]}\n");
    std::fclose(f);
  }
  return 0;
}
