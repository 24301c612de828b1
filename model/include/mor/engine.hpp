// The transactions the MoR quantization engine (docs/ENGINE.md) must produce for one tensor, computed by the golden
// model. Shared by the Verilator harness, the SystemC engine, the golden-vector writer and its replay testbench.
#pragma once

#include <cstdint>
#include <vector>

#include "mor/policy.hpp"
#include "mor/tensor.hpp"

namespace mor {


struct EngineConfig {
  int mode = 0;                 // 0 tensor-level (two passes), 2 sub-tensor (one pass)
  int block_beats = 4;          // block = block_beats * lanes elements
  int num_blocks = 1;
  uint32_t threshold_fx = 754974;
  bool qe = false, e5m2_to_bf16 = false, fp32_scales = false;
  int lanes = kEngineLanes;
};

struct EngineCodeBeat {
  std::vector<uint8_t> codes;  // lanes codes, lane 0 first
  bool block_last;
};

struct EngineBlockInfo {
  uint32_t index, tag, scale;  // scale: GAM offset k_j (tensor-level) or FP32 bits of the block scale
};

struct EngineTensorInfo {
  uint32_t decision, reason, group_scale, group_amax;
  uint64_t err_sum, nnz;
  bool check_group_scale, check_err_sum;  // not defined for a non-finite tensor-level tensor
};

struct EngineExpect {
  std::vector<EngineCodeBeat> code_beats;
  std::vector<EngineBlockInfo> blocks;
  EngineTensorInfo tensor;
};

// `block_major` has one row per block (num_blocks x block_beats*lanes): the order the engine receives.
EngineExpect engine_expected(const Tensor& block_major, const EngineConfig& c);

// The input beats the engine receives, in order (tensor-level: the tensor twice), each `lanes` FP32 words.
std::vector<std::vector<uint32_t>> engine_input_beats(const Tensor& block_major, const EngineConfig& c);

// A seeded block-major test tensor: each block in one of the directed styles of spec 9 (normal, wide range,
// all-zero, sparse, narrow, NaN inside, Inf inside, near overflow, subnormal values). style < 0 picks one of the
// first kEngineBlockStyles at random. kEngineStyleE5Band gives block dynamic ranges of 2^14..2^30, 3,994 of 4,000
// two-beat blocks inside the E5M2 band of D7 (where sub-tensor dynamic-range mode picks E5M2). It is drawn only
// when asked for, which keeps the random mix, and so every seeded test tensor, as it was.
Tensor engine_test_tensor(uint64_t seed, const EngineConfig& c, int style = -1);
const char* engine_block_style_name(int style);
inline constexpr int kEngineBlockStyles = 10;
inline constexpr int kEngineStyleE5Band = kEngineBlockStyles;

}  // namespace mor
