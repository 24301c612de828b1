// The span kernels of quant_kernel.hpp. Each span is cut into chunks of kChunk elements that stay in L1, and each
// chunk runs through short stages (scale, encode, dequantize, error), each a loop without branches that the
// compiler vectorizes. Stages that do not apply (no errors wanted, a table encoder) are chosen per chunk, outside
// the loops. The loops are written once and compiled three times (AVX-512, AVX2, baseline), as in fast_convert.
#include "mor/quant_kernel.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "fp8_rne_lane.hpp"
#include "mor/core/element.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/metric.hpp"

namespace mor {
namespace detail {

struct KernelArgs {
  SpanInput x;
  std::size_t n;
  uint8_t* codes;
  uint32_t* dequant;
  uint16_t* dequant_bf16;       // the values' BF16 rounding by `rounding` instead (or as well)
  Bf16Rounding rounding;
  uint32_t s, inv;
  bool mx, divide;              // y = x / X (MX) or x * s; d = q / s (divide) or q * inv / q * X
  const uint32_t* group_s;      // or, when set: s (or X) of each group of `group` elements, and RN32(1 / s)
  const uint32_t* group_inv;
  std::size_t group;
  const uint32_t* table;        // per-scale dequantize table, or null
  const uint32_t* decode;       // FP32 bits of each code
  int encoder;                  // 0 E4M3 vector, 1 E5M2 vector, 2 table
  const Fp32To8BitTable* enc_table;
  uint8_t negative_zero_code;   // 0: keep
  int error_form;               // -1 none, 0 spec, 1 reference's |d/x - 1|
  uint64_t* err_sum;
  float* e_out;
};

}  // namespace detail

namespace {

using detail::KernelArgs;
constexpr std::size_t kChunk = 256;

// error_fx of metric.hpp without branches: e >= 2 (and Inf, NaN) caps; below 2^-24 the shift leaves 0.
inline __attribute__((always_inline)) uint32_t error_fx_lane(uint32_t e) {
  const uint32_t exp = e >> 23;  // e is non-negative
  const uint32_t sig = (e & 0x7FFFFFu) | 0x800000u;
  const uint32_t right = 126u - std::min(exp, 126u);  // exp <= 126: e * 2^24 = sig >> (126 - exp)
  const uint32_t v = exp >= 127u ? sig << 1 : sig >> std::min(right, 31u);
  return e >= 0x40000000u ? (2u << kErrorFracBits) : v;
}

// An input element's FP32 bits: FP32 as it is, BF16 widened (exact: its 16 bits on top of 16 zero bits).
inline __attribute__((always_inline)) uint32_t widen(uint32_t x) { return x; }
inline __attribute__((always_inline)) uint32_t widen(uint16_t x) { return uint32_t{x} << 16; }

// x86 gives the first operand's NaN (quieted) when both operands of a multiply or divide are NaN; a vectorizing
// compiler may swap the operands of a commutative multiply, so where both can be NaN (the MX scale X is NaN for
// an E8M0 0xFF) the first operand's NaN is selected explicitly, as the scalar definition computes it.
inline __attribute__((always_inline)) uint32_t first_nan_or(uint32_t a, uint32_t result) {
  return (a & 0x7FFFFFFFu) > kF32Inf ? (a | 0x00400000u) : result;
}

template <class X>
inline __attribute__((always_inline)) void chunk_scale(const KernelArgs& a, const X* __restrict x, std::size_t n,
                                                        uint32_t* __restrict y) {
  const float s = f32_from_bits(a.s);
  if (a.mx) {
    for (std::size_t i = 0; i < n; ++i) {
      const uint32_t xi = widen(x[i]);
      y[i] = first_nan_or(xi, f32_bits(fdiv_rn(f32_from_bits(xi), s)));
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) y[i] = f32_bits(fmul_rn(f32_from_bits(widen(x[i])), s));
  }
}

// The same with a scale per element (se: the group scales spread over the chunk).
template <class X>
inline __attribute__((always_inline)) void chunk_scale_each(const KernelArgs& a, const X* __restrict x,
                                                             const uint32_t* __restrict se, std::size_t n,
                                                             uint32_t* __restrict y) {
  if (a.mx && a.group_inv != nullptr) {  // RN32(x * RN32(1 / X)) = RN32(x / X): X is a power of two (run_groups)
    const uint32_t* __restrict ie = se + kChunk;
    for (std::size_t i = 0; i < n; ++i) {
      const uint32_t xi = widen(x[i]);
      y[i] = first_nan_or(xi, f32_bits(fmul_rn(f32_from_bits(xi), f32_from_bits(ie[i]))));
    }
  } else if (a.mx) {
    for (std::size_t i = 0; i < n; ++i) {
      const uint32_t xi = widen(x[i]);
      y[i] = first_nan_or(xi, f32_bits(fdiv_rn(f32_from_bits(xi), f32_from_bits(se[i]))));
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) y[i] = f32_bits(fmul_rn(f32_from_bits(widen(x[i])), f32_from_bits(se[i])));
  }
}

inline __attribute__((always_inline)) void chunk_encode(const KernelArgs& a, const uint32_t* __restrict y,
                                                         std::size_t n, uint8_t* __restrict q) {
  if (a.encoder == 0) {
    for (std::size_t i = 0; i < n; ++i) q[i] = detail::e4m3_rne_sat(y[i]);
  } else if (a.encoder == 1) {
    for (std::size_t i = 0; i < n; ++i) q[i] = detail::e5m2_rne_sat(y[i]);
  } else {
    const Fp32To8BitTable& t = *a.enc_table;
    for (std::size_t i = 0; i < n; ++i) q[i] = t(y[i]);
  }
  if (a.negative_zero_code != 0) {
    const uint8_t nz = a.negative_zero_code;
    for (std::size_t i = 0; i < n; ++i) q[i] = q[i] == nz ? 0 : q[i];
  }
}

// d[i] = table[q[i]] with the instruction set's gather (GCC 12 loads each entry alone and inserts it: 2.3x slower).
using GatherFn = void (*)(const uint8_t*, const uint32_t*, uint32_t*, std::size_t);

// Without a table: d = RN32(decode(q) / s), or decode(q) times RN32(1 / s) or X; d holds decode(q) already (the
// gather of the instruction set).
inline __attribute__((always_inline)) void chunk_dequant(const KernelArgs& a, std::size_t n, uint32_t* __restrict d) {
  if (a.divide) {
    const float s = f32_from_bits(a.s);
    for (std::size_t i = 0; i < n; ++i) d[i] = f32_bits(fdiv_rn(f32_from_bits(d[i]), s));
  } else {
    const float m = f32_from_bits(a.mx ? a.s : a.inv);
    for (std::size_t i = 0; i < n; ++i) d[i] = first_nan_or(d[i], f32_bits(fmul_rn(f32_from_bits(d[i]), m)));
  }
}

// The same with a scale per element: se holds s (or X), ie RN32(1 / s).
inline __attribute__((always_inline)) void chunk_dequant_each(const KernelArgs& a, const uint32_t* __restrict se,
                                                               const uint32_t* __restrict ie, std::size_t n,
                                                               uint32_t* __restrict d) {
  if (a.divide) {
    for (std::size_t i = 0; i < n; ++i) d[i] = f32_bits(fdiv_rn(f32_from_bits(d[i]), f32_from_bits(se[i])));
  } else {
    const uint32_t* __restrict m = a.mx ? se : ie;
    for (std::size_t i = 0; i < n; ++i)
      d[i] = first_nan_or(d[i], f32_bits(fmul_rn(f32_from_bits(d[i]), f32_from_bits(m[i]))));
  }
}

// Spreads the group scales over the chunk of elements [base, base + n).
inline __attribute__((always_inline)) void spread_groups(const KernelArgs& a, std::size_t base, std::size_t n,
                                                          uint32_t* __restrict se, uint32_t* __restrict ie) {
  for (std::size_t i = 0; i < n;) {
    const std::size_t g = (base + i) / a.group, end = std::min(n, (g + 1) * a.group - base);
    std::fill(se + i, se + end, a.group_s[g]);
    if (a.group_inv != nullptr) std::fill(ie + i, ie + end, a.group_inv[g]);
    i = end;
  }
}

// The error words are kept as uint32 in the kernel's own buffer, or stored as float into the caller's.
inline __attribute__((always_inline)) void store_e(uint32_t* e, std::size_t i, uint32_t bits) { e[i] = bits; }
inline __attribute__((always_inline)) void store_e(float* e, std::size_t i, uint32_t bits) { e[i] = f32_from_bits(bits); }
inline __attribute__((always_inline)) uint32_t load_e(const uint32_t* e, std::size_t i) { return e[i]; }
inline __attribute__((always_inline)) uint32_t load_e(const float* e, std::size_t i) { return f32_bits(e[i]); }

// Errors of nonzero finite x; a zero x (D5: no relative error) or a non-finite x (never measured: D2) gives e = +0.
template <class X, class E>
inline __attribute__((always_inline)) void chunk_errors(int error_form, const X* __restrict x,
                                                         const uint32_t* __restrict d, std::size_t n, E* __restrict e) {
  if (error_form == 0) {
    for (std::size_t i = 0; i < n; ++i) {
      const uint32_t xi = widen(x[i]);
      const float xf = f32_from_bits(xi);
      const uint32_t v = f32_abs_bits(f32_bits(fdiv_rn(fsub_rn(f32_from_bits(d[i]), xf), xf)));
      store_e(e, i, (xi & 0x7FFFFFFFu) - 1u < kF32Inf - 1u ? v : 0u);  // 0 < |x| < Inf
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const uint32_t xi = widen(x[i]);
      const float ratio = fdiv_rn(f32_from_bits(d[i]), f32_from_bits(xi));
      const uint32_t v = f32_abs_bits(f32_bits(fsub_rn(ratio, 1.0f)));
      store_e(e, i, (xi & 0x7FFFFFFFu) - 1u < kF32Inf - 1u ? v : 0u);  // 0 < |x| < Inf
    }
  }
}

// The sum of error_fx over a chunk's errors (error_fx(+0) = 0). A separate loop: GCC 12 does not vectorize the
// errors and this widening sum as one loop. error_fx <= 2^25, so 64 of them add up in 32 bits.
static_assert(64ull * (2u << kErrorFracBits) <= 0xFFFFFFFFull, "64 error_fx values must fit in 32 bits");
template <class E>
inline __attribute__((always_inline)) uint64_t chunk_err_sum(const E* __restrict e, std::size_t n) {
  uint64_t sum = 0;
  for (std::size_t j = 0; j < n; j += 64) {
    uint32_t part = 0;
    const std::size_t end = std::min(n, j + 64);
    for (std::size_t i = j; i < end; ++i) part += error_fx_lane(load_e(e, i));
    sum += part;
  }
  return sum;
}

// Both, into the caller's e_out or the kernel's own buffer.
template <class X>
inline __attribute__((always_inline)) uint64_t chunk_errors_sum(int error_form, const X* x, const uint32_t* d,
                                                                 std::size_t n, float* e_out, uint32_t* own) {
  if (e_out != nullptr) {
    chunk_errors(error_form, x, d, n, e_out);
    return chunk_err_sum(e_out, n);
  }
  chunk_errors(error_form, x, d, n, own);
  return chunk_err_sum(own, n);
}

// bf16_from_f32 without branches: RNE at bit 16 on the bits (a carry lifts the exponent, and past the largest
// finite value gives Inf, as IEEE NOSAT does); NaN gives the quiet NaN with its sign (0x7FC0 / 0xFFC0).
inline __attribute__((always_inline)) uint32_t bf16_rne_lane(uint32_t x) {
  const uint32_t rounded = ((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16) << 16;
  const uint32_t nan = (x & 0x80000000u) | 0x7FC00000u;
  return (x & 0x7FFFFFFFu) > kF32Inf ? nan : rounded;
}

// The values' BF16 rounding, as QuantResult::fake_bf16 makes it (bf16_from_f32 or bf16_round_mor_ref).
inline __attribute__((always_inline)) void chunk_to_bf16(const uint32_t* __restrict d, std::size_t n, Bf16Rounding r,
                                                          uint16_t* __restrict out) {
  if (r == Bf16Rounding::kRne) {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<uint16_t>(bf16_rne_lane(d[i]) >> 16);
  } else {
    for (std::size_t i = 0; i < n; ++i) out[i] = bf16_round_mor_ref(d[i]);
  }
}

// Codes and values go straight to the caller's arrays, or stay in the kernel's own buffers when the caller wants
// only the errors (null arrays: write_outputs = false).
template <class X>
inline __attribute__((always_inline)) void span_kernel(const KernelArgs& a, const X* xs, GatherFn gather) {
  alignas(64) uint32_t y[kChunk];  // the scaled values
  alignas(64) uint8_t q_own[kChunk];
  alignas(64) uint32_t d_own[kChunk];
  alignas(64) uint32_t se[2 * kChunk];  // group scales and their RN32(1 / s), spread
  uint32_t* ie = se + kChunk;
  uint64_t err_sum = 0;
  for (std::size_t base = 0; base < a.n; base += kChunk) {
    const std::size_t n = std::min(kChunk, a.n - base);
    const X* x = xs + base;
    uint8_t* q = a.codes != nullptr ? a.codes + base : q_own;
    uint32_t* d = a.dequant != nullptr ? a.dequant + base : d_own;
    if (a.group_s != nullptr) {
      spread_groups(a, base, n, se, ie);
      chunk_scale_each(a, x, se, n, y);
      chunk_encode(a, y, n, q);
      gather(q, a.decode, d, n);
      chunk_dequant_each(a, se, ie, n, d);
    } else {
      chunk_scale(a, x, n, y);
      chunk_encode(a, y, n, q);
      gather(q, a.table != nullptr ? a.table : a.decode, d, n);
      if (a.table == nullptr) chunk_dequant(a, n, d);
    }
    if (a.error_form >= 0)
      err_sum += chunk_errors_sum(a.error_form, x, d, n, a.e_out != nullptr ? a.e_out + base : nullptr, y);
    if (a.dequant_bf16 != nullptr) chunk_to_bf16(d, n, a.rounding, a.dequant_bf16 + base);
  }
  if (a.err_sum != nullptr) *a.err_sum += err_sum;
}

// stats_add_span of amax.hpp in a form GCC 12 vectorizes: the classes as 0/1 integers from sign bits of
// differences (|x| < 2^31, so no difference overflows), selects as masks, no conditional in the loop.
template <class X>
inline __attribute__((always_inline)) void stats_kernel(BlockStats& s, const X* __restrict x, std::size_t n,
                                                         NanPolicy policy) {
  uint32_t amax = 0, min_nonzero = kF32Inf, nnz = 0, nonfinite = 0, nans = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const uint32_t a = widen(x[i]) & 0x7FFFFFFFu;
    const uint32_t is_nan = (kF32Inf - a) >> 31;        // a > Inf
    const uint32_t nonzero = (0u - a) >> 31;            // a != 0
    nans += is_nan;
    nonfinite += (kF32Inf - 1u - a) >> 31;              // a >= Inf
    nnz += nonzero;
    amax = std::max(amax, a & (is_nan - 1u));            // NaN takes no part in amax
    const uint32_t skip = is_nan | (nonzero ^ 1u);       // nor, with zeros, in min_nonzero
    min_nonzero = std::min(min_nonzero, (a & (skip - 1u)) | (kF32Inf & (0u - skip)));
  }
  BlockStats chunk;
  chunk.amax = policy == NanPolicy::kPropagateNan && nans != 0 ? kF32QuietNan : amax;
  chunk.min_nonzero = min_nonzero;
  chunk.nnz = nnz;
  chunk.nonfinite = nonfinite;
  chunk.saw_nan = nans != 0;
  s = stats_merge(s, chunk);
}

// The same on BF16 data in 16-bit lanes (twice the lanes of the widened form; the BF16 bits are the top half of the
// FP32 bits, so every comparison gives the same class), in pieces of at most 2^15 elements so no 16-bit count
// overflows.
inline __attribute__((always_inline)) void stats_kernel(BlockStats& s, const uint16_t* __restrict x, std::size_t n,
                                                         NanPolicy policy) {
  constexpr uint16_t kInf16 = 0x7F80u;
  for (std::size_t base = 0; base < n; base += 32768) {
    const std::size_t m = std::min<std::size_t>(32768, n - base);
    uint16_t amax = 0, min_nonzero = kInf16, nnz = 0, nonfinite = 0, nans = 0;
    for (std::size_t i = base; i < base + m; ++i) {
      const uint16_t a = x[i] & 0x7FFFu;
      const uint16_t is_nan = static_cast<uint16_t>(kInf16 - a) >> 15;            // a > Inf
      const uint16_t nonzero = static_cast<uint16_t>(0u - a) >> 15;               // a != 0
      nans = static_cast<uint16_t>(nans + is_nan);
      nonfinite = static_cast<uint16_t>(nonfinite + (static_cast<uint16_t>(kInf16 - 1u - a) >> 15));  // a >= Inf
      nnz = static_cast<uint16_t>(nnz + nonzero);
      amax = std::max(amax, static_cast<uint16_t>(a & static_cast<uint16_t>(is_nan - 1u)));
      const uint16_t skip = static_cast<uint16_t>(is_nan | (nonzero ^ 1u));
      min_nonzero = std::min(min_nonzero, static_cast<uint16_t>((a & static_cast<uint16_t>(skip - 1u)) |
                                                                (kInf16 & static_cast<uint16_t>(0u - skip))));
    }
    BlockStats chunk;
    chunk.amax = policy == NanPolicy::kPropagateNan && nans != 0 ? kF32QuietNan : uint32_t{amax} << 16;
    chunk.min_nonzero = uint32_t{min_nonzero} << 16;
    chunk.nnz = nnz;
    chunk.nonfinite = nonfinite;
    chunk.saw_nan = nans != 0;
    s = stats_merge(s, chunk);
  }
}

// The statistics of consecutive groups of `group` elements, each written fresh to out[k] (the last group may be
// shorter); groups of 32 (MXFP8's blocks, and the column grouping shared statistics use) with a fixed trip count.
template <class X>
inline __attribute__((always_inline)) void stats_groups_kernel(const X* x, std::size_t n, std::size_t group,
                                                                NanPolicy policy, BlockStats* out) {
  for (std::size_t base = 0, k = 0; base < n; base += group, ++k) {
    BlockStats st;
    if (group == 32 && n - base >= 32) stats_kernel(st, x + base, 32, policy);
    else stats_kernel(st, x + base, std::min(group, n - base), policy);
    out[k] = st;
  }
}

template <class X>
inline __attribute__((always_inline)) void keep_chunk(const X* __restrict x, std::size_t n, Bf16Rounding r,
                                                       uint32_t* __restrict out) {
  if (r == Bf16Rounding::kRne) {
    for (std::size_t i = 0; i < n; ++i) out[i] = bf16_rne_lane(widen(x[i]));
  } else {
    for (std::size_t i = 0; i < n; ++i) out[i] = f32_from_bf16(bf16_round_mor_ref(widen(x[i])));
  }
}

// The kept values into out (or the kernel's own buffer when out is null), their BF16 rounding by r16 into out16
// when that is set and, with err_sum, D5's error of them.
template <class X>
inline __attribute__((always_inline)) void keep_kernel(const X* x, std::size_t n, Bf16Rounding r, uint32_t* out,
                                                        uint16_t* out16, Bf16Rounding r16, uint64_t* err_sum,
                                                        float* e_out) {
  alignas(64) uint32_t own[kChunk], e[kChunk];
  uint64_t sum = 0;
  for (std::size_t base = 0; base < n; base += kChunk) {
    const std::size_t k = std::min(kChunk, n - base);
    uint32_t* kept = out != nullptr ? out + base : own;
    keep_chunk(x + base, k, r, kept);
    if (err_sum != nullptr) sum += chunk_errors_sum(0, x + base, kept, k, e_out != nullptr ? e_out + base : nullptr, e);
    if (out16 != nullptr) chunk_to_bf16(kept, k, r16, out16 + base);
  }
  if (err_sum != nullptr) *err_sum += sum;
}

// D5's error of values already written: the error stages of span_kernel alone.
template <class X>
inline __attribute__((always_inline)) void measure_kernel(const X* x, const uint32_t* d, std::size_t n,
                                                           uint64_t* err_sum, float* e_out) {
  alignas(64) uint32_t e[kChunk];
  uint64_t sum = 0;
  for (std::size_t base = 0; base < n; base += kChunk) {
    const std::size_t k = std::min(kChunk, n - base);
    sum += chunk_errors_sum(0, x + base, d + base, k, e_out != nullptr ? e_out + base : nullptr, e);
  }
  *err_sum += sum;
}

__attribute__((target("arch=x86-64-v4"))) void gather_avx512(const uint8_t* q, const uint32_t* t, uint32_t* d,
                                                                std::size_t n) {
  const std::size_t vectors = n - n % 16;
  std::size_t i = 0;
  for (; i < vectors; i += 16) {
    // The masked forms with a zero source: GCC 12 warns that the plain ones read an undefined register.
    const __m512i idx = _mm512_maskz_cvtepu8_epi32(0xFFFF, _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + i)));
    _mm512_storeu_si512(d + i, _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), 0xFFFF, idx, t, 4));
  }
  for (; i < n; ++i) d[i] = t[q[i]];
}

__attribute__((target("avx2"))) void gather_avx2(const uint8_t* q, const uint32_t* t, uint32_t* d, std::size_t n) {
  const std::size_t vectors = n - n % 8;
  std::size_t i = 0;
  for (; i < vectors; i += 8) {
    const __m256i idx = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(q + i)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + i),
                        _mm256_i32gather_epi32(reinterpret_cast<const int*>(t), idx, 4));
  }
  for (; i < n; ++i) d[i] = t[q[i]];
}

void gather_base(const uint8_t* q, const uint32_t* t, uint32_t* d, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) d[i] = t[q[i]];
}

// Statistics of groups of 32 BF16 values, one 512-bit vector each (MXFP8's blocks and the shared statistics'
// groups): the classes as lane masks and their counts, amax and min_nonzero by reductions over the lanes. Returns
// the groups done (all of them; the other instruction sets do none and leave them to stats_groups_kernel).
__attribute__((target("arch=x86-64-v4"))) inline uint16_t max_epu16(__m512i v) {
  const __m256i m = _mm256_max_epu16(_mm512_maskz_extracti64x4_epi64(0xFF, v, 0), _mm512_maskz_extracti64x4_epi64(0xFF, v, 1));
  const __m128i m2 = _mm_max_epu16(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
  const __m128i ones = _mm_set1_epi16(-1);  // max = ~min(~v): the one horizontal u16 reduction x86 has is a min
  return static_cast<uint16_t>(~_mm_cvtsi128_si32(_mm_minpos_epu16(_mm_xor_si128(m2, ones))));
}

__attribute__((target("arch=x86-64-v4"))) inline uint16_t min_epu16(__m512i v) {
  const __m256i m = _mm256_min_epu16(_mm512_maskz_extracti64x4_epi64(0xFF, v, 0), _mm512_maskz_extracti64x4_epi64(0xFF, v, 1));
  const __m128i m2 = _mm_min_epu16(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
  return static_cast<uint16_t>(_mm_cvtsi128_si32(_mm_minpos_epu16(m2)));
}

__attribute__((target("arch=x86-64-v4"))) std::size_t bf16_groups32_avx512(const uint16_t* x, std::size_t groups,
                                                                           NanPolicy policy, BlockStats* out) {
  const __m512i magnitude = _mm512_set1_epi16(0x7FFF), inf = _mm512_set1_epi16(0x7F80);
  for (std::size_t k = 0; k < groups; ++k) {
    const __m512i a = _mm512_and_si512(_mm512_loadu_si512(x + 32 * k), magnitude);
    const __mmask32 nan = _mm512_cmpgt_epu16_mask(a, inf), nonzero = _mm512_test_epi16_mask(a, a);
    const __mmask32 nonfinite = _mm512_cmpge_epu16_mask(a, inf);
    BlockStats s;
    const uint16_t amax = max_epu16(_mm512_maskz_mov_epi16(~nan, a));  // NaN takes no part in amax
    s.amax = policy == NanPolicy::kPropagateNan && nan != 0 ? kF32QuietNan : uint32_t{amax} << 16;
    s.min_nonzero = uint32_t{min_epu16(_mm512_mask_mov_epi16(inf, nonzero & ~nan, a))} << 16;  // nor in min_nonzero
    s.nnz = static_cast<uint32_t>(__builtin_popcount(nonzero));
    s.nonfinite = static_cast<uint32_t>(__builtin_popcount(nonfinite));
    s.saw_nan = nan != 0;
    out[k] = s;
  }
  return groups;
}

std::size_t bf16_groups32_avx2(const uint16_t*, std::size_t, NanPolicy, BlockStats*) { return 0; }
std::size_t bf16_groups32_base(const uint16_t*, std::size_t, NanPolicy, BlockStats*) { return 0; }

// Each kernel compiled for one instruction set, for FP32 (F32) and BF16 (B16) inputs.
#define MOR_SPAN_KERNELS(SUFFIX, TARGET)                                                                       \
  TARGET void span_##SUFFIX(const KernelArgs& a) {                                                           \
    if (a.x.bf16 != nullptr) span_kernel(a, a.x.bf16, gather_##SUFFIX);                                      \
    else span_kernel(a, a.x.f32, gather_##SUFFIX);                                                           \
  }                                                                                                           \
  TARGET void measure_##SUFFIX(SpanInput x, const uint32_t* d, std::size_t n, uint64_t* sum, float* e) {     \
    if (x.bf16 != nullptr) measure_kernel(x.bf16, d, n, sum, e);                                             \
    else measure_kernel(x.f32, d, n, sum, e);                                                                \
  }                                                                                                           \
  TARGET void keep_##SUFFIX(SpanInput x, std::size_t n, Bf16Rounding r, const SpanOutputs& out, uint64_t* sum, \
                            float* e) {                                                                        \
    if (x.bf16 != nullptr) keep_kernel(x.bf16, n, r, out.dequant, out.dequant_bf16, out.rounding, sum, e);   \
    else keep_kernel(x.f32, n, r, out.dequant, out.dequant_bf16, out.rounding, sum, e);                      \
  }                                                                                                           \
  TARGET void stats_##SUFFIX(BlockStats& s, SpanInput x, std::size_t n, NanPolicy policy) {                 \
    for (std::size_t done = 0; done < n; done += std::size_t{1} << 30) {                                     \
      const std::size_t k = std::min(n - done, std::size_t{1} << 30);                                        \
      if (x.bf16 != nullptr) stats_kernel(s, x.bf16 + done, k, policy);                                      \
      else stats_kernel(s, x.f32 + done, k, policy);                                                         \
    }                                                                                                         \
  }                                                                                                           \
  TARGET void groups_##SUFFIX(SpanInput x, std::size_t n, std::size_t group, NanPolicy policy, BlockStats* out) { \
    std::size_t done = 0;                                                                                     \
    if (x.bf16 != nullptr && group == 32) done = 32 * bf16_groups32_##SUFFIX(x.bf16, n / 32, policy, out);    \
    if (x.bf16 != nullptr) stats_groups_kernel(x.bf16 + done, n - done, group, policy, out + done / group);   \
    else stats_groups_kernel(x.f32, n, group, policy, out);                                                  \
  }

MOR_SPAN_KERNELS(avx512, __attribute__((target("arch=x86-64-v4"))))
MOR_SPAN_KERNELS(avx2, __attribute__((target("avx2"))))
MOR_SPAN_KERNELS(base, )
#undef MOR_SPAN_KERNELS

using SpanFn = void (*)(const KernelArgs&);
using StatsFn = void (*)(BlockStats&, SpanInput, std::size_t, NanPolicy);
using KeepFn = void (*)(SpanInput, std::size_t, Bf16Rounding, const SpanOutputs&, uint64_t*, float*);
using GroupsFn = void (*)(SpanInput, std::size_t, std::size_t, NanPolicy, BlockStats*);
constexpr GroupsFn kGroups[] = {groups_base, groups_avx2, groups_avx512};
using MeasureFn = void (*)(SpanInput, const uint32_t*, std::size_t, uint64_t*, float*);
constexpr MeasureFn kMeasure[] = {measure_base, measure_avx2, measure_avx512};
constexpr KeepFn kKeep[] = {keep_base, keep_avx2, keep_avx512};
constexpr SpanFn kSpan[] = {span_base, span_avx2, span_avx512};
constexpr StatsFn kStats[] = {stats_base, stats_avx2, stats_avx512};

FormatId format_id_of(FormatTag f) {
  switch (f) {
    case FormatTag::kE4M3: return FormatId::kE4M3;
    case FormatTag::kE5M2: return FormatId::kE5M2;
    case FormatTag::kE2M3: return FormatId::kE2M3;
    case FormatTag::kBF16: break;
  }
  throw std::invalid_argument("BF16 is not a quantized format");
}

VectorIsa checked(VectorIsa isa) {
  if (!vector_isa_supported(isa)) throw std::invalid_argument(std::string("this CPU cannot run ") + vector_isa_name(isa));
  return isa;
}

}  // namespace

SpanQuantizer::SpanQuantizer(FormatTag f, const ElementRules& rules, ErrorForm form, VectorIsa isa)
    : format_(f), rules_(rules), form_(form), isa_(checked(isa)), encoder_(2), table_(nullptr),
      negative_zero_code_(0) {
  const FormatId id = format_id_of(f);
  const bool hot = rules.mode.rounding == kFp8Default.rounding && rules.mode.overflow == kFp8Default.overflow &&
                   rules.mode.nan == kFp8Default.nan;
  if (hot && f == FormatTag::kE4M3) encoder_ = 0;
  else if (hot && f == FormatTag::kE5M2) encoder_ = 1;
  else table_ = &cached_fp32_table(id, rules.mode);
  for (uint32_t c = 0; c < 256; ++c) decode_[c] = static_cast<uint32_t>(convert_dynamic(FormatId::kFP32, id, c, kIeeeDefault));
  if (rules.negative_zero_to_positive) negative_zero_code_ = f == FormatTag::kE2M3 ? 0x20 : 0x80;
}

uint32_t SpanQuantizer::dequant_one(const SpanScale& sc, uint8_t q) const {
  if (sc.mx) return fmul_rn_bits(decode_[q], sc.s);
  return rules_.dequant == DequantMode::kDivideByScale ? fdiv_rn_bits(decode_[q], sc.s) : fmul_rn_bits(decode_[q], sc.inv);
}

SpanScale SpanQuantizer::scaled(uint32_t s, bool with_table) const {
  SpanScale sc;
  sc.s = s;
  sc.inv = f32_bits(fdiv_rn(1.0f, f32_from_bits(s)));
  sc.has_table = with_table;
  if (with_table)
    for (uint32_t c = 0; c < 256; ++c) sc.table[c] = dequant_one(sc, static_cast<uint8_t>(c));
  return sc;
}

SpanScale SpanQuantizer::mx(uint32_t X, bool with_table) const {
  SpanScale sc;
  sc.s = X;
  sc.mx = true;
  sc.has_table = with_table;
  if (with_table)
    for (uint32_t c = 0; c < 256; ++c) sc.table[c] = dequant_one(sc, static_cast<uint8_t>(c));
  return sc;
}

void SpanQuantizer::fill(KernelArgs& a, SpanInput x, std::size_t n, const SpanOutputs& out, SpanErrors* err) const {
  a.x = x;
  a.n = n;
  a.codes = out.codes;
  a.dequant = out.dequant;
  a.dequant_bf16 = out.dequant_bf16;
  a.rounding = out.rounding;
  a.group_s = a.group_inv = nullptr;
  a.group = 0;
  a.table = nullptr;
  a.decode = decode_;
  a.encoder = encoder_;
  a.enc_table = table_;
  a.negative_zero_code = negative_zero_code_;
  a.error_form = err == nullptr ? -1 : (form_ == ErrorForm::kSpec ? 0 : 1);
  a.err_sum = err == nullptr ? nullptr : &err->err_sum;
  a.e_out = err == nullptr ? nullptr : err->e;
}

void SpanQuantizer::run(const SpanScale& sc, SpanInput x, std::size_t n, uint8_t* codes, uint32_t* dequant,
                        SpanErrors* err) const {
  SpanOutputs out;
  out.codes = codes;
  out.dequant = dequant;
  run(sc, x, n, out, err);
}

void SpanQuantizer::run(const SpanScale& sc, SpanInput x, std::size_t n, const SpanOutputs& out, SpanErrors* err) const {
  KernelArgs a;
  fill(a, x, n, out, err);
  a.s = sc.s;
  a.inv = sc.inv;
  a.mx = sc.mx;
  a.divide = !sc.mx && rules_.dequant == DequantMode::kDivideByScale;
  a.table = sc.has_table ? sc.table : nullptr;
  kSpan[static_cast<int>(isa_)](a);
}

void SpanQuantizer::run_groups(const GroupScales& gs, SpanInput x, std::size_t n, uint8_t* codes, uint32_t* dequant,
                               SpanErrors* err) const {
  SpanOutputs out;
  out.codes = codes;
  out.dequant = dequant;
  run_groups(gs, x, n, out, err);
}

void SpanQuantizer::run_groups(const GroupScales& gs, SpanInput x, std::size_t n, const SpanOutputs& out,
                               SpanErrors* err) const {
  if (gs.group == 0) throw std::invalid_argument("run_groups: empty groups");
  KernelArgs a;
  fill(a, x, n, out, err);
  a.s = a.inv = 0;
  a.mx = gs.mx;
  a.divide = !gs.mx && rules_.dequant == DequantMode::kDivideByScale;
  a.group_s = gs.s;
  a.group_inv = (gs.mx || !a.divide) ? gs.inv : nullptr;
  if (!gs.mx && !a.divide && gs.inv == nullptr) throw std::invalid_argument("run_groups: RN32(1 / s) needed");
  if (gs.mx && gs.inv != nullptr)
    for (std::size_t k = 0; k < (n + gs.group - 1) / gs.group; ++k)
      if (!f32_is_nan(gs.s[k]) && (gs.s[k] != 0x00400000u && ((gs.s[k] & 0x807FFFFFu) != 0 || gs.s[k] == 0 ||
                                                              gs.s[k] >= kF32Inf)))
        throw std::invalid_argument("run_groups: an MX scale with a reciprocal must be an E8M0 value");
  a.group = gs.group;
  kSpan[static_cast<int>(isa_)](a);
}

void measure_span(SpanInput x, const uint32_t* dequant, std::size_t n, SpanErrors* err, VectorIsa isa) {
  kMeasure[static_cast<int>(checked(isa))](x, dequant, n, &err->err_sum, err->e);
}

void keep_as_bf16(SpanInput x, std::size_t n, Bf16Rounding rounding, uint32_t* out, VectorIsa isa) {
  SpanOutputs to;
  to.dequant = out;
  kKeep[static_cast<int>(checked(isa))](x, n, rounding, to, nullptr, nullptr);
}

void keep_and_measure(SpanInput x, std::size_t n, Bf16Rounding rounding, const SpanOutputs& out, SpanErrors* err,
                      VectorIsa isa) {
  kKeep[static_cast<int>(checked(isa))](x, n, rounding, out, err != nullptr ? &err->err_sum : nullptr,
                                        err != nullptr ? err->e : nullptr);
}

void stream_store(void* dst, const void* src, std::size_t bytes) {
  auto* d = static_cast<uint8_t*>(dst);
  const auto* s = static_cast<const uint8_t*>(src);
  const std::size_t head = std::min(bytes, (64 - reinterpret_cast<uintptr_t>(d) % 64) % 64);
  std::memcpy(d, s, head);
  const std::size_t body = (bytes - head) / 64 * 64;
  for (std::size_t i = head; i < head + body; i += 16)  // SSE2: every x86-64 has it, and a line is a line
    _mm_stream_si128(reinterpret_cast<__m128i*>(d + i), _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)));
  std::memcpy(d + head + body, s + head + body, bytes - head - body);
}

void stream_fence() { _mm_sfence(); }

void stats_groups(SpanInput x, std::size_t n, std::size_t group, NanPolicy policy, BlockStats* out, VectorIsa isa) {
  if (group == 0) throw std::invalid_argument("stats_groups: empty groups");
  kGroups[static_cast<int>(checked(isa))](x, n, group, policy, out);
}

void stats_add_fast(BlockStats& s, SpanInput x, std::size_t n, NanPolicy policy, VectorIsa isa) {
  kStats[static_cast<int>(checked(isa))](s, x, n, policy);
}

}  // namespace mor
