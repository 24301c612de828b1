// A 2-D tensor for the policies: FP32 bits of every element (BF16/FP16 inputs widened exactly), row-major.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mor {

enum class DType : uint8_t { kF32, kBF16, kF16 };

struct Tensor {
  std::string name;
  DType dtype = DType::kF32;  // what the values were before widening (decides the fake-quant output type)
  int64_t rows = 0, cols = 0;
  std::vector<uint32_t> bits;  // rows * cols FP32 bit patterns

  std::size_t size() const { return bits.size(); }
  uint32_t at(int64_t r, int64_t c) const { return bits[static_cast<std::size_t>(r * cols + c)]; }
};

const char* name_of(DType d);

}  // namespace mor
