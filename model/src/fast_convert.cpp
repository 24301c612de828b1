#include "mor/fast_convert.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <tuple>
#include <string>

#include "fp8_rne_lane.hpp"

namespace mor {
namespace {

template <class Dst, class Src>
uint64_t conv(uint64_t code, ConvertMode mode, uint32_t rand_bits) {
  return convert<Dst, Src>(static_cast<typename Src::code_t>(code), mode, rand_bits);
}

template <class Src>
uint64_t to_any(FormatId dst, uint64_t code, ConvertMode m, uint32_t r) {
  switch (dst) {
    case FormatId::kFP64: return conv<FP64, Src>(code, m, r);
    case FormatId::kFP32: return conv<FP32, Src>(code, m, r);
    case FormatId::kBF16: return conv<BF16, Src>(code, m, r);
    case FormatId::kFP16: return conv<FP16, Src>(code, m, r);
    case FormatId::kE4M3: return conv<E4M3, Src>(code, m, r);
    case FormatId::kE5M2: return conv<E5M2, Src>(code, m, r);
    case FormatId::kE8M0: return conv<E8M0, Src>(code, m, r);
    case FormatId::kE2M3: return conv<E2M3, Src>(code, m, r);
    case FormatId::kE3M2: return conv<E3M2, Src>(code, m, r);
    case FormatId::kE2M1: return conv<E2M1, Src>(code, m, r);
    case FormatId::kUE4M3: return conv<UE4M3, Src>(code, m, r);
  }
  throw std::invalid_argument("unknown target format");
}

void require_8bit(FormatId dst, ConvertMode mode) {
  if (spec_of(dst).bits() > 8) throw std::invalid_argument(std::string("not an 8-bit format: ") + spec_of(dst).name);
  if (mode.rounding == Rounding::kSR) throw std::invalid_argument("table conversions cannot do stochastic rounding");
}

// The loops are written once and compiled three times, for AVX-512 (x86-64-v4: 16 lanes and vpmovdb to pack the
// bytes), AVX2 and baseline x86-64; `isa` picks one, so tests can check every copy on a machine that runs them all.
template <int M, int B, uint32_t kMaxMag>
inline __attribute__((always_inline)) void fp8_loop(const uint32_t* __restrict in, uint8_t* __restrict out,
                                                    std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = detail::fp8_rne_sat_one<M, B, kMaxMag>(in[i]);
}

template <int M, int B, uint32_t kMaxMag>
inline __attribute__((always_inline)) void fp8_loop_bf16(const uint16_t* __restrict in, uint8_t* __restrict out,
                                                         std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = detail::fp8_rne_sat_one<M, B, kMaxMag>(static_cast<uint32_t>(in[i]) << 16);
}

#define MOR_FP8_LOOPS(SUFFIX, TARGET)                                                                          \
  TARGET void e4m3_##SUFFIX(const uint32_t* in, uint8_t* out, std::size_t n) { fp8_loop<3, 7, 0x7E>(in, out, n); } \
  TARGET void e5m2_##SUFFIX(const uint32_t* in, uint8_t* out, std::size_t n) { fp8_loop<2, 15, 0x7B>(in, out, n); } \
  TARGET void e4m3_bf16_##SUFFIX(const uint16_t* in, uint8_t* out, std::size_t n) {                           \
    fp8_loop_bf16<3, 7, 0x7E>(in, out, n);                                                                     \
  }                                                                                                            \
  TARGET void e5m2_bf16_##SUFFIX(const uint16_t* in, uint8_t* out, std::size_t n) {                           \
    fp8_loop_bf16<2, 15, 0x7B>(in, out, n);                                                                    \
  }

MOR_FP8_LOOPS(avx512, __attribute__((target("arch=x86-64-v4"))))
MOR_FP8_LOOPS(avx2, __attribute__((target("avx2"))))
MOR_FP8_LOOPS(base, )
#undef MOR_FP8_LOOPS

using Fp8Loop32 = void (*)(const uint32_t*, uint8_t*, std::size_t);
using Fp8Loop16 = void (*)(const uint16_t*, uint8_t*, std::size_t);

bool is_e4m3(FormatId dst, const char* who) {
  if (dst == FormatId::kE4M3) return true;
  if (dst == FormatId::kE5M2) return false;
  throw std::invalid_argument(std::string(who) + ": target must be e4m3 or e5m2");
}

VectorIsa checked_isa(VectorIsa isa) {
  if (!vector_isa_supported(isa)) throw std::invalid_argument(std::string("this CPU cannot run ") + vector_isa_name(isa));
  return isa;
}

}  // namespace

const char* vector_isa_name(VectorIsa isa) {
  switch (isa) {
    case VectorIsa::kAvx512: return "AVX-512";
    case VectorIsa::kAvx2: return "AVX2";
    case VectorIsa::kBaseline: return "x86-64 baseline";
  }
  return "?";
}

bool vector_isa_supported(VectorIsa isa) {
  switch (isa) {
    case VectorIsa::kAvx512: return __builtin_cpu_supports("x86-64-v4");
    case VectorIsa::kAvx2: return __builtin_cpu_supports("avx2");
    case VectorIsa::kBaseline: return true;
  }
  return false;
}

VectorIsa best_vector_isa() {
  static const VectorIsa best = vector_isa_supported(VectorIsa::kAvx512) ? VectorIsa::kAvx512
                                : vector_isa_supported(VectorIsa::kAvx2) ? VectorIsa::kAvx2
                                                                         : VectorIsa::kBaseline;
  return best;
}

void fp8_rne_satfinite(FormatId dst, const uint32_t* f32, uint8_t* out, std::size_t n, VectorIsa isa) {
  static constexpr Fp8Loop32 kE4M3[] = {e4m3_base, e4m3_avx2, e4m3_avx512};
  static constexpr Fp8Loop32 kE5M2[] = {e5m2_base, e5m2_avx2, e5m2_avx512};
  const int i = static_cast<int>(checked_isa(isa));
  (is_e4m3(dst, "fp8_rne_satfinite") ? kE4M3 : kE5M2)[i](f32, out, n);
}

void fp8_rne_satfinite_bf16(FormatId dst, const uint16_t* bf16, uint8_t* out, std::size_t n, VectorIsa isa) {
  static constexpr Fp8Loop16 kE4M3[] = {e4m3_bf16_base, e4m3_bf16_avx2, e4m3_bf16_avx512};
  static constexpr Fp8Loop16 kE5M2[] = {e5m2_bf16_base, e5m2_bf16_avx2, e5m2_bf16_avx512};
  const int i = static_cast<int>(checked_isa(isa));
  (is_e4m3(dst, "fp8_rne_satfinite_bf16") ? kE4M3 : kE5M2)[i](bf16, out, n);
}

uint64_t convert_dynamic(FormatId dst, FormatId src, uint64_t code, ConvertMode mode, uint32_t rand_bits) {
  switch (src) {
    case FormatId::kFP64: return to_any<FP64>(dst, code, mode, rand_bits);
    case FormatId::kFP32: return to_any<FP32>(dst, code, mode, rand_bits);
    case FormatId::kBF16: return to_any<BF16>(dst, code, mode, rand_bits);
    case FormatId::kFP16: return to_any<FP16>(dst, code, mode, rand_bits);
    case FormatId::kE4M3: return to_any<E4M3>(dst, code, mode, rand_bits);
    case FormatId::kE5M2: return to_any<E5M2>(dst, code, mode, rand_bits);
    case FormatId::kE8M0: return to_any<E8M0>(dst, code, mode, rand_bits);
    case FormatId::kE2M3: return to_any<E2M3>(dst, code, mode, rand_bits);
    case FormatId::kE3M2: return to_any<E3M2>(dst, code, mode, rand_bits);
    case FormatId::kE2M1: return to_any<E2M1>(dst, code, mode, rand_bits);
    case FormatId::kUE4M3: return to_any<UE4M3>(dst, code, mode, rand_bits);
  }
  throw std::invalid_argument("unknown source format");
}

Fp32To8BitTable::Fp32To8BitTable(FormatId dst, ConvertMode mode) : table_(1u << 14) {
  require_8bit(dst, mode);
  for (uint32_t idx = 0; idx < table_.size(); ++idx) {
    // A representative FP32 pattern for the index: its 13 high bits, and bit 0 set when any low bit is.
    const uint32_t f32 = ((idx >> 1) << 19) | (idx & 1u);
    table_[idx] = static_cast<uint8_t>(convert_dynamic(dst, FormatId::kFP32, f32, mode));
  }
}

const Fp32To8BitTable& cached_fp32_table(FormatId dst, ConvertMode mode) {
  static std::mutex mu;
  static std::map<std::tuple<int, int, int, int>, std::unique_ptr<Fp32To8BitTable>> cache;
  const auto key = std::make_tuple(static_cast<int>(dst), static_cast<int>(mode.rounding), static_cast<int>(mode.overflow),
                                   static_cast<int>(mode.nan));
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[key];
  if (!slot) slot = std::make_unique<Fp32To8BitTable>(dst, mode);
  return *slot;
}

void Fp32To8BitTable::convert(const uint32_t* in, uint8_t* out, std::size_t n) const {
  const uint8_t* t = table_.data();
  for (std::size_t i = 0; i < n; ++i) out[i] = t[fp32_to_8bit_index(in[i])];
}

Half16To8BitTable::Half16To8BitTable(FormatId src, FormatId dst, ConvertMode mode) : table_(1u << 16) {
  require_8bit(dst, mode);
  if (src != FormatId::kBF16 && src != FormatId::kFP16) throw std::invalid_argument("source must be bf16 or fp16");
  for (uint32_t x = 0; x < table_.size(); ++x) table_[x] = static_cast<uint8_t>(convert_dynamic(dst, src, x, mode));
}

void Half16To8BitTable::convert(const uint16_t* in, uint8_t* out, std::size_t n) const {
  const uint8_t* t = table_.data();
  for (std::size_t i = 0; i < n; ++i) out[i] = t[in[i]];
}

}  // namespace mor
