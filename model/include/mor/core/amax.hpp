// Amax and the other per-block statistics of one pass (DECISIONS D1). Magnitudes are compared as integers on the
// bits with the sign cleared, which orders all non-NaN values, so the result is exact and order-independent.
#pragma once

#include "mor/core/fp32_ops.hpp"
#include "mor/core/hd.hpp"

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

// stats_add over n elements, written without branches so a compiler vectorizes it (the SystemC engine model
// and the policies call it once per 32-element beat). Same result as n calls of stats_add: every statistic is
// a max, a min, a count or an or, which do not depend on the order.
MOR_HD void stats_add_span(BlockStats& s, const uint32_t* x, int n, NanPolicy policy) {
  uint32_t amax = s.amax == kF32QuietNan ? 0u : s.amax, min_nonzero = s.min_nonzero, nnz = 0, nonfinite = 0, nans = 0;
  for (int i = 0; i < n; ++i) {
    const uint32_t a = f32_abs_bits(x[i]);
    const uint32_t is_nan = a > kF32Inf ? 1u : 0u;
    nans += is_nan;
    nonfinite += a >= kF32Inf ? 1u : 0u;
    nnz += a != 0 ? 1u : 0u;
    const uint32_t finite_or_inf = is_nan ? 0u : a;  // NaN takes no part in amax or min_nonzero
    amax = finite_or_inf > amax ? finite_or_inf : amax;
    const uint32_t min_candidate = (is_nan || a == 0) ? kF32Inf : a;
    min_nonzero = min_candidate < min_nonzero ? min_candidate : min_nonzero;
  }
  const bool propagate = (policy == NanPolicy::kPropagateNan && nans != 0) || s.amax == kF32QuietNan;
  s.amax = propagate ? kF32QuietNan : amax;
  s.min_nonzero = min_nonzero;
  s.nnz += nnz;
  s.nonfinite += nonfinite;
  s.saw_nan = s.saw_nan || nans != 0;
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
