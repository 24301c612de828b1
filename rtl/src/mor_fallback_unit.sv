// The exact fallback (docs/ENGINE.md, "The fallback"): when the interval bounds leave a decision open (a
// tensor-level tensor, or a quant-error block), the beats pass through the lanes once more as fallback beats and this
// unit computes D5's error of each element exactly, one element at a time, and sums it:
//   e_fx = floor(min(|RN32(RN32(d - x) / x)|, 2) * 2^24),  d = RN32(q / s),  q = decode(code)
// x = 0 adds 0 and q = 0 adds 2^24 (d = 0, d - x = -x) in one cycle each; any other element takes d from the
// dequantize table (the 8 significand quotients of q / s for the beat's scale significand, filled on the shared
// divider when the significand changes) and mor_div_finish, D = RN32(d - x) on a four-stage subtract, and e = D / x on
// the shared divider (mor_div_unit): 40 cycles with the divider free. The dequantize step takes three cycles: F_DQ0
// decodes q, reads its table entry and forms the exponent difference of q / s, F_DQ1 aligns and F_DQ2 rounds (decode
// and alignment in one cycle missed 10 ns by 2.7 ns with the wire-load estimate, and the exponent subtraction before
// the alignment by 0.05 ns). The beat's elements x are read from where the
// issuer holds them (the input register, or the block buffer's read port) until beat_done. The SystemC twin is
// sim/src/fallback_unit.*.
module mor_fallback_unit #(
    parameter int LANES = mor_pkg::ENGINE_LANES
) (
    input  logic                 clk,
    input  logic                 rst_n,
    input  logic                 sum_clear,      // a fallback pass starts
    // a fallback beat's codes, from the element pipe
    input  logic                 beat_valid,
    output logic                 beat_ready,
    input  logic [LANES*8-1:0]   beat_codes,
    input  logic                 beat_e5m2,
    input  logic [31:0]          beat_scale,     // the beat's scale (positive, normal)
    input  logic [LANES*32-1:0]  x_data,         // the beat's elements, held until beat_done
    output logic                 beat_done,      // one-cycle pulse: the beat's errors are in sum
    output logic [63:0]          sum,
    // the shared divider (mor_div_unit, requester 2)
    output logic                 div_req,
    output logic                 div_raw,
    output logic [31:0]          div_a,
    output logic [31:0]          div_b,
    input  logic                 div_grant,
    input  logic                 div_done,
    input  logic [31:0]          div_result
);
  localparam int JW = $clog2(LANES);
  // States as localparams, not an enum: Icarus Verilog 11 loads a z into a 4-bit enum register of ten labels.
  // Numbered in the order of the SystemC twin's State.
  localparam logic [3:0] F_IDLE = 4'd0, F_TREQ = 4'd1, F_TWAIT = 4'd2, F_ELEM = 4'd3, F_DQ0 = 4'd4, F_DQ1 = 4'd5,
                         F_DQ2 = 4'd6, F_SUB = 4'd7, F_DREQ = 4'd8, F_DWAIT = 4'd9, F_ACC = 4'd10;
  logic [3:0] state;
  logic [JW-1:0] j;       // the element
  logic [2:0] i;          // the table entry being filled; F_SUB's cycle count
  logic tab_valid;
  logic [22:0] tab_tag;   // the scale significand the table holds
  logic [27:0] table_q[8];
  logic [LANES*8-1:0] codes;
  logic e5m2;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0] scale;   // positive: the sign is not read
  /* verilator lint_on UNUSEDSIGNAL */

  // ---- the element: selected in F_ELEM (the trivial ones finish there), registered for the arithmetic ----
  logic [31:0] x_sel, xj;
  logic [7:0] c_sel, cj;
  assign x_sel = x_data[32*j +: 32];
  assign c_sel = codes[8*j +: 8];
  logic x_zero, q_zero, last;
  assign x_zero = x_sel[30:0] == 31'd0;
  assign q_zero = c_sel[6:0] == 7'd0;
  assign last = j == JW'(LANES - 1);

  // ---- d = RN32(q / s) from the table ----
  logic [31:0] q4, q5;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0] q;       // a decoded FP8 value: its fraction bits below the top three are zero
  /* verilator lint_on UNUSEDSIGNAL */
  mor_cvt_fp8_to_f32 #(.FMT(mor_pkg::FMT_E4M3)) dec4 (.code(cj), .f32(q4));
  mor_cvt_fp8_to_f32 #(.FMT(mor_pkg::FMT_E5M2)) dec5 (.code(cj), .f32(q5));
  assign q = e5m2 ? q5 : q4;  // a nonzero FP8 value: a normal FP32 number
  // Registered in F_DQ0: q's sign, its table entry, and e_q - e_s (both unbiased; the table entry holds the
  // significand quotient, so the quotient's exponent is this difference, less one if the entry is below 1).
  logic q_sign_r;
  logic [27:0] entry_r;
  logic signed [11:0] e_diff_r;
  logic f_sign, f_guard, f_sticky, f_overflows, f_special;
  logic [23:0] f_kept;
  logic [8:0] f_efield;
  logic [31:0] f_special_y, d, d_next;
  mor_div_finish_a dq_a (.sa(q_sign_r), .sb(1'b0), .na(1'b0), .nb(1'b0), .ia(1'b0), .ib(1'b0), .za(1'b0), .zb(1'b0),
                         .ea(e_diff_r), .eb(12'sd0), .quo(entry_r[26:0]),
                         .sticky(entry_r[27]), .sign(f_sign), .kept(f_kept), .guard(f_guard), .round_sticky(f_sticky),
                         .e_field(f_efield), .overflows(f_overflows), .special(f_special), .special_y(f_special_y));
  logic h_sign, h_guard, h_sticky, h_overflows, h_special;
  logic [23:0] h_kept;
  logic [8:0] h_efield;
  logic [31:0] h_special_y;
  mor_div_finish_b dq_b (.sign(h_sign), .kept(h_kept), .guard(h_guard), .round_sticky(h_sticky), .e_field(h_efield),
                         .overflows(h_overflows), .special(h_special), .special_y(h_special_y), .y(d_next));

  // ---- D = RN32(d - x), e = RN32(D / x) ----
  logic [31:0] diff;
  logic gclk;
  mor_clock_gate gate (.clk(clk), .enable(state != F_IDLE || beat_valid), .gclk(gclk));
  mor_f32_sub_pipe sub (.clk(gclk), .a(d), .b(xj), .y(diff));
  logic [25:0] e_fx;
  mor_error_fx grid (.e(div_result), .e_fx(e_fx));
  logic [31:0] e;
  logic [25:0] e_fx_r;
  assign e = div_result;

  // ---- the divider's requests ----
  assign div_req = state == F_TREQ || state == F_DREQ;
  assign div_raw = state == F_TREQ;
  assign div_a = state == F_TREQ ? {8'd0, 1'b1, i, 20'd0} : diff;
  assign div_b = state == F_TREQ ? {8'd0, 1'b1, scale[22:0]} : xj;

  assign beat_ready = state == F_IDLE;
  logic [25:0] add;  // what the element in F_ELEM or F_ACC adds
  assign add = state == F_ACC ? e_fx_r : (x_zero ? 26'd0 : 26'd1 << 24);

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      state <= F_IDLE;
      {j, i, tab_valid, beat_done} <= '0;
      sum <= '0;
    end else begin
      beat_done <= 1'b0;
      if (sum_clear) sum <= '0;
      case (state)
        F_IDLE: if (beat_valid) begin
          j <= '0;
          i <= '0;
          state <= tab_valid && tab_tag == beat_scale[22:0] ? F_ELEM : F_TREQ;
        end
        F_TREQ: if (div_grant) state <= F_TWAIT;
        F_TWAIT: if (div_done) begin
          i <= i + 3'd1;
          if (i == 3'd7) begin
            tab_valid <= 1'b1;
            state <= F_ELEM;
          end else begin
            state <= F_TREQ;
          end
        end
        F_ELEM, F_ACC: if (state == F_ELEM && !x_zero && !q_zero) begin
          state <= F_DQ0;
        end else begin
          sum <= sum + 64'(add);
          j <= j + JW'(1);
          if (last) begin
            beat_done <= 1'b1;
            state <= F_IDLE;
          end else begin
            state <= F_ELEM;
          end
        end
        F_DQ0: state <= F_DQ1;
        F_DQ1: state <= F_DQ2;
        F_DQ2: begin
          i <= '0;
          state <= F_SUB;
        end
        F_SUB: begin
          i <= i + 3'd1;
          if (i == 3'd3) state <= F_DREQ;
        end
        F_DREQ: if (div_grant) state <= F_DWAIT;
        F_DWAIT: if (div_done) state <= F_ACC;
        default: state <= F_IDLE;
      endcase
    end
  end

  // ---- data registers (gated: they load only while the unit works) ----
  always_ff @(posedge gclk) begin
    if (state == F_IDLE && beat_valid) {codes, e5m2, scale} <= {beat_codes, beat_e5m2, beat_scale};
    if (state == F_ELEM) {xj, cj} <= {x_sel, c_sel};
    if (state == F_TWAIT && div_done) begin
      table_q[i] <= div_result[27:0];
      if (i == 3'd7) tab_tag <= scale[22:0];
    end
    if (state == F_DQ0) {q_sign_r, entry_r, e_diff_r} <= {q[31], table_q[q[22:20]], 12'(q[30:23]) - 12'(scale[30:23])};
    if (state == F_DQ1) {h_sign, h_kept, h_guard, h_sticky, h_efield, h_overflows, h_special, h_special_y} <=
        {f_sign, f_kept, f_guard, f_sticky, f_efield, f_overflows, f_special, f_special_y};
    if (state == F_DQ2) d <= d_next;
    if (state == F_DWAIT && div_done) e_fx_r <= e_fx;
  end
  /* verilator lint_off UNUSEDSIGNAL */
  logic unused;
  assign unused = ^e;
  /* verilator lint_on UNUSEDSIGNAL */
endmodule
