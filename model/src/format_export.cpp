#include "mor/format_export.hpp"

#include <cctype>
#include <cstdarg>
#include <string>
#include <vector>

#include "mor/core/contract.hpp"
#include "mor/core/convert.hpp"
#include "mor/core/format.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/names.hpp"
#include "mor/policy.hpp"
#include "mor/strformat.hpp"

namespace mor {
namespace {

// "satfinite-only" -> "SATFINITE_ONLY": the model's user-facing names as SystemVerilog and CMake identifiers.
std::string identifier(const std::string& name) {
  std::string u(name);
  for (auto& c : u) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

std::string format_name(const FormatSpec& f) { return identifier(f.name); }

const char* special_name(Special s) {
  switch (s) {
    case Special::kIeee: return "ieee";
    case Special::kFiniteNan: return "finite-nan";
    case Special::kFinite: return "finite";
    case Special::kScale: return "scale";
  }
  return "?";
}

std::string line(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string line(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::string s = vstrformat(fmt, ap);
  va_end(ap);
  return s + "\n";
}

// 32'h43E0_0000: FP32 bits grouped as the RTL writes them.
std::string hex32(uint32_t bits) { return strformat("32'h%04X_%04X", bits >> 16, bits & 0xFFFFu); }

std::string value_of(uint32_t bits) { return strformat("%.9g", static_cast<double>(f32_from_bits(bits))); }

// localparam logic [31:0] NAME = 32'h...;  // value
std::string f32_param(const std::string& name, uint32_t bits, const std::string& why = "") {
  const std::string decl = "  localparam logic [31:0] " + name + " = " + hex32(bits) + ";";
  return line("%-56s  // %s%s%s", decl.c_str(), value_of(bits).c_str(), why.empty() ? "" : ": ", why.c_str());
}

std::string int_param(const std::string& name, long long value, const std::string& why = "") {
  const std::string decl = "  localparam int " + name + " = " + std::to_string(value) + ";";
  return why.empty() ? decl + "\n" : line("%-56s  // %s", decl.c_str(), why.c_str());
}

// A per-format function of the table: one case item per format that has a value, `fallback` for the others.
struct Entry {
  std::string label;
  std::string value;
};

std::string table_function(const char* type, const char* name, const std::vector<Entry>& entries,
                           const std::string& fallback, const char* why) {
  std::string out = line("  // %s", why);
  out += line("  function automatic %s %s(input int fmt);", type, name);
  out += "    case (fmt)\n";
  for (const Entry& e : entries) out += line("      %s: %s = %s;", e.label.c_str(), name, e.value.c_str());
  out += line("      default: %s = %s;", name, fallback.c_str());
  out += "    endcase\n  endfunction\n";
  return out;
}

template <class F>
std::vector<Entry> per_format(F value) {
  std::vector<Entry> entries;
  for (const FormatSpec* f : kAllFormats) entries.push_back({"FMT_" + format_name(*f), value(*f)});
  return entries;
}

std::string hex64(uint64_t v) { return strformat("64'h%llX", static_cast<unsigned long long>(v)); }

// The element formats that carry an FMAX (FormatTag) and their FormatId twins.
struct ElementFormat {
  FormatTag tag;
  const FormatSpec* spec;
};
constexpr ElementFormat kElementFormats[] = {
    {FormatTag::kE4M3, &kE4M3Spec}, {FormatTag::kE5M2, &kE5M2Spec}, {FormatTag::kE2M3, &kE2M3Spec}};

std::string formats_section() {
  std::string out =
      "  // ---- number formats (format.hpp) ----\n"
      "  // Format numbers: mor::FormatId. A module's `parameter int FMT` takes one of them.\n";
  for (int i = 0; i < static_cast<int>(std::size(kAllFormats)); ++i)
    out += int_param("FMT_" + format_name(*kAllFormats[i]), i);
  out += int_param("NUM_FORMATS", static_cast<long long>(std::size(kAllFormats)));
  out += "\n  // How a format spends its all-ones exponent (mor::Special).\n";
  out += int_param("SPECIAL_IEEE", static_cast<int>(Special::kIeee), "exp all-ones: Inf (mantissa 0) or NaN");
  out += int_param("SPECIAL_FINITE_NAN", static_cast<int>(Special::kFiniteNan), "no Inf; all-ones is NaN (E4M3)");
  out += int_param("SPECIAL_FINITE", static_cast<int>(Special::kFinite), "no Inf, no NaN (E2M3, E3M2, E2M1)");
  out += int_param("SPECIAL_SCALE", static_cast<int>(Special::kScale), "E8M0: 2^(code-127), 0xFF NaN");
  out += "\n  // The per-format table (FormatSpec), one function per field.\n";
  auto num = [](long long v) { return std::to_string(v); };
  out += table_function("int", "sign_bits", per_format([&](const FormatSpec& f) { return num(f.sign_bits); }), "0",
                        "sign bits: 0 or 1");
  out += table_function("int", "exp_bits", per_format([&](const FormatSpec& f) { return num(f.exp_bits); }), "0",
                        "exponent bits");
  out += table_function("int", "man_bits", per_format([&](const FormatSpec& f) { return num(f.man_bits); }), "0",
                        "mantissa (fraction) bits");
  out += table_function("int", "bias", per_format([&](const FormatSpec& f) { return num(f.bias); }), "0",
                        "exponent bias");
  out += table_function("int", "special",
                        per_format([&](const FormatSpec& f) { return "SPECIAL_" + identifier(special_name(f.special)); }),
                        "SPECIAL_IEEE", "special-value rule (SPECIAL_*)");
  out += table_function("int", "width", per_format([&](const FormatSpec& f) { return num(f.bits()); }), "0",
                        "bits of one code");
  out += table_function("logic [63:0]", "max_finite_mag",
                        per_format([&](const FormatSpec& f) { return hex64(f.max_finite_mag()); }), "64'h0",
                        "magnitude code (sign cleared) of the largest finite value");
  out += table_function("logic [63:0]", "quiet_nan_mag",
                        per_format([&](const FormatSpec& f) { return hex64(f.quiet_nan_mag()); }), "64'h0",
                        "magnitude code of the quiet NaN (IEEE: top mantissa bit; kFiniteNan: all ones)");
  return out;
}

std::string knobs_section() {
  std::string out =
      "\n  // ---- conversion knobs (convert.hpp): the codes of the converters' mode ports ----\n"
      "  typedef enum logic [2:0] {\n";
  const int rounding_count = static_cast<int>(Rounding::kSR) + 1;
  for (int r = 0; r < rounding_count; ++r)
    out += line("    RND_%s = 3'd%d%s", identifier(name_of(static_cast<Rounding>(r))).c_str(), r,
                r + 1 < rounding_count ? "," : "");
  out += "  } rounding_e;\n  typedef enum logic [1:0] {\n";
  const int overflow_count = static_cast<int>(Overflow::kSatFiniteOnly) + 1;
  for (int o = 0; o < overflow_count; ++o)
    out += line("    OVF_%s = 2'd%d%s", identifier(name_of(static_cast<Overflow>(o))).c_str(), o,
                o + 1 < overflow_count ? "," : "");
  out += "  } overflow_e;\n";
  out += line("  typedef enum logic { NAN_CANON = 1'b%d, NAN_KEEP_SIGN = 1'b%d } nan_e;",
              static_cast<int>(NanEncoding::kCanonical), static_cast<int>(NanEncoding::kKeepSign));
  return out;
}

std::string codes_section() {
  std::string out =
      "\n  // ---- the MoR contract (contract.hpp) ----\n"
      "  // Format tags (D8): per block and per tensor, on the engine's ports and in the golden vectors.\n"
      "  typedef enum logic [1:0] {\n";
  for (int t = 0; t < kFormatTagCount; ++t)
    out += line("    TAG_%s = 2'd%d%s", identifier(name_of(static_cast<FormatTag>(t))).c_str(), t,
                t + 1 < kFormatTagCount ? "," : "");
  out += "  } tag_e;\n";
  out += int_param("TAG_BITS", kFormatTagBits);
  out += int_param("TAG_COUNT", kFormatTagCount);
  out += "  // Why a tensor (or block) got its format.\n  typedef enum logic [1:0] {\n";
  const int reasons = static_cast<int>(Reason::kAllZero) + 1;
  for (int r = 0; r < reasons; ++r)
    out += line("    REASON_%s = 2'd%d%s", identifier(name_of(static_cast<Reason>(r))).c_str(), r,
                r + 1 < reasons ? "," : "");
  out += "  } reason_e;\n";
  out += int_param("REASON_BITS", kReasonBits);
  out += line("  // The engine's cfg_mode. MODE_TENSOR_LEVEL_SUPPLIED_AMAX exists in the SystemC model only.");
  out += line("  typedef enum logic [1:0] {");
  out += line("    MODE_TENSOR_LEVEL = 2'd%d,", static_cast<int>(EngineMode::kTensorLevel));
  out += line("    MODE_TENSOR_LEVEL_SUPPLIED_AMAX = 2'd%d,", static_cast<int>(EngineMode::kTensorLevelSuppliedAmax));
  out += line("    MODE_SUB_TENSOR = 2'd%d", static_cast<int>(EngineMode::kSubTensor));
  out += "  } mode_e;\n";
  out += int_param("MODE_BITS", kEngineModeBits);
  return out;
}

std::string fp32_values_section() {
  std::string out = "\n  // FMAX of each element format (spec 1, 3): the numerator of every scale rule.\n";
  std::vector<Entry> fmax_entries, floor_entries;
  for (const ElementFormat& e : kElementFormats) {
    const std::string n = format_name(*e.spec);
    out += f32_param("FMAX_" + n, f32_bits(fmax_of(e.tag)));
    fmax_entries.push_back({"FMT_" + n, "FMAX_" + n});
  }
  out += "  // RN32(1 / FMAX): the multiplier of the NV_RCEIL block scale (scale.hpp nv_rceil_scale_e8m0).\n";
  for (const ElementFormat& e : kElementFormats)
    out += f32_param("FMAX_RECIPROCAL_" + format_name(*e.spec), f32_bits(fdiv_rn(1.0f, fmax_of(e.tag))));
  out += table_function("logic [31:0]", "fmax", fmax_entries, "32'h0", "FMAX of an element format (0 for others)");
  out += "\n  // GAM amax floors (D3): the E5M2 floor is the E4M3 floor times 2^7, as its FMAX is.\n";
  out += f32_param("GAM_AMAX_FLOOR_E4M3", kGamAmaxFloor);
  out += f32_param("GAM_AMAX_FLOOR_E5M2", kGamAmaxFloorE5M2);
  floor_entries.push_back({"FMT_E4M3", "GAM_AMAX_FLOOR_E4M3"});
  floor_entries.push_back({"FMT_E5M2", "GAM_AMAX_FLOOR_E5M2"});
  out += table_function("logic [31:0]", "gam_amax_floor", floor_entries, "32'h0",
                        "the GAM floor of a candidate format (0 for others)");
  out += "\n  // Sub-tensor bands (spec 7, D7): the largest dynamic range DR = a / a_min (inclusive) of each format.\n"
         "  // Compared as the bits of non-negative FP32 values.\n";
  out += f32_param("BAND_E2M3", f32_bits(kBandE2M3), "E2M3 (when enabled)");
  out += f32_param("BAND_E4M3", f32_bits(kBandE4M3), "E4M3");
  out += f32_param("BAND_E4M3_QUANT_ERROR", f32_bits(kBandE4M3QuantError), "E4M3 in quant-error mode");
  out += f32_param("BAND_E5M2", f32_bits(kBandE5M2), "E5M2");
  out += "\n  // FP32 values the units use (fp32_ops.hpp).\n";
  out += f32_param("F32_ONE", kF32One);
  out += f32_param("F32_MAX", kF32Max, "largest finite");
  out += f32_param("F32_INF", kF32Inf);
  out += f32_param("F32_QUIET_NAN", kF32QuietNan, "the NaN every FP32 unit returns");
  return out;
}

std::string engine_section() {
  std::string out = "\n  // The canonical error metric's grid (D5): e_fx = floor(min(e, 2) * 2^ERROR_FRAC_BITS).\n";
  out += int_param("ERROR_FRAC_BITS", kErrorFracBits);
  out += "\n  // The engine's parameters (docs/ENGINE.md): the defaults of the RTL, the SystemC model and the harnesses.\n";
  out += int_param("ENGINE_LANES", kEngineLanes, "elements per beat");
  out += int_param("ENGINE_BLOCK_BEATS_MAX", kEngineBlockBeatsMax, "largest block in beats");
  out += int_param("ENGINE_BLOCK_FIFO_DEPTH", kEngineBlockFifoDepth, "block-info FIFO entries");
  out += int_param("ENGINE_META_FIFO_DEPTH", kEngineMetaFifoDepth, "block-amax queues of the metadata port");
  out += int_param("ENGINE_LANE_CUTS", kEngineLaneCuts, "register cuts in the lanes' multiply (bit mask)");
  out += int_param("ENGINE_INTERVAL_K", kEngineIntervalK, "interval metric table: 2^K + 1 nodes");
  out += int_param("ENGINE_ELEMENTS_LOG2_MAX", kEngineElementsLog2Max, "larger tensors are refused");
  out += "  // What a beat issued into the lanes is for (mor::EngineBeat).\n  typedef enum logic [1:0] {\n";
  out += line("    BEAT_EMIT = 2'd%d,", static_cast<int>(EngineBeat::kEmit));
  out += line("    BEAT_MEASURE_E4M3 = 2'd%d,", static_cast<int>(EngineBeat::kMeasureE4M3));
  out += line("    BEAT_MEASURE_E5M2 = 2'd%d,", static_cast<int>(EngineBeat::kMeasureE5M2));
  out += line("    BEAT_FALLBACK = 2'd%d", static_cast<int>(EngineBeat::kFallback));
  out += "  } beat_e;\n";
  out += int_param("BEAT_BITS", kEngineBeatBits);
  out += "  // The engine's status with the done pulse (mor::EngineStatus).\n  typedef enum logic [1:0] {\n";
  out += line("    STATUS_OK = 2'd%d,", static_cast<int>(EngineStatus::kOk));
  out += line("    STATUS_REFUSED = 2'd%d", static_cast<int>(EngineStatus::kRefused));
  out += "  } status_e;\n";
  out += int_param("STATUS_BITS", kEngineStatusBits);
  return out;
}

}  // namespace

std::string verilog_package() {
  std::string out =
      "// GENERATED by `mor formats --verilog` from the model's MOR_HD headers (model/include/mor/core/format.hpp,\n"
      "// convert.hpp, fp32_ops.hpp, contract.hpp). Do not edit: change those headers and run `make formats`.\n"
      "// Test: formats.VerilogPackageInSync.\n"
      "//\n"
      "// The contract for the RTL, as fpnew_pkg is for FPnew: format numbers with a per-format table read through\n"
      "// functions (exp_bits(fmt), fmax(fmt), ...), the wire codes as enums, and the constants. A module takes one\n"
      "// format parameter, `parameter int FMT = mor_pkg::FMT_E4M3`. It is an int, not an enum type: Icarus 11\n"
      "// cannot give a parameter a package enum type, and Yosys 0.23 cannot read enum labels in a constant\n"
      "// function. Modules name everything with the mor_pkg:: prefix (Yosys 0.23 has no `import`).\n"
      "/* verilator lint_off UNUSEDPARAM */  // a package exports values; no one design uses all of them\n"
      "package mor_pkg;\n\n";
  out += formats_section();
  out += knobs_section();
  out += codes_section();
  out += fp32_values_section();
  out += engine_section();
  out += "\nendpackage\n/* verilator lint_on UNUSEDPARAM */\n";
  return out;
}

std::string cmake_contract() {
  std::string out =
      "# GENERATED by `mor formats --cmake` from the model's MOR_HD headers (format.hpp, contract.hpp). Do not edit:\n"
      "# run `make formats`. Test: formats.CMakeContractInSync. The format numbers are the values of the RTL's FMT\n"
      "# parameter (rtl/include/mor_pkg.sv), for Verilator's -G options.\n";
  for (int i = 0; i < static_cast<int>(std::size(kAllFormats)); ++i)
    out += line("set(MOR_FMT_%s %d)", format_name(*kAllFormats[i]).c_str(), i);
  out += line("set(MOR_ENGINE_LANES %d)", kEngineLanes);
  out += line("set(MOR_ENGINE_BLOCK_BEATS_MAX %d)", kEngineBlockBeatsMax);
  out += line("set(MOR_ENGINE_BLOCK_FIFO_DEPTH %d)", kEngineBlockFifoDepth);
  out += line("set(MOR_ENGINE_META_FIFO_DEPTH %d)", kEngineMetaFifoDepth);
  out += line("set(MOR_ENGINE_LANE_CUTS %d)", kEngineLaneCuts);
  return out;
}

std::string format_table_text() {
  std::string out = "format  sign exp man bias  emin  special      max_finite_mag  quiet_nan_mag\n";
  for (const FormatSpec* f : kAllFormats) {
    out += line("%-7s %4d %3d %3d %4d %5d  %-11s  0x%-13llx 0x%llx", f->name, f->sign_bits, f->exp_bits,
                f->man_bits, f->bias, f->emin(), special_name(f->special), static_cast<unsigned long long>(f->max_finite_mag()),
                static_cast<unsigned long long>(f->quiet_nan_mag()));
  }
  return out;
}

}  // namespace mor
