// libFuzzer target: the .npy reader must accept or reject any bytes with TensorFileError, never crash or leak.
#include <cstddef>
#include <cstdint>

#include "mor/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    for (const auto& t : mor::parse_npy(data, size, "fuzz.npy").tensors) (void)mor::to_tensor(t);
  } catch (const mor::TensorFileError&) {
  }
  return 0;
}
