// Table-driven batch conversions (host only). Each table is filled from mor::convert, so it is the same function;
// the exhaustive sweeps check both against the independent reference.
//
// FP32 -> 8-bit formats: the result depends only on the sign, the exponent, the top 4 mantissa bits and whether any
// of the 19 bits below them is set (the rounding point of an 8-bit target is at mantissa bit 19 or higher, even for
// subnormal outputs), so a 2^14-entry table indexed by
//     ((bits >> 18) & ~1) | ((bits & 0x7FFFF) != 0)
// reproduces every rounding mode but SR. BF16 and FP16 inputs index a 2^16-entry table directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "mor/core/convert.hpp"
#include "mor/core/format.hpp"

namespace mor {

inline uint32_t fp32_to_8bit_index(uint32_t f32) { return ((f32 >> 18) & ~1u) | ((f32 & 0x7FFFFu) != 0 ? 1u : 0u); }

class Fp32To8BitTable {
 public:
  // dst: an 8-bit format (E4M3, E5M2, E8M0, E2M3, E3M2, E2M1, UE4M3); mode.rounding must not be SR.
  Fp32To8BitTable(FormatId dst, ConvertMode mode);
  uint8_t operator()(uint32_t f32) const { return table_[fp32_to_8bit_index(f32)]; }
  void convert(const uint32_t* in, uint8_t* out, std::size_t n) const;

 private:
  std::vector<uint8_t> table_;
};

// A shared, lazily built table per (format, mode): building one costs 2^14 scalar conversions, so policies that
// run on many small tensors reuse them. Thread-safe; the tables live until exit.
const Fp32To8BitTable& cached_fp32_table(FormatId dst, ConvertMode mode);

class Half16To8BitTable {
 public:
  // src: BF16 or FP16; dst: an 8-bit format; mode.rounding must not be SR.
  Half16To8BitTable(FormatId src, FormatId dst, ConvertMode mode);
  uint8_t operator()(uint16_t in) const { return table_[in]; }
  void convert(const uint16_t* in, uint8_t* out, std::size_t n) const;

 private:
  std::vector<uint8_t> table_;
};

// The instruction sets the vector paths are compiled for; kBaseline is plain x86-64 (SSE2).
enum class VectorIsa { kBaseline = 0, kAvx2 = 1, kAvx512 = 2 };
const char* vector_isa_name(VectorIsa isa);
bool vector_isa_supported(VectorIsa isa);
VectorIsa best_vector_isa();  // what the CPU running this supports, chosen once

// The hot default (RNE, SATFINITE, CANON) to E4M3 or E5M2 as branch-free integer arithmetic that the compiler
// vectorizes, by default with the best instruction set this CPU has. dst must be kE4M3 or kE5M2; an `isa` the CPU
// lacks throws std::invalid_argument. Every `isa` gives the same codes (the tests check each one).
void fp8_rne_satfinite(FormatId dst, const uint32_t* f32, uint8_t* out, std::size_t n,
                       VectorIsa isa = best_vector_isa());
void fp8_rne_satfinite_bf16(FormatId dst, const uint16_t* bf16, uint8_t* out, std::size_t n,
                            VectorIsa isa = best_vector_isa());

// Run-time dispatch of convert<Dst, Src> for tools (the CLI): codes are carried in uint64_t.
// Throws std::invalid_argument for a pair that is not supported.
uint64_t convert_dynamic(FormatId dst, FormatId src, uint64_t code, ConvertMode mode, uint32_t rand_bits = 0);

}  // namespace mor
