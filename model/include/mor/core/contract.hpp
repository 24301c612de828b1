// The MoR contract: every number and code that the model, the RTL, the SystemC engine and the CUDA kernels must
// agree on, defined once (DECISIONS D3, D6, D7, D8; docs/ENGINE.md).
//
// The model and the kernels include this header; the RTL reads the same values from the package that
// `mor formats --verilog` generates from it (rtl/include/mor_pkg.sv), and CMake reads the engine parameters
// through `mor formats --cmake`. Values are written here as FP32 literals or bit patterns exactly once; everything
// else (hex in the package, the bands as bit patterns) is derived from them.
#pragma once

#include <cstdint>

#include "mor/core/format.hpp"
#include "mor/core/hd.hpp"

namespace mor {

// ---- codes on the wires (D8, docs/ENGINE.md) ----

// Per-block and per-tensor format tag. The numbering is on the engine's ports and in the golden vectors.
enum class FormatTag : uint8_t { kE4M3 = 0, kE5M2 = 1, kBF16 = 2, kE2M3 = 3 };
inline constexpr int kFormatTagBits = 2;
inline constexpr int kFormatTagCount = 4;

// Why a tensor (or block) got its format.
enum class Reason : uint8_t { kAccepted = 0, kRejected = 1, kNonFinite = 2, kAllZero = 3 };
inline constexpr int kReasonBits = 2;

// The engine's cfg_mode. kTensorLevelSuppliedAmax (one pass, the group amax supplied by the producer) exists in
// the SystemC model only; the RTL refuses it.
enum class EngineMode : uint8_t { kTensorLevel = 0, kTensorLevelSuppliedAmax = 1, kSubTensor = 2 };
inline constexpr int kEngineModeBits = 2;

// ---- FMAX of each element format (spec 1, 3): the largest finite value, the numerator of every scale rule ----

inline constexpr float kE2M3Max = 7.5f;
// kE4M3Max = 448 and kE5M2Max = 57344 live in format.hpp beside the format table; both have the significand 1.75,
// so 448/a and 57344/a share their mantissa bits (spec 1), which GAM relies on.

MOR_HD float fmax_of(FormatTag f) {
  return f == FormatTag::kE4M3 ? kE4M3Max : f == FormatTag::kE5M2 ? kE5M2Max : f == FormatTag::kE2M3 ? kE2M3Max : 0.0f;
}

// ---- GAM amax floors (D3) ----

// 1e-35f for E4M3. The E5M2 candidate's floor is scaled by the same 2^7 as its FMAX (57344 = 448 * 2^7), else
// 57344 / 1e-35 would overflow FP32: 0x08D4AD2E.
inline constexpr uint32_t kGamAmaxFloor = 0x0554AD2Eu;
inline constexpr uint32_t kGamAmaxFloorE5M2 = kGamAmaxFloor + (7u << 23);

// ---- sub-tensor bands on the block dynamic range DR = a / a_min (spec 7, D7) ----
// Each band is a largest DR (inclusive). All are exact FP32 values, compared as FP32 (or, equivalently, as the
// bits of non-negative FP32 values, which is what the RTL does).

inline constexpr float kBandE2M3 = kE2M3Max;                     // DR <= 7.5: E2M3 (when enabled)
inline constexpr float kBandE4M3 = kE4M3Max * 64.0f;             // 28672 = 448 * 2^6
inline constexpr float kBandE4M3QuantError = kBandE4M3 * 4.0f;   // 114688: quant-error mode's wider E4M3 band
inline constexpr float kBandE5M2 = kE5M2Max * 16384.0f;          // 939524096 = 57344 * 2^14

// ---- the error metric's grid and default threshold (D5) ----

inline constexpr int kErrorFracBits = 24;      // e_fx = floor(min(e, 2) * 2^24)
inline constexpr double kDefaultThreshold = 0.045;

// ---- the engine's parameters (docs/ENGINE.md): the defaults of the RTL, the SystemC model and the harnesses ----

inline constexpr int kEngineLanes = 32;            // elements per beat
inline constexpr int kEngineBlockBeatsMax = 512;   // largest block in beats (128x128 at 32 lanes): block buffer depth
inline constexpr int kEngineBlockFifoDepth = 4;    // block-info FIFO entries
inline constexpr int kEngineMetaFifoDepth = 8;     // block-amax queues of the metadata port (tensor-level mode)
// Register cuts inside the lanes between stage X and the code stage: bit 0 after the product, bit 1 after the FP32
// rounding. 3 (both) is the 100 MHz plan on SKY130 HD (docs/ENGINE.md, "Timing"); each cut removed saves a
// register stage and lowers the clock.
inline constexpr int kEngineLaneCuts = 3;
inline constexpr int kEngineIntervalK = 6;  // the interval metric's table: 2^K + 1 nodes (6..10); the lanes' cost rows use it too
inline constexpr int kEngineClockTargetMhz = 100;  // the clock the RTL is pipelined for (SKY130 HD tt_025C_1v80)
// The 64-bit error sums are exact for up to 2^39 elements (D5): a larger tensor is refused.
inline constexpr int kEngineElementsLog2Max = 39;

// What a beat issued into the engine's lanes is for: its codes go out (emit); only its interval bounds count, in
// E4M3 or E5M2 (quant-error mode measures a block both ways before it chooses); or its codes go to the fallback unit,
// which computes the beat's exact errors (an undecided tensor or block). Internal to the engine, shared by the RTL
// units and the SystemC model.
enum class EngineBeat : uint8_t { kEmit = 0, kMeasureE4M3 = 1, kMeasureE5M2 = 2, kFallback = 3 };
inline constexpr int kEngineBeatBits = 2;

// The engine's status with the done pulse: the tensor ran, or its configuration was refused (no input is read and
// no code is written: zero-sized blocks, a block past the block buffers, a tensor past the exact range, mode 1 or 3).
enum class EngineStatus : uint8_t { kOk = 0, kRefused = 1 };
inline constexpr int kEngineStatusBits = 2;

}  // namespace mor
