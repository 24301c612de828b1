// The element path of fake quantization (spec section 5, DECISIONS D4): scale, quantize, dequantize, descale.
#pragma once

#include "mor/core/convert.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/hd.hpp"

namespace mor {

struct QuantizedElement {
  uint8_t code;      // the FP8 code
  uint32_t dequant;  // d = RN32(decode(q) / s), FP32 bits
};

// y = RN32(x * s); q = convert<Fmt>(y, mode); d = RN32(decode(q) / s). Zeros stay zeros with their sign.
template <class Fmt>
MOR_HD QuantizedElement quantize_element(uint32_t x, uint32_t scale, ConvertMode mode = kFp8Default) {
  const uint32_t y = fmul_rn_bits(x, scale);
  const uint8_t q = convert<Fmt, FP32>(y, mode);
  const uint32_t qf = convert<FP32, Fmt>(q, kIeeeDefault);
  return {q, fdiv_rn_bits(qf, scale)};
}

// OCP MX convention with an E8M0 block scale X: y = RN32(x / X), d = RN32(decode(q) * X).
template <class Fmt>
MOR_HD QuantizedElement quantize_element_mx(uint32_t x, uint8_t scale_e8m0, ConvertMode mode = kFp8Default) {
  const uint32_t X = f32_from_e8m0(scale_e8m0);
  const uint32_t y = fdiv_rn_bits(x, X);
  const uint8_t q = convert<Fmt, FP32>(y, mode);
  return {q, fmul_rn_bits(convert<FP32, Fmt>(q, kIeeeDefault), X)};
}

// The reference code's BF16 rounding (MOR_REF profile): add half an ULP at bit 15 whatever the sticky bits (ties
// away from zero), letting a carry out of the exponent spill into the sign position, which is how it mangles
// NaN and Inf with a set bit 15 (0x7FFFFFFF -> 0x8000).
MOR_HD uint16_t bf16_round_mor_ref(uint32_t x) {
  uint32_t man = (x >> 16) & 0x7Fu;
  uint32_t exp = (x >> 23) & 0xFFu;
  if ((x >> 15) & 1u) {
    if (++man == 128) {
      man = 0;
      ++exp;
    }
  }
  return static_cast<uint16_t>(((x >> 31) << 15) | (exp << 7) | man);
}

// Upcast of a quantized element to BF16 (how a BF16 GEMM would consume a mixed tensor): RNE of d. Exact when s is a
// power of two and d is in BF16's range, since FP8 codes have at most 3 mantissa bits.
MOR_HD uint16_t upcast_to_bf16(uint32_t dequant) { return bf16_from_f32(dequant); }

}  // namespace mor
