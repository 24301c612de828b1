// Tensor files: strict readers and writers for .npy (v1/v2/v3, C order, little-endian '<f4' '<f2') and
// .safetensors (F32, F16, BF16; many tensors per file). No parser library: Debian has none for these formats.
// Every malformed input raises TensorFileError naming the file and the problem; nothing is guessed.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "mor/policy.hpp"
#include "mor/tensor.hpp"

namespace mor {

struct TensorFileError : std::runtime_error {
  TensorFileError(const std::string& file, const std::string& what) : std::runtime_error(file + ": " + what) {}
};

// A tensor as stored: dtype, shape and little-endian element bytes.
struct RawTensor {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  int64_t numel() const;
};

std::size_t element_size(DType d);

std::vector<RawTensor> read_npy(const std::string& path);          // one tensor, named after the file stem
std::vector<RawTensor> read_safetensors(const std::string& path);  // in header order
std::vector<RawTensor> read_tensor_file(const std::string& path);  // by extension

// Parse from memory (the fuzzers and the tests use these; `label` names the source in errors).
std::vector<RawTensor> parse_npy(const uint8_t* bytes, std::size_t size, const std::string& label);
std::vector<RawTensor> parse_safetensors(const uint8_t* bytes, std::size_t size, const std::string& label);

void write_npy(const std::string& path, const RawTensor& t);  // F32 or F16 (npy has no BF16)
void write_safetensors(const std::string& path, const std::vector<RawTensor>& tensors);
void write_tensor_file(const std::string& path, const std::vector<RawTensor>& tensors);

// "FILE" or "FILE:TENSOR". The part after the last ':' is a tensor name unless the whole argument is an existing
// file; select() then returns that tensor (or all of them).
struct TensorRef {
  std::string path, tensor;  // tensor empty = all tensors of the file
};
TensorRef parse_tensor_ref(const std::string& arg);
std::vector<RawTensor> load_tensors(const TensorRef& ref);

// 2-D view (rows = product of the leading dims, cols = last dim; 1-D is 1 x n) with elements widened to FP32.
Tensor to_tensor(const RawTensor& raw);
// FP32 bits to a stored tensor of dtype `out` (BF16 by the given rounding, F16 RNE).
RawTensor from_fp32_bits(const std::string& name, const std::vector<int64_t>& shape,
                         const std::vector<uint32_t>& bits, DType out, Bf16Rounding rounding = Bf16Rounding::kRne);

}  // namespace mor
