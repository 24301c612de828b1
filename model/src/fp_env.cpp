#include <stdexcept>

#include "mor/core/fp32_ops.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace mor {

void require_ieee_fp_env() {
#if defined(__x86_64__) || defined(__i386__)
  const unsigned csr = _mm_getcsr();
  if (csr & 0x8040u)  // FTZ (bit 15) or DAZ (bit 6): subnormals would not follow IEEE 754
    throw std::runtime_error("the FPU flushes subnormals (MXCSR FTZ/DAZ set, e.g. by -ffast-math code); "
                             "the model needs IEEE 754 arithmetic");
#endif
}

}  // namespace mor
