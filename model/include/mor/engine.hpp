// The transactions the MoR quantization engine (docs/ENGINE.md) must produce for one tensor, computed by the golden
// model. Shared by the Verilator harness, the SystemC engine, the golden-vector writer and its replay testbench.
#pragma once

#include <cstdint>
#include <vector>

#include "mor/policy.hpp"
#include "mor/tensor.hpp"

namespace mor {


struct EngineConfig {
  int mode = 0;                 // 0 tensor-level (two passes, three when the bounds leave it open), 2 sub-tensor
  int block_beats = 4;          // block = block_beats * lanes elements
  int64_t num_blocks = 1;
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

// The tensor info of the done pulse (docs/ENGINE.md, "Ports"). Tensor-level: the interval bounds' sums Sum lo and
// Sum hi (K = kEngineIntervalK), fallbacks = 1 when they left the decision open and the engine read the tensor a
// third time for the exact canonical err_sum (else 0 and err_sum = 0). Sub-tensor: fallbacks = the quant-error
// blocks whose E4M3 and E5M2 bounds overlapped (decided by their exact sums); the sums are 0.
struct EngineTensorInfo {
  uint32_t status = 0;  // EngineStatus: a refused configuration has every other field 0
  uint32_t decision = 0, reason = 0, group_scale = 0, group_amax = 0, fallbacks = 0;
  uint64_t sum_lo = 0, sum_hi = 0, err_sum = 0, nnz = 0;
  bool check_group_scale = true, check_sums = true;  // not defined for a non-finite tensor-level tensor
};

struct EngineExpect {
  std::vector<EngineCodeBeat> code_beats;
  std::vector<EngineBlockInfo> blocks;
  std::vector<uint32_t> meta;  // tensor-level: each block's amax, as pass 1 sends it out (and passes 2, 3 take it back)
  EngineTensorInfo tensor;
  int passes = 0;              // how often the engine reads the tensor: 0 (refused), 1, 2 or 3
};

// Whether the engine refuses this configuration (EngineStatus::kRefused): zero-sized or oversized blocks, no blocks,
// more than 2^kEngineElementsLog2Max elements, modes other than 0 and 2.
bool engine_refuses(const EngineConfig& c);

// `block_major` has one row per block (num_blocks x block_beats*lanes): the order the engine receives.
EngineExpect engine_expected(const Tensor& block_major, const EngineConfig& c);

// The input beats of one pass over the tensor, in order, each `lanes` FP32 words. The engine reads the tensor
// EngineExpect::passes times (tensor-level: twice, a third time when it raises refetch).
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
