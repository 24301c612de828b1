// The memory system around the engine: a reader that streams the tensor's beats with a bandwidth (bytes/cycle),
// a latency (cycles) and a bounded number of beats in flight, and a writer that drains codes and block infos at a
// write bandwidth. Both are registered at the clock edge, like the RTL they drive.
#pragma once

#include <systemc.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <vector>

#include "engine_ports.hpp"

namespace mor::sim {

struct MemoryConfig {
  double read_bytes_per_cycle = 64.0;   // HBM-class share of one engine: 64 B/cycle = one BF16 beat per cycle
  int read_latency = 100;               // cycles from request to data
  int max_in_flight = 128;              // beats requested but not yet consumed (reorder/return buffer)
  double write_bytes_per_cycle = 64.0;
  int element_bytes = 2;                // BF16 input; 4 for FP32
};

SC_MODULE(MemoryReader) {
  sc_in<bool> clk;
  sc_out<bool> in_valid;
  sc_out<sc_bv<kLanes * 32>> in_data;
  sc_in<bool> in_ready;
  sc_in<bool> refetch;  // tensor-level: the engine reads the tensor once more

  SC_HAS_PROCESS(MemoryReader);
  MemoryReader(sc_module_name n, const MemoryConfig& cfg) : sc_module(n), cfg_(cfg) {
    SC_METHOD(step);
    sensitive << clk.pos();
    dont_initialize();
  }

  // Streams *beats (one pass over the tensor, owned by the caller, alive until drained) `passes` times, and once
  // more when the engine raises refetch.
  void load(const std::vector<std::vector<uint32_t>>* beats, int passes, uint64_t now) {
    beats_ = beats;
    count_ = beats->size() * static_cast<std::size_t>(passes);
    refetched_ = false;
    next_request_ = 0;
    shown_ = ~std::size_t{0};
    arrived_.clear();
    pending_.clear();
    credit_ = 0;
    start_cycle_ = now;
  }
  void set_element_bytes(int bytes) { cfg_.element_bytes = bytes; }  // per tensor: 2 for BF16/F16, 4 for F32
  bool drained() const { return next_request_ == count_ && pending_.empty() && arrived_.empty(); }

  uint64_t cycle = 0, bytes_read = 0;
  int fifo_high_water = 0;

 private:
  void step() {
    ++cycle;
    if (refetch.read() && !refetched_) {
      refetched_ = true;
      count_ += beats_->size();
    }
    // Handshake on the values before this edge.
    if (in_valid.read() && in_ready.read() && !arrived_.empty()) arrived_.pop_front();
    // Requests within the bandwidth budget and the in-flight limit.
    credit_ = std::min(credit_ + cfg_.read_bytes_per_cycle, 2.0 * beat_bytes() + cfg_.read_bytes_per_cycle);
    while (next_request_ < count_ && credit_ >= beat_bytes() &&
           static_cast<int>(pending_.size() + arrived_.size()) < cfg_.max_in_flight) {
      pending_.push_back({cycle + static_cast<uint64_t>(cfg_.read_latency), next_request_++});
      credit_ -= beat_bytes();
      bytes_read += static_cast<uint64_t>(beat_bytes());
    }
    while (!pending_.empty() && pending_.front().first <= cycle) {
      arrived_.push_back(pending_.front().second);
      pending_.pop_front();
    }
    fifo_high_water = std::max(fifo_high_water, static_cast<int>(arrived_.size()));
    in_valid.write(!arrived_.empty());
    if (!arrived_.empty() && arrived_.front() != shown_) {
      shown_ = arrived_.front();
      const std::vector<uint32_t>& beat = (*beats_)[shown_ % beats_->size()];
      for (int l = 0; l < kLanes; ++l) shown_bits_.set_word(l, static_cast<sc_digit>(beat[static_cast<std::size_t>(l)]));
      in_data.write(shown_bits_);
    }
  }
  double beat_bytes() const { return static_cast<double>(kLanes * cfg_.element_bytes); }

  MemoryConfig cfg_;
  const std::vector<std::vector<uint32_t>>* beats_ = nullptr;
  std::size_t count_ = 0, next_request_ = 0, shown_ = ~std::size_t{0};
  sc_bv<kLanes * 32> shown_bits_;  // reused: a fresh sc_bv would allocate on every new beat
  std::deque<std::pair<uint64_t, std::size_t>> pending_;  // (arrival cycle, beat)
  std::deque<std::size_t> arrived_;
  double credit_ = 0;
  uint64_t start_cycle_ = 0;
  bool refetched_ = false;
};

// The metadata memory of tensor-level mode: stores each block amax the engine sends out in pass 1 (one word per
// cycle, always ready) and plays them back, in order, on the metadata input from the start of pass 2 and again
// when the engine raises refetch. A producer that tracks amax itself preloads it (the model's one-pass mode).
SC_MODULE(MetaMemory) {
  sc_in<bool> clk;
  sc_in<bool> out_valid, refetch;
  sc_in<uint32_t> out_data;
  sc_out<bool> out_ready, in_valid;
  sc_out<uint32_t> in_data;
  sc_in<bool> in_ready;

  SC_HAS_PROCESS(MetaMemory);
  explicit MetaMemory(sc_module_name n) : sc_module(n) {
    SC_METHOD(step);
    sensitive << clk.pos();
    dont_initialize();
  }
  void load(std::vector<uint32_t> preloaded) {
    words_ = std::move(preloaded);
    next_ = 0;
    refetched_ = false;
  }
  uint64_t words_written = 0, words_read = 0;

 private:
  void step() {
    if (out_valid.read() && out_ready.read()) {
      words_.push_back(out_data.read());
      ++words_written;
    }
    if (in_valid.read() && in_ready.read()) {
      ++next_;
      ++words_read;
    }
    if (refetch.read() && !refetched_) {
      refetched_ = true;
      next_ = 0;
    }
    out_ready.write(true);
    in_valid.write(next_ < words_.size());
    if (next_ < words_.size()) in_data.write(words_[next_]);
  }
  std::vector<uint32_t> words_;
  std::size_t next_ = 0;
  bool refetched_ = false;
};

SC_MODULE(OutputWriter) {
  sc_in<bool> clk;
  sc_in<bool> code_valid, blk_valid;
  sc_out<bool> code_ready, blk_ready;

  SC_HAS_PROCESS(OutputWriter);
  OutputWriter(sc_module_name n, const MemoryConfig& cfg) : sc_module(n), cfg_(cfg) {
    SC_METHOD(step);
    sensitive << clk.pos();
    dont_initialize();
  }
  uint64_t bytes_written = 0, code_stall_cycles = 0, blk_stall_cycles = 0;

 private:
  void step() {
    const bool code_fire = code_valid.read() && code_ready.read();
    const bool blk_fire = blk_valid.read() && blk_ready.read();
    if (code_valid.read() && !code_ready.read()) ++code_stall_cycles;
    if (blk_valid.read() && !blk_ready.read()) ++blk_stall_cycles;
    credit_ += cfg_.write_bytes_per_cycle;
    if (code_fire) {
      credit_ -= kLanes;  // 32 one-byte codes
      bytes_written += kLanes;
    }
    if (blk_fire) {
      credit_ -= 8;  // tag + scale, padded
      bytes_written += 8;
    }
    credit_ = std::min(credit_, 4.0 * kLanes);
    code_ready.write(credit_ >= kLanes);
    blk_ready.write(credit_ >= 8);
  }
  MemoryConfig cfg_;
  double credit_ = 0;
};

}  // namespace mor::sim
