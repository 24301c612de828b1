// MoR policies and the baselines they are compared with (spec sections 3-7, DECISIONS D1-D8). Host only.
//
// Every policy returns a QuantResult: the real quantized output (codes, per-block format tags, scales), the
// fake-quantized values and the statistics a report needs. Blocks tile the tensor row-major; edge blocks may be
// partial. All results are independent of the number of threads.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "mor/core/amax.hpp"
#include "mor/core/contract.hpp"
#include "mor/core/convert.hpp"
#include "mor/core/metric_interval.hpp"
#include "mor/tensor.hpp"

namespace mor {

struct BlockShape {
  int64_t rows = 128, cols = 128;
};

enum class Candidate : uint8_t { kE4M3Gam, kE5M2Gam, kBF16 };
enum class MetricKind : uint8_t { kCanonical, kFp32Reference, kInterval };  // kInterval: docs/interval-metric.md
enum class Bf16Rounding : uint8_t { kRne, kMorRef };        // output rounding of the fake-quantized tensor
enum class ErrorForm : uint8_t { kSpec, kMorRef };          // |(d - x) / x|  or  |d / x - 1| (sub-tensor QE)
enum class DequantMode : uint8_t { kDivideByScale, kMultiplyByInverse };  // spec 5, or TE's scale_inv
enum class SubTensorMode : uint8_t { kDynamicRange, kQuantError };
enum class BlockScaleRule : uint8_t { kE8RZ, kFp32 };       // MOR_E8_RZ power of two, or RN32(FMAX / amax)
enum class MxScaleRule : uint8_t { kNvRceil, kOcpFloor };
// The fake-quantized values a policy writes (with write_outputs): FP32 bits (QuantResult::dequant), or their BF16
// rounding by rules.bf16 (QuantResult::dequant_bf16, the same as fake_bf16(rules.bf16) without the FP32 array:
// what a BF16 output file holds, 2 bytes per element instead of 4).
enum class FakeOutput : uint8_t { kFp32, kBf16 };
// What a policy sums of the error of its output (QuantResult::output_err_*): nothing (a bare baseline), the exact
// canonical sum and count, or those and the FP32 sum in D5's order.
enum class OutputErrors : uint8_t { kNone, kCanonical, kCanonicalAndFp32 };

// Element-level rules every policy shares; set by the named profiles (profile.hpp).
struct ElementRules {
  ConvertMode mode = kFp8Default;
  NanPolicy nan_policy = NanPolicy::kIgnoreNan;
  Bf16Rounding bf16 = Bf16Rounding::kRne;  // the fake-quantized output's BF16, and what BF16 keeps (D2)
  DequantMode dequant = DequantMode::kDivideByScale;
  bool negative_zero_to_positive = false;  // microxcaling writes -0 and negative underflow as +0
};

struct TensorLevelConfig {
  std::vector<Candidate> candidates{Candidate::kE4M3Gam, Candidate::kBF16};
  double threshold = 0.045;
  BlockShape block;                       // GAM blocks: 128x128 default; 1xN, Nx1, 1x32 ...
  BlockShape group{0, 0};                 // GAM groups tiled by blocks; {0, 0} = the whole tensor
  MetricKind metric = MetricKind::kCanonical;
  int interval_k = kIntervalDefaultK;     // kInterval: (2^k+1)-node reciprocal table (kIntervalMinK..kIntervalMaxK)
  bool compute_reference_metric = true;   // also report the FP32 metric (costs a little time)
  bool gam_group_floor = true;            // D3: apply the 1e-35 floor to the group amax too
  bool zero_inputs_positive = false;      // MOR_REF: a zero input comes out +0 (code 0x00) when FP8 is chosen
  bool write_outputs = true;       // false: tags, scales, decisions and errors only; codes and dequant left empty
  FakeOutput fake_output = FakeOutput::kFp32;
  ElementRules rules;
  int threads = 0;                        // 0: all hardware threads
};

struct SubTensorConfig {
  SubTensorMode mode = SubTensorMode::kDynamicRange;
  BlockShape block;
  bool e5m2_to_bf16 = false;  // later reference versions: every E5M2 block becomes BF16
  bool enable_e2m3 = false;   // experimental FP6 path for DR <= 7.5
  BlockScaleRule scale_rule = BlockScaleRule::kE8RZ;
  // Quant-error mode: the error form, and which sums are compared (canonical fixed-point sums, D7, or the
  // reference's FP32 sums in its order, MOR_REF; see ref_error_sum.hpp).
  ErrorForm error_form = ErrorForm::kSpec;
  MetricKind metric = MetricKind::kCanonical;
  OutputErrors output_errors = OutputErrors::kCanonicalAndFp32;  // what to sum of the output's error
  bool write_outputs = true;       // false: tags, scales, decisions and errors only; codes and dequant left empty
  FakeOutput fake_output = FakeOutput::kFp32;
  ElementRules rules;
  int threads = 0;
};

struct CurrentScalingConfig {
  FormatTag format = FormatTag::kE4M3;
  float eps = 0.0f;
  bool power_of_two = false;
  OutputErrors output_errors = OutputErrors::kCanonicalAndFp32;  // what to sum of the output's error
  bool write_outputs = true;       // false: tags, scales, decisions and errors only; codes and dequant left empty
  FakeOutput fake_output = FakeOutput::kFp32;
  ElementRules rules;
  int threads = 0;
};

struct BlockwiseConfig {  // DeepSeek-style FP32 block scales
  BlockShape block{1, 128};
  bool power_of_two = false;
  OutputErrors output_errors = OutputErrors::kCanonicalAndFp32;  // what to sum of the output's error
  bool write_outputs = true;       // false: tags, scales, decisions and errors only; codes and dequant left empty
  FakeOutput fake_output = FakeOutput::kFp32;
  ElementRules rules;
  int threads = 0;
};

struct MxConfig {
  FormatTag format = FormatTag::kE4M3;
  MxScaleRule rule = MxScaleRule::kNvRceil;
  BlockShape block{1, 32};
  OutputErrors output_errors = OutputErrors::kCanonicalAndFp32;  // what to sum of the output's error
  bool write_outputs = true;       // false: tags, scales, decisions and errors only; codes and dequant left empty
  FakeOutput fake_output = FakeOutput::kFp32;
  ElementRules rules;
  int threads = 0;
};

struct QuantResult {
  std::string policy;
  FormatTag tensor_format = FormatTag::kE4M3;  // tensor-level decision; for per-block policies the common one
  Reason reason = Reason::kAccepted;
  BlockShape block;
  int64_t block_grid_rows = 0, block_grid_cols = 0;
  std::vector<uint8_t> block_tag;         // FormatTag per block
  std::vector<uint32_t> block_amax;       // |x| bits
  std::vector<uint32_t> block_scale;      // effective FP32 multiplier s_j (x * s_j), bits; 0 for BF16 blocks
  std::vector<uint8_t> block_exp_offset;  // GAM k_j
  std::vector<uint8_t> block_scale_e8m0;  // MX: the E8M0 code X of each block
  std::vector<uint32_t> group_amax, group_scale;  // GAM groups (tensor-level), or the tensor's (current scaling)
  std::vector<uint8_t> codes;             // one per element; 0 in BF16 blocks (empty: write_outputs = false)
  std::vector<uint32_t> dequant;          // fake-quantized values (FP32 bits): d, or BF16(x) where kept in BF16
  std::vector<uint16_t> dequant_bf16;     // FakeOutput::kBf16: their BF16 rounding by rules.bf16 (dequant empty)
  uint64_t nnz = 0, nonfinite = 0;
  uint32_t tensor_amax = 0;
  uint64_t err_sum = 0;                   // canonical metric of the decided candidate (tensor-level)
  uint32_t threshold_fx = 0;
  bool canonical_rejects = false;         // canonical decision on the first FP8 candidate
  float mre_fp32 = 0.0f;                  // reference FP32 metric of the first FP8 candidate (order: D5)
  bool fp32_rejects = false;
  // MetricKind::kInterval: the bound sums of the decided candidate and how many FP8 candidates the bounds left
  // undecided (each then decided by the exact err_sum, the fallback pass).
  int interval_k = 0;  // 0: not decided by the interval metric
  uint64_t interval_lo_sum = 0, interval_hi_sum = 0;
  int interval_fallbacks = 0;
  std::array<uint64_t, kFormatTagCount> blocks_per_format{}, elements_per_format{};
  // The error of what was written: D5's e of every nonzero finite x against its fake-quantized value (BF16 blocks
  // included), summed exactly on the grid, and in FP32 in D5's order over the result's blocks when asked for
  // (tensor level: always, FP32 with compute_reference_metric; the others: output_errors). Tensor level, FP8
  // decided: the metric.
  uint64_t output_err_sum = 0, output_nnz = 0;
  float output_err_fp32 = 0.0f;
  bool has_output_err_fp32 = false;

  // The fake-quantized tensor as BF16 (with the result's rounding rule), or as FP32. A result written as BF16
  // (dequant_bf16) gives those values, which were rounded by its rules' rounding.
  std::vector<uint16_t> fake_bf16(Bf16Rounding rounding) const;
};

// Block statistics (D1) of one tensor for several block shapes, computed in one pass over its data (each row in
// groups of columns, each group merged into the blocks of every shape): what mor analyze computes once for the five
// policies it runs on each tensor. A policy given shared statistics uses those of its block shape and NaN policy
// when they were computed for the tensor it is given (its element array, rows and columns), and computes its own
// otherwise; the results are the same either way. Compute them again after changing the tensor's data.
class SharedStats {
 public:
  void compute(const Tensor& t, const std::vector<BlockShape>& shapes, NanPolicy policy, int threads = 0);
  // The statistics of `shape`'s blocks (row-major over its grid), or null when none were computed for these.
  const std::vector<BlockStats>* find(const Tensor& t, BlockShape shape, NanPolicy policy) const;

 private:
  const void* data_ = nullptr;
  int64_t rows_ = 0, cols_ = 0;
  NanPolicy policy_ = NanPolicy::kIgnoreNan;
  std::vector<BlockShape> shapes_;
  std::vector<std::vector<BlockStats>> stats_;
};

// Current scaling's blocks (one scale for the tensor; the blocks only divide the work and the statistics).
inline constexpr BlockShape kCurrentScalingBlocks{128, 128};

QuantResult quantize_tensor_level(const Tensor& t, const TensorLevelConfig& cfg);
QuantResult quantize_subtensor(const Tensor& t, const SubTensorConfig& cfg);
QuantResult quantize_current_scaling(const Tensor& t, const CurrentScalingConfig& cfg);
QuantResult quantize_blockwise(const Tensor& t, const BlockwiseConfig& cfg);
QuantResult quantize_mx(const Tensor& t, const MxConfig& cfg);

// The same into `out`, reusing the capacity of its element buffers (codes, dequant): a loop over tensors that passes
// one result per policy allocates, faults in and zero-fills those buffers once, not per tensor. `stats`: block
// statistics shared with other policies on the same tensor (SharedStats), or null.
void quantize_tensor_level(const Tensor& t, const TensorLevelConfig& cfg, QuantResult& out,
                           const SharedStats* stats = nullptr);
void quantize_subtensor(const Tensor& t, const SubTensorConfig& cfg, QuantResult& out, const SharedStats* stats = nullptr);
void quantize_current_scaling(const Tensor& t, const CurrentScalingConfig& cfg, QuantResult& out,
                              const SharedStats* stats = nullptr);
void quantize_blockwise(const Tensor& t, const BlockwiseConfig& cfg, QuantResult& out, const SharedStats* stats = nullptr);
void quantize_mx(const Tensor& t, const MxConfig& cfg, QuantResult& out, const SharedStats* stats = nullptr);

const char* name_of(FormatTag f);
const char* name_of(Reason r);

}  // namespace mor
