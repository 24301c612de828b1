// The SystemC model's twin of rtl/src/mor_pipe_stage.sv: one valid/ready register stage holding one beat of T.
// A transfer happens on a clock edge where valid and ready are both high.
//   lockstep = false: the stage takes a beat whenever it is empty or its own beat leaves (FPnew's stage), so
//                     bubbles close up;
//   lockstep = true:  the stage moves only with its successor; a chain of lockstep stages ending in one
//                     non-lockstep stage stalls as a whole (the engine's element pipeline, element_pipe.hpp).
// Plain C++ (no SystemC types), so the RTL harnesses can run it beside the Verilated stage.
#pragma once

namespace mor::sim {

template <class T>
class PipeStage {
 public:
  explicit PipeStage(bool lockstep = false) : lockstep_(lockstep) {}

  bool out_valid() const { return valid_; }
  const T& out_data() const { return data_; }
  // in_ready as a function of the successor's ready, this cycle.
  bool in_ready(bool out_ready) const { return lockstep_ ? out_ready : (out_ready || !valid_); }

  // One rising clock edge; the arguments are the values before it.
  void tick(bool in_valid, const T& in_data, bool out_ready) {
    if (!in_ready(out_ready)) return;
    valid_ = in_valid;
    if (in_valid) data_ = in_data;  // the data register loads only with a beat
  }
  void reset() { valid_ = false; }

 private:
  bool lockstep_;
  bool valid_ = false;
  T data_{};
};

}  // namespace mor::sim
