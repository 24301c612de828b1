// A 2-D tensor for the policies: FP32 bits of every element (BF16/FP16 inputs widened exactly, F64 rounded to FP32
// by RNE), row-major, with the shape it had in its file.
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
  std::vector<uint32_t> bits;  // rows * cols FP32 bit patterns
  std::optional<std::vector<int64_t>> shape = std::nullopt;  // the shape in its file; none: rows x cols

  std::size_t size() const { return bits.size(); }
  uint32_t at(int64_t r, int64_t c) const { return bits[static_cast<std::size_t>(r * cols + c)]; }
  // The shape to write the tensor back with.
  std::vector<int64_t> file_shape() const { return shape ? *shape : std::vector<int64_t>{rows, cols}; }
};

const char* name_of(DType d);

}  // namespace mor
