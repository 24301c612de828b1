// Independent reference conversions written from the spec (section 1 and 2) for testing mor::convert.
//
// Shares no code with model/include/mor/core/convert.hpp: each target format is a sorted table of its non-negative
// finite values, decoded from the format's definition with ldexp; an input is converted by binary search, and
// rounding compares against the exact midpoint (every FP32 input, table value and midpoint is exact in double).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mor::ref {

enum class Round { kRNE, kRNA, kRZ, kRU, kRD, kRTO, kSR };
enum class Sat { kSatFinite, kNoSat, kSatFiniteOnly };
enum class Nan { kCanon, kKeepSign };

// A target format as the spec's table describes it.
struct Target {
  std::string name;
  int exp_bits, man_bits, bias;
  bool has_sign;
  enum Kind { kIeee, kFn, kFinite, kE8M0 } kind;
};

const Target& e4m3();
const Target& e5m2();
const Target& bf16();
const Target& fp16();
const Target& e8m0();
const Target& e2m3();
const Target& e3m2();
const Target& e2m1();

// The rounding step alone: either a finite magnitude code, or "overflow" (the value rounds past max finite).
struct Rounded {
  bool overflow;
  uint32_t mag_code;  // valid when !overflow
};

class Converter {
 public:
  explicit Converter(const Target& t);
  // Round |x| (finite, nonzero or zero) onto the grid; `negative` selects RU/RD direction; rand for SR.
  Rounded round_magnitude(double abs_x, bool negative, Round r, uint32_t rand_bits = 0) const;
  // Complete conversion of a double (which holds the input exactly), including NaN/Inf/overflow rules.
  uint32_t convert(double x, bool x_is_negative, Round r, Sat s, Nan n, uint32_t rand_bits = 0) const;
  // Overflow/special handling once rounding is known.
  uint32_t finish(const Rounded& rr, bool negative, Round r, Sat s) const;
  uint32_t nan_code(bool negative, Nan n) const;
  uint32_t inf_code(bool negative, Sat s) const;
  double value_of_mag(uint32_t mag) const { return values_[mag]; }
  uint32_t max_mag() const { return static_cast<uint32_t>(values_.size() - 1); }

 private:
  uint32_t with_sign(uint32_t mag, bool negative) const;
  uint32_t infinite_mag() const;  // Inf, else NaN, else max finite
  Target t_;
  std::vector<double> values_;  // values_[mag] for every finite magnitude code, ascending
  double past_max_;             // the next grid value after max finite (480 for E4M3, 65536 for E5M2)
};

// Inputs as exact doubles.
double value_of_f32(uint32_t bits);
double value_of_bf16(uint16_t bits);
double value_of_f16(uint16_t bits);
bool f32_is_nan(uint32_t bits);

}  // namespace mor::ref
