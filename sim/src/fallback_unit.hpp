// The SystemC model's twin of rtl/src/mor_fallback_unit.sv: the exact errors of a fallback beat, one element at a
// time, on the shared divider. The same states and cycles as the RTL; the values are the golden model's
// (error_fx of relative_error with d = RN32(q / s)).
#pragma once

#include <cstdint>

#include "div_unit.hpp"
#include "engine_types.hpp"

namespace mor::sim {

class FallbackUnit {
 public:
  enum State { kIdle, kTableReq, kTableWait, kElem, kDq0, kDq1, kDq2, kSub, kDivReq, kDivWait, kAcc };

  void reset() { *this = FallbackUnit{}; }
  bool beat_ready() const { return state_ == kIdle; }
  bool beat_done() const { return beat_done_; }
  uint64_t sum() const { return sum_; }
  DivRequest div_request() const;

  // One rising clock edge. `beat`: the fallback beat leaving stage C this cycle (nullptr: none), with the elements
  // its issuer holds and the scale of stage X.
  struct BeatIn {
    const Codes* codes = nullptr;
    bool e5m2 = false;
    uint32_t scale = 0;
    const Beat* x = nullptr;
  };
  void tick(const BeatIn& beat, bool sum_clear, bool div_grant, bool div_done);

 private:
  uint64_t element_error() const;  // e_fx of element j (x and q nonzero)
  void next_element(uint64_t add);

  State state_ = kIdle;
  int j_ = 0, i_ = 0;
  bool tab_valid_ = false, beat_done_ = false, added_ = false;
  uint32_t tab_tag_ = 0;
  Codes codes_{};
  Beat x_{};
  bool e5m2_ = false;
  uint32_t scale_ = 0;
  uint64_t sum_ = 0, pending_ = 0;
};

}  // namespace mor::sim
