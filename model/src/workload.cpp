// Tensor kinds of the built-in workload (what each imitates and which MoR path it exercises):
//   weight        N(0, 0.02^2) like an initialized linear layer: E4M3 with GAM, low error
//   activation    N(0, 1) with 1% outlier channels x60 (the LLM outlier-feature pattern): GAM's per-block offsets
//   relu_act      half-rectified activations with whole 128x128 blocks of zeros: all-zero blocks, NNZ < size
//   gradient      small heavy-tailed values (1e-6 scale, cubed normals): wide range, many E4M3 subnormals
//   wide_range    values spread over 2^-30 .. 2^10: rejected at tensor level, E5M2 / BF16 blocks in sub-tensor
//   near_threshold a mixture tuned so the E4M3 mean relative error sits just above 0.045: the decision is tight
//   narrow        uniform in [1, 2): dynamic range < 7.5, the E2M3 band of sub-tensor MoR
//   nonfinite     activations with a few Inf and NaN: the D2 rule (BF16 passthrough)
//   zeros         an all-zero tensor: the degenerate case of D6
#include "mor/workload.hpp"

#include <stdexcept>

#include "mor/core/convert.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/splitmix64.hpp"

namespace mor {
namespace {

struct Rng : SplitMix64 {
  // Uniform in [0, 1) with 24 random bits: exact integer-to-float conversion and a power-of-two scaling.
  float uniform() { return static_cast<float>(next() >> 40) * 0x1p-24f; }
  // Approximately N(0, 1): Irwin-Hall sum of 12 uniforms minus 6 (tails bounded at +-6, deterministic).
  float normal() {
    float sum = 0.0f;
    for (int k = 0; k < 12; ++k) sum = fadd_rn(sum, uniform());
    return fsub_rn(sum, 6.0f);
  }
};

float ldexp_exact(float v, int e) {  // v * 2^e for e in [-60, 60] by repeated exact scaling
  while (e > 30) { v = fmul_rn(v, 0x1p30f); e -= 30; }
  while (e < -30) { v = fmul_rn(v, 0x1p-30f); e += 30; }
  return fmul_rn(v, f32_from_bits(static_cast<uint32_t>(127 + e) << 23));
}

uint32_t to_bf16_bits(float v) { return f32_from_bf16(bf16_from_f32(f32_bits(v))); }

template <class F>
Tensor make(const std::string& name, int64_t rows, int64_t cols, F&& value) {
  Tensor t{name, DType::kBF16, rows, cols, {}};
  t.bits.reserve(static_cast<std::size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) t.bits.push_back(to_bf16_bits(value(r, c)));
  return t;
}

std::vector<Tensor> build(int64_t scale, uint64_t seed) {
  Rng rng{seed};
  const int64_t n = 128 * scale;  // the base dimension: 1024 for "default", 128 for "small"
  std::vector<Tensor> out;
  out.push_back(make("fc1.weight", n, n / 2, [&](int64_t, int64_t) { return fmul_rn(rng.normal(), 0.02f); }));
  std::vector<bool> outlier(static_cast<std::size_t>(2 * n));
  for (auto&& o : outlier) o = rng.uniform() < 0.01f;
  out.push_back(make("qkv.activation", n / 2, 2 * n, [&](int64_t, int64_t c) {
    return fmul_rn(rng.normal(), outlier[static_cast<std::size_t>(c)] ? 60.0f : 1.0f);
  }));
  out.push_back(make("fc2.relu_act", n / 2, n, [&](int64_t r, int64_t c) {
    if ((r / 128 + c / 128) % 3 == 0) return 0.0f;  // whole zero blocks
    const float v = rng.normal();
    return v > 0 ? v : 0.0f;
  }));
  out.push_back(make("proj.gradient", n, n / 2, [&](int64_t, int64_t) {
    const float v = rng.normal();
    return fmul_rn(fmul_rn(fmul_rn(v, v), v), 1e-6f);
  }));
  out.push_back(make("attn.wide_range", n / 2, n / 2, [&](int64_t, int64_t) {
    const int e = static_cast<int>(rng.next() % 41) - 30;
    return ldexp_exact(fadd_rn(1.0f, rng.uniform()), e);
  }));
  out.push_back(make("mlp.near_threshold", n / 2, n / 2, [&](int64_t, int64_t) {
    const float v = rng.normal();
    return rng.uniform() < 0.024f ? fmul_rn(v, 1e-7f) : v;  // 2.4% far below the E4M3 range: error 1 each
  }));
  out.push_back(make("norm.narrow", n / 4, n / 4, [&](int64_t, int64_t) { return fadd_rn(1.0f, rng.uniform()); }));
  Tensor nf = make("logits.nonfinite", n / 4, n / 2, [&](int64_t, int64_t) { return rng.normal(); });
  nf.bits[17] = kF32Inf;
  nf.bits[nf.bits.size() / 2] = 0xFFC00000u;
  out.push_back(nf);
  out.push_back(make("bias.zeros", 1, n, [](int64_t, int64_t) { return 0.0f; }));
  return out;
}

}  // namespace

std::vector<std::string> workload_names() { return {"default", "small"}; }

std::vector<Tensor> generate_workload(const std::string& name, uint64_t seed) {
  if (name == "default") return build(8, seed);
  if (name == "small") return build(1, seed);
  throw std::invalid_argument("unknown workload '" + name + "' (default|small)");
}

}  // namespace mor
