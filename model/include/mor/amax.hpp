// Amax and the other per-block statistics of one pass (DECISIONS D1). Magnitudes are compared as integers on the
// bits with the sign cleared, which orders all non-NaN values, so the result is exact and order-independent.
#pragma once

#include "mor/fp32_ops.hpp"
#include "mor/hd.hpp"

namespace mor {

enum class NanPolicy : uint8_t { kIgnoreNan, kPropagateNan };

struct BlockStats {
  uint32_t amax = 0;                    // |x| bits; kF32QuietNan under PROPAGATE_NAN when a NaN was seen
  uint32_t min_nonzero = kF32Inf;       // smallest nonzero finite |x| bits; kF32Inf when there is none
  uint32_t nnz = 0;                     // nonzero elements (NaN and Inf count as nonzero)
  uint32_t nonfinite = 0;               // NaN or Inf elements
  bool saw_nan = false;
};

MOR_HD void stats_add(BlockStats& s, uint32_t x, NanPolicy policy) {
  const uint32_t a = f32_abs_bits(x);
  if (a > kF32Inf) {  // NaN
    s.saw_nan = true;
    ++s.nonfinite;
    ++s.nnz;
    if (policy == NanPolicy::kPropagateNan) s.amax = kF32QuietNan;
    return;
  }
  if (a == kF32Inf) ++s.nonfinite;
  if (a != 0) {
    ++s.nnz;
    if (a < s.min_nonzero) s.min_nonzero = a;
  }
  if (s.amax != kF32QuietNan && a > s.amax) s.amax = a;
}

MOR_HD BlockStats stats_merge(BlockStats a, const BlockStats& b) {
  a.amax = (a.amax == kF32QuietNan || b.amax == kF32QuietNan) ? kF32QuietNan : (a.amax > b.amax ? a.amax : b.amax);
  a.min_nonzero = a.min_nonzero < b.min_nonzero ? a.min_nonzero : b.min_nonzero;
  a.nnz += b.nnz;
  a.nonfinite += b.nonfinite;
  a.saw_nan = a.saw_nan || b.saw_nan;
  return a;
}

}  // namespace mor
