// Tensor-level controller (cfg_mode 0; spec 6, D3, D5; docs/ENGINE.md "Tensor-level mode"). The tensor arrives
// twice in block-major order, and a third time when the interval bounds leave the decision open:
//   pass 1   statistics; each block's amax leaves on the metadata port (meta_out) as the block finishes
//   group    r_g = RN32(FMAX / max(a_g, floor)) and the GAM thresholds' quotient, two divisions on the shared
//            divider (the thresholds need one, not a binary search: engine_rules.hpp)
//   pass 2   each block's amax comes back on meta_in; its scale s_j and offset k_j come from comparators
//            (mor_gam_offset_cmp); every beat is issued into the lanes, the codes and k_j go out, the bounds are summed
//   pass 3   only when Sum lo <= T_fx NNZ < Sum hi (refetch is high): each beat goes through the lanes as a
//            fallback beat, stays in the input register while the fallback unit computes its exact errors, and is
//            consumed when it is done
// A tensor with NaN/Inf is consumed in pass 2 without output (D2). The block amax never stays in the engine, so the
// tensor has no size limit here. The SystemC twin is sim/src/tensor_ctrl.*.
module mor_tensor_ctrl #(
    parameter int META_DEPTH = mor_pkg::ENGINE_META_FIFO_DEPTH
) (
    input  logic        clk,
    input  logic        rst_n,
    input  logic        start,
    // the input register (mor_skid_buffer) and the position of its beat (mor_stats_unit)
    input  logic        i_valid,
    output logic        consume,
    output logic        gather,          // a consumed beat counts in the statistics (pass 1)
    input  logic        block_last,
    input  logic        tensor_last,
    // statistics (mor_stats_unit)
    input  logic [1:0]  in_flight_lasts,
    input  logic        blk_done,
    input  logic [31:0] blk_amax,
    input  logic        tensor_done,
    input  logic [31:0] group_amax,
    input  logic        nonfinite,       // the tensor has NaN/Inf (known at tensor_done)
    // the metadata port
    output logic        meta_out_valid,
    input  logic        meta_out_ready,
    output logic [31:0] meta_out_data,
    input  logic        meta_in_valid,
    output logic        meta_in_ready,
    input  logic [31:0] meta_in_data,
    // issue into the lanes, block info
    input  logic        issue_ready,
    input  logic        blk_room,
    output logic        issue,
    output logic [1:0]  issue_kind,
    output logic [31:0] issue_scale,
    output logic        blk_push,
    output logic [65:0] blk_push_data,   // {index, tag, scale}: the scale field holds k_j in bits 7:0
    input  logic [31:0] block,           // the consumed beat's block
    // the end of pass 2, the fallback
    input  logic        pipe_empty,
    input  logic        undecided,       // the decision unit: Sum lo <= T_fx NNZ < Sum hi
    input  logic        fb_ready,        // the fallback unit takes a beat
    input  logic        fb_beat_done,
    output logic        fb_sum_clear,
    output logic        refetch,
    output logic        fallback_done,   // the exact err_sum is in the fallback unit
    // the shared divider (requester 0)
    output logic        div_req,
    output logic        div_raw,
    output logic [31:0] div_a,
    output logic [31:0] div_b,
    input  logic        div_grant,
    input  logic        div_done,
    input  logic [31:0] div_result,
    output logic [31:0] group_scale,     // r_g
    output logic        finished
);
  // The phases as localparams, not an enum: Icarus Verilog 11 loads 4'b000z into this module's enum-typed register
  // on T_IDLE -> T_P1 (a simulator bug; Verilator and Yosys agree with either form).
  localparam logic [3:0] T_IDLE = 4'd0, T_P1 = 4'd1, T_P1_END = 4'd2, T_RG = 4'd3, T_RG_WAIT = 4'd4, T_TH = 4'd5,
                         T_TH_WAIT = 4'd6, T_P2 = 4'd7, T_P2_END = 4'd8, T_P3 = 4'd9;
  logic [3:0] phase;
  logic p3_busy;  // pass 3: the input beat was issued and the fallback unit works on it

  // ---- metadata out: pass 1's block amax, pushed as each block's statistics finish ----
  logic [$clog2(META_DEPTH+1)-1:0] out_count;
  /* verilator lint_off UNUSEDSIGNAL */
  logic out_room;  // always high when a block's amax arrives: p1_room below
  /* verilator lint_on UNUSEDSIGNAL */
  mor_fifo #(.WIDTH(32), .DEPTH(META_DEPTH)) meta_out (
      .clk(clk), .rst_n(rst_n), .in_valid(blk_done && (phase == T_P1 || phase == T_P1_END)), .in_ready(out_room),
      .in_data(blk_amax), .out_valid(meta_out_valid), .out_ready(meta_out_ready), .out_data(meta_out_data),
      .count(out_count));
  // A pass-1 beat is consumed only when its block's amax is sure of a place: the queue, the blocks in the statistics
  // pipeline and the one being pushed leave room.
  logic p1_room;
  assign p1_room = 32'(out_count) + 32'(in_flight_lasts) + 32'(blk_done) < 32'(META_DEPTH);

  // ---- metadata in: passes 2 and 3, one block amax per block; its scale and offset are formed ahead ----
  logic [31:0] r_g;
  logic [23:0] thr_a, thr_b;
  logic in_valid_q, in_room, scale_load, scale_pop, scale_valid;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [1:0] in_count;  // in_room tells it
  /* verilator lint_on UNUSEDSIGNAL */
  logic [31:0] in_head, s_j;
  logic [7:0] k_j;
  logic [39:0] scale_stage;
  assign meta_in_ready = in_room && (phase == T_RG || phase == T_RG_WAIT || phase == T_TH || phase == T_TH_WAIT ||
                                     phase == T_P2 || phase == T_P3);
  mor_fifo #(.WIDTH(32), .DEPTH(2)) meta_in (
      .clk(clk), .rst_n(rst_n), .in_valid(meta_in_valid && meta_in_ready), .in_ready(in_room), .in_data(meta_in_data),
      .out_valid(in_valid_q), .out_ready(scale_load), .out_data(in_head), .count(in_count));
  mor_gam_offset_cmp #(.FMT(mor_pkg::FMT_E4M3)) gam (
      .block_amax(in_head), .group_scale(r_g), .thr_a(thr_a), .thr_b(thr_b), .block_scale(s_j), .exp_offset(k_j));
  // The scale stage holds the current block's {s_j, k_j}: formed only once r_g and the thresholds are there.
  logic scale_in_valid, scale_in_ready;
  assign scale_in_valid = in_valid_q && (phase == T_P2 || phase == T_P3);
  assign scale_load = scale_in_valid && scale_in_ready;
  mor_pipe_stage #(.WIDTH(40), .LOCKSTEP(0)) scale (
      .clk(clk), .rst_n(rst_n), .in_valid(scale_in_valid), .in_ready(scale_in_ready), .in_data({s_j, k_j}),
      .out_valid(scale_valid), .out_ready(scale_pop), .out_data(scale_stage));

  // ---- the input beat ----
  logic p2_go, p3_go;
  assign p2_go = phase == T_P2 && i_valid && scale_valid && (nonfinite || (issue_ready && blk_room));
  assign p3_go = phase == T_P3 && i_valid && scale_valid && !p3_busy && issue_ready && fb_ready;
  assign gather = phase == T_P1;
  assign consume = (phase == T_P1 && i_valid && p1_room) || p2_go || (phase == T_P3 && p3_busy && fb_beat_done);
  assign scale_pop = block_last && (p2_go || (phase == T_P3 && p3_busy && fb_beat_done));
  assign issue = (p2_go && !nonfinite) || p3_go;
  assign issue_kind = phase == T_P3 ? mor_pkg::BEAT_FALLBACK : mor_pkg::BEAT_EMIT;
  assign issue_scale = scale_stage[39:8];
  assign blk_push = p2_go && !nonfinite && block_last;
  assign blk_push_data = {block, mor_pkg::TAG_E4M3, 24'd0, scale_stage[7:0]};
  assign group_scale = r_g;
  assign refetch = phase == T_P3;
  assign fb_sum_clear = phase == T_P2_END && pipe_empty && undecided && !nonfinite;
  assign fallback_done = phase == T_P3 && p3_busy && fb_beat_done && tensor_last;

  // ---- the divider: r_g, then the thresholds' quotient ----
  logic [31:0] floored;
  assign floored = group_amax > mor_pkg::gam_amax_floor(mor_pkg::FMT_E4M3) ? group_amax
                                                                           : mor_pkg::gam_amax_floor(mor_pkg::FMT_E4M3);
  assign div_req = phase == T_RG || phase == T_TH;
  assign div_raw = phase == T_TH;
  // The thresholds' division (engine_rules.hpp): FMAX's significand over N = 2^24 + 2 m_g - 1, as raw significands.
  localparam logic [31:0] FMAX = mor_pkg::FMAX_E4M3;
  assign div_a = phase == T_TH ? {8'd0, 1'b1, FMAX[22:0]} : FMAX;
  assign div_b = phase == T_TH ? 32'h0100_0000 + {8'd0, r_g[22:0], 1'b0} - 32'd1 : floored;

  logic finish_p2;  // the end of pass 2 with the decision made by the bounds (or D2, or an all-zero tensor)
  assign finish_p2 = phase == T_P2_END && pipe_empty && (!undecided || nonfinite);
  assign finished = finish_p2 || fallback_done;

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      phase <= T_IDLE;
      p3_busy <= 1'b0;
    end else begin
      case (phase)
        T_IDLE: if (start) phase <= T_P1;
        T_P1: if (consume && tensor_last) phase <= T_P1_END;
        T_P1_END: if (tensor_done) phase <= nonfinite ? T_P2 : T_RG;
        T_RG: if (div_grant) phase <= T_RG_WAIT;
        T_RG_WAIT: if (div_done) phase <= T_TH;
        T_TH: if (div_grant) phase <= T_TH_WAIT;
        T_TH_WAIT: if (div_done) phase <= T_P2;
        T_P2: if (consume && tensor_last) phase <= T_P2_END;
        T_P2_END: if (finish_p2) phase <= T_IDLE;
                  else if (pipe_empty) phase <= T_P3;
        T_P3: begin
          if (p3_go) p3_busy <= 1'b1;
          if (consume) p3_busy <= 1'b0;
          if (fallback_done) phase <= T_IDLE;
        end
        default: phase <= T_IDLE;
      endcase
    end
  end
  // r_g and the thresholds (engine_rules.hpp gam_thresholds_from_quotient), registered from the divider:
  // T_A = Q / 4 + 1 - 2^23 in [0, split + 1], T_B = Q / 2 + 1 - 2^23 in [split + 1, 2^23], Q the quotient.
  localparam logic [25:0] SPLIT1 = {3'd0, FMAX[22:0]} + 26'd1, TOP = 26'h80_0000;
  logic [25:0] ta_sum, tb_sum;  // + 2^23
  assign ta_sum = {1'b0, div_result[26:2]} + 26'd1;
  assign tb_sum = div_result[26:1] + 26'd1;
  always_ff @(posedge clk) begin
    if (phase == T_RG_WAIT && div_done) r_g <= div_result;
    if (phase == T_TH_WAIT && div_done) begin
      thr_a <= ta_sum < TOP ? 24'd0 : (ta_sum - TOP > SPLIT1 ? 24'(SPLIT1) : 24'(ta_sum - TOP));
      thr_b <= tb_sum < TOP + SPLIT1 ? 24'(SPLIT1) : (tb_sum - TOP > TOP ? 24'(TOP) : 24'(tb_sum - TOP));
    end
  end
endmodule
