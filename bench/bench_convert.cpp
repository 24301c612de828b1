// `make bench` (format core): single-thread conversion throughput of the model next to CUDA's host conversion
// (cuda_fp8.h compiled with the host compiler), with ratios, and the wall time of a full 2^32 check of one
// converter and mode against the independent reference on all cores.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "mor/core/convert.hpp"
#include "mor/fast_convert.hpp"
#include "reference.hpp"
#include "sweep.hpp"

#if MOR_HAVE_CUDA_FP8
#include <cuda_fp8.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;

// Elements per converter call: 64 Ki elements keep input and output in L2 (the converter's own rate); the full
// array (16 Mi elements, 80 MB with output) measures the streaming rate, which this VM's memory bandwidth caps.
std::size_t g_chunk = std::size_t{1} << 16;

// Best of `reps` runs, in elements per second.
double rate(std::size_t n, int reps, const std::function<void()>& body) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    body();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return static_cast<double>(n) / best;
}

volatile uint8_t g_sink;

void sink(const std::vector<uint8_t>& v) {
  uint8_t x = 0;
  for (std::size_t i = 0; i < v.size(); i += 4096) x ^= v[i];
  g_sink = x;
}

void row(const std::string& name, double r, double baseline) {
  std::printf("  %-60s %8.3f G elem/s   %6.2fx %s\n", name.c_str(), r / 1e9, r / baseline, baseline == r ? "(baseline)" : "");
}

}  // namespace

void usage(std::FILE* f) {
  std::fprintf(f,
               "usage: mor-bench [--no-sweep] [--progress] [--help]\n"
               "  Conversion throughput of the model's FP32/BF16 -> E4M3 converters, one thread, against CUDA's host\n"
               "  conversion (cuda_fp8.h) as the baseline, then the wall time of a full 2^32 check against the reference.\n"
               "  --no-sweep   skip the 2^32 check\n"
               "  --progress   a progress line every 5 s on stderr during the check (default: when stderr is a terminal)\n"
               "  exit status: 0 ok, 1 a mismatch in the check, 2 usage error\n");
}

int main(int argc, char** argv) {
  bool sweep = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--no-sweep") {
      sweep = false;
    } else if (a == "--progress") {
      ::setenv("MOR_PROGRESS", "1", 1);  // read by the sweep (mor::progress_wanted)
    } else if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "mor-bench: unknown option '%s'\n", a.c_str());
      usage(stderr);
      return 2;
    }
  }
  const std::size_t n = std::size_t{1} << 24;
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 30.0f);
  std::vector<uint32_t> f32(n);
  std::vector<uint16_t> bf16(n);
  for (std::size_t i = 0; i < n; ++i) {
    f32[i] = mor::f32_bits(normal(rng));
    bf16[i] = static_cast<uint16_t>(f32[i] >> 16);
  }
  std::vector<uint8_t> out(n);
  const mor::ConvertMode m = mor::kFp8Default;
  const mor::Fp32To8BitTable t32(mor::FormatId::kE4M3, m);
  const mor::Half16To8BitTable t16(mor::FormatId::kBF16, mor::FormatId::kE4M3, m);
  const int reps = 5;

  std::printf("Conversion throughput, one thread, %zu elements (normal, sigma 30), RNE SATFINITE, best of %d;\n"
              "'in L2' = calls on a resident %zu-element chunk (the converter's rate), 'streaming' = one pass over all\n",
              n, reps, g_chunk);
  for (int src = 0; src < 2; ++src) {
    std::printf("%s -> E4M3\n", src == 0 ? "FP32" : "BF16");
    double cuda = 0;
#if MOR_HAVE_CUDA_FP8
    cuda = rate(n, reps, [&] {
      for (std::size_t i = 0; i < n; ++i) {
        if (src == 0) {
          out[i] = __nv_cvt_float_to_fp8(mor::f32_from_bits(f32[i]), __NV_SATFINITE, __NV_E4M3);
        } else {
          __nv_bfloat16_raw r;
          r.x = bf16[i];
          out[i] = __nv_cvt_bfloat16raw_to_fp8(r, __NV_SATFINITE, __NV_E4M3);
        }
      }
      sink(out);
    });
#endif
    auto chunked = [&](auto&& fn) {  // the same total work, in g_chunk-sized calls over one resident chunk
      return [&, fn] {
        for (std::size_t done = 0; done < n; done += g_chunk) fn(std::min(g_chunk, n - done));
        sink(out);
      };
    };
    const double table = rate(n, reps, chunked([&](std::size_t k) {
      if (src == 0) t32.convert(f32.data(), out.data(), k);
      else t16.convert(bf16.data(), out.data(), k);
    }));
    std::vector<std::pair<mor::VectorIsa, double>> vec;  // every compiled copy this CPU runs, fastest last
    for (mor::VectorIsa isa : {mor::VectorIsa::kBaseline, mor::VectorIsa::kAvx2, mor::VectorIsa::kAvx512})
      if (mor::vector_isa_supported(isa))
        vec.emplace_back(isa, rate(n, reps, chunked([&](std::size_t k) {
                           if (src == 0) mor::fp8_rne_satfinite(mor::FormatId::kE4M3, f32.data(), out.data(), k, isa);
                           else mor::fp8_rne_satfinite_bf16(mor::FormatId::kE4M3, bf16.data(), out.data(), k, isa);
                         })));
    const double vec_stream = rate(n, reps, [&] {
      if (src == 0) mor::fp8_rne_satfinite(mor::FormatId::kE4M3, f32.data(), out.data(), n);
      else mor::fp8_rne_satfinite_bf16(mor::FormatId::kE4M3, bf16.data(), out.data(), n);
      sink(out);
    });
    const double generic = rate(n, reps, [&] {
      for (std::size_t i = 0; i < n; ++i)
        out[i] = src == 0 ? mor::convert<mor::E4M3, mor::FP32>(f32[i], m) : mor::convert<mor::E4M3, mor::BF16>(bf16[i], m);
      sink(out);
    });
    const double base = cuda > 0 ? cuda : generic;
    if (cuda > 0) row("CUDA host (cuda_fp8.h) [baseline]", cuda, base);
    for (const auto& [isa, r] : vec)
      row("model, vectorized RNE/SATFINITE (" + std::string(mor::vector_isa_name(isa)) + "), in L2", r, base);
    row("model, vectorized (" + std::string(mor::vector_isa_name(mor::best_vector_isa())) + "), streaming 16 Mi elements",
        vec_stream, base);
    row("model, table fast path, in L2", table, base);
    row("model, scalar convert<> (SoftFloat-style)", generic, base);
  }

  if (sweep) {
    std::printf("Full 2^32 check of FP32->E4M3 (RNE, SATFINITE) against the reference, all cores:\n");
    const mor::ref::Converter ref(mor::ref::e4m3());
    const auto t0 = Clock::now();
    const uint64_t bad = mor::test::sweep_u32(1, [&](uint64_t first, uint64_t count, uint64_t) {
      uint64_t b = 0;
      for (uint64_t i = 0; i < count; ++i) {
        const uint32_t x = static_cast<uint32_t>(first + i);
        const uint32_t want = ref.convert(mor::ref::value_of_f32(x), x >> 31, mor::ref::Round::kRNE,
                                          mor::ref::Sat::kSatFinite, mor::ref::Nan::kCanon);
        b += t32(x) != want;
      }
      return b;
    }, "mor-bench 2^32 check");
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("  4294967296 inputs, %llu mismatches, %.1f s (goal <= 60 s on 2 cores)\n",
                static_cast<unsigned long long>(bad), s);
    return bad == 0 ? 0 : 1;
  }
  return 0;
}
