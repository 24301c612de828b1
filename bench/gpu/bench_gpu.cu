// `mor-bench-gpu`: achieved bandwidth of the MoR kernels, both generations (the kernels verified on 2026-11-22 and
// the v2 rewrites of issue 21), next to a device-to-device copy measured in the same run (METHOD: bytes read +
// written per second, CUDA events, median of repeats after a warm-up). Every row prints its % of the copy and, for
// v2 rows, the ratio to the verified kernel of the same row.
//
// v2's tensor-level MoR runs tensors whose input fits in half the L2 cache as one persistent kernel (the 16 MiB rows
// on an H100); the "three kernels" row times the other form on the same tensor.
//
// Byte counts are what each kernel moves (ib = input bytes per element, 2 for BF16, 4 for FP32): tensor-level
// reads the input twice and writes codes + BF16 (2 ib + 3 per element; a rejected tensor is read a third time and
// its outputs written twice: 3 ib + 6); sub-tensor and MXFP8 read once (ib + 3); current scaling reads twice.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "mor/core/fp32_ops.hpp"
#include "mor/core/splitmix64.hpp"
#include "mor/kernels/mor_kernels.hpp"
#include "mor/kernels/timing.hpp"

namespace {

using namespace mor::gpu;

enum class Data : int {
  kActivation,  // roughly normal, occasional outlier columns: tensor-level accepts, sub-tensor blocks E4M3
  kWide,        // exponents spread over 2^-16 .. 2^16 in every block: tensor-level rejects, sub-tensor blocks BF16
};

// Element i of the bench tensor as FP32 bits (BF16-exact, so BF16 and FP32 runs hold the same values).
__device__ uint32_t bench_value(std::size_t i, Data kind) {
  const uint64_t z = mor::splitmix64_at(7, i);
  if (kind == Data::kWide) {
    const float m = 1.0f + static_cast<float>(z & 0x7F) * (1.0f / 128.0f);
    const int e = static_cast<int>((z >> 8) % 33) - 16;
    return (__float_as_uint(ldexpf(m, e)) | ((z >> 20) & 1u) << 31) & 0xFFFF0000u;
  }
  float s = 0;  // sum of four uniforms (roughly normal), scaled; outlier columns every 97th of 8192
  for (int k = 0; k < 4; ++k) s += static_cast<float>((z >> (16 * k)) & 0xFFFF) * (1.0f / 65536.0f);
  const float v = (s - 2.0f) * ((i % 8192) % 97 == 0 ? 40.0f : 1.0f);
  return __float_as_uint(v) & 0xFFFF0000u;
}

__global__ void fill(void* x, std::size_t n, bool fp32, Data kind) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < n; i += std::size_t{gridDim.x} * blockDim.x) {
    const uint32_t b = bench_value(i, kind);
    if (fp32) static_cast<uint32_t*>(x)[i] = b;
    else static_cast<uint16_t*>(x)[i] = static_cast<uint16_t>(b >> 16);
  }
}

struct Row {
  std::string kernel, version;
  double mib, ms, bytes, gbs, pct_copy, vs_verified;
};

struct Buffers {
  void *x = nullptr, *codes = nullptr, *fake = nullptr, *tag = nullptr, *scale = nullptr, *off = nullptr, *e8 = nullptr;
  bool alloc(std::size_t in_bytes, std::size_t elems, std::size_t blocks) {
    return device_alloc(&x, in_bytes).ok && device_alloc(&codes, elems).ok && device_alloc(&fake, elems * 2).ok &&
           device_alloc(&tag, blocks).ok && device_alloc(&scale, blocks * 4).ok && device_alloc(&off, blocks).ok &&
           device_alloc(&e8, blocks).ok;
  }
  ~Buffers() {
    for (void* p : {x, codes, fake, tag, scale, off, e8})
      if (p) device_free(p);
  }
  DeviceOutputs outputs(bool with_fake = true) const {
    return {static_cast<uint8_t*>(codes), with_fake ? static_cast<uint16_t*>(fake) : nullptr, static_cast<uint8_t*>(tag),
            static_cast<uint32_t*>(scale), static_cast<uint8_t*>(off), static_cast<uint8_t*>(e8)};
  }
};

const char* version_name(KernelVersion v) { return v == KernelVersion::kV2 ? "v2" : "verified"; }

class Bench {
 public:
  Bench(int reps, bool extra) : reps_(reps), extra_(extra) {}
  bool run_size(double mib);
  const std::vector<Row>& rows() const { return rows_; }

 private:
  template <class Launch>
  bool timed(const std::string& name, KernelVersion v, double bytes, Launch launch);
  bool kernels(const char* suffix, const DeviceTensor& t, const Buffers& b, Data kind, int64_t blocks128, bool full);

  int reps_;
  bool extra_;
  double mib_ = 0, copy_gbs_ = 0, verified_ms_ = 0;
  std::vector<Row> rows_;
};

template <class Launch>
bool Bench::timed(const std::string& name, KernelVersion v, double bytes, Launch launch) {
  double ms = 0;
  const Status s = time_median_ms(reps_, &ms, [&](cudaStream_t st) { launch(st, v); });
  if (!s) {
    std::fprintf(stderr, "mor-bench-gpu: %s (%s): %s\n", name.c_str(), version_name(v), s.message.c_str());
    return false;
  }
  if (v == KernelVersion::kVerified) verified_ms_ = ms;
  const double gbs = bytes / ms / 1e6, ratio = v == KernelVersion::kV2 && verified_ms_ > 0 ? verified_ms_ / ms : 0;
  rows_.push_back({name, version_name(v), mib_, ms, bytes, gbs, 100.0 * gbs / copy_gbs_, ratio});
  std::printf("%6.0f MiB  %-40s %-8s %9.3f %9.3f %9.1f %7.1f%%", mib_, name.c_str(), version_name(v), ms, bytes / 1e9, gbs,
              100.0 * gbs / copy_gbs_);
  if (ratio > 0) std::printf("  %5.2fx", ratio);
  std::printf("\n");
  return true;
}

// Each row is timed with the verified kernels, then v2 (the ratio is v2's speed-up over the verified kernel).
bool Bench::kernels(const char* suffix, const DeviceTensor& t, const Buffers& b, Data kind, int64_t blocks128, bool full) {
  const double el = static_cast<double>(t.rows) * static_cast<double>(t.cols);
  const double ib = t.type == InputType::kF32 ? 4 : 2;
  const DeviceOutputs o = b.outputs();
  Workspace ws;
  auto both = [&](const std::string& name, double bytes, auto launch) {
    return timed(name + suffix, KernelVersion::kVerified, bytes, launch) && timed(name + suffix, KernelVersion::kV2, bytes, launch);
  };
  const bool wide = kind == Data::kWide;
  bool ok = both(wide ? "tensor-level MoR, rejected tensor" : "tensor-level MoR (GAM)",
                 el * (wide ? 3 * ib + 6 : 2 * ib + 3) + blocks128 * 14.0, [&](cudaStream_t st, KernelVersion v) {
                   TensorLevelParams p;
                   p.version = v;
                   tensor_level_mor(t, p, o, ws, st);
                 });
  ok = ok && both(wide ? "sub-tensor 128x128, BF16 blocks" : "sub-tensor 128x128 (E4M3 blocks)", el * (ib + 3) + blocks128 * 5.0,
                  [&](cudaStream_t st, KernelVersion v) {
                    SubTensorParams p;
                    p.version = v;
                    subtensor_mor(t, p, o, ws, st);
                  });
  if (!full) return ok;
  for (int64_t bc : {128, 32}) {
    const double blocks = el / static_cast<double>(bc);
    ok = ok && both("sub-tensor 1x" + std::to_string(bc), el * (ib + 3) + blocks * 5.0, [&](cudaStream_t st, KernelVersion v) {
      SubTensorParams p;
      p.block_rows = 1;
      p.block_cols = bc;
      p.version = v;
      subtensor_mor(t, p, o, ws, st);
    });
  }
  ok = ok && both("sub-tensor 128x128, quant-error mode", el * (ib + 3) + blocks128 * 5.0, [&](cudaStream_t st, KernelVersion v) {
    SubTensorParams p;
    p.quant_error_mode = true;
    p.version = v;
    subtensor_mor(t, p, o, ws, st);
  });
  ok = ok && both("current scaling E4M3", el * (2 * ib + 3), [&](cudaStream_t st, KernelVersion v) { current_scaling(t, o, ws, st, nullptr, v); });
  ok = ok && both("MXFP8 (1x32, NV_RCEIL)", el * (ib + 3) + el / 32 * 2, [&](cudaStream_t st, KernelVersion v) { mxfp8(t, o, st, v); });
  if (ok) {  // v2 only: the three-kernel form where one persistent kernel would run (tensors within half of L2)
    verified_ms_ = 0;
    ok = timed(std::string("tensor-level MoR, three kernels") + suffix, KernelVersion::kV2, el * (2 * ib + 3) + blocks128 * 14.0,
               [&](cudaStream_t st, KernelVersion v) {
                 TensorLevelParams p;
                 p.version = v;
                 p.single_launch_in_l2 = false;
                 tensor_level_mor(t, p, o, ws, st);
               });
  }
  if (ok) {  // v2 only: no fake-quantized output
    const DeviceOutputs codes_only = b.outputs(false);
    ok = timed(std::string("tensor-level MoR, codes only") + suffix, KernelVersion::kV2, el * (2 * ib + 1) + blocks128 * 14.0,
               [&](cudaStream_t st, KernelVersion v) {
                 TensorLevelParams p;
                 p.version = v;
                 tensor_level_mor(t, p, codes_only, ws, st);
               });
  }
  return ok;
}

bool Bench::run_size(double mib) {
  mib_ = mib;
  const int64_t cols = 8192;
  const int64_t n = static_cast<int64_t>(mib * 1048576.0 / 2) / (128 * cols) * (128 * cols);  // BF16 elements
  Buffers b;
  if (!b.alloc(static_cast<std::size_t>(n) * 2, static_cast<std::size_t>(n), static_cast<std::size_t>(n / 32))) {
    std::fprintf(stderr, "mor-bench-gpu: allocation failed at %.0f MiB\n", mib);
    return false;
  }
  double copy_ms = 0;
  const double in_bytes = static_cast<double>(n) * 2;
  const Status s = time_device_copy(static_cast<std::size_t>(in_bytes), reps_, true, &copy_ms);
  if (!s) {
    std::fprintf(stderr, "mor-bench-gpu: copy: %s\n", s.message.c_str());
    return false;
  }
  copy_gbs_ = 2 * in_bytes / copy_ms / 1e6;
  rows_.push_back({"copy (cudaMemcpy D2D)", "", mib, copy_ms, 2 * in_bytes, copy_gbs_, 100.0, 0});
  std::printf("%6.0f MiB  %-40s %-8s %9.3f %9.3f %9.1f %7.1f%%\n", mib, "copy (cudaMemcpy D2D)", "", copy_ms, 2 * in_bytes / 1e9,
              copy_gbs_, 100.0);
  fill<<<1024, 256>>>(b.x, static_cast<std::size_t>(n), false, Data::kActivation);
  DeviceTensor t{b.x, InputType::kBF16, n / cols, cols};
  bool ok = cudaDeviceSynchronize() == cudaSuccess && kernels("", t, b, Data::kActivation, n / (128 * 128), true);
  if (ok && extra_) {
    fill<<<1024, 256>>>(b.x, static_cast<std::size_t>(n), false, Data::kWide);
    ok = cudaDeviceSynchronize() == cudaSuccess && kernels("", t, b, Data::kWide, n / (128 * 128), false);
    // FP32 input of the same byte size: half the elements.
    const DeviceTensor t32{b.x, InputType::kF32, n / cols / 2, cols};
    fill<<<1024, 256>>>(b.x, static_cast<std::size_t>(n / 2), true, Data::kActivation);
    ok = ok && cudaDeviceSynchronize() == cudaSuccess && kernels(", FP32 input", t32, b, Data::kActivation, n / 2 / (128 * 128), false);
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  std::string json, command = "mor-bench-gpu";
  std::vector<double> sizes_mib = {64, 256, 1024, 2048};
  int reps = 20;
  bool extra = true;
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json" && i + 1 < argc) json = argv[++i];
    else if (a == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (a == "--core") extra = false;
    else if (a == "--sizes-mib" && i + 1 < argc) {
      sizes_mib.clear();
      for (char* t = std::strtok(argv[++i], ","); t; t = std::strtok(nullptr, ",")) sizes_mib.push_back(std::atof(t));
    } else {
      std::fprintf(stderr,
                   "usage: mor-bench-gpu [--sizes-mib 64,256,1024,2048] [--reps N] [--core] [--json FILE]\n"
                   "  --core   only the activation-like BF16 rows (no rejected tensor, BF16 blocks or FP32 input)\n");
      return 2;
    }
  }
  if (reps < 1 || sizes_mib.empty()) {
    std::fprintf(stderr, "mor-bench-gpu: --reps must be >= 1 and --sizes-mib non-empty\n");
    return 2;
  }
  std::string why;
  if (device_count(&why) == 0) {
    std::fprintf(stderr, "mor-bench-gpu: %s\n", why.c_str());
    return 2;
  }
  std::printf("%s; %d repeats, median; v2 ratio = verified ms / v2 ms\n", device_description().c_str(), reps);
  std::printf("%9s  %-40s %-8s %9s %9s %9s %8s\n", "input", "kernel", "version", "ms", "GB moved", "GB/s", "% copy");
  Bench bench(reps, extra);
  for (double mib : sizes_mib)
    if (!bench.run_size(mib)) return 1;
  if (!json.empty()) {
    const std::string tmp = json + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f) return 1;
    std::fprintf(f, "{\"device\": \"%s\", \"command\": \"%s\", \"reps\": %d, \"rows\": [\n", device_description().c_str(),
                 command.c_str(), reps);
    const auto& rows = bench.rows();
    for (std::size_t i = 0; i < rows.size(); ++i)
      std::fprintf(f,
                   "  {\"kernel\": \"%s\", \"version\": \"%s\", \"input_mib\": %.0f, \"ms\": %.5f, \"bytes\": %.0f, "
                   "\"gbs\": %.2f, \"pct_copy\": %.2f, \"v2_speedup\": %.3f}%s\n",
                   rows[i].kernel.c_str(), rows[i].version.c_str(), rows[i].mib, rows[i].ms, rows[i].bytes, rows[i].gbs,
                   rows[i].pct_copy, rows[i].vs_verified, i + 1 < rows.size() ? "," : "");
    std::fprintf(f, "]}\n");
    if (std::fclose(f) != 0 || std::rename(tmp.c_str(), json.c_str()) != 0) return 1;
  }
  return 0;
}
