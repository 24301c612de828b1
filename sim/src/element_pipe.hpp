// The SystemC model's twin of rtl/src/mor_element_pipe.sv: the stalling stages X, M1, M2 (as the lane cuts have
// them) and C, each a valid/ready stage that takes a beat when it is empty or its own beat leaves (pipe_stage.hpp);
// at C the beat forks: an emitted beat's codes into the code skid buffer (skid_buffer.hpp), a fallback beat's into
// the fallback unit, and the bounds of measured beats (and of emitted ones in tensor-level mode) into the bounds path
// IA, IB and IS (the beat's sums, registered), which the decision unit adds at the next edge. The lanes are the
// golden model's element math, computed once per beat when it is issued: the codes (quantize_element), and the
// interval bounds' sums (K = kEngineIntervalK) where they will be read; the stages then only carry them, as the RTL's
// registers do.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "engine_types.hpp"
#include "mor/fast_convert.hpp"
#include "pipe_stage.hpp"
#include "skid_buffer.hpp"

namespace mor::sim {

class ElementPipe {
 public:
  ElementPipe();
  void reset();

  // This cycle's handshakes, from the registers: whether stage X takes a beat, given whether the fallback unit
  // takes one.
  bool issue_ready(bool fb_ready) const;
  bool empty() const;
  uint32_t x_scale() const { return x_scale_; }
  // Stage C's beat when it is a fallback beat (the fallback unit's input), else nullptr.
  const Codes* fallback_codes() const;
  bool fallback_e5m2() const { return stages_[kLaneStages - 1].out_data().e5m2; }
  // The code output (the skid buffer).
  bool code_valid() const { return code_out_.out_valid(); }
  bool code_block_last() const { return code_out_.out_data().last; }
  const Codes& codes() const { return code_out_.out_data().codes; }
  // The bounds of the beat in IS, summed over its lanes: added by the decision unit at this edge.
  bool bsum_valid() const { return is_.valid; }
  EngineBeat bsum_kind() const { return is_.kind; }
  uint64_t bsum_lo() const { return is_.lo; }
  uint64_t bsum_hi() const { return is_.hi; }

  // One rising clock edge: `issue` is what enters stage X (it enters when issue_ready()).
  void tick(const Issue& issue, bool bounds_emit, bool code_ready, bool fb_ready);

  uint64_t lane_beats = 0;  // beats issued (each occupies the LANES lanes for a cycle)

 private:
  struct Staged {
    EngineBeat kind = EngineBeat::kEmit;
    bool last = false, e5m2 = false, bounds = false;
    Codes codes{};
    uint64_t lo = 0, hi = 0;
  };
  struct CodeBeat {
    bool last = false;
    Codes codes{};
  };
  struct Bounds {
    bool valid = false;
    EngineBeat kind = EngineBeat::kEmit;
    uint64_t lo = 0, hi = 0;
  };
  Staged compute(const Issue& issue, bool bounds_emit) const;
  bool c_ready(bool fb_ready) const;

  const Fp32To8BitTable& enc4_;
  const Fp32To8BitTable& enc5_;
  uint32_t dec4_[256], dec5_[256];
  std::vector<uint32_t> recip_;  // the interval lane's table F(0 .. 2^K)

  std::array<PipeStage<Staged>, kLaneStages> stages_;
  uint32_t x_scale_ = 0;
  SkidBuffer<CodeBeat> code_out_;
  Bounds ia_, ib_, is_;
};

}  // namespace mor::sim
