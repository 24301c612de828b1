// What the SystemC engine's units hand each other: a beat of input elements, a beat of codes, one block's info
// and the configuration sampled on start. Sizes come from the contract (model/include/mor/core/contract.hpp), as
// the RTL's come from rtl/include/mor_pkg.sv.
#pragma once

#include <array>
#include <cstdint>

#include "mor/core/contract.hpp"

namespace mor::sim {

constexpr int kLanes = kEngineLanes;
constexpr int kBlkFifo = kEngineBlockFifoDepth;  // block-info FIFO entries
constexpr int kMetaFifo = kEngineMetaFifoDepth;  // metadata-out queue entries
// The element path's stalling stages (mor_element_pipe): X, M1 and M2 as the lane cuts have them, C.
constexpr int kLaneStages = 2 + (kEngineLaneCuts & 1) + ((kEngineLaneCuts >> 1) & 1);

using Beat = std::array<uint32_t, kLanes>;  // FP32 bits
using Codes = std::array<uint8_t, kLanes>;

// One entry of the block-info stream (docs/ENGINE.md): the scale field holds k_j in bits 7:0 in tensor-level mode.
struct BlockInfo {
  uint32_t index = 0, tag = 0, scale = 0;
};

// The engine's configuration registers, sampled on start (cfg_* ports).
struct ConfigRegs {
  uint32_t mode = 0, block_beats = 0, num_blocks = 0, threshold_fx = 0;
  bool qe = false, e5m2_to_bf16 = false, fp32_scales = false;
  bool sub_tensor() const { return mode == static_cast<uint32_t>(EngineMode::kSubTensor); }
};

// One beat issued into the element pipeline (stage X), by either controller.
struct Issue {
  bool valid = false;
  EngineBeat kind = EngineBeat::kEmit;
  bool last = false;       // the last beat of its block
  const Beat* x = nullptr;
  uint32_t scale = 0;
  bool e5m2 = false;
};

// A request to the shared divider (mor_div_unit): FP32 a / b, or the raw significand quotient of a and b.
struct DivRequest {
  bool req = false, raw = false;
  uint32_t a = 0, b = 0;
};

}  // namespace mor::sim
