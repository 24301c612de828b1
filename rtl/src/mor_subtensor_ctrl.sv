// Sub-tensor controller (cfg_mode 2; spec 7, D7; docs/ENGINE.md "Sub-tensor mode"): one pass through two block
// buffers (mor_sram_1rw, one per block), three independent parts in block order:
//   fill    the consumed beats are written into the free buffer; its statistics arrive three cycles after its last
//           beat (mor_stats_unit)
//   decide  each filled buffer's format and scales, without a divider per block: the bands by comparison
//           (mor_band_cmp), the MOR_E8_RZ scales by exponent arithmetic (mor_e8_scale); FP32 scales take one or two
//           divisions on the shared divider (requester 1)
//   drain   the decided buffer is read (one beat per cycle, the read data a cycle after the address) and issued into
//           the lanes: a quant-error block twice as measured beats (Sum lo and Sum hi of E4M3 and E5M2), then, only
//           when the bounds leave E4M3 vs E5M2 open, twice as fallback beats (the exact sums, one beat at a time: the
//           buffer's read register holds the beat for the fallback unit), and once to emit its codes
// A buffer is written or read, never both in a cycle, so each can be one single-port macro. The SystemC twin is
// sim/src/subtensor_ctrl.*.
module mor_subtensor_ctrl #(
    parameter int LANES = mor_pkg::ENGINE_LANES,
    parameter int BEATS_MAX = mor_pkg::ENGINE_BLOCK_BEATS_MAX,  // largest block in beats: depth of each buffer
    localparam int BW = $clog2(BEATS_MAX) + 1,
    localparam int AW = $clog2(BEATS_MAX)
) (
    input  logic                 clk,
    input  logic                 rst_n,
    input  logic                 start,
    input  logic [BW-1:0]        block_beats,
    input  logic [31:0]          num_blocks,
    input  logic                 qe_mode,
    input  logic                 e5m2_to_bf16,
    input  logic                 fp32_scales,
    // fill: the input register and the beat's position (mor_stats_unit)
    input  logic                 i_valid,
    input  logic [LANES*32-1:0]  i_data,
    output logic                 consume,
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [BW-1:0]        in_beat,        // its top bit is set only by a count of BEATS_MAX itself
    /* verilator lint_on UNUSEDSIGNAL */
    input  logic                 in_block_last,
    // the statistics of each filled block
    input  logic                 blk_done,
    input  logic [31:0]          blk_amax,
    input  logic [31:0]          blk_min_nonzero,
    input  logic [31:0]          blk_nonfinite,
    // drain: issue into the lanes, block info
    input  logic                 issue_ready,
    input  logic                 blk_room,
    input  logic                 pipe_empty,
    output logic                 issue,
    output logic [1:0]           issue_kind,
    output logic                 issue_last,
    output logic [LANES*32-1:0]  issue_x,        // also the fallback unit's elements: the buffer's read register
    output logic [31:0]          issue_scale,
    output logic                 issue_e5m2,
    output logic                 blk_push,
    output logic [65:0]          blk_push_data,  // {index, tag, scale}
    // the measurement and its fallback (mor_decision_unit, mor_fallback_unit)
    input  logic                 qe_e4m3,        // bounds: E4M3's error sum <= E5M2's
    input  logic                 qe_bf16,        // bounds: E4M3's error sum > E5M2's
    input  logic                 fb_e4m3,        // exact: e4 <= the fallback unit's sum
    input  logic                 fb_ready,
    input  logic                 fb_beat_done,
    output logic                 measure_clear,  // a measurement starts
    output logic                 fb_sum_clear,   // a fallback pass starts
    output logic                 fb4_done,       // the E4M3 fallback pass has its exact sum
    output logic                 fb5_done,       // ... and E5M2's
    output logic                 block_done,
    output logic [1:0]           block_done_tag,
    output logic                 finished,
    // the shared divider (requester 1): FP32 block scales
    output logic                 div_req,
    output logic [31:0]          div_a,
    output logic [31:0]          div_b,
    input  logic                 div_grant,
    input  logic                 div_done,
    input  logic [31:0]          div_result
);
  typedef enum logic [2:0] { C_IDLE, C_PREP, C_CMP, C_S4, C_S4W, C_S5, C_S5W } decide_t;
  // The drain's states as localparams, not an enum (Icarus Verilog 11 mis-loads 4-bit enum registers).
  localparam logic [3:0] R_IDLE = 4'd0, R_M4 = 4'd1, R_M5 = 4'd2, R_MWAIT = 4'd3, R_F4 = 4'd4, R_F5 = 4'd5,
                         R_EMIT = 4'd6, R_BF16 = 4'd7;

  // ---- state ----
  logic active;
  logic wb, sb, db, rb;                     // buffers: filled, next statistics, next decision, drained
  logic [1:0] filled, stats_ok, decided;    // per buffer
  decide_t dc;
  logic [3:0] dr;
  logic [BW-1:0] rbeat, issued;             // beats read, beats issued in this pass
  logic rd_valid, fb_wait;                  // a read beat not yet issued; a fallback beat out
  logic [31:0] out_block;
  logic [31:0] bank_amax[2], bank_min[2], bank_nf[2];
  logic [1:0] bank_tag[2];
  logic bank_measure[2];
  logic [31:0] bank_s4[2], bank_s5[2];
  logic [1:0] dtag;
  logic [31:0] dscale;

  // ---- the two buffers ----
  logic fill_now, read_now;
  logic [LANES*32-1:0] rdata[2];
  assign fill_now = active && i_valid && !filled[wb];
  for (genvar k = 0; k < 2; k++) begin : g_bank
    logic we, re;
    assign we = fill_now && wb == k[0];
    assign re = read_now && rb == k[0];
    mor_sram_1rw #(.WIDTH(LANES*32), .DEPTH(BEATS_MAX)) buffer (
        .clk(clk), .ce(we || re), .we(we), .addr(we ? in_beat[AW-1:0] : rbeat[AW-1:0]), .wdata(i_data),
        .rdata(rdata[k]));
  end
  assign consume = fill_now;

  // ---- decide: the bands by comparison, the scales ----
  logic sa, na, ia, za, sm, nm, im, zm;
  logic signed [11:0] ea, em;
  logic [23:0] ma, mm;
  mor_f32_unpack ua (.f32(bank_amax[db]), .sign(sa), .is_nan(na), .is_inf(ia), .is_zero(za), .exp(ea), .sig(ma));
  mor_f32_unpack um (.f32(bank_min[db]), .sign(sm), .is_nan(nm), .is_inf(im), .is_zero(zm), .exp(em), .sig(mm));
  logic p_zero;                        // C_PREP's registers: the normalized amax and smallest nonzero
  logic [23:0] p_a, p_b;
  logic signed [11:0] p_diff;
  logic in_e4, in_e4qe, in_e5;
  mor_band_cmp #(.BAND(mor_pkg::BAND_E4M3)) band_e4 (.amax_zero(p_zero), .a_sig(p_a), .b_sig(p_b),
                                                     .exp_diff(p_diff), .in_band(in_e4));
  mor_band_cmp #(.BAND(mor_pkg::BAND_E4M3_QUANT_ERROR)) band_e4qe (.amax_zero(p_zero), .a_sig(p_a), .b_sig(p_b),
                                                                   .exp_diff(p_diff), .in_band(in_e4qe));
  mor_band_cmp #(.BAND(mor_pkg::BAND_E5M2)) band_e5 (.amax_zero(p_zero), .a_sig(p_a), .b_sig(p_b),
                                                     .exp_diff(p_diff), .in_band(in_e5));
  logic e4_band, measure;
  logic [1:0] band_tag;  // decision.hpp subtensor_band (D2: a non-finite block stays BF16)
  assign e4_band = qe_mode ? in_e4qe : in_e4;
  assign measure = bank_nf[db] == 0 && qe_mode && !e4_band && in_e5;
  always_comb begin
    if (bank_nf[db] != 0) band_tag = mor_pkg::TAG_BF16;
    else if (e4_band || measure) band_tag = mor_pkg::TAG_E4M3;
    else if (in_e5) band_tag = e5m2_to_bf16 ? mor_pkg::TAG_BF16 : mor_pkg::TAG_E5M2;
    else band_tag = mor_pkg::TAG_BF16;
  end
  logic [31:0] e8_4, e8_5;
  mor_e8_scale #(.FMT(mor_pkg::FMT_E4M3)) e8s4 (.amax(bank_amax[db]), .scale(e8_4));
  mor_e8_scale #(.FMT(mor_pkg::FMT_E5M2)) e8s5 (.amax(bank_amax[db]), .scale(e8_5));
  // FP32 scales (scale.hpp fp32_block_scale): 1 for a zero or non-finite amax, FLT_MAX for an infinite quotient.
  logic degenerate, need4, need5;
  assign degenerate = bank_amax[db][30:0] == 31'd0 || bank_amax[db][30:23] == 8'hFF;
  assign need4 = fp32_scales && !degenerate && (band_tag == mor_pkg::TAG_E4M3 || measure);
  assign need5 = fp32_scales && !degenerate && (band_tag == mor_pkg::TAG_E5M2 || measure);
  logic [31:0] fp32_q;
  assign fp32_q = div_result == mor_pkg::F32_INF ? mor_pkg::F32_MAX : div_result;
  assign div_req = dc == C_S4 || dc == C_S5;
  assign div_a = dc == C_S5 ? mor_pkg::FMAX_E5M2 : mor_pkg::FMAX_E4M3;
  assign div_b = bank_amax[db];
  logic decide_done;
  assign decide_done = (dc == C_CMP && !need4 && !need5) || (dc == C_S4W && div_done && !bank_measure[db] &&
                       bank_tag[db] != mor_pkg::TAG_E5M2) || (dc == C_S5W && div_done);

  // ---- drain: the read and issue engine of the passes over the buffer ----
  logic reading, fallback_pass, emit_pass, e5_pass, issue_now, pass_end;
  assign reading = dr == R_M4 || dr == R_M5 || dr == R_F4 || dr == R_F5 || dr == R_EMIT;
  assign fallback_pass = dr == R_F4 || dr == R_F5;
  assign emit_pass = dr == R_EMIT;
  assign e5_pass = dr == R_M5 || dr == R_F5 || (emit_pass && dtag == mor_pkg::TAG_E5M2);
  // A beat read into the buffer's register is issued when the lanes take it (and, to emit, the block-info queue has
  // room for the block's last beat; a fallback beat, when the fallback unit is free: it reads the beat there).
  assign issue_now = reading && rd_valid && issue_ready && (!emit_pass || blk_room) && (!fallback_pass || fb_ready);
  assign read_now = reading && rbeat != block_beats && !fb_wait && (!rd_valid || (issue_now && !fallback_pass));
  assign issue = issue_now;
  assign issue_kind = dr == R_M4 ? mor_pkg::BEAT_MEASURE_E4M3 : dr == R_M5 ? mor_pkg::BEAT_MEASURE_E5M2
                    : fallback_pass ? mor_pkg::BEAT_FALLBACK : mor_pkg::BEAT_EMIT;
  assign issue_last = issued == block_beats - BW'(1);
  assign issue_x = rdata[rb];
  assign issue_scale = (dr == R_M4 || dr == R_F4) ? bank_s4[rb] : (dr == R_M5 || dr == R_F5) ? bank_s5[rb] : dscale;
  assign issue_e5m2 = e5_pass;
  // A pass ends with its last beat issued, a fallback pass when the fallback unit has summed that beat.
  assign pass_end = fallback_pass ? (fb_wait && fb_beat_done && issued == block_beats)
                                  : (issue_now && issue_last);
  assign measure_clear = dr == R_IDLE && active && decided[rb] && bank_measure[rb];
  assign fb_sum_clear = (dr == R_MWAIT && pipe_empty && !qe_e4m3 && !qe_bf16) || (dr == R_F4 && pass_end);
  assign fb4_done = dr == R_F4 && pass_end;
  assign fb5_done = dr == R_F5 && pass_end;
  logic bf16_done;
  assign bf16_done = dr == R_BF16 && blk_room;
  assign block_done = (emit_pass && pass_end) || bf16_done;
  assign block_done_tag = dtag;
  assign blk_push = block_done;
  assign blk_push_data = {out_block, dtag, dscale};
  assign finished = block_done && out_block == num_blocks - 32'd1;

  // ---- control registers, cleared after reset and when a tensor starts ----
  task automatic clear_regs;
    {active, wb, sb, db, rb, rd_valid, fb_wait} <= '0;
    filled <= '0;  // (vectors written by index elsewhere are cleared alone: Yosys 0.23)
    stats_ok <= '0;
    decided <= '0;
    dc <= C_IDLE;
    dr <= R_IDLE;
    rbeat <= '0;
    issued <= '0;
    out_block <= '0;
  endtask
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      clear_regs();
    end else if (start) begin
      clear_regs();
      active <= 1'b1;
    end else if (active) begin
      if (fill_now && in_block_last) begin  // the buffer holds its block: fill the other
        filled[wb] <= 1'b1;
        wb <= !wb;
      end
      if (blk_done) begin
        stats_ok[sb] <= 1'b1;
        sb <= !sb;
      end
      case (dc)
        C_IDLE: if (stats_ok[db] && !decided[db]) dc <= C_PREP;
        C_PREP: dc <= C_CMP;
        C_CMP: dc <= need4 ? C_S4 : need5 ? C_S5 : C_IDLE;
        C_S4: if (div_grant) dc <= C_S4W;
        C_S4W: if (div_done) dc <= bank_measure[db] || bank_tag[db] == mor_pkg::TAG_E5M2 ? C_S5 : C_IDLE;
        C_S5: if (div_grant) dc <= C_S5W;
        default: if (div_done) dc <= C_IDLE;  // C_S5W
      endcase
      if (decide_done) begin
        decided[db] <= 1'b1;
        db <= !db;
      end
      drain_step();
    end
  end

  // The drain's state and its read and issue counters.
  task automatic drain_step;
    if (read_now) rbeat <= rbeat + BW'(1);
    if (read_now) rd_valid <= 1'b1;
    else if (issue_now) rd_valid <= 1'b0;
    if (issue_now) issued <= issued + BW'(1);
    if (issue_now && fallback_pass) fb_wait <= 1'b1;
    else if (fb_beat_done) fb_wait <= 1'b0;
    case (dr)
      R_IDLE: if (decided[rb]) dr <= bank_measure[rb] ? R_M4 : bank_tag[rb] == mor_pkg::TAG_BF16 ? R_BF16 : R_EMIT;
      R_M4: if (pass_end) dr <= R_M5;
      R_M5: if (pass_end) dr <= R_MWAIT;
      R_MWAIT: if (pipe_empty) dr <= qe_e4m3 ? R_EMIT : qe_bf16 ? R_BF16 : R_F4;
      R_F4: if (pass_end) dr <= R_F5;
      R_F5: if (pass_end) dr <= fb_e4m3 ? R_EMIT : R_BF16;
      default: if (block_done) begin  // R_EMIT, R_BF16: release the buffer
        filled[rb] <= 1'b0;
        stats_ok[rb] <= 1'b0;
        decided[rb] <= 1'b0;
        rb <= !rb;
        out_block <= out_block + 32'd1;
        dr <= R_IDLE;
        if (finished) active <= 1'b0;
      end
    endcase
    if (pass_end || dr == R_IDLE || dr == R_MWAIT) begin  // every pass reads the buffer from its first beat
      rbeat <= '0;
      issued <= '0;
    end
  endtask

  // ---- data registers: statistics, decisions, the drained block's format and scale ----
  always_ff @(posedge clk) begin
    if (active && blk_done) begin
      bank_amax[sb] <= blk_amax;
      bank_min[sb] <= blk_min_nonzero;
      bank_nf[sb] <= blk_nonfinite;
    end
    if (dc == C_PREP) {p_zero, p_a, p_b, p_diff} <= {za, ma, mm, ea - em};
    if (dc == C_CMP) begin
      bank_tag[db] <= band_tag;
      bank_measure[db] <= measure;
      bank_s4[db] <= fp32_scales ? mor_pkg::F32_ONE : e8_4;  // an FP32 scale is 1 unless the divider gives one
      bank_s5[db] <= fp32_scales ? mor_pkg::F32_ONE : e8_5;
    end
    if (dc == C_S4W && div_done) bank_s4[db] <= fp32_q;
    if (dc == C_S5W && div_done) bank_s5[db] <= fp32_q;
    if (dr == R_IDLE && decided[rb]) begin
      dtag <= bank_tag[rb];
      dscale <= bank_tag[rb] == mor_pkg::TAG_BF16 ? 32'd0 : bank_tag[rb] == mor_pkg::TAG_E5M2 ? bank_s5[rb]
                                                                                          : bank_s4[rb];
    end
    if ((dr == R_MWAIT && pipe_empty && (qe_e4m3 || qe_bf16)) || (dr == R_F5 && pass_end)) begin
      dtag <= (dr == R_MWAIT ? qe_e4m3 : fb_e4m3) ? mor_pkg::TAG_E4M3 : mor_pkg::TAG_BF16;
      dscale <= (dr == R_MWAIT ? qe_e4m3 : fb_e4m3) ? bank_s4[rb] : 32'd0;
    end
  end
  /* verilator lint_off UNUSEDSIGNAL */
  logic unused;
  assign unused = sa ^ na ^ ia ^ sm ^ nm ^ im ^ zm;  // the statistics are finite magnitudes
  /* verilator lint_on UNUSEDSIGNAL */
endmodule
