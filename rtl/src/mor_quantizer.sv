// The MoR quantization engine (docs/ENGINE.md): LANES elements per cycle, valid/ready on every channel.
//
// Tensor-level mode (cfg_mode 0, mor_tensor_ctrl): the tensor arrives twice in block-major order; pass 1 gathers
// the statistics, the GAM group step gives r_g, pass 2 quantizes every beat with its block's GAM scale, emits the
// E4M3 codes and the block exponent offsets, and sums the canonical error; the decision comes with `done` (a BF16
// decision means: keep the original tensor). Sub-tensor mode (cfg_mode 2, mor_subtensor_ctrl): one pass through
// two block buffers, a format and scale per block (D7).
//
// The engine is cut along its seams, one unit per file, each with its SystemC twin in sim/src (docs/ENGINE.md):
//   mor_stats_unit      position of the input beat, block and tensor statistics
//   mor_tensor_ctrl     tensor-level passes, block amax memory, GAM (mor_gam_group_scale, mor_gam_block_scale)
//   mor_subtensor_ctrl  block buffers, dynamic-range bands, quant-error measurement
//   mor_element_pipe    stage X, the lanes (mor_quant_lane, mor_error_lane, one mor_dequant_table), PIPE stages
//   mor_fifo            block info
//   mor_decision_unit   error and format accumulators, the tensor decision
// This module holds the configuration, the run state and the wiring.
//
// Latency: a beat accepted into the element pipeline leaves it PIPE cycles later (when code_ready is high).
// Throughput: one beat per cycle in both passes of tensor-level mode and in dynamic-range sub-tensor mode.
module mor_quantizer #(
    parameter int LANES = mor_pkg::ENGINE_LANES,
    parameter int BEATS_MAX = mor_pkg::ENGINE_BLOCK_BEATS_MAX,  // largest block, in beats; depth of each block buffer
    parameter int MAX_BLOCKS = mor_pkg::ENGINE_MAX_BLOCKS,      // blocks per tensor in tensor-level mode
    parameter int PIPE = mor_pkg::ENGINE_PIPE,                  // register stages between the lanes and the codes
    parameter int PROPAGATE_NAN = 0                             // D1 NaN policy of the amax tree
) (
    input  logic                        clk,
    input  logic                        rst_n,
    // configuration, sampled on start
    input  logic                        start,
    input  logic [1:0]                  cfg_mode,          // mor_pkg::mode_e: 0 tensor-level, 2 sub-tensor
    input  logic [$clog2(BEATS_MAX):0]  cfg_block_beats,
    input  logic [15:0]                 cfg_num_blocks,
    input  logic [31:0]                 cfg_threshold_fx,  // floor(T * 2^24)
    input  logic                        cfg_qe_mode,       // sub-tensor quant-error mode
    input  logic                        cfg_e5m2_to_bf16,  // sub-tensor: E5M2 blocks become BF16
    input  logic                        cfg_fp32_scales,   // sub-tensor: FP32 block scales instead of MOR_E8_RZ
    output logic                        busy,
    // input stream
    input  logic                        in_valid,
    output logic                        in_ready,
    input  logic [LANES*32-1:0]         in_data,
    // codes
    output logic                        code_valid,
    input  logic                        code_ready,
    output logic [LANES*8-1:0]          code_data,
    output logic                        code_block_last,
    // block info
    output logic                        blk_valid,
    input  logic                        blk_ready,
    output logic [15:0]                 blk_index,
    output logic [1:0]                  blk_tag,           // mor_pkg::tag_e
    output logic [31:0]                 blk_scale,
    // tensor info, valid with the one-cycle done pulse
    output logic                        done,
    output logic [1:0]                  decision_tag,      // mor_pkg::tag_e
    output logic [1:0]                  reason,            // mor_pkg::reason_e
    output logic [31:0]                 group_scale,
    output logic [63:0]                 err_sum,
    output logic [39:0]                 nnz,
    output logic [31:0]                 group_amax
);
  localparam int BW = $clog2(BEATS_MAX) + 1;
  localparam int EW = 26 + $clog2(LANES);

  // ---- configuration and run state ----
  typedef enum logic [1:0] { S_IDLE, S_RUN, S_FINISH } state_t;
  state_t state;
  logic [1:0] mode;
  logic [BW-1:0] block_beats;
  logic [15:0] num_blocks;
  logic [31:0] threshold_fx;
  logic qe_mode, e5m2_to_bf16, fp32_scales;
  logic begin_tensor, sub_tensor, ctrl_finished, pipe_empty;
  assign begin_tensor = state == S_IDLE && start;
  assign sub_tensor = mode == mor_pkg::MODE_SUB_TENSOR;
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      state <= S_IDLE;
      done <= 1'b0;
      {mode, block_beats, num_blocks, threshold_fx, qe_mode, e5m2_to_bf16, fp32_scales} <= '0;
    end else begin
      done <= 1'b0;
      case (state)
        S_IDLE: if (start) begin
          {mode, block_beats, num_blocks, threshold_fx} <= {cfg_mode, cfg_block_beats, cfg_num_blocks,
                                                            cfg_threshold_fx};
          {qe_mode, e5m2_to_bf16, fp32_scales} <= {cfg_qe_mode, cfg_e5m2_to_bf16, cfg_fp32_scales};
          state <= S_RUN;
        end
        S_RUN: if (ctrl_finished) state <= S_FINISH;
        S_FINISH: if (pipe_empty && !blk_valid) begin  // the last codes and block info have left
          done <= 1'b1;
          state <= S_IDLE;
        end
        default: state <= S_IDLE;
      endcase
    end
  end
  assign busy = state != S_IDLE;

  // ---- statistics of the input stream ----
  logic in_fire, gather, tl_gather, st_gather;
  logic [BW-1:0] in_beat;
  logic [15:0] in_block;
  logic in_block_last, in_tensor_last;
  logic [31:0] blk_amax_now, blk_min_now, blk_nf_now, gamax;
  logic [39:0] nnz_acc, nf_acc;
  assign in_fire = in_valid && in_ready;
  assign gather = tl_gather || st_gather;
  mor_stats_unit #(.LANES(LANES), .BW(BW), .PROPAGATE_NAN(PROPAGATE_NAN)) stats (
      .clk(clk), .rst_n(rst_n), .clear(begin_tensor), .block_beats(block_beats), .num_blocks(num_blocks),
      .in_fire(in_fire), .in_data(in_data), .gather(gather), .beat(in_beat), .block(in_block),
      .block_last(in_block_last), .tensor_last(in_tensor_last), .block_amax(blk_amax_now),
      .block_min_nonzero(blk_min_now), .block_nonfinite(blk_nf_now), .nnz(nnz_acc), .nonfinite(nf_acc),
      .group_amax(gamax));

  // ---- the two controllers: what is issued into the lanes and pushed as block info ----
  logic issue_ready, blk_room, x_valid, x_advance, e4m3_not_worse;
  logic tl_in_ready, tl_issue, tl_issue_last, tl_push, tl_finished;
  logic [31:0] tl_issue_scale, r_g;
  logic [49:0] tl_push_data;
  mor_tensor_ctrl #(.MAX_BLOCKS(MAX_BLOCKS)) tensor_ctrl (
      .clk(clk), .rst_n(rst_n), .start(begin_tensor && cfg_mode != mor_pkg::MODE_SUB_TENSOR), .in_fire(in_fire),
      .block(in_block), .block_last(in_block_last), .tensor_last(in_tensor_last), .block_amax(blk_amax_now),
      .group_amax(gamax), .nonfinite(nf_acc != 0), .in_ready(tl_in_ready), .gather(tl_gather),
      .issue_ready(issue_ready), .blk_room(blk_room), .issue(tl_issue), .issue_last(tl_issue_last),
      .issue_scale(tl_issue_scale), .blk_push(tl_push), .blk_push_data(tl_push_data), .group_scale(r_g),
      .finished(tl_finished));

  logic st_in_ready, st_issue, st_issue_last, st_issue_e5m2, st_push, st_finished;
  logic measure_clear, block_done;
  logic [1:0] st_issue_kind, block_done_tag;
  logic [LANES*32-1:0] st_issue_x;
  logic [31:0] st_issue_scale;
  logic [49:0] st_push_data;
  mor_subtensor_ctrl #(.LANES(LANES), .BEATS_MAX(BEATS_MAX)) subtensor_ctrl (
      .clk(clk), .rst_n(rst_n), .start(begin_tensor && cfg_mode == mor_pkg::MODE_SUB_TENSOR),
      .block_beats(block_beats), .num_blocks(num_blocks), .qe_mode(qe_mode), .e5m2_to_bf16(e5m2_to_bf16),
      .fp32_scales(fp32_scales), .in_fire(in_fire), .in_data(in_data), .in_beat(in_beat),
      .in_block_last(in_block_last), .block_amax(blk_amax_now), .block_min_nonzero(blk_min_now),
      .block_nonfinite(blk_nf_now), .in_ready(st_in_ready), .gather(st_gather), .issue_ready(issue_ready),
      .blk_room(blk_room), .x_valid(x_valid), .e4m3_not_worse(e4m3_not_worse), .issue(st_issue),
      .issue_kind(st_issue_kind), .issue_last(st_issue_last), .issue_x(st_issue_x), .issue_scale(st_issue_scale),
      .issue_e5m2(st_issue_e5m2), .blk_push(st_push), .blk_push_data(st_push_data),
      .measure_clear(measure_clear), .block_done(block_done), .block_done_tag(block_done_tag),
      .finished(st_finished));
  assign in_ready = tl_in_ready || st_in_ready;  // each is low while its controller is idle
  assign ctrl_finished = tl_finished || st_finished;

  // ---- element pipeline ----
  logic [1:0] x_kind;
  logic [EW-1:0] x_err;
  mor_element_pipe #(.LANES(LANES), .PIPE(PIPE)) element_pipe (
      .clk(clk), .rst_n(rst_n), .issue(tl_issue || st_issue), .issue_ready(issue_ready),
      .issue_kind(sub_tensor ? st_issue_kind : mor_pkg::BEAT_EMIT),
      .issue_last(sub_tensor ? st_issue_last : tl_issue_last), .issue_x(sub_tensor ? st_issue_x : in_data),
      .issue_scale(sub_tensor ? st_issue_scale : tl_issue_scale), .issue_e5m2(sub_tensor && st_issue_e5m2),
      .code_valid(code_valid), .code_ready(code_ready), .code_data(code_data), .code_block_last(code_block_last),
      .x_valid(x_valid), .x_advance(x_advance), .x_kind(x_kind), .x_err(x_err), .empty(pipe_empty));

  // ---- block info ----
  mor_fifo #(.WIDTH(50), .DEPTH(mor_pkg::ENGINE_BLOCK_FIFO_DEPTH)) blk_fifo (
      .clk(clk), .rst_n(rst_n), .in_valid(tl_push || st_push), .in_ready(blk_room),
      .in_data(sub_tensor ? st_push_data : tl_push_data), .out_valid(blk_valid), .out_ready(blk_ready),
      .out_data({blk_index, blk_tag, blk_scale}));

  // ---- accumulators and tensor info ----
  mor_decision_unit #(.LANES(LANES), .BW(BW)) decision (
      .clk(clk), .rst_n(rst_n), .clear(begin_tensor), .sub_tensor(sub_tensor), .threshold_fx(threshold_fx),
      .block_beats(block_beats), .x_valid(x_valid), .x_advance(x_advance), .x_kind(x_kind), .x_err(x_err),
      .measure_clear(measure_clear), .block_done(block_done), .block_done_tag(block_done_tag),
      .e4m3_not_worse(e4m3_not_worse), .tensor_nnz(nnz_acc), .tensor_nonfinite(nf_acc),
      .tensor_group_amax(gamax), .tensor_group_scale(r_g), .decision_tag(decision_tag), .reason(reason),
      .group_scale(group_scale), .err_sum(err_sum), .nnz(nnz), .group_amax(group_amax));
endmodule
