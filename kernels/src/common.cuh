// Pieces shared by both generations of the MoR kernels (mor_kernels.cu: the verified ones; mor_kernels_v2.cu).
// Private to kernels/src.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "mor/core/contract.hpp"
#include "mor/core/decision.hpp"
#include "mor/kernels/mor_kernels.hpp"
#include "mor/kernels/tiling.hpp"
#include "mor/kernels/timing.hpp"

namespace mor::gpu {
namespace detail {

inline constexpr int kMaxVecPerThread = 8;  // sub-tensor keeps its block in registers: <= 8 x 8 elements per thread
inline constexpr uint32_t kTagE4M3 = static_cast<uint32_t>(FormatTag::kE4M3);
inline constexpr uint32_t kTagE5M2 = static_cast<uint32_t>(FormatTag::kE5M2);
inline constexpr uint32_t kTagBF16 = static_cast<uint32_t>(FormatTag::kBF16);
inline constexpr uint32_t kTagE2M3 = static_cast<uint32_t>(FormatTag::kE2M3);

// ---- loading 8 elements as FP32 bits ----

template <InputType kIn>
__device__ __forceinline__ void load8(const void* base, int64_t idx, uint32_t (&v)[8]) {
  if constexpr (kIn == InputType::kBF16) {
    const uint4 raw = *reinterpret_cast<const uint4*>(static_cast<const uint16_t*>(base) + idx);
    const uint32_t w[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      v[2 * k] = w[k] << 16;
      v[2 * k + 1] = w[k] & 0xFFFF0000u;
    }
  } else {
    const uint4* p = reinterpret_cast<const uint4*>(static_cast<const float*>(base) + idx);
    const uint4 a = p[0], b = p[1];
    v[0] = a.x; v[1] = a.y; v[2] = a.z; v[3] = a.w;
    v[4] = b.x; v[5] = b.y; v[6] = b.z; v[7] = b.w;
  }
}

// ---- teams: reductions over the threads that own one block ----

struct Team {
  int size;        // threads per block
  int lane;        // this thread's index in its team
  int64_t block;   // the block this team owns (may be >= blocks for idle teams)
  uint32_t mask;   // the team's lanes in its warp (all 32 for CTA teams)
};

// The team of this thread when its CTA works on `unit` (the CTA index of a one-unit-per-CTA launch; a persistent
// kernel walks several units per CTA).
__device__ __forceinline__ Team team_of(const Geometry& g, int64_t unit) {
  Team t;
  t.size = g.team;
  if (g.team == kCtaThreads) {
    t.lane = threadIdx.x;
    t.block = unit;
  } else {
    t.lane = threadIdx.x % g.team;
    t.block = unit * (kCtaThreads / g.team) + threadIdx.x / g.team;
  }
  t.mask = team_lane_mask(static_cast<int>(threadIdx.x % kWarp), g.team);
  return t;
}

__device__ __forceinline__ Team team_of(const Geometry& g) { return team_of(g, blockIdx.x); }

// Reduction over one team. Small teams shuffle with their own lane mask, so a team may call it inside a branch its
// warp-mates do not take; CTA teams synchronize the CTA and must be converged (all their branches are uniform).
template <class T, class Op>
__device__ T team_reduce(const Team& t, T v, Op op) {
  const int width = t.size < kWarp ? t.size : kWarp;
  for (int off = width / 2; off > 0; off /= 2) v = op(v, __shfl_xor_sync(t.mask, v, off, width));
  if (t.size <= kWarp) return v;
  __shared__ T partial[kCtaThreads / kWarp];
  __syncthreads();
  if (threadIdx.x % kWarp == 0) partial[threadIdx.x / kWarp] = v;
  __syncthreads();
  T r = partial[0];
  for (int w = 1; w < kCtaThreads / kWarp; ++w) r = op(r, partial[w]);
  return r;
}

struct MaxOp { __device__ uint32_t operator()(uint32_t a, uint32_t b) const { return a > b ? a : b; } };
struct MinOp { __device__ uint32_t operator()(uint32_t a, uint32_t b) const { return a < b ? a : b; } };
struct SumOp {
  template <class T>
  __device__ T operator()(T a, T b) const { return a + b; }
};

// Enqueues the sub-tensor summary's decision (spec 7): the format with the most elements (subtensor_tensor_tag),
// and NonFinite when any element was NaN or Inf. One thread, after the block kernel.
void launch_subtensor_summary(TensorSummary* sum, cudaStream_t stream);

// ---- launch helpers ----

inline unsigned grid_for(const Geometry& g) {
  const int64_t teams_per_cta = kCtaThreads / g.team;
  return static_cast<unsigned>((g.blocks + teams_per_cta - 1) / teams_per_cta);
}

inline int sm_count() {
  int sms = 132;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  return sms;
}

// Grid of a grid-stride loop over `vectors` 8-element vectors: at most 16 CTAs per SM.
inline unsigned stream_grid(int64_t vectors) {
  const int64_t want = (vectors + kCtaThreads - 1) / kCtaThreads;
  const int64_t cap = int64_t{sm_count()} * 16;
  return static_cast<unsigned>(want < cap ? want : cap);
}

inline Status finish(TensorSummary* dev, TensorSummary* host, cudaStream_t stream) {
  Status s = cuda_check(cudaGetLastError(), "kernel launch");
  if (s && host) {
    s = cuda_check(cudaMemcpyAsync(host, dev, sizeof *host, cudaMemcpyDeviceToHost, stream), "summary copy");
    if (s) s = cuda_check(cudaStreamSynchronize(stream), "kernel execution");
  }
  return s;
}

// The kernels move 16-byte vectors of the input and the fake output and 8-byte vectors of codes.
inline Status check_alignment(const DeviceTensor& x, const DeviceOutputs& o) {
  auto misaligned = [](const void* p, uintptr_t a) { return p && reinterpret_cast<uintptr_t>(p) % a != 0; };
  if (misaligned(x.data, 16)) return {false, "misaligned input: the tensor must start on a 16-byte boundary"};
  if (misaligned(o.fake_bf16, 16)) return {false, "misaligned fake_bf16 output: it must start on a 16-byte boundary"};
  if (misaligned(o.codes, 8)) return {false, "misaligned codes output: it must start on an 8-byte boundary"};
  return {};
}

}  // namespace detail

// The second generation (mor_kernels_v2.cu); the arguments are validated by the public entry points.
namespace v2 {
Status tensor_level_mor(const DeviceTensor& x, const Geometry& g, const TensorLevelParams& p, const DeviceOutputs& out,
                        TensorSummary* sum, uint32_t* block_amax, cudaStream_t stream);
Status subtensor_mor(const DeviceTensor& x, const Geometry& g, const SubTensorParams& p, const DeviceOutputs& out,
                     TensorSummary* sum, cudaStream_t stream);
Status current_scaling(const DeviceTensor& x, const DeviceOutputs& out, TensorSummary* sum, cudaStream_t stream);
Status mxfp8(const DeviceTensor& x, const DeviceOutputs& out, cudaStream_t stream);
}  // namespace v2

}  // namespace mor::gpu
