// The SystemC model's twin of rtl/src/mor_div_unit.sv, the engine's one iterative divider: the lowest requester
// index with a request is granted when the unit is idle; the result comes kDivCycles cycles after the grant cycle
// (one to unpack, 27 quotient bits, two to round), done pulses for the requester in that cycle, and the unit grants
// again in it. FP32 requests give RN32(a / b) (mor_f32_div, NaN 0x7FC00000); raw ones {sticky, floor(a * 2^26 / b)}.
#pragma once

#include <array>
#include <cstdint>

#include "engine_types.hpp"

namespace mor::sim {

constexpr int kDivRequesters = 3;  // 0 tensor-level control, 1 sub-tensor control, 2 fallback unit
constexpr int kDivCycles = 30;     // from the grant cycle to the cycle done pulses

class DivUnit {
 public:
  void reset() { *this = DivUnit{}; }
  bool idle() const { return busy_left_ == 0; }
  // This cycle's grant: the lowest index with a request, when idle (-1: none).
  int grant(const std::array<DivRequest, kDivRequesters>& r) const {
    if (!idle()) return -1;
    for (int k = 0; k < kDivRequesters; ++k)
      if (r[static_cast<std::size_t>(k)].req) return k;
    return -1;
  }
  bool done(int k) const { return done_ == k; }
  uint32_t result() const { return result_; }

  // One rising clock edge.
  void tick(const std::array<DivRequest, kDivRequesters>& r);

 private:
  int busy_left_ = 0;  // cycles the operation still runs (the unit is idle at 0)
  int owner_ = -1, done_ = -1;
  uint32_t next_result_ = 0, result_ = 0;
};

}  // namespace mor::sim
