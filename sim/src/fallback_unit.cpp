#include "fallback_unit.hpp"

#include "mor/core/convert.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/metric.hpp"

namespace mor::sim {

DivRequest FallbackUnit::div_request() const {
  // The operands do not change the model's timing; they are the RTL's (for the record of what is divided).
  if (state_ == kTableReq) return {true, true, (0x8u | static_cast<uint32_t>(i_)) << 20, kF32One >> 23 << 23 | (scale_ & 0x7FFFFFu)};
  if (state_ == kDivReq) return {true, false, 0, x_[static_cast<std::size_t>(j_)]};
  return {};
}

uint64_t FallbackUnit::element_error() const {
  const uint32_t x = x_[static_cast<std::size_t>(j_)];
  const uint8_t c = codes_[static_cast<std::size_t>(j_)];
  const uint32_t q = e5m2_ ? f32_from_e5m2(c) : f32_from_e4m3(c);
  return error_fx(relative_error(x, fdiv_rn_bits(q, scale_)));
}

void FallbackUnit::next_element(uint64_t add) {
  sum_ += add;
  added_ = true;
  if (j_ == kLanes - 1) {
    beat_done_ = true;
    state_ = kIdle;
  } else {
    ++j_;
    state_ = kElem;
  }
}

void FallbackUnit::tick(const BeatIn& beat, bool sum_clear, bool div_grant, bool div_done) {
  beat_done_ = false;
  added_ = false;
  const uint32_t x = x_[static_cast<std::size_t>(j_)];
  const bool x_zero = f32_is_zero(x), q_zero = (codes_[static_cast<std::size_t>(j_)] & 0x7Fu) == 0;
  switch (state_) {
    case kIdle:
      if (!beat.codes) break;
      codes_ = *beat.codes;
      x_ = *beat.x;
      e5m2_ = beat.e5m2;
      scale_ = beat.scale;
      j_ = i_ = 0;
      state_ = tab_valid_ && tab_tag_ == (beat.scale & 0x7FFFFFu) ? kElem : kTableReq;
      break;
    case kTableReq:
      if (div_grant) state_ = kTableWait;
      break;
    case kTableWait:
      if (!div_done) break;
      if (i_ == 7) {
        tab_valid_ = true;
        tab_tag_ = scale_ & 0x7FFFFFu;
        state_ = kElem;
      } else {
        state_ = kTableReq;
      }
      i_ = (i_ + 1) & 7;
      break;
    case kElem:
      if (!x_zero && !q_zero) {
        pending_ = element_error();
        state_ = kDq0;
      } else {
        next_element(x_zero ? 0 : uint64_t{1} << kErrorFracBits);
      }
      break;
    case kDq0: state_ = kDq1; break;  // the RTL registers q's sign, its table entry and e_q - e_s
    case kDq1: state_ = kDq2; break;
    case kDq2:
      i_ = 0;
      state_ = kSub;
      break;
    case kSub:
      if (i_ == 3) state_ = kDivReq;
      i_ = (i_ + 1) & 7;
      break;
    case kDivReq:
      if (div_grant) state_ = kDivWait;
      break;
    case kDivWait:
      if (div_done) state_ = kAcc;
      break;
    case kAcc: next_element(pending_); break;
  }
  if (sum_clear && !added_) sum_ = 0;  // the RTL's later assignment (an element's add) wins; they never meet
}

}  // namespace mor::sim
