// The MoR quantization engine (docs/ENGINE.md): LANES elements per cycle, valid/ready on every channel.
//
// Tensor-level mode (cfg_mode 0): the tensor arrives twice in block-major order. Pass 1 gathers per-block amax
// (kept in a block memory), the group amax, NNZ and the non-finite count; the GAM unit then gives r_g; pass 2
// quantizes every beat with s_j = gam(r_g, a_j), emits the E4M3 codes and the per-block exponent offsets, and sums
// the canonical error; the decision comes with `done` (a BF16 decision means: keep the original tensor).
// A tensor with NaN/Inf is consumed in pass 2 without output and decided BF16 (D2).
//
// Sub-tensor mode (cfg_mode 2): one pass. Each block is written into one of two block buffers while its statistics
// are gathered; the other buffer drains: decide the format from the dynamic range (D7), measure E4M3 and E5M2
// errors when quant-error mode needs them (two extra buffer reads), then emit codes and the block scale. With
// double buffering the input runs at one beat per cycle except for quant-error blocks.
//
// Latency: a beat accepted into the element pipeline leaves it PIPE cycles later (when code_ready is high).
// Throughput: one beat per cycle in both passes of tensor-level mode and in dynamic-range sub-tensor mode.
// The arithmetic is the golden model's, unit by unit: mor_amax_tree, mor_gam_scale, mor_quant_lane (its
// dequantize step fed by one shared mor_dequant_table), mor_error_lane, mor_f32_div. The lanes' operand registers
// are clocked through mor_clock_gate: the beat loads only when a beat is issued, the scale only when it changes.
`include "mor_formats.vh"

module mor_quantizer #(
    parameter int LANES = 32,
    parameter int BEATS_MAX = 512,     // largest block, in beats; depth of each block buffer
    parameter int MAX_BLOCKS = 4096,   // blocks per tensor in tensor-level mode (the block amax memory)
    parameter int PIPE = 2,            // register stages between the lanes and the code output (>= 1)
    parameter int PROPAGATE_NAN = 0    // D1 NaN policy of the amax tree
) (
    input  logic                        clk,
    input  logic                        rst_n,
    // configuration, sampled on start
    input  logic                        start,
    input  logic [1:0]                  cfg_mode,          // 0 tensor-level, 2 sub-tensor
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
    output logic [1:0]                  blk_tag,
    output logic [31:0]                 blk_scale,
    // tensor info, valid with the one-cycle done pulse
    output logic                        done,
    output logic [1:0]                  decision_tag,
    output logic [1:0]                  reason,
    output logic [31:0]                 group_scale,
    output logic [63:0]                 err_sum,
    output logic [39:0]                 nnz,
    output logic [31:0]                 group_amax
);
  localparam int BW = $clog2(BEATS_MAX) + 1;
  localparam int CW = $clog2(LANES) + 1;
  localparam logic [1:0] TAG_E4M3 = 2'd0, TAG_E5M2 = 2'd1, TAG_BF16 = 2'd2;
  localparam logic [31:0] F32_ONE = 32'h3F80_0000, F32_MAX = 32'h7F7F_FFFF, F32_INF = 32'h7F80_0000;
  localparam logic [31:0] FMAX4 = 32'h43E0_0000, FMAX5 = 32'h4760_0000;  // 448, 57344
  localparam logic [31:0] AMAX_FLOOR = 32'h0554_AD2E;
  localparam logic [31:0] RANGE_E4 = 32'h46E0_0000, RANGE_E4_QE = 32'h47E0_0000, RANGE_E5 = 32'h4E60_0000;

  typedef enum logic [3:0] {
    S_IDLE, S_P1, S_GROUP, S_P2, S_SUB, S_FINISH
  } state_t;
  state_t state;

  // ---- configuration registers ----
  logic [1:0] mode;
  logic [BW-1:0] block_beats;
  logic [15:0] num_blocks;
  logic [31:0] threshold_fx;
  logic qe_mode, e5m2_to_bf16, fp32_scales;

  // ---- element pipeline: issue -> X (lane inputs) -> lanes -> PIPE stages -> code output ----
  // Registering the lane inputs keeps the lanes off the input-to-output combinational path.
  typedef enum logic [1:0] { K_EMIT, K_MEASURE4, K_MEASURE5 } kind_t;
  logic issue;                       // a beat enters stage X this cycle (emit or measure)
  kind_t issue_kind;
  logic issue_last;                  // ... and it is the last beat of its block
  logic [LANES*32-1:0] issue_x;
  logic [31:0] issue_scale;
  logic issue_e5m2;
  logic xv, x_last, x_e5m2;
  kind_t x_kind;
  logic [LANES*32-1:0] x_data;
  logic [31:0] x_scale;
  logic [LANES*8-1:0] lane_codes;
  logic advance;
  logic st_valid[PIPE];
  logic st_last[PIPE];
  logic [LANES*8-1:0] st_codes[PIPE];
  assign advance = !st_valid[PIPE-1] || code_ready;
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      xv <= 1'b0;
      x_last <= 1'b0;
      x_kind <= K_EMIT;
      for (int k = 0; k < PIPE; k++) begin
        st_valid[k] <= 1'b0;
        st_last[k] <= 1'b0;
        st_codes[k] <= '0;
      end
    end else if (advance) begin
      xv <= issue;
      x_kind <= issue_kind;
      x_last <= issue_last;
      st_valid[0] <= xv && x_kind == K_EMIT;
      st_last[0] <= x_last;
      st_codes[0] <= lane_codes;
      for (int k = 1; k < PIPE; k++) begin
        st_valid[k] <= st_valid[k-1];
        st_last[k] <= st_last[k-1];
        st_codes[k] <= st_codes[k-1];
      end
    end
  end
  // The lane operands sit behind a clock gate: they load only on the cycles a beat is issued, so the 32 lanes
  // (nearly all of the engine's logic) stay still through stalls, bubbles and the statistics pass. That saves the
  // dynamic power of the lanes, and it is what lets a Verilator harness skip them on those cycles.
  logic x_clk;
  mor_clock_gate x_gate (.clk(clk), .enable(advance && issue), .gclk(x_clk));
  always_ff @(posedge x_clk or negedge rst_n) begin
    if (!rst_n) begin
      x_data <= '0;
      x_e5m2 <= 1'b0;
    end else begin
      x_data <= issue_x;
      x_e5m2 <= issue_e5m2;
    end
  end
  // The scale has a gate of its own that opens only when an issued beat brings a different scale (a new block's,
  // or a measure pass's), so the dequantize table below holds still within a block. Loading an equal value would
  // change nothing: x_scale is still the scale of stage X's beat.
  logic scale_clk;
  mor_clock_gate scale_gate (.clk(clk), .enable(advance && issue && issue_scale != x_scale), .gclk(scale_clk));
  always_ff @(posedge scale_clk or negedge rst_n) begin
    if (!rst_n) x_scale <= '0;
    else x_scale <= issue_scale;
  end
  assign code_valid = st_valid[PIPE-1];
  assign code_data = st_codes[PIPE-1];
  assign code_block_last = st_last[PIPE-1];
  logic pipe_empty;
  always_comb begin
    pipe_empty = !xv;
    for (int k = 0; k < PIPE; k++) pipe_empty = pipe_empty && !st_valid[k];
  end

  // ---- block info FIFO (4 entries) ----
  logic blk_push;
  logic [49:0] blk_push_data;  // {index, tag, scale}
  logic [49:0] blk_fifo[4];
  logic [2:0] blk_count;
  logic [1:0] blk_rd, blk_wr;
  logic blk_pop;
  assign blk_pop = blk_valid && blk_ready;
  assign blk_valid = blk_count != 0;
  assign {blk_index, blk_tag, blk_scale} = blk_fifo[blk_rd];
  logic blk_room;
  assign blk_room = blk_count < 3'd4;
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      blk_count <= '0;
      blk_rd <= '0;
      blk_wr <= '0;
      for (int k = 0; k < 4; k++) blk_fifo[k] <= '0;
    end else begin
      if (blk_push) begin
        blk_fifo[blk_wr] <= blk_push_data;
        blk_wr <= blk_wr + 2'd1;
      end
      if (blk_pop) blk_rd <= blk_rd + 2'd1;
      blk_count <= blk_count + 3'(blk_push) - 3'(blk_pop);
    end
  end

  // ---- lanes: stage X's beat, scale and format ----
  // One dequantize table of x_scale serves every lane (8 significand quotients instead of a divider per lane;
  // docs/cost-analysis.md).
  logic [28*8-1:0] dq_entries;
  mor_dequant_table #(.MAN_BITS(`MOR_E4M3_MAN_BITS)) dq_table (.scale(x_scale), .entries(dq_entries));
  logic [LANES*32-1:0] lane_d;
  logic [25:0] lane_efx[LANES];
  for (genvar i = 0; i < LANES; i++) begin : g_lane
    mor_quant_lane quant (.x(x_data[32*i +: 32]), .scale(x_scale), .e5m2(x_e5m2), .dq_entries(dq_entries),
                          .code(lane_codes[8*i +: 8]), .dequant(lane_d[32*i +: 32]));
    mor_error_lane err (.x(x_data[32*i +: 32]), .dequant(lane_d[32*i +: 32]), .e_fx(lane_efx[i]));
  end
  // Sum of the beat's e_fx: a tree, one generate array per level.
  localparam int LV = $clog2(LANES);
  for (genvar l = 0; l <= LV; l++) begin : g_esum
    logic [25+LV:0] s[LANES >> l];
    for (genvar i = 0; i < (LANES >> l); i++) begin : g_n
      if (l == 0) begin : g_in
        assign s[i] = (26 + LV)'(lane_efx[i]);
      end else begin : g_add
        assign s[i] = g_esum[l-1].s[2*i] + g_esum[l-1].s[2*i+1];
      end
    end
  end
  logic [25+LV:0] beat_err;
  assign beat_err = g_esum[LV].s[0];

  // ---- statistics of the incoming beat ----
  logic [31:0] beat_amax, beat_min;
  logic [CW-1:0] beat_nnz, beat_nf;
  mor_amax_tree #(.LANES(LANES), .PROPAGATE_NAN(PROPAGATE_NAN)) stats (
      .data(in_data), .amax(beat_amax), .min_nonzero(beat_min), .nnz(beat_nnz), .nonfinite(beat_nf));

  // ---- counters and accumulators ----
  logic [BW-1:0] beat_cnt;       // beat within the current input block
  logic [15:0] in_block;         // input block index
  logic [31:0] acc_amax, acc_min;
  logic [31:0] acc_nf;           // per block
  logic [63:0] err_acc;
  logic [39:0] nnz_acc, nf_acc;
  logic [31:0] gamax;
  logic [31:0] r_g;
  logic in_fire;
  assign in_fire = in_valid && in_ready;
  logic in_block_last;
  assign in_block_last = beat_cnt == block_beats - BW'(1);
  logic [31:0] blk_amax_now, blk_min_now;   // block statistics including the current beat
  logic [31:0] blk_nf_now;
  assign blk_amax_now = beat_amax > acc_amax ? beat_amax : acc_amax;
  assign blk_min_now = beat_min < acc_min ? beat_min : acc_min;
  assign blk_nf_now = acc_nf + 32'(beat_nf);

  // ---- tensor-level: block amax memory and the GAM unit ----
  logic [31:0] block_amax_mem[MAX_BLOCKS];
  logic [31:0] gam_block_scale;
  logic [7:0] gam_offset;
  mor_gam_scale gam (.group_scale(r_g), .block_amax(block_amax_mem[in_block[$clog2(MAX_BLOCKS)-1:0]]),
                     .block_scale(gam_block_scale), .exp_offset(gam_offset));
  logic [31:0] r_g_next;
  mor_f32_div group_div (.a(FMAX4), .b(gamax > AMAX_FLOOR ? gamax : AMAX_FLOOR), .y(r_g_next));

  // ---- sub-tensor: two block buffers, their statistics, and the drain side ----
  logic [LANES*32-1:0] bufmem[2][BEATS_MAX];
  logic bank_full[2];
  logic [31:0] bank_amax[2], bank_min[2], bank_nf[2];
  logic wb, rb;                   // bank being written, bank being drained
  typedef enum logic [2:0] { D_IDLE, D_DECIDE, D_MEASURE4, D_MEASURE5, D_CHOOSE, D_EMIT } dstate_t;
  dstate_t dstate;
  logic [BW-1:0] rbeat;           // beat being read from bank rb
  logic [15:0] out_block;         // block index on the drain side
  logic [1:0] dtag;
  logic [31:0] dscale;
  logic [63:0] m4, m5;            // quant-error sums
  logic [39:0] fmt_elems[3];      // elements per format (sub-tensor decision_tag)
  // Decision dividers: dynamic range a / a_min and the two candidate scales.
  logic [31:0] d_amax, d_min, dr, q4, q5, s4, s5;
  assign d_amax = bank_amax[rb];
  assign d_min = bank_min[rb];
  mor_f32_div dr_div (.a(d_amax), .b(d_min), .y(dr));
  mor_f32_div s4_div (.a(FMAX4), .b(d_amax), .y(q4));
  mor_f32_div s5_div (.a(FMAX5), .b(d_amax), .y(q5));
  // TE's rule (scale.hpp te_current_scale): 1 for zero or non-finite amax, FLT_MAX for an infinite quotient;
  // MOR_E8_RZ keeps the sign and exponent bits only.
  logic [31:0] s4_fp32, s5_fp32;
  logic amax_degenerate;
  assign amax_degenerate = d_amax == 0 || d_amax >= F32_INF;
  assign s4_fp32 = amax_degenerate ? F32_ONE : (q4 == F32_INF ? F32_MAX : q4);
  assign s5_fp32 = amax_degenerate ? F32_ONE : (q5 == F32_INF ? F32_MAX : q5);
  assign s4 = fp32_scales ? s4_fp32 : (s4_fp32 & 32'h7F80_0000);
  assign s5 = fp32_scales ? s5_fp32 : (s5_fp32 & 32'h7F80_0000);
  logic [31:0] dr_eff;
  assign dr_eff = d_amax == 0 ? F32_ONE : dr;
  logic in_e4_band, in_e5_band;
  assign in_e4_band = dr_eff <= (qe_mode ? RANGE_E4_QE : RANGE_E4);
  assign in_e5_band = dr_eff <= RANGE_E5;

  // ---- what is issued into stage X ----
  always_comb begin
    issue_x = in_data;
    issue_scale = gam_block_scale;
    issue_e5m2 = 1'b0;
    if (mode == 2'd2) begin
      issue_x = bufmem[rb][rbeat[BW-2:0]];
      issue_scale = dstate == D_MEASURE4 ? s4 : dstate == D_MEASURE5 ? s5 : dscale;
      issue_e5m2 = dstate == D_MEASURE5 || (dstate == D_EMIT && dtag == TAG_E5M2);
    end
  end

  // ---- control ----
  logic drop_p2;  // tensor-level pass 2 of a non-finite tensor: consume without output
  assign drop_p2 = nf_acc != 0;
  logic sub_issue_ok;
  assign sub_issue_ok = advance && blk_room;
  logic x_accounted;  // stage X's beat reaches the lanes' accumulators this cycle
  assign x_accounted = advance && xv;
  always_comb begin
    in_ready = 1'b0;
    issue = 1'b0;
    issue_kind = K_EMIT;
    issue_last = 1'b0;
    blk_push = 1'b0;
    blk_push_data = '0;
    case (state)
      S_P1: in_ready = 1'b1;
      S_P2: begin
        in_ready = drop_p2 || (advance && blk_room);
        issue = in_fire && !drop_p2;
        issue_last = in_block_last;
        blk_push = issue && in_block_last;
        blk_push_data = {in_block, TAG_E4M3, 24'd0, gam_offset};
      end
      S_SUB: begin
        in_ready = !bank_full[wb];
        if ((dstate == D_MEASURE4 || dstate == D_MEASURE5) && advance) begin
          issue = 1'b1;
          // if/else, not ?: : Icarus 11 types a ?: of two enum constants as int and has no enum cast.
          if (dstate == D_MEASURE4) issue_kind = K_MEASURE4;
          else issue_kind = K_MEASURE5;
        end
        if (dstate == D_EMIT && sub_issue_ok) begin
          if (dtag != TAG_BF16) begin
            issue = 1'b1;
            issue_last = rbeat == block_beats - BW'(1);
            blk_push = issue_last;
          end else begin
            blk_push = 1'b1;
          end
          blk_push_data = {out_block, dtag, dscale};
        end
      end
      default: ;
    endcase
  end

  logic [1:0] sub_tag_now;  // the format decided in D_DECIDE when no measurement is needed
  always_comb begin
    if (bank_nf[rb] != 0) sub_tag_now = TAG_BF16;
    else if (in_e4_band) sub_tag_now = TAG_E4M3;
    else if (in_e5_band) sub_tag_now = e5m2_to_bf16 ? TAG_BF16 : TAG_E5M2;
    else sub_tag_now = TAG_BF16;
  end

  // The two memories are written in processes of their own, without reset: the form a synthesis tool maps to
  // SRAM (inside the reset process Yosys would build them from flip-flops and multiplexers).
  always_ff @(posedge clk) begin
    if (state == S_P1 && in_fire && in_block_last) block_amax_mem[in_block[$clog2(MAX_BLOCKS)-1:0]] <= blk_amax_now;
  end
  always_ff @(posedge clk) begin
    if (state == S_SUB && in_fire) bufmem[wb][beat_cnt[BW-2:0]] <= in_data;
  end

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      state <= S_IDLE;
      dstate <= D_IDLE;
      mode <= '0;
      block_beats <= '0;
      num_blocks <= '0;
      threshold_fx <= '0;
      qe_mode <= 1'b0;
      e5m2_to_bf16 <= 1'b0;
      fp32_scales <= 1'b0;
      beat_cnt <= '0;
      in_block <= '0;
      acc_amax <= '0;
      acc_min <= F32_INF;
      acc_nf <= '0;
      err_acc <= '0;
      nnz_acc <= '0;
      nf_acc <= '0;
      gamax <= '0;
      r_g <= '0;
      wb <= 1'b0;
      rb <= 1'b0;
      rbeat <= '0;
      out_block <= '0;
      dtag <= '0;
      dscale <= '0;
      m4 <= '0;
      m5 <= '0;
      done <= 1'b0;
      for (int k = 0; k < 2; k++) begin
        bank_full[k] <= 1'b0;
        bank_amax[k] <= '0;
        bank_min[k] <= F32_INF;
        bank_nf[k] <= '0;
      end
      for (int k = 0; k < 3; k++) fmt_elems[k] <= '0;
    end else begin
      done <= 1'b0;
      if (x_accounted) begin
        if (x_kind == K_EMIT && mode != 2'd2) err_acc <= err_acc + 64'(beat_err);
        if (x_kind == K_MEASURE4) m4 <= m4 + 64'(beat_err);
        if (x_kind == K_MEASURE5) m5 <= m5 + 64'(beat_err);
      end
      case (state)
        S_IDLE: if (start) begin
          mode <= cfg_mode;
          block_beats <= cfg_block_beats;
          num_blocks <= cfg_num_blocks;
          threshold_fx <= cfg_threshold_fx;
          qe_mode <= cfg_qe_mode;
          e5m2_to_bf16 <= cfg_e5m2_to_bf16;
          fp32_scales <= cfg_fp32_scales;
          beat_cnt <= '0;
          in_block <= '0;
          acc_amax <= '0;
          acc_min <= F32_INF;
          acc_nf <= '0;
          err_acc <= '0;
          nnz_acc <= '0;
          nf_acc <= '0;
          gamax <= '0;
          wb <= 1'b0;
          rb <= 1'b0;
          rbeat <= '0;
          out_block <= '0;
          dstate <= D_IDLE;
          for (int k = 0; k < 2; k++) bank_full[k] <= 1'b0;
          for (int k = 0; k < 3; k++) fmt_elems[k] <= '0;
          state <= cfg_mode == 2'd2 ? S_SUB : S_P1;
        end

        // -------- tensor-level pass 1: statistics --------
        S_P1: if (in_fire) begin
          nnz_acc <= nnz_acc + 40'(beat_nnz);
          nf_acc <= nf_acc + 40'(beat_nf);
          if (in_block_last) begin
            gamax <= blk_amax_now > gamax ? blk_amax_now : gamax;
            acc_amax <= '0;
            beat_cnt <= '0;
            if (in_block == num_blocks - 16'd1) begin
              in_block <= '0;
              state <= S_GROUP;
            end else begin
              in_block <= in_block + 16'd1;
            end
          end else begin
            acc_amax <= blk_amax_now;
            beat_cnt <= beat_cnt + BW'(1);
          end
        end
        S_GROUP: begin
          r_g <= r_g_next;
          state <= S_P2;
        end

        // -------- tensor-level pass 2: quantize and measure --------
        S_P2: if (in_fire) begin
          if (in_block_last) begin
            beat_cnt <= '0;
            if (in_block == num_blocks - 16'd1) state <= S_FINISH;
            else in_block <= in_block + 16'd1;
          end else begin
            beat_cnt <= beat_cnt + BW'(1);
          end
        end

        // -------- sub-tensor: fill one bank while the other drains --------
        S_SUB: begin
          if (in_fire) begin
            nnz_acc <= nnz_acc + 40'(beat_nnz);
            nf_acc <= nf_acc + 40'(beat_nf);
            gamax <= beat_amax > gamax ? beat_amax : gamax;
            if (in_block_last) begin
              bank_full[wb] <= 1'b1;
              bank_amax[wb] <= blk_amax_now;
              bank_min[wb] <= blk_min_now;
              bank_nf[wb] <= blk_nf_now;
              wb <= !wb;
              beat_cnt <= '0;
              acc_amax <= '0;
              acc_min <= F32_INF;
              acc_nf <= '0;
            end else begin
              beat_cnt <= beat_cnt + BW'(1);
              acc_amax <= blk_amax_now;
              acc_min <= blk_min_now;
              acc_nf <= blk_nf_now;
            end
          end
          case (dstate)
            D_IDLE: if (bank_full[rb]) dstate <= D_DECIDE;
            D_DECIDE: begin
              rbeat <= '0;
              m4 <= '0;
              m5 <= '0;
              if (bank_nf[rb] == 0 && qe_mode && !in_e4_band && in_e5_band) begin
                dstate <= D_MEASURE4;
              end else begin
                dtag <= sub_tag_now;
                dscale <= sub_tag_now == TAG_BF16 ? 32'd0 : sub_tag_now == TAG_E5M2 ? s5 : s4;
                dstate <= D_EMIT;
              end
            end
            D_MEASURE4, D_MEASURE5: if (advance) begin  // one beat issued per advancing cycle
              if (rbeat == block_beats - BW'(1)) begin
                rbeat <= '0;
                dstate <= dstate == D_MEASURE4 ? D_MEASURE5 : D_CHOOSE;
              end else begin
                rbeat <= rbeat + BW'(1);
              end
            end
            D_CHOOSE: if (!xv) begin  // the last measured beat has been summed
              dtag <= m4 <= m5 ? TAG_E4M3 : TAG_BF16;
              dscale <= m4 <= m5 ? s4 : 32'd0;
              dstate <= D_EMIT;
            end
            D_EMIT: if (sub_issue_ok) begin
              if (dtag == TAG_BF16 || rbeat == block_beats - BW'(1)) begin
                fmt_elems[dtag] <= fmt_elems[dtag] + 40'(block_beats) * 40'(LANES);
                bank_full[rb] <= 1'b0;
                rb <= !rb;
                rbeat <= '0;
                dstate <= D_IDLE;
                if (out_block == num_blocks - 16'd1) state <= S_FINISH;
                out_block <= out_block + 16'd1;
              end else begin
                rbeat <= rbeat + BW'(1);
              end
            end
            default: dstate <= D_IDLE;
          endcase
        end

        S_FINISH: if (pipe_empty && blk_count == 0) begin
          done <= 1'b1;
          state <= S_IDLE;
        end
        default: state <= S_IDLE;
      endcase
    end
  end

  // ---- tensor info ----
  logic metric_rejects;
  assign metric_rejects = err_acc > 64'(threshold_fx) * 64'(nnz_acc);
  always_comb begin
    group_amax = gamax;
    nnz = nnz_acc;
    if (mode == 2'd2) begin
      group_scale = '0;
      err_sum = '0;
      reason = nf_acc != 0 ? 2'd2 : 2'd0;
      decision_tag = TAG_E4M3;
      if (fmt_elems[1] > fmt_elems[0] && fmt_elems[1] >= fmt_elems[2]) decision_tag = TAG_E5M2;
      else if (fmt_elems[2] > fmt_elems[0] && fmt_elems[2] > fmt_elems[1]) decision_tag = TAG_BF16;
    end else begin
      group_scale = r_g;
      err_sum = err_acc;
      if (nf_acc != 0) begin
        decision_tag = TAG_BF16;
        reason = 2'd2;
      end else if (nnz_acc == 0) begin
        decision_tag = TAG_E4M3;
        reason = 2'd3;
      end else if (metric_rejects) begin
        decision_tag = TAG_BF16;
        reason = 2'd1;
      end else begin
        decision_tag = TAG_E4M3;
        reason = 2'd0;
      end
    end
  end
  assign busy = state != S_IDLE;
endmodule
