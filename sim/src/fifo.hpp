// The SystemC model's twin of rtl/src/mor_fifo.sv: a first-in first-out queue of Depth entries with valid/ready on
// both sides, the head read combinationally. in_ready looks only at the fill level (not at out_ready). Plain C++.
#pragma once

#include <array>

namespace mor::sim {

template <class T, int Depth>
class Fifo {
  static_assert(Depth >= 2, "mor_fifo needs DEPTH >= 2");

 public:
  bool in_ready() const { return count_ < Depth; }
  bool out_valid() const { return count_ != 0; }
  const T& out_data() const { return entries_[static_cast<std::size_t>(rd_)]; }
  int count() const { return count_; }

  // One rising clock edge; the arguments are the values before it.
  void tick(bool in_valid, const T& in_data, bool out_ready) {
    const bool push = in_valid && in_ready(), pop = out_valid() && out_ready;
    if (push) {
      entries_[static_cast<std::size_t>(wr_)] = in_data;
      wr_ = (wr_ + 1) % Depth;
    }
    if (pop) rd_ = (rd_ + 1) % Depth;
    count_ += (push ? 1 : 0) - (pop ? 1 : 0);
  }
  void reset() { count_ = rd_ = wr_ = 0; }

 private:
  std::array<T, Depth> entries_{};
  int count_ = 0, rd_ = 0, wr_ = 0;
};

}  // namespace mor::sim
