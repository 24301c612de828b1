#include "element_pipe.hpp"

#include "mor/core/convert.hpp"
#include "mor/core/engine_rules.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/metric_interval.hpp"

namespace mor::sim {

ElementPipe::ElementPipe()
    : enc4_(cached_fp32_table(FormatId::kE4M3, kFp8Default)),
      enc5_(cached_fp32_table(FormatId::kE5M2, kFp8Default)),
      recip_((1u << kEngineIntervalK) + 1) {
  for (uint32_t c = 0; c < 256; ++c) {
    dec4_[c] = f32_from_e4m3(static_cast<uint8_t>(c));
    dec5_[c] = f32_from_e5m2(static_cast<uint8_t>(c));
  }
  for (uint32_t j = 0; j < recip_.size(); ++j) recip_[j] = interval_recip(kEngineIntervalK, j);
}

void ElementPipe::reset() {
  for (auto& s : stages_) s.reset();
  code_out_.reset();
  ia_ = ib_ = is_ = Bounds{};
  x_scale_ = 0;
}

// The lanes on one beat: its codes, and the sums of its interval bounds when they will be read (the lanes'
// product is lane_product: codes and bounds as from RN32(x * s), engine_rules.hpp).
ElementPipe::Staged ElementPipe::compute(const Issue& issue, bool bounds_emit) const {
  Staged s;
  s.kind = issue.kind;
  s.last = issue.last;
  s.e5m2 = issue.e5m2;
  s.bounds = issue.kind == EngineBeat::kEmit ? bounds_emit : issue.kind != EngineBeat::kFallback;
  const Fp32To8BitTable& enc = issue.e5m2 ? enc5_ : enc4_;
  const uint32_t* dec = issue.e5m2 ? dec5_ : dec4_;
  for (std::size_t l = 0; l < static_cast<std::size_t>(kLanes); ++l) {
    const uint32_t x = (*issue.x)[l], y = fmul_rn_bits(x, issue.scale);
    const uint8_t q = enc(y);  // = quantize_element: RNE, SATFINITE, canonical NaN
    s.codes[l] = q;
    if (!s.bounds) continue;
    const uint32_t i = interval_index(y, kEngineIntervalK);
    const ErrorFxInterval e = error_fx_interval_entries(x, y, dec[q], kEngineIntervalK, recip_[i], recip_[i + 1]);
    s.lo += e.lo;
    s.hi += e.hi;
  }
  return s;
}

bool ElementPipe::c_ready(bool fb_ready) const {
  const EngineBeat k = stages_[kLaneStages - 1].out_data().kind;
  return k == EngineBeat::kEmit ? code_out_.in_ready() : k == EngineBeat::kFallback ? fb_ready : true;
}

bool ElementPipe::issue_ready(bool fb_ready) const {
  bool ready = c_ready(fb_ready);
  for (int k = kLaneStages - 1; k >= 0; --k) ready = stages_[static_cast<std::size_t>(k)].in_ready(ready);
  return ready;
}

const Codes* ElementPipe::fallback_codes() const {
  const PipeStage<Staged>& c = stages_[kLaneStages - 1];
  return c.out_valid() && c.out_data().kind == EngineBeat::kFallback ? &c.out_data().codes : nullptr;
}

bool ElementPipe::empty() const {
  for (const auto& s : stages_)
    if (s.out_valid()) return false;
  return !ia_.valid && !ib_.valid && !is_.valid && !code_out_.out_valid();
}

void ElementPipe::tick(const Issue& issue, bool bounds_emit, bool code_ready, bool fb_ready) {
  // Every stage's ready from the registers before the edge.
  std::array<bool, kLaneStages + 1> ready{};
  ready[kLaneStages] = c_ready(fb_ready);
  for (int k = kLaneStages - 1; k >= 0; --k)
    ready[static_cast<std::size_t>(k)] = stages_[static_cast<std::size_t>(k)].in_ready(ready[static_cast<std::size_t>(k) + 1]);
  // The fork at C, from its beat before the edge.
  const PipeStage<Staged>& c = stages_[kLaneStages - 1];
  const bool c_leave = c.out_valid() && ready[kLaneStages];
  const Staged& cb = c.out_data();
  is_ = ib_;
  ib_ = ia_;
  ia_ = Bounds{c_leave && cb.bounds, cb.kind, cb.lo, cb.hi};
  code_out_.tick(c.out_valid() && cb.kind == EngineBeat::kEmit, CodeBeat{cb.last, cb.codes}, code_ready);
  // The stages, last first, so each reads its predecessor's old output.
  for (std::size_t k = kLaneStages - 1; k > 0; --k)
    stages_[k].tick(stages_[k - 1].out_valid(), stages_[k - 1].out_data(), ready[k + 1]);
  if (issue.valid && ready[0]) {  // stage X takes the beat: the lanes' work on it, and the gated scale register
    stages_[0].tick(true, compute(issue, bounds_emit), ready[1]);
    x_scale_ = issue.scale;
    ++lane_beats;
  } else {
    stages_[0].tick(false, Staged{}, ready[1]);
  }
}

}  // namespace mor::sim
