// A 2-D tensor for the policies: FP32 bits of every element (BF16/FP16 inputs widened exactly, F64 rounded to FP32
// by RNE), row-major, with the shape it had in its file. A BF16 tensor may instead hold its stored 16-bit data
// (`bf16`, with `bits` empty): widening BF16 to FP32 is exact (the 16 bits on top of 16 zero bits), so every
// policy reads either form with the same results, and the BF16 form moves half the bytes.
//
// The 2-D view (DECISIONS/README "Tensor files"): the last dimension is the columns and every leading dimension is
// folded into the rows, so (4, 64, 96) is viewed as 256 x 96, (1000,) as 1 x 1000 and a scalar () as 1 x 1. Blocks
// tile this view; outputs are written back with the original shape.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mor {

enum class DType : uint8_t { kF32, kBF16, kF16, kF64 };

struct Tensor {
  std::string name;
  DType dtype = DType::kF32;  // what the values were before widening (decides the fake-quant output type)
  int64_t rows = 0, cols = 0;
  std::vector<uint32_t> bits;  // rows * cols FP32 bit patterns; empty when the tensor holds `bf16`
  std::optional<std::vector<int64_t>> shape = std::nullopt;  // the shape in its file; none: rows x cols
  std::vector<uint16_t> bf16 = {};  // rows * cols BF16 bit patterns as stored (dtype kBF16, `bits` empty), or empty

  bool holds_bf16() const { return bits.empty() && !bf16.empty(); }
  std::size_t size() const { return bits.size() + bf16.size(); }  // one of them is empty
  // The FP32 bits of element i, whichever form the tensor holds.
  uint32_t value(std::size_t i) const { return holds_bf16() ? uint32_t{bf16[i]} << 16 : bits[i]; }
  uint32_t at(int64_t r, int64_t c) const { return value(static_cast<std::size_t>(r * cols + c)); }
  // Every element's FP32 bits (a copy widened from `bf16`, or `bits` itself).
  std::vector<uint32_t> fp32_bits() const {
    if (!holds_bf16()) return bits;
    std::vector<uint32_t> out(bf16.size());
    for (std::size_t i = 0; i < bf16.size(); ++i) out[i] = uint32_t{bf16[i]} << 16;
    return out;
  }
  // The shape to write the tensor back with.
  std::vector<int64_t> file_shape() const { return shape ? *shape : std::vector<int64_t>{rows, cols}; }
};

const char* name_of(DType d);

}  // namespace mor
