#include "stats_unit.hpp"

namespace mor::sim {

void StatsUnit::load_supplied(uint32_t group_amax, uint64_t nnz, uint64_t nonfinite) {
  r_.group_amax = group_amax;
  r_.nnz = nnz;
  r_.nonfinite = nonfinite;
}

void StatsUnit::tick(const ConfigRegs& c, const Beat* x, bool gather) {
  // T3: T2's beat into its block and the tensor.
  const Stage t2 = r_.t2;
  r_.blk_done = t2.valid && t2.last;
  r_.tensor_done = t2.valid && t2.tlast;
  if (t2.valid) {
    const uint32_t amax = t2.s.amax > r_.acc_amax ? t2.s.amax : r_.acc_amax;
    const uint32_t mn = t2.s.min_nonzero < r_.acc_min ? t2.s.min_nonzero : r_.acc_min;
    const uint32_t nf = r_.acc_nf + static_cast<uint32_t>(t2.s.nonfinite);
    if (t2.last) {
      r_.blk_amax = amax;
      r_.blk_min = mn;
      r_.blk_nf = nf;
    }
    r_.nnz += t2.s.nnz;
    r_.nonfinite += t2.s.nonfinite;
    r_.group_amax = t2.s.amax > r_.group_amax ? t2.s.amax : r_.group_amax;
    // The block's statistics restart after its last beat.
    r_.acc_amax = t2.last ? 0 : amax;
    r_.acc_min = t2.last ? kF32Inf : mn;
    r_.acc_nf = t2.last ? 0 : nf;
  }
  // T2 <- T1 <- the consumed beat.
  r_.t2 = r_.t1;
  const bool last = block_last(c), tensor_end = tensor_last(c);
  r_.t1.valid = x && gather;
  r_.t1.last = last;
  r_.t1.tlast = tensor_end;
  if (r_.t1.valid) {
    r_.t1.s = BlockStats{};
    stats_add_span(r_.t1.s, x->data(), kLanes, NanPolicy::kIgnoreNan);
  }
  if (x) {
    r_.beat = last ? 0 : r_.beat + 1;
    if (last) r_.block = tensor_end ? 0 : r_.block + 1;
  }
}

}  // namespace mor::sim
