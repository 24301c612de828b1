// Tensor files: strict readers and writers for .npy (v1/v2/v3, C order, little-endian '<f4' '<f2' '<f8' and '<V2',
// the bfloat16 of ml_dtypes) and .safetensors (every dtype of the format; F32, F16, BF16 and F64 are quantized, the
// others are carried unchanged; many tensors per file; the __metadata__ strings kept). No parser library: Debian
// has none for these formats. Every malformed input raises TensorFileError naming the file and the problem.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
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
  DType dtype = DType::kF32;  // a float tensor's dtype
  std::string other_dtype;    // set for a tensor that is not F32/F16/BF16/F64 (its safetensors dtype, e.g. "I64")
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  bool is_float() const { return other_dtype.empty(); }
  std::string dtype_name() const;  // safetensors spelling: "F32", "BF16", "I64" ...
  int64_t numel() const;
};

// The safetensors "__metadata__" (string to string), in file order.
using TensorMetadata = std::vector<std::pair<std::string, std::string>>;

struct TensorFile {
  std::vector<RawTensor> tensors;  // in file order (safetensors: header order)
  TensorMetadata metadata;
};

std::size_t element_size(DType d);
const char* safetensors_name(DType d);  // "F32" "BF16" "F16" "F64"

// By extension (.npy or .safetensors). A folder, a missing file or a malformed one is an error naming the path.
TensorFile read_tensor_file(const std::string& path);

// Parse from memory (the fuzzers and the tests use these; `label` names the source in errors).
TensorFile parse_npy(const uint8_t* bytes, std::size_t size, const std::string& label);
TensorFile parse_safetensors(const uint8_t* bytes, std::size_t size, const std::string& label);

// By extension, through a temporary file renamed into place (output_file.hpp). .npy holds exactly one float
// tensor (BF16 as '<V2', as ml_dtypes writes it) and no metadata; .safetensors holds any number of tensors.
void write_tensor_file(const std::string& path, const TensorFile& file);
// Checks what write_tensor_file would refuse (extension, .npy holding one float tensor), before any work.
void check_tensor_file_name(const std::string& path);

// "FILE" or "FILE:TENSOR". The part after the last ':' is a tensor name unless the whole argument is an existing
// file; load_tensors() then returns that tensor (or all of them).
struct TensorRef {
  std::string path, tensor;  // tensor empty = all tensors of the file
};
TensorRef parse_tensor_ref(const std::string& arg);
// The file's tensors, or the one named (an error if it is missing or not a float tensor).
TensorFile load_tensors(const TensorRef& ref);

// The 2-D view of tensor.hpp (rows = product of the leading dims, cols = last dim; 1-D is 1 x n, a scalar 1 x 1)
// with elements widened to FP32 (F64 rounded to FP32 by RNE). The original shape is kept in Tensor::shape.
// keep_bf16: a BF16 tensor holds its stored data (Tensor::bf16) instead of FP32 bits; the policies give the same
// results for both forms.
Tensor to_tensor(const RawTensor& raw, bool keep_bf16 = false);

// A tensor file read one tensor at a time: the whole header is read and checked when the file is opened (every
// error read_tensor_file would raise about the layout is raised here, before any data is read); each tensor's data
// is read when asked for, into the caller's buffers, so a loop over a checkpoint holds one tensor at a time and
// reuses its memory.
class TensorFileReader {
 public:
  explicit TensorFileReader(const std::string& path);  // .npy or .safetensors, by extension
  ~TensorFileReader();
  TensorFileReader(TensorFileReader&&) noexcept;
  TensorFileReader& operator=(TensorFileReader&&) noexcept;

  const std::string& path() const;
  const std::vector<RawTensor>& tensors() const;  // in file order, each with its data left empty
  const TensorMetadata& metadata() const;
  // Tensor i's stored bytes (its entry, data included), reusing the capacity of raw.data.
  void read(std::size_t i, RawTensor& raw) const;
  // Float tensor i as to_tensor(raw, keep_bf16) makes it, reusing the capacity of out's element buffers. Both reads
  // may be called from several threads at once.
  void read(std::size_t i, Tensor& out, bool keep_bf16) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
// BF16 bits (QuantResult::dequant_bf16) to a stored BF16 tensor, as they are.
RawTensor from_bf16_bits(const std::string& name, const std::vector<int64_t>& shape, const std::vector<uint16_t>& bits);
// FP32 bits to a stored tensor of dtype `out` (BF16 by the given rounding, F16 RNE, F64 exact).
RawTensor from_fp32_bits(const std::string& name, const std::vector<int64_t>& shape,
                         const std::vector<uint32_t>& bits, DType out, Bf16Rounding rounding = Bf16Rounding::kRne);

}  // namespace mor
