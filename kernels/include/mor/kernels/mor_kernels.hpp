// Host API of the MoR CUDA kernels (kernels/src/mor_kernels.cu). All pointers are device pointers; the tensor is
// row-major, rows x cols, BF16 or FP32. Outputs reproduce the golden model bit for bit (docs/DECISIONS.md):
//   codes       one FP8 code per element (0 where a block or the tensor is kept in BF16)
//   fake_bf16   the fake-quantized tensor, BF16 (RNE of d; BF16 of the input where kept in BF16)
//   block_tag   FormatTag per block (0 E4M3, 1 E5M2, 2 BF16, 3 E2M3)
//   block_scale FP32 bits of each block's multiplier s_j (0 for BF16 blocks); block_exp_offset: GAM k_j;
//   block_e8m0  MX scale codes.
// Supported tilings: block columns a multiple of 8, the tensor an exact multiple of the block, and either
// block_rows*block_cols >= 256 (one CTA per block) or a power of two <= 256 (a team of <= 32 threads per block).
// Tensor-level MoR uses the default candidate list [E4M3, BF16] and the whole tensor as the GAM group; other
// configurations exist in the model only. Conversions are RNE + SATFINITE (the hardware cvt instructions).
// Alignment: the input and fake_bf16 on 16 bytes, codes on 8 bytes; anything else returns an error status.
//
// Two generations of kernels (issue 21). kVerified: the kernels measured bit-exact on an H100 on 2026-11-22 (plus
// the divergent-shuffle fix and the shared decision functions); the default. kV2: the rewrites (no IEEE divider in
// the element loops, loads issued before use, one reduction round, 128-bit streaming stores, a grid-stride amax
// pass); compiled and proven on the CPU, selected explicitly until a GPU run shows them bit-exact.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "mor/kernels/gpu.hpp"

namespace mor::gpu {

enum class InputType : uint8_t { kF32, kBF16 };
enum class KernelVersion : uint8_t { kVerified, kV2 };

struct DeviceTensor {
  const void* data = nullptr;
  InputType type = InputType::kBF16;
  int64_t rows = 0, cols = 0;
};

struct DeviceOutputs {
  uint8_t* codes = nullptr;
  uint16_t* fake_bf16 = nullptr;
  uint8_t* block_tag = nullptr;
  uint32_t* block_scale = nullptr;
  uint8_t* block_exp_offset = nullptr;
  uint8_t* block_e8m0 = nullptr;
};

// Device-resident result of one tensor; also returned to the host by the *_summary calls.
struct TensorSummary {
  uint32_t group_amax;    // |x| bits (0x7FC00000 when a NaN was propagated)
  uint32_t group_scale;   // r_g (tensor-level) or the current scale
  unsigned long long nnz, nonfinite, err_sum;
  uint32_t decision_tag;  // FormatTag of the tensor (sub-tensor: the format holding the most elements)
  uint32_t reason;        // mor::Reason
  unsigned long long elements_per_format[4];  // sub-tensor: elements per FormatTag
};

struct TensorLevelParams {
  int64_t block_rows = 128, block_cols = 128;
  uint32_t threshold_fx = 754974;  // floor(0.045 * 2^24)
  bool propagate_nan = false;
  KernelVersion version = KernelVersion::kVerified;
  // kV2 only: a tensor whose input fits in half the L2 cache runs as one persistent cooperative kernel (the second
  // read from L2, two launches saved); false forces the three-kernel form.
  bool single_launch_in_l2 = true;
};

struct SubTensorParams {
  int64_t block_rows = 128, block_cols = 128;
  bool quant_error_mode = false;
  bool e5m2_to_bf16 = false;
  bool enable_e2m3 = false;
  bool fp32_scales = false;  // default: MOR_E8_RZ power-of-two block scales
  bool propagate_nan = false;
  KernelVersion version = KernelVersion::kVerified;
};

// Scratch memory for per-block statistics and the summary; reusable across calls.
class Workspace {
 public:
  Workspace() = default;
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  ~Workspace();
  Status reserve(int64_t blocks);
  uint32_t* block_amax() const { return block_amax_; }
  TensorSummary* summary() const { return summary_; }

 private:
  uint32_t* block_amax_ = nullptr;
  TensorSummary* summary_ = nullptr;
  int64_t capacity_ = 0;
};

// Each call enqueues its kernels on `stream`; when `host_summary` is non-null it also copies the summary back and
// synchronizes the stream. With KernelVersion::kV2, fake_bf16 may be null (the fake-quantized output is optional).
Status tensor_level_mor(const DeviceTensor& x, const TensorLevelParams& p, const DeviceOutputs& out, Workspace& ws,
                        cudaStream_t stream, TensorSummary* host_summary = nullptr);
Status subtensor_mor(const DeviceTensor& x, const SubTensorParams& p, const DeviceOutputs& out, Workspace& ws,
                     cudaStream_t stream, TensorSummary* host_summary = nullptr);
Status current_scaling(const DeviceTensor& x, const DeviceOutputs& out, Workspace& ws, cudaStream_t stream,
                       TensorSummary* host_summary = nullptr, KernelVersion version = KernelVersion::kVerified);
Status mxfp8(const DeviceTensor& x, const DeviceOutputs& out, cudaStream_t stream,  // 1x32 blocks, NV_RCEIL
             KernelVersion version = KernelVersion::kVerified);

// Small device-memory helpers so that host code compiled without nvcc (tests, the CLI) can drive the kernels.
Status device_alloc(void** ptr, std::size_t bytes);
Status device_free(void* ptr);
Status copy_to_device(void* dst, const void* src, std::size_t bytes);
Status copy_to_host(void* dst, const void* src, std::size_t bytes);
Status device_fill(void* dst, int byte, std::size_t bytes);

}  // namespace mor::gpu
