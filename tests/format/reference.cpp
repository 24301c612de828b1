#include "reference.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace mor::ref {

const Target& e4m3() { static const Target t{"e4m3", 4, 3, 7, true, Target::kFn}; return t; }
const Target& e5m2() { static const Target t{"e5m2", 5, 2, 15, true, Target::kIeee}; return t; }
const Target& bf16() { static const Target t{"bf16", 8, 7, 127, true, Target::kIeee}; return t; }
const Target& fp16() { static const Target t{"fp16", 5, 10, 15, true, Target::kIeee}; return t; }
const Target& e8m0() { static const Target t{"e8m0", 8, 0, 127, false, Target::kE8M0}; return t; }
const Target& e2m3() { static const Target t{"e2m3", 2, 3, 1, true, Target::kFinite}; return t; }
const Target& e3m2() { static const Target t{"e3m2", 3, 2, 3, true, Target::kFinite}; return t; }
const Target& e2m1() { static const Target t{"e2m1", 2, 1, 1, true, Target::kFinite}; return t; }

namespace {

// Value of a magnitude code by the textbook definition: subnormal 0.m * 2^(1-bias), normal 1.m * 2^(e-bias).
double decode_definition(const Target& t, uint32_t mag) {
  if (t.kind == Target::kE8M0) return std::ldexp(1.0, static_cast<int>(mag) - t.bias);
  const uint32_t e = mag >> t.man_bits;
  const uint32_t m = mag & ((1u << t.man_bits) - 1);
  const double frac = static_cast<double>(m) / static_cast<double>(1u << t.man_bits);
  if (e == 0) return std::ldexp(frac, 1 - t.bias);
  return std::ldexp(1.0 + frac, static_cast<int>(e) - t.bias);
}

uint32_t count_finite_mags(const Target& t) {
  const uint32_t all = 1u << (t.exp_bits + t.man_bits);
  switch (t.kind) {
    case Target::kIeee: return all - (1u << t.man_bits);  // everything below the all-ones exponent
    case Target::kFn: return all - 1;                     // all but S.1111.111
    case Target::kFinite: return all;
    case Target::kE8M0: return 255;                       // 0x00..0xFE
  }
  return 0;
}

}  // namespace

Converter::Converter(const Target& t) : t_(t) {
  const uint32_t n = count_finite_mags(t);
  for (uint32_t mag = 0; mag < n; ++mag) values_.push_back(decode_definition(t, mag));
  // The grid continues past max with the top binade's spacing.
  const double top_ulp = values_[n - 1] - values_[n - 2];
  past_max_ = t.kind == Target::kE8M0 ? std::ldexp(1.0, 128) : values_[n - 1] + top_ulp;
}

uint32_t Converter::with_sign(uint32_t mag, bool negative) const {
  const uint32_t sign_bit = t_.has_sign ? 1u << (t_.exp_bits + t_.man_bits) : 0u;
  return (negative && t_.has_sign ? sign_bit : 0u) | mag;
}

uint32_t Converter::infinite_mag() const {
  const uint32_t all_ones = (1u << (t_.exp_bits + t_.man_bits)) - 1;
  switch (t_.kind) {
    case Target::kIeee: return ((1u << t_.exp_bits) - 1) << t_.man_bits;
    case Target::kFn: return all_ones;
    case Target::kFinite: return all_ones;
    case Target::kE8M0: return 0xFF;
  }
  return 0;
}

uint32_t Converter::nan_code(bool negative, Nan n) const {
  const uint32_t all_ones = (1u << (t_.exp_bits + t_.man_bits)) - 1;
  if (t_.kind == Target::kE8M0) return 0xFF;
  if (n == Nan::kCanon) return all_ones;
  if (t_.kind == Target::kIeee) return with_sign((((1u << t_.exp_bits) - 1) << t_.man_bits) | (1u << (t_.man_bits - 1)), negative);
  return with_sign(all_ones, negative);
}

uint32_t Converter::inf_code(bool negative, Sat s) const {
  if (s == Sat::kSatFinite) return with_sign(max_mag(), negative);
  return with_sign(infinite_mag(), negative);
}

Rounded Converter::round_magnitude(double a, bool negative, Round r, uint32_t rand_bits) const {
  if (t_.kind == Target::kE8M0) {  // no zero: below 2^-127 everything is code 0
    if (a <= values_[0]) return {false, 0};
  }
  if (a >= past_max_) return {true, 0};
  // Largest grid value <= a.
  const auto it = std::upper_bound(values_.begin(), values_.end(), a);
  const uint32_t lo = static_cast<uint32_t>(it - values_.begin()) - 1;
  const double v_lo = values_[lo];
  if (a == v_lo) return {false, lo};
  const bool hi_is_past = lo + 1 >= values_.size();
  const double v_hi = hi_is_past ? past_max_ : values_[lo + 1];
  const uint32_t hi = lo + 1;  // code of v_hi (past max: max + 1, whose parity is that of the next code)
  const double mid = (v_lo + v_hi) / 2;
  bool up = false;
  switch (r) {
    case Round::kRNE: up = a > mid || (a == mid && (hi & 1u) == 0); break;
    case Round::kRNA: up = a >= mid; break;
    case Round::kRZ: up = false; break;
    case Round::kRU: up = !negative || !t_.has_sign; break;
    case Round::kRD: up = negative && t_.has_sign; break;
    case Round::kRTO: up = (hi & 1u) == 1; break;
    case Round::kSR: {
      const double frac = (a - v_lo) / (v_hi - v_lo);  // exact: spacing is a power of two
      const uint64_t frac32 = static_cast<uint64_t>(std::floor(std::ldexp(frac, 32)));
      up = frac32 + rand_bits >= (uint64_t{1} << 32);
      break;
    }
  }
  if (!up) return {false, lo};
  if (hi_is_past) return {true, 0};
  return {false, hi};
}

uint32_t Converter::finish(const Rounded& rr, bool negative, Round r, Sat s) const {
  if (!rr.overflow) return with_sign(rr.mag_code, negative);
  if (s != Sat::kNoSat) return with_sign(max_mag(), negative);
  const bool neg = negative && t_.has_sign;
  const bool towards_zero = r == Round::kRZ || r == Round::kRTO || (r == Round::kRD && !neg) || (r == Round::kRU && neg);
  return with_sign(towards_zero ? max_mag() : infinite_mag(), negative);
}

uint32_t Converter::convert(double x, bool negative, Round r, Sat s, Nan n, uint32_t rand_bits) const {
  if (std::isnan(x)) return nan_code(negative, n);
  if (std::isinf(x)) return inf_code(negative, s);
  return finish(round_magnitude(std::fabs(x), negative, r, rand_bits), negative, r, s);
}

double value_of_f32(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return static_cast<double>(f);  // exact widening
}

bool f32_is_nan(uint32_t bits) { return (bits & 0x7F800000u) == 0x7F800000u && (bits & 0x7FFFFFu); }

double value_of_bf16(uint16_t bits) { return value_of_f32(static_cast<uint32_t>(bits) << 16); }

double value_of_f16(uint16_t h) {
  const int e = (h >> 10) & 0x1F;
  const int m = h & 0x3FF;
  const double sign = (h & 0x8000) ? -1.0 : 1.0;
  if (e == 0x1F) return m ? std::numeric_limits<double>::quiet_NaN() : sign * std::numeric_limits<double>::infinity();
  if (e == 0) return sign * std::ldexp(m, -24);
  return sign * std::ldexp(1024 + m, e - 25);
}

}  // namespace mor::ref
