// The SystemC model's twin of rtl/src/mor_element_pipe.sv: stage X (the lanes' operand registers), the LANES
// quantize and error lanes on it, and the kPipe code stages. Stage X and the code stages move in lockstep, the last
// one FPnew-style, so the path stalls as a whole when the code output is held (issue_ready = advance). The lanes
// are the golden model's element math (quantize_element, error_fx of relative_error).
#pragma once

#include <array>
#include <cstdint>

#include "engine_types.hpp"
#include "mor/fast_convert.hpp"
#include "pipe_stage.hpp"

namespace mor::sim {

class ElementPipe {
 public:
  ElementPipe();
  void reset();

  // This cycle's handshakes, from the registers and code_ready.
  bool issue_ready(bool code_ready) const;  // stage X advances
  bool x_valid() const { return x_stage_.out_valid(); }
  EngineBeat x_kind() const { return x_stage_.out_data().kind; }
  bool empty() const;
  bool code_valid() const { return stages_[kPipe - 1].out_valid(); }
  bool code_block_last() const { return stages_[kPipe - 1].out_data().last; }
  const Codes& codes() const { return stages_[kPipe - 1].out_data().codes; }

  // The lanes on stage X's beat: its codes and, when `with_error`, its error sum (x_err()). Once per cycle,
  // before tick(); the model skips the error where nothing reads it (sub-tensor codes).
  void evaluate(bool with_error);
  uint64_t x_err() const { return x_err_; }

  // One rising clock edge.
  void tick(const Issue& issue, bool code_ready);

 private:
  struct XInfo {
    EngineBeat kind = EngineBeat::kEmit;
    bool last = false;
  };
  struct Staged {
    bool last = false;
    Codes codes{};
  };

  const Fp32To8BitTable& enc4_;
  const Fp32To8BitTable& enc5_;
  uint32_t dec4_[256], dec5_[256];

  PipeStage<XInfo> x_stage_{true};
  Beat x_data_{};  // the gated operand registers of stage X
  uint32_t x_scale_ = 0;
  bool x_e5m2_ = false;
  Codes lane_codes_{};
  uint64_t x_err_ = 0;
  std::array<PipeStage<Staged>, kPipe> stages_;
};

}  // namespace mor::sim
