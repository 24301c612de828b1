#include "stats_unit.hpp"

namespace mor::sim {

void StatsUnit::load_supplied(uint32_t group_amax, uint64_t nnz, uint64_t nonfinite) {
  r_.group_amax = group_amax;
  r_.nnz = nnz;
  r_.nonfinite = nonfinite;
}

void StatsUnit::observe(const Beat* x) {
  beat_ = BlockStats{};
  if (x) stats_add_span(beat_, x->data(), kLanes, NanPolicy::kIgnoreNan);
}

void StatsUnit::tick(const ConfigRegs& c, bool in_fire, bool gather) {
  if (!in_fire) return;
  const bool last = block_last(c), tensor_end = tensor_last(c);
  const uint32_t amax = block_amax(), min_nonzero = block_min_nonzero(), nf = block_nonfinite();
  r_.beat = last ? 0 : r_.beat + 1;
  if (last) r_.block = tensor_end ? 0 : r_.block + 1;
  if (!gather) return;
  r_.nnz += beat_.nnz;
  r_.nonfinite += beat_.nonfinite;
  r_.group_amax = beat_.amax > r_.group_amax ? beat_.amax : r_.group_amax;
  // The block's statistics restart after its last beat.
  r_.acc_amax = last ? 0 : amax;
  r_.acc_min = last ? kF32Inf : min_nonzero;
  r_.acc_nf = last ? 0 : nf;
}

}  // namespace mor::sim
