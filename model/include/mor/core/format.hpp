// The one table of number formats (spec section 1).
//
// Model, RTL (the package rtl/include/mor_pkg.sv, written by `mor formats --verilog`, `make formats`) and CUDA
// kernels all read their field widths, biases and special-value rules from here. A format is a type
// (`mor::E4M3`) whose `spec` member is a constexpr FormatSpec, so every datapath is a template over it.
#pragma once

#include <cstdint>

#include "mor/core/hd.hpp"

namespace mor {

// How a format spends its all-ones exponent.
enum class Special : uint8_t {
  kIeee,       // exp all-ones: mantissa 0 is Inf, anything else NaN (FP64, FP32, BF16, FP16, E5M2)
  kFiniteNan,  // no Inf; only exp and mantissa all-ones is NaN (OCP E4M3 "FN", UE4M3)
  kFinite,     // no Inf, no NaN: every code is a number (OCP MX E2M3, E3M2, E2M1)
  kScale,      // E8M0: unsigned power of two 2^(code-127), no zero, 0xFF is NaN
};

struct FormatSpec {
  const char* name;
  int sign_bits;  // 0 or 1
  int exp_bits;
  int man_bits;
  int bias;
  Special special;

  constexpr int bits() const { return sign_bits + exp_bits + man_bits; }
  constexpr uint64_t man_mask() const { return (uint64_t{1} << man_bits) - 1; }
  constexpr uint64_t exp_all_ones() const { return (uint64_t{1} << exp_bits) - 1; }
  constexpr uint64_t mag_mask() const { return (uint64_t{1} << (exp_bits + man_bits)) - 1; }
  constexpr uint64_t sign_mask() const { return sign_bits ? uint64_t{1} << (exp_bits + man_bits) : 0; }
  // Unbiased exponent of the smallest normal number. E8M0 has no subnormals: its smallest code 0x00 is 2^-127.
  constexpr int emin() const { return special == Special::kScale ? -bias : 1 - bias; }
  constexpr bool has_inf() const { return special == Special::kIeee; }
  constexpr bool has_nan() const { return special != Special::kFinite; }
  constexpr bool has_zero() const { return special != Special::kScale; }

  // Magnitude code (sign cleared) of the largest finite value.
  constexpr uint64_t max_finite_mag() const {
    switch (special) {
      case Special::kIeee: return ((exp_all_ones() - 1) << man_bits) | man_mask();
      case Special::kFiniteNan: return mag_mask() - 1;
      case Special::kFinite: return mag_mask();
      case Special::kScale: return mag_mask() - 1;
    }
    return 0;
  }
  // Magnitude code of Inf (only for kIeee).
  constexpr uint64_t inf_mag() const { return exp_all_ones() << man_bits; }
  // NaN with every bit of the magnitude set: CUDA's canonical NaN for each of its types (0x7F for both FP8
  // formats, 0x7FFF for BF16/FP16, 0x7FFFFFFF for FP32).
  constexpr uint64_t all_ones_nan_mag() const { return mag_mask(); }
  // Quiet NaN: all-ones exponent, top mantissa bit (IEEE); the single NaN of kFiniteNan formats.
  constexpr uint64_t quiet_nan_mag() const {
    if (special == Special::kIeee) return (exp_all_ones() << man_bits) | (uint64_t{1} << (man_bits - 1));
    return mag_mask();
  }
};

inline constexpr FormatSpec kFP64Spec{"fp64", 1, 11, 52, 1023, Special::kIeee};
inline constexpr FormatSpec kFP32Spec{"fp32", 1, 8, 23, 127, Special::kIeee};
inline constexpr FormatSpec kBF16Spec{"bf16", 1, 8, 7, 127, Special::kIeee};
inline constexpr FormatSpec kFP16Spec{"fp16", 1, 5, 10, 15, Special::kIeee};
inline constexpr FormatSpec kE4M3Spec{"e4m3", 1, 4, 3, 7, Special::kFiniteNan};
inline constexpr FormatSpec kE5M2Spec{"e5m2", 1, 5, 2, 15, Special::kIeee};
inline constexpr FormatSpec kE8M0Spec{"e8m0", 0, 8, 0, 127, Special::kScale};
inline constexpr FormatSpec kE2M3Spec{"e2m3", 1, 2, 3, 1, Special::kFinite};
inline constexpr FormatSpec kE3M2Spec{"e3m2", 1, 3, 2, 3, Special::kFinite};
inline constexpr FormatSpec kE2M1Spec{"e2m1", 1, 2, 1, 1, Special::kFinite};
inline constexpr FormatSpec kUE4M3Spec{"ue4m3", 0, 4, 3, 7, Special::kFiniteNan};

// Formats as types. `code_t` is the storage of one code (the low bits() bits are used).
struct FP64 { static constexpr FormatSpec spec = kFP64Spec; using code_t = uint64_t; };
struct FP32 { static constexpr FormatSpec spec = kFP32Spec; using code_t = uint32_t; };
struct BF16 { static constexpr FormatSpec spec = kBF16Spec; using code_t = uint16_t; };
struct FP16 { static constexpr FormatSpec spec = kFP16Spec; using code_t = uint16_t; };
struct E4M3 { static constexpr FormatSpec spec = kE4M3Spec; using code_t = uint8_t; };
struct E5M2 { static constexpr FormatSpec spec = kE5M2Spec; using code_t = uint8_t; };
struct E8M0 { static constexpr FormatSpec spec = kE8M0Spec; using code_t = uint8_t; };
struct E2M3 { static constexpr FormatSpec spec = kE2M3Spec; using code_t = uint8_t; };
struct E3M2 { static constexpr FormatSpec spec = kE3M2Spec; using code_t = uint8_t; };
struct E2M1 { static constexpr FormatSpec spec = kE2M1Spec; using code_t = uint8_t; };
struct UE4M3 { static constexpr FormatSpec spec = kUE4M3Spec; using code_t = uint8_t; };

// Run-time name of a format, for tools and reports.
enum class FormatId : uint8_t { kFP64, kFP32, kBF16, kFP16, kE4M3, kE5M2, kE8M0, kE2M3, kE3M2, kE2M1, kUE4M3 };

inline constexpr const FormatSpec* kAllFormats[] = {&kFP64Spec, &kFP32Spec, &kBF16Spec, &kFP16Spec,
                                                    &kE4M3Spec, &kE5M2Spec, &kE8M0Spec, &kE2M3Spec,
                                                    &kE3M2Spec, &kE2M1Spec, &kUE4M3Spec};

constexpr const FormatSpec& spec_of(FormatId id) { return *kAllFormats[static_cast<int>(id)]; }

// FMAX of the FP8 element formats, used by every scale rule: 448 (E4M3), 57344 (E5M2).
inline constexpr float kE4M3Max = 448.0f;
inline constexpr float kE5M2Max = 57344.0f;

}  // namespace mor
