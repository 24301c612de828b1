#include "element_pipe.hpp"

#include "mor/core/convert.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/metric.hpp"

namespace mor::sim {

ElementPipe::ElementPipe()
    : enc4_(cached_fp32_table(FormatId::kE4M3, kFp8Default)), enc5_(cached_fp32_table(FormatId::kE5M2, kFp8Default)) {
  // Every code stage but the last moves in lockstep with its successor (mor_element_pipe's LOCKSTEP parameter).
  for (std::size_t k = 0; k < stages_.size(); ++k) stages_[k] = PipeStage<Staged>(k + 1 != stages_.size());
  for (uint32_t c = 0; c < 256; ++c) {
    dec4_[c] = f32_from_e4m3(static_cast<uint8_t>(c));
    dec5_[c] = f32_from_e5m2(static_cast<uint8_t>(c));
  }
}

void ElementPipe::reset() {
  x_stage_.reset();
  for (auto& s : stages_) s.reset();
}

bool ElementPipe::issue_ready(bool code_ready) const {
  bool ready = code_ready;
  for (int k = kPipe - 1; k >= 0; --k) ready = stages_[static_cast<std::size_t>(k)].in_ready(ready);
  return x_stage_.in_ready(ready);
}

bool ElementPipe::empty() const {
  bool e = !x_stage_.out_valid();
  for (const auto& s : stages_) e = e && !s.out_valid();
  return e;
}

void ElementPipe::evaluate(bool with_error) {
  x_err_ = 0;
  if (!x_stage_.out_valid()) return;
  const Fp32To8BitTable& enc = x_e5m2_ ? enc5_ : enc4_;
  const uint32_t* dec = x_e5m2_ ? dec5_ : dec4_;
  for (std::size_t l = 0; l < static_cast<std::size_t>(kLanes); ++l) {
    const uint32_t x = x_data_[l];
    const uint8_t q = enc(fmul_rn_bits(x, x_scale_));  // = quantize_element: y = RN32(x*s), RNE, SATFINITE, CANON
    lane_codes_[l] = q;
    if (with_error && !f32_is_zero(x)) x_err_ += error_fx(relative_error(x, fdiv_rn_bits(dec[q], x_scale_)));
  }
}

void ElementPipe::tick(const Issue& issue, bool code_ready) {
  // Every stage's ready from the registers before the edge; then the stages, last first, so each reads its
  // predecessor's old output.
  std::array<bool, kPipe + 1> ready{};
  ready[kPipe] = code_ready;
  for (int k = kPipe - 1; k >= 0; --k)
    ready[static_cast<std::size_t>(k)] = stages_[static_cast<std::size_t>(k)].in_ready(ready[static_cast<std::size_t>(k) + 1]);
  for (std::size_t k = kPipe - 1; k > 0; --k)
    stages_[k].tick(stages_[k - 1].out_valid(), stages_[k - 1].out_data(), ready[k + 1]);
  stages_[0].tick(x_stage_.out_valid() && x_kind() == EngineBeat::kEmit, Staged{x_stage_.out_data().last, lane_codes_},
                  ready[1]);
  const bool advance = ready[0];
  x_stage_.tick(issue.valid, XInfo{issue.kind, issue.last}, advance);
  if (issue.valid && advance) {  // the gated operand registers load only with an issued beat
    x_data_ = *issue.x;
    x_scale_ = issue.scale;
    x_e5m2_ = issue.e5m2;
  }
}

}  // namespace mor::sim
