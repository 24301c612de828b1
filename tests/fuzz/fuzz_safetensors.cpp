// libFuzzer target: the .safetensors reader must accept or reject any bytes with TensorFileError, never crash.
#include <cstddef>
#include <cstdint>

#include "mor/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    for (const auto& t : mor::parse_safetensors(data, size, "fuzz.safetensors").tensors)
      if (t.is_float()) (void)mor::to_tensor(t);
  } catch (const mor::TensorFileError&) {
  }
  return 0;
}
