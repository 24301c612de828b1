// The MoR quantization engine (docs/ENGINE.md): LANES elements per cycle at 100 MHz on SKY130 HD (tt_025C_1v80),
// valid/ready on every channel.
//
// Tensor-level mode (cfg_mode 0, mor_tensor_ctrl): the tensor arrives twice in block-major order; pass 1 gathers the
// statistics and sends each block's amax out on the metadata port; the group step gives r_g and the GAM thresholds
// on the shared divider; pass 2 takes the block amax back, quantizes every beat with its block's GAM scale, emits
// the E4M3 codes and the block exponent offsets, and sums the interval bounds of the error (issue 16). When the bounds
// leave the decision open, the engine raises refetch and reads the tensor a third time for the exact error sum (the
// fallback). The decision comes with `done`: a BF16 decision means keep the original tensor. Sub-tensor mode
// (cfg_mode 2, mor_subtensor_ctrl): one pass through two block buffers, a format and scale per block (D7). A
// configuration the engine cannot run is refused: `done` with status REFUSED, no input read, no output written.
//
// The engine is cut along its seams, one unit per file, each with its SystemC twin in sim/src (docs/ENGINE.md):
//   mor_skid_buffer     the input register (in_ready comes from a register)
//   mor_stats_unit      position of the input beat, block and tensor statistics (three stages)
//   mor_tensor_ctrl     tensor-level passes, the metadata port, GAM (group step, mor_gam_offset_cmp)
//   mor_subtensor_ctrl  block buffers (mor_sram_1rw), band comparators, quant-error measurement
//   mor_element_pipe    stages X, M1, M2, C of the lanes (mor_lane), the code skid buffer, the bounds path
//   mor_fallback_unit   the exact errors of undecided tensors and blocks
//   mor_div_unit        the one iterative divider
//   mor_fifo            block info
//   mor_decision_unit   accumulators, T_fx * NNZ, decisions, tensor info
// This module holds the configuration, the check, the run state and the wiring.
module mor_quantizer #(
    parameter int LANES = mor_pkg::ENGINE_LANES,                // elements per beat: 16 * 2^m
    parameter int BEATS_MAX = mor_pkg::ENGINE_BLOCK_BEATS_MAX,  // largest block, in beats; depth of each block buffer
    parameter int LANE_CUTS = mor_pkg::ENGINE_LANE_CUTS,        // register cuts inside the lanes' multiply
    parameter int PROPAGATE_NAN = 0                             // D1 NaN policy of the statistics
) (
    input  logic                        clk,
    input  logic                        rst_n,
    // configuration, sampled on start
    input  logic                        start,
    input  logic [1:0]                  cfg_mode,          // mor_pkg::mode_e: 0 tensor-level, 2 sub-tensor
    input  logic [$clog2(BEATS_MAX):0]  cfg_block_beats,
    input  logic [31:0]                 cfg_num_blocks,
    input  logic [31:0]                 cfg_threshold_fx,  // floor(T * 2^24)
    input  logic                        cfg_qe_mode,       // sub-tensor quant-error mode
    input  logic                        cfg_e5m2_to_bf16,  // sub-tensor: E5M2 blocks become BF16
    input  logic                        cfg_fp32_scales,   // sub-tensor: FP32 block scales instead of MOR_E8_RZ
    output logic                        busy,
    // input stream
    input  logic                        in_valid,
    output logic                        in_ready,
    input  logic [LANES*32-1:0]         in_data,
    output logic                        refetch,           // tensor-level: read the tensor a third time
    // the metadata port: each block's amax out in pass 1, back in in passes 2 and 3
    output logic                        meta_out_valid,
    input  logic                        meta_out_ready,
    output logic [31:0]                 meta_out_data,
    input  logic                        meta_in_valid,
    output logic                        meta_in_ready,
    input  logic [31:0]                 meta_in_data,
    // codes
    output logic                        code_valid,
    input  logic                        code_ready,
    output logic [LANES*8-1:0]          code_data,
    output logic                        code_block_last,
    // block info
    output logic                        blk_valid,
    input  logic                        blk_ready,
    output logic [31:0]                 blk_index,
    output logic [1:0]                  blk_tag,           // mor_pkg::tag_e
    output logic [31:0]                 blk_scale,
    // tensor info, valid with the one-cycle done pulse
    output logic                        done,
    output logic [1:0]                  status,            // mor_pkg::status_e
    output logic [1:0]                  decision_tag,      // mor_pkg::tag_e
    output logic [1:0]                  reason,            // mor_pkg::reason_e
    output logic [31:0]                 group_scale,
    output logic [63:0]                 sum_lo,
    output logic [63:0]                 sum_hi,
    output logic [31:0]                 fallbacks,
    output logic [63:0]                 err_sum,
    output logic [39:0]                 nnz,
    output logic [31:0]                 group_amax
);
  localparam int BW = $clog2(BEATS_MAX) + 1;
  localparam int SW = 26 + $clog2(LANES);

  // ---- configuration, the check, run state ----
  typedef enum logic [1:0] { S_IDLE, S_CHECK, S_RUN, S_FINISH } state_t;
  state_t state;
  logic [1:0] mode;
  logic [BW-1:0] block_beats;
  logic [31:0] num_blocks, threshold_fx;
  logic qe_mode, e5m2_to_bf16, fp32_scales;
  // What the engine cannot run (EngineStatus::kRefused): zero-sized or oversized blocks, no blocks, a tensor past the
  // exact range of the 64-bit sums (2^39 elements), modes 1 and 3.
  logic [41:0] beats_total;
  logic refuse;
  assign beats_total = 42'(num_blocks) * 42'(block_beats);
  assign refuse = block_beats == '0 || block_beats > BW'(BEATS_MAX) || num_blocks == '0 ||
                  (mode != mor_pkg::MODE_TENSOR_LEVEL && mode != mor_pkg::MODE_SUB_TENSOR) ||
                  beats_total > (42'd1 << (mor_pkg::ENGINE_ELEMENTS_LOG2_MAX - $clog2(LANES)));
  logic clear, begin_tensor, sub_tensor, ctrl_finished, pipe_empty, fb_idle, meta_empty;
  assign clear = state == S_CHECK;  // the statistics and accumulators restart, for a refused tensor too
  assign begin_tensor = clear && !refuse;
  assign sub_tensor = mode == mor_pkg::MODE_SUB_TENSOR;
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      state <= S_IDLE;
      {done, status} <= '0;
      {mode, block_beats, num_blocks, threshold_fx, qe_mode, e5m2_to_bf16, fp32_scales} <= '0;
    end else begin
      done <= 1'b0;
      case (state)
        S_IDLE: if (start) begin
          {mode, block_beats, num_blocks, threshold_fx} <= {cfg_mode, cfg_block_beats, cfg_num_blocks,
                                                            cfg_threshold_fx};
          {qe_mode, e5m2_to_bf16, fp32_scales} <= {cfg_qe_mode, cfg_e5m2_to_bf16, cfg_fp32_scales};
          state <= S_CHECK;
        end
        S_CHECK: begin
          status <= refuse ? mor_pkg::STATUS_REFUSED : mor_pkg::STATUS_OK;
          done <= refuse;
          state <= refuse ? S_IDLE : S_RUN;
        end
        S_RUN: if (ctrl_finished) state <= S_FINISH;
        S_FINISH: if (pipe_empty && !blk_valid && fb_idle && meta_empty) begin  // every output has left
          done <= 1'b1;
          state <= S_IDLE;
        end
        default: state <= S_IDLE;
      endcase
    end
  end
  assign busy = state != S_IDLE;

  // ---- the input register: in_ready comes from a register ----
  logic i_valid, consume, accepting;
  logic [LANES*32-1:0] i_data;
  logic skid_ready;
  assign accepting = state == S_RUN;
  mor_skid_buffer #(.WIDTH(LANES*32)) input_reg (
      .clk(clk), .rst_n(rst_n), .in_valid(in_valid && accepting), .in_ready(skid_ready), .in_data(in_data),
      .out_valid(i_valid), .out_ready(consume), .out_data(i_data));
  assign in_ready = skid_ready && accepting;

  // ---- statistics ----
  logic gather, tl_gather, tl_consume, st_consume;
  logic [BW-1:0] in_beat;
  logic [31:0] in_block;
  logic in_block_last, in_tensor_last, blk_done, tensor_done;
  logic [1:0] in_flight_lasts;
  logic [31:0] b_amax, b_min, b_nf, gamax;
  logic [39:0] nnz_acc, nf_acc;
  assign consume = tl_consume || st_consume;
  assign gather = tl_gather || sub_tensor;
  mor_stats_unit #(.LANES(LANES), .BW(BW), .PROPAGATE_NAN(PROPAGATE_NAN)) stats (
      .clk(clk), .rst_n(rst_n), .clear(clear), .block_beats(block_beats), .num_blocks(num_blocks),
      .consume(consume), .in_data(i_data), .gather(gather), .beat(in_beat), .block(in_block),
      .block_last(in_block_last), .tensor_last(in_tensor_last), .in_flight_lasts(in_flight_lasts),
      .blk_done(blk_done), .blk_amax(b_amax), .blk_min_nonzero(b_min), .blk_nonfinite(b_nf),
      .tensor_done(tensor_done), .nnz(nnz_acc), .nonfinite(nf_acc), .group_amax(gamax));

  // ---- the shared divider ----
  logic [2:0] div_req, div_raw, div_grant, div_done;
  logic [95:0] div_a, div_b;
  logic [31:0] div_result;
  mor_div_unit #(.N(3)) divider (
      .clk(clk), .rst_n(rst_n), .req(div_req), .req_raw(div_raw), .req_a(div_a), .req_b(div_b), .grant(div_grant),
      .done(div_done), .result(div_result));
  assign div_raw[1] = 1'b0;

  // ---- the two controllers ----
  logic issue_ready, blk_room, undecided, fb_ready, fb_beat_done, tl_sum_clear, tl_fallback_done;
  logic tl_issue, tl_push, tl_finished;
  logic [1:0] tl_kind;
  logic [31:0] tl_scale, r_g;
  logic [65:0] tl_push_data;
  mor_tensor_ctrl tensor_ctrl (
      .clk(clk), .rst_n(rst_n), .start(begin_tensor && !sub_tensor), .i_valid(i_valid), .consume(tl_consume),
      .gather(tl_gather), .block_last(in_block_last), .tensor_last(in_tensor_last),
      .in_flight_lasts(in_flight_lasts), .blk_done(blk_done), .blk_amax(b_amax), .tensor_done(tensor_done),
      .group_amax(gamax), .nonfinite(nf_acc != 0), .meta_out_valid(meta_out_valid), .meta_out_ready(meta_out_ready),
      .meta_out_data(meta_out_data), .meta_in_valid(meta_in_valid), .meta_in_ready(meta_in_ready),
      .meta_in_data(meta_in_data), .issue_ready(issue_ready), .blk_room(blk_room), .issue(tl_issue),
      .issue_kind(tl_kind), .issue_scale(tl_scale), .blk_push(tl_push), .blk_push_data(tl_push_data),
      .block(in_block), .pipe_empty(pipe_empty), .undecided(undecided), .fb_ready(fb_ready),
      .fb_beat_done(fb_beat_done), .fb_sum_clear(tl_sum_clear), .refetch(refetch), .fallback_done(tl_fallback_done),
      .div_req(div_req[0]), .div_raw(div_raw[0]), .div_a(div_a[31:0]), .div_b(div_b[31:0]),
      .div_grant(div_grant[0]), .div_done(div_done[0]), .div_result(div_result), .group_scale(r_g),
      .finished(tl_finished));
  assign meta_empty = !meta_out_valid;

  logic st_issue, st_last, st_e5m2, st_push, st_finished, qe_e4m3, qe_bf16, fb_e4m3;
  logic measure_clear, st_sum_clear, fb4_done, fb5_done, block_done;
  logic [1:0] st_kind, block_done_tag;
  logic [LANES*32-1:0] st_x;
  logic [31:0] st_scale;
  logic [65:0] st_push_data;
  mor_subtensor_ctrl #(.LANES(LANES), .BEATS_MAX(BEATS_MAX)) subtensor_ctrl (
      .clk(clk), .rst_n(rst_n), .start(begin_tensor && sub_tensor), .block_beats(block_beats),
      .num_blocks(num_blocks), .qe_mode(qe_mode), .e5m2_to_bf16(e5m2_to_bf16), .fp32_scales(fp32_scales),
      .i_valid(i_valid), .i_data(i_data), .consume(st_consume), .in_beat(in_beat), .in_block_last(in_block_last),
      .blk_done(blk_done), .blk_amax(b_amax), .blk_min_nonzero(b_min), .blk_nonfinite(b_nf),
      .issue_ready(issue_ready), .blk_room(blk_room), .pipe_empty(pipe_empty), .issue(st_issue),
      .issue_kind(st_kind), .issue_last(st_last), .issue_x(st_x), .issue_scale(st_scale), .issue_e5m2(st_e5m2),
      .blk_push(st_push), .blk_push_data(st_push_data), .qe_e4m3(qe_e4m3), .qe_bf16(qe_bf16), .fb_e4m3(fb_e4m3),
      .fb_ready(fb_ready), .fb_beat_done(fb_beat_done), .measure_clear(measure_clear), .fb_sum_clear(st_sum_clear),
      .fb4_done(fb4_done), .fb5_done(fb5_done), .block_done(block_done), .block_done_tag(block_done_tag),
      .finished(st_finished), .div_req(div_req[1]), .div_a(div_a[63:32]), .div_b(div_b[63:32]),
      .div_grant(div_grant[1]), .div_done(div_done[1]), .div_result(div_result));
  assign ctrl_finished = tl_finished || st_finished;

  // ---- element pipeline ----
  logic fb_valid, fb_e5m2;
  logic [LANES*8-1:0] fb_codes;
  logic [31:0] x_scale;
  logic bsum_valid;
  logic [1:0] bsum_kind;
  logic [SW-1:0] bsum_lo, bsum_hi;
  mor_element_pipe #(.LANES(LANES), .LANE_CUTS(LANE_CUTS)) element_pipe (
      .clk(clk), .rst_n(rst_n), .issue(tl_issue || st_issue), .issue_ready(issue_ready),
      .issue_kind(sub_tensor ? st_kind : tl_kind), .issue_last(sub_tensor ? st_last : in_block_last),
      .issue_x(sub_tensor ? st_x : i_data), .issue_scale(sub_tensor ? st_scale : tl_scale),
      .issue_e5m2(sub_tensor && st_e5m2), .bounds_emit(!sub_tensor), .x_scale(x_scale), .code_valid(code_valid),
      .code_ready(code_ready), .code_data(code_data), .code_block_last(code_block_last), .fb_valid(fb_valid),
      .fb_ready(fb_ready), .fb_codes(fb_codes), .fb_e5m2(fb_e5m2), .bsum_valid(bsum_valid), .bsum_kind(bsum_kind),
      .bsum_lo(bsum_lo), .bsum_hi(bsum_hi), .empty(pipe_empty));

  // ---- the fallback unit: its elements are in the input register or the buffer's read register ----
  logic [63:0] fb_sum;
  mor_fallback_unit #(.LANES(LANES)) fallback (
      .clk(clk), .rst_n(rst_n), .sum_clear(tl_sum_clear || st_sum_clear), .beat_valid(fb_valid),
      .beat_ready(fb_ready), .beat_codes(fb_codes), .beat_e5m2(fb_e5m2), .beat_scale(x_scale),
      .x_data(sub_tensor ? st_x : i_data), .beat_done(fb_beat_done), .sum(fb_sum), .div_req(div_req[2]),
      .div_raw(div_raw[2]), .div_a(div_a[95:64]), .div_b(div_b[95:64]), .div_grant(div_grant[2]),
      .div_done(div_done[2]), .div_result(div_result));
  assign fb_idle = fb_ready;

  // ---- block info ----
  /* verilator lint_off UNUSEDSIGNAL */
  logic [$clog2(mor_pkg::ENGINE_BLOCK_FIFO_DEPTH+1)-1:0] blk_count;  // in_ready tells it
  /* verilator lint_on UNUSEDSIGNAL */
  mor_fifo #(.WIDTH(66), .DEPTH(mor_pkg::ENGINE_BLOCK_FIFO_DEPTH)) blk_fifo (
      .clk(clk), .rst_n(rst_n), .in_valid(tl_push || st_push), .in_ready(blk_room),
      .in_data(sub_tensor ? st_push_data : tl_push_data), .out_valid(blk_valid), .out_ready(blk_ready),
      .out_data({blk_index, blk_tag, blk_scale}), .count(blk_count));

  // ---- accumulators and tensor info (all zero for a refused configuration) ----
  logic [1:0] info_tag, info_reason;
  logic [31:0] info_gs, info_fallbacks, info_amax;
  logic [63:0] info_lo, info_hi, info_err;
  logic [39:0] info_nnz;
  assign {decision_tag, reason, group_scale, sum_lo, sum_hi, fallbacks, err_sum, nnz, group_amax} =
      status == mor_pkg::STATUS_REFUSED ? '0 : {info_tag, info_reason, info_gs, info_lo, info_hi, info_fallbacks,
                                                info_err, info_nnz, info_amax};
  mor_decision_unit #(.LANES(LANES), .BW(BW)) decision (
      .clk(clk), .rst_n(rst_n), .clear(clear), .sub_tensor(sub_tensor), .threshold_fx(threshold_fx),
      .block_beats(block_beats), .bsum_valid(bsum_valid), .bsum_kind(bsum_kind), .bsum_lo(bsum_lo),
      .bsum_hi(bsum_hi), .tensor_done(tensor_done), .tensor_nnz(nnz_acc), .tensor_nonfinite(nf_acc),
      .tensor_group_amax(gamax), .tensor_group_scale(r_g), .undecided(undecided), .fb_sum(fb_sum),
      .tl_fallback_done(tl_fallback_done), .fb4_done(fb4_done), .fb5_done(fb5_done), .fb_e4m3(fb_e4m3),
      .measure_clear(measure_clear), .qe_e4m3(qe_e4m3), .qe_bf16(qe_bf16), .block_done(block_done),
      .block_done_tag(block_done_tag), .decision_tag(info_tag), .reason(info_reason), .group_scale(info_gs),
      .sum_lo(info_lo), .sum_hi(info_hi), .fallbacks(info_fallbacks), .err_sum(info_err), .nnz(info_nnz),
      .group_amax(info_amax));
endmodule
