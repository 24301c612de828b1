// Bit-exact conversion between any two formats of format.hpp (spec section 2).
//
// SoftFloat's shape: unpack -> special cases -> round (unbounded exponent) -> overflow -> pack. Integer bit
// manipulation only, so the result does not depend on the host's floating-point modes, and the same source runs in
// the CUDA kernels. Every rounding decision is taken once, on the exact input, so FP64 inputs round once.
//
// Rules that are project decisions (spec 2, documented in README "Number formats"):
// - Overflow is judged after rounding with an unbounded exponent (464 -> 448 in E4M3, 61440 -> overflow in E5M2).
// - NOSAT follows IEEE 754 section 7.4: a rounding direction that points towards zero for the value's sign (RZ, RTO,
//   RD on positives, RU on negatives) gives +-max finite; the others give Inf, or NaN where the format has no Inf.
//   NaN made by overflow keeps the sign (E4M3: 0x7F / 0xFF), as CUDA and ml_dtypes do.
// - NaN inputs: CANON gives the all-ones NaN (0x7F in FP8, CUDA's cvt), KEEP_SIGN gives the sign and the quiet
//   NaN (E4M3 0x7F/0xFF, E5M2 0x7E/0xFE, BF16 0x7FC0/0xFFC0).
// - Formats with no NaN/Inf (E2M3, E3M2, E2M1): Inf saturates, NaN gives the all-ones code (max finite), positive
//   under CANON, signed under KEEP_SIGN.
// - Unsigned formats (E8M0, UE4M3) encode |x|. E8M0 has no zero: zero and anything below 2^-127 give 0x00.
// - SR: the discarded fraction, truncated to 32 bits, plus the caller's 32 random bits; a carry out rounds up.
#pragma once

#include <cstdint>

#include "mor/core/format.hpp"
#include "mor/core/hd.hpp"

namespace mor {

enum class Rounding : uint8_t { kRNE, kRNA, kRZ, kRU, kRD, kRTO, kSR };
enum class Overflow : uint8_t { kSatFinite, kNoSat, kSatFiniteOnly };
enum class NanEncoding : uint8_t { kCanonical, kKeepSign };

struct ConvertMode {
  Rounding rounding = Rounding::kRNE;
  Overflow overflow = Overflow::kSatFinite;
  NanEncoding nan = NanEncoding::kCanonical;
};

// The project default for FP8 and E8M0 targets (spec 2): RNE, SATFINITE, canonical NaN.
inline constexpr ConvertMode kFp8Default{Rounding::kRNE, Overflow::kSatFinite, NanEncoding::kCanonical};
// IEEE conversion for wide targets (FP32, BF16, FP16): RNE, overflow to Inf, NaN keeps its sign.
inline constexpr ConvertMode kIeeeDefault{Rounding::kRNE, Overflow::kNoSat, NanEncoding::kKeepSign};

enum class Class : uint8_t { kZero, kFinite, kInf, kNaN };

// A value taken apart. For kFinite: value = sig * 2^(exp - 63) with bit 63 of sig set.
struct Unpacked {
  Class cls;
  bool sign;
  int exp;
  uint64_t sig;
};

// Where the discarded bits of a rounding stand relative to half an LSB.
enum class Tail : uint8_t { kExact, kBelowHalf, kHalf, kAboveHalf };

// A rounded magnitude code with an unbounded exponent: it can exceed the format's max (overflow) and, for E8M0,
// fall below code 0 (underflow).
struct Rounded {
  bool sign;
  bool inexact;
  int64_t mag;
};

template <class Src>
MOR_HD Unpacked unpack(typename Src::code_t code) {
  constexpr FormatSpec F = Src::spec;
  const uint64_t c = code;
  const bool sign = (c & F.sign_mask()) != 0;
  const uint64_t mag = c & F.mag_mask();
  const int biased = static_cast<int>(mag >> F.man_bits);
  const uint64_t man = mag & F.man_mask();
  if constexpr (F.special == Special::kScale) {
    if (mag == F.mag_mask()) return {Class::kNaN, false, 0, 0};
    return {Class::kFinite, false, biased - F.bias, uint64_t{1} << 63};
  }
  if constexpr (F.special == Special::kIeee) {
    if (static_cast<uint64_t>(biased) == F.exp_all_ones()) return {man ? Class::kNaN : Class::kInf, sign, 0, 0};
  }
  if constexpr (F.special == Special::kFiniteNan) {
    if (mag == F.mag_mask()) return {Class::kNaN, sign, 0, 0};
  }
  if (biased == 0) {
    if (man == 0) return {Class::kZero, sign, 0, 0};
    const int lz = clz64(man);
    return {Class::kFinite, sign, F.emin() - F.man_bits + 63 - lz, man << lz};
  }
  return {Class::kFinite, sign, biased - F.bias, (man | (uint64_t{1} << F.man_bits)) << (63 - F.man_bits)};
}

// Classify the bits below the rounding point. `shift` is how many low bits of `sig` are discarded (>= 1; may exceed
// 64, then every bit is discarded). `frac32` gets the discarded fraction truncated to 32 bits (for SR).
MOR_HD Tail tail_of(uint64_t sig, int shift, uint32_t* frac32) {
  if (shift > 64) {
    *frac32 = shift - 32 < 64 ? static_cast<uint32_t>(sig >> (shift - 32)) : 0u;
    return Tail::kBelowHalf;  // sig < 2^64 <= half an LSB (sig is nonzero)
  }
  const uint64_t rem = shift == 64 ? sig : sig & ((uint64_t{1} << shift) - 1);
  const uint64_t half = uint64_t{1} << (shift - 1);
  *frac32 = static_cast<uint32_t>(shift >= 32 ? rem >> (shift - 32) : rem << (32 - shift));
  if (rem == 0) return Tail::kExact;
  if (rem < half) return Tail::kBelowHalf;
  return rem == half ? Tail::kHalf : Tail::kAboveHalf;
}

// Whether the rounding increments the truncated significand.
MOR_HD bool round_up(Rounding r, bool sign, uint64_t kept, Tail tail, uint32_t frac32, uint32_t rand_bits) {
  if (tail == Tail::kExact) return false;
  switch (r) {
    case Rounding::kRNE: return tail == Tail::kAboveHalf || (tail == Tail::kHalf && (kept & 1));
    case Rounding::kRNA: return tail != Tail::kBelowHalf;
    case Rounding::kRZ: return false;
    case Rounding::kRU: return !sign;
    case Rounding::kRD: return sign;
    case Rounding::kRTO: return false;  // the sticky LSB is ORed in by the caller
    case Rounding::kSR: return uint64_t{frac32} + rand_bits >= (uint64_t{1} << 32);
  }
  return false;
}

// Round a finite nonzero value onto Dst's grid with an unbounded exponent.
template <class Dst>
MOR_HD Rounded round_to(const Unpacked& u, Rounding r, uint32_t rand_bits) {
  constexpr FormatSpec F = Dst::spec;
  const bool sign = F.sign_bits ? u.sign : false;
  // Exponent of the result's leading bit position; below emin the LSB weight stays 2^(emin - M) (subnormals).
  const int e_lsb = imax(u.exp, F.emin());
  const int shift = 63 - F.man_bits + (e_lsb - u.exp);
  uint64_t kept = shift >= 64 ? 0 : u.sig >> shift;
  uint32_t frac32 = 0;
  const Tail tail = tail_of(u.sig, shift, &frac32);
  if (r == Rounding::kRTO && tail != Tail::kExact) kept |= 1;
  kept += round_up(r, sign, kept, tail, frac32, rand_bits) ? 1 : 0;
  // With kept's hidden bit at 2^M, adding it lifts the exponent field by one; a carry out of the mantissa lifts it
  // once more. Below emin the base is 0, so kept is the subnormal code.
  const int64_t base = static_cast<int64_t>(e_lsb + F.bias - 1) * (int64_t{1} << F.man_bits);
  return {sign, tail != Tail::kExact, base + static_cast<int64_t>(kept)};
}

template <class Dst>
MOR_HD typename Dst::code_t pack(bool sign, uint64_t mag) {
  constexpr FormatSpec F = Dst::spec;
  return static_cast<typename Dst::code_t>((sign ? F.sign_mask() : 0) | mag);
}

// The code for "Inf or, lacking Inf, NaN, or lacking both, max finite" with the value's sign.
template <class Dst>
MOR_HD typename Dst::code_t infinite_code(bool sign) {
  constexpr FormatSpec F = Dst::spec;
  if constexpr (F.special == Special::kIeee) return pack<Dst>(sign, F.inf_mag());
  if constexpr (F.special == Special::kFinite) return pack<Dst>(sign, F.max_finite_mag());
  return pack<Dst>(sign, F.quiet_nan_mag());
}

template <class Dst>
MOR_HD typename Dst::code_t nan_code(bool sign, NanEncoding nan) {
  constexpr FormatSpec F = Dst::spec;
  if (nan == NanEncoding::kCanonical) return pack<Dst>(false, F.all_ones_nan_mag());
  if constexpr (F.special == Special::kFinite) return pack<Dst>(sign, F.all_ones_nan_mag());
  return pack<Dst>(sign, F.quiet_nan_mag());
}

MOR_HD bool rounds_towards_zero(Rounding r, bool sign) {
  return r == Rounding::kRZ || r == Rounding::kRTO || (r == Rounding::kRD && !sign) ||
         (r == Rounding::kRU && sign);
}

template <class Dst>
MOR_HD typename Dst::code_t overflow_code(bool sign, ConvertMode m) {
  constexpr FormatSpec F = Dst::spec;
  if (m.overflow != Overflow::kNoSat || rounds_towards_zero(m.rounding, sign))
    return pack<Dst>(sign, F.max_finite_mag());
  return infinite_code<Dst>(sign);
}

template <class Dst>
MOR_HD typename Dst::code_t inf_input_code(bool sign, Overflow o) {
  constexpr FormatSpec F = Dst::spec;
  if (o == Overflow::kSatFinite) return pack<Dst>(sign, F.max_finite_mag());
  return infinite_code<Dst>(sign);
}

// Convert one code of Src to Dst. `rand_bits` is read only under Rounding::kSR.
template <class Dst, class Src>
MOR_HD typename Dst::code_t convert(typename Src::code_t in, ConvertMode m = ConvertMode{}, uint32_t rand_bits = 0) {
  constexpr FormatSpec F = Dst::spec;
  const Unpacked u = unpack<Src>(in);
  const bool sign = F.sign_bits ? u.sign : false;
  switch (u.cls) {
    case Class::kNaN: return nan_code<Dst>(u.sign, m.nan);
    case Class::kInf: return inf_input_code<Dst>(sign, m.overflow);
    case Class::kZero: return pack<Dst>(sign, 0);
    case Class::kFinite: break;
  }
  Rounded r = round_to<Dst>(u, m.rounding, rand_bits);
  if constexpr (F.special == Special::kScale) {
    if (r.mag < 0) r.mag = 0;  // E8M0 has no zero: underflow clamps to 2^-127
  }
  if (r.mag > static_cast<int64_t>(F.max_finite_mag())) return overflow_code<Dst>(sign, m);
  return pack<Dst>(sign, static_cast<uint64_t>(r.mag));
}

// ---- Named conversions used across the project (one definition each) ----

MOR_HD uint8_t e4m3_from_f32(uint32_t f32, ConvertMode m = kFp8Default) { return convert<E4M3, FP32>(f32, m); }
MOR_HD uint8_t e5m2_from_f32(uint32_t f32, ConvertMode m = kFp8Default) { return convert<E5M2, FP32>(f32, m); }
MOR_HD uint32_t f32_from_e4m3(uint8_t code) { return convert<FP32, E4M3>(code, kIeeeDefault); }
MOR_HD uint32_t f32_from_e5m2(uint8_t code) { return convert<FP32, E5M2>(code, kIeeeDefault); }
MOR_HD uint16_t bf16_from_f32(uint32_t f32, Rounding r = Rounding::kRNE) {
  return convert<BF16, FP32>(f32, ConvertMode{r, Overflow::kNoSat, NanEncoding::kKeepSign});
}
MOR_HD uint32_t f32_from_bf16(uint16_t bf16) { return static_cast<uint32_t>(bf16) << 16; }
MOR_HD uint32_t f32_from_e8m0(uint8_t code) { return convert<FP32, E8M0>(code, kIeeeDefault); }
// FP32 -> E8M0 with RZ or RU (= RP) rounding; other modes are not defined for scales.
MOR_HD uint8_t e8m0_from_f32(uint32_t f32, Rounding r = Rounding::kRZ, Overflow o = Overflow::kSatFinite) {
  return convert<E8M0, FP32>(f32, ConvertMode{r, o, NanEncoding::kCanonical});
}

}  // namespace mor
