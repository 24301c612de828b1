// The SystemC model's twin of rtl/src/mor_skid_buffer.sv: a valid/ready stage at full throughput whose in_ready
// is a register (!skid_valid), so it cuts a pipeline's combinational ready path. The output register holds the
// beat on offer; the skid register catches the one beat accepted in the cycle out_ready fell. Plain C++.
#pragma once

namespace mor::sim {

template <class T>
class SkidBuffer {
 public:
  bool in_ready() const { return !skid_valid_; }
  bool out_valid() const { return out_valid_; }
  const T& out_data() const { return out_data_; }

  // One rising clock edge; the arguments are the values before it.
  void tick(bool in_valid, const T& in_data, bool out_ready) {
    const bool accepted = in_valid && in_ready();
    if (out_ready || !out_valid_) {  // the output register takes the skid beat first, else the input
      out_valid_ = skid_valid_ || in_valid;
      if (skid_valid_) out_data_ = skid_data_;
      else if (in_valid) out_data_ = in_data;
      skid_valid_ = false;
    } else if (accepted) {           // the output is held: the accepted beat waits in the skid register
      skid_valid_ = true;
      skid_data_ = in_data;
    }
  }
  void reset() { out_valid_ = skid_valid_ = false; }

 private:
  bool out_valid_ = false, skid_valid_ = false;
  T out_data_{}, skid_data_{};
};

}  // namespace mor::sim
