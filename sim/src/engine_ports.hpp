// The engine's ports as SystemC signals (docs/ENGINE.md), with the C++ types Verilator's --sc output uses
// (1 bit: bool; up to 32 bits: uint32_t; up to 64: uint64_t; wider: sc_bv). The same bundle binds the SystemC model
// (MorEngineModel) or the Verilated RTL (Vsc_quantizer), so one testbench drives either.
#pragma once

#include <systemc.h>

#include <cstdint>
#include <string>

#include "engine_types.hpp"

namespace mor::sim {

struct EngineSignals {
  explicit EngineSignals(const std::string& p)
      : rst_n((p + "_rst_n").c_str()),
        start((p + "_start").c_str()),
        cfg_mode((p + "_cfg_mode").c_str()),
        cfg_block_beats((p + "_cfg_block_beats").c_str()),
        cfg_num_blocks((p + "_cfg_num_blocks").c_str()),
        cfg_threshold_fx((p + "_cfg_threshold_fx").c_str()),
        cfg_qe_mode((p + "_cfg_qe_mode").c_str()),
        cfg_e5m2_to_bf16((p + "_cfg_e5m2_to_bf16").c_str()),
        cfg_fp32_scales((p + "_cfg_fp32_scales").c_str()),
        busy((p + "_busy").c_str()),
        in_valid((p + "_in_valid").c_str()),
        in_ready((p + "_in_ready").c_str()),
        in_data((p + "_in_data").c_str()),
        refetch((p + "_refetch").c_str()),
        meta_out_valid((p + "_meta_out_valid").c_str()),
        meta_out_ready((p + "_meta_out_ready").c_str()),
        meta_out_data((p + "_meta_out_data").c_str()),
        meta_in_valid((p + "_meta_in_valid").c_str()),
        meta_in_ready((p + "_meta_in_ready").c_str()),
        meta_in_data((p + "_meta_in_data").c_str()),
        code_valid((p + "_code_valid").c_str()),
        code_ready((p + "_code_ready").c_str()),
        code_data((p + "_code_data").c_str()),
        code_block_last((p + "_code_block_last").c_str()),
        blk_valid((p + "_blk_valid").c_str()),
        blk_ready((p + "_blk_ready").c_str()),
        blk_index((p + "_blk_index").c_str()),
        blk_tag((p + "_blk_tag").c_str()),
        blk_scale((p + "_blk_scale").c_str()),
        done((p + "_done").c_str()),
        status((p + "_status").c_str()),
        decision_tag((p + "_decision_tag").c_str()),
        reason((p + "_reason").c_str()),
        group_scale((p + "_group_scale").c_str()),
        sum_lo((p + "_sum_lo").c_str()),
        sum_hi((p + "_sum_hi").c_str()),
        fallbacks((p + "_fallbacks").c_str()),
        err_sum((p + "_err_sum").c_str()),
        nnz((p + "_nnz").c_str()),
        group_amax((p + "_group_amax").c_str()) {}

  sc_signal<bool> rst_n, start;
  sc_signal<uint32_t> cfg_mode, cfg_block_beats, cfg_num_blocks, cfg_threshold_fx;
  sc_signal<bool> cfg_qe_mode, cfg_e5m2_to_bf16, cfg_fp32_scales, busy;
  sc_signal<bool> in_valid, in_ready;
  sc_signal<sc_bv<kLanes * 32>> in_data;
  sc_signal<bool> refetch, meta_out_valid, meta_out_ready;
  sc_signal<uint32_t> meta_out_data;
  sc_signal<bool> meta_in_valid, meta_in_ready;
  sc_signal<uint32_t> meta_in_data;
  sc_signal<bool> code_valid, code_ready;
  sc_signal<sc_bv<kLanes * 8>> code_data;
  sc_signal<bool> code_block_last, blk_valid, blk_ready;
  sc_signal<uint32_t> blk_index, blk_tag, blk_scale;
  sc_signal<bool> done;
  sc_signal<uint32_t> status, decision_tag, reason, group_scale;
  sc_signal<uint64_t> sum_lo, sum_hi;
  sc_signal<uint32_t> fallbacks;
  sc_signal<uint64_t> err_sum, nnz;
  sc_signal<uint32_t> group_amax;

  // Binds every port of an engine (the SystemC model or the Verilated RTL) to these signals.
  template <class Engine>
  void bind(Engine& e, sc_clock& clk) {
    e.clk(clk);
    e.rst_n(rst_n);
    e.start(start);
    e.cfg_mode(cfg_mode);
    e.cfg_block_beats(cfg_block_beats);
    e.cfg_num_blocks(cfg_num_blocks);
    e.cfg_threshold_fx(cfg_threshold_fx);
    e.cfg_qe_mode(cfg_qe_mode);
    e.cfg_e5m2_to_bf16(cfg_e5m2_to_bf16);
    e.cfg_fp32_scales(cfg_fp32_scales);
    e.busy(busy);
    e.in_valid(in_valid);
    e.in_ready(in_ready);
    e.in_data(in_data);
    e.refetch(refetch);
    e.meta_out_valid(meta_out_valid);
    e.meta_out_ready(meta_out_ready);
    e.meta_out_data(meta_out_data);
    e.meta_in_valid(meta_in_valid);
    e.meta_in_ready(meta_in_ready);
    e.meta_in_data(meta_in_data);
    e.code_valid(code_valid);
    e.code_ready(code_ready);
    e.code_data(code_data);
    e.code_block_last(code_block_last);
    e.blk_valid(blk_valid);
    e.blk_ready(blk_ready);
    e.blk_index(blk_index);
    e.blk_tag(blk_tag);
    e.blk_scale(blk_scale);
    e.done(done);
    e.status(status);
    e.decision_tag(decision_tag);
    e.reason(reason);
    e.group_scale(group_scale);
    e.sum_lo(sum_lo);
    e.sum_hi(sum_hi);
    e.fallbacks(fallbacks);
    e.err_sum(err_sum);
    e.nnz(nnz);
    e.group_amax(group_amax);
  }
};

}  // namespace mor::sim
