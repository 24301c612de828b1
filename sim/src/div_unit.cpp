#include "div_unit.hpp"

#include "mor/core/fp32_ops.hpp"

namespace mor::sim {

void DivUnit::tick(const std::array<DivRequest, kDivRequesters>& r) {
  done_ = -1;
  if (busy_left_ > 0) {
    if (--busy_left_ == 0) {
      done_ = owner_;
      result_ = next_result_;
    }
    return;
  }
  const int g = grant(r);
  if (g < 0) return;
  const DivRequest& q = r[static_cast<std::size_t>(g)];
  if (q.raw) {  // floor(A * 2^26 / B) and whether a remainder is left: the 27 quotient bits of the restoring loop
    const uint64_t num = uint64_t{q.a & 0x1FFFFFFu} << 26, den = q.b & 0x1FFFFFFu;
    next_result_ = static_cast<uint32_t>(num / den) | (num % den != 0 ? 1u << 27 : 0u);
  } else {
    const uint32_t y = fdiv_rn_bits(q.a, q.b);
    next_result_ = f32_is_nan(y) ? kF32QuietNan : y;
  }
  owner_ = g;
  busy_left_ = kDivCycles - 1;
}

}  // namespace mor::sim
