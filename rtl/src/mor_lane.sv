// One lane of the element path (docs/ENGINE.md, "The lanes"): from stage X's element x and the beat's scale s to
// the FP8 code and the interval bounds lo <= e_fx <= hi of D5's error (issue 16):
//   mul_a  the significand product x * s              (mor_lane_mul_a)   -> M1 register if LANE_CUTS[0]
//   mul_b  normalize and round: y = RN32(x * s)         (mor_lane_mul_b)   -> M2 register if LANE_CUTS[1]
//   cvt    y -> E4M3 and E5M2 codes, the beat's format  (mor_lane_cvt)     -> C register: the code leaves here
//   decode q = decode(code), interval stage A           (mor_error_lane_interval, its STAGES = 1 cut: IA)
//   B      the bounds                                   (mor_error_lane_interval stage B) -> IB register
// Each register is clocked by its stage's gated clock from mor_element_pipe (it loads only when a beat enters the
// stage), so a lane holds still, and costs no dynamic power, while no beat moves through it. Without a cut, the two
// steps around it are one stage (fewer registers, a slower clock); the SystemC model reads the same LANE_CUTS.
module mor_lane #(
    parameter int LANE_CUTS = mor_pkg::ENGINE_LANE_CUTS,
    parameter int K = mor_pkg::ENGINE_INTERVAL_K
) (
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic        clk_m1,    // unused without LANE_CUTS[0]
    input  logic        clk_m2,    // unused without LANE_CUTS[1]
    /* verilator lint_on UNUSEDSIGNAL */
    input  logic        clk_c,
    input  logic        clk_ia,
    input  logic        clk_ib,
    input  logic [31:0] x,         // stage X
    input  logic [31:0] scale,     // stage X: positive, normal
    input  logic        e5m2,      // the format of the beat entering C
    input  logic        e5m2_c,    // the format of the beat in C
    output logic [7:0]  code,      // stage C
    output logic [25:0] lo,        // stage IB
    output logic [25:0] hi
);
  // ---- mul_a, then M1 ----
  logic [47:0] a_prod, m1_prod;
  logic [4:0] a_lz, m1_lz;
  logic signed [10:0] a_exp, m1_exp;
  logic a_sign, a_zero, m1_sign, m1_zero;
  logic [7:0] m1_xe;
  mor_lane_mul_a mul_a (.x(x), .scale(scale), .prod(a_prod), .lz(a_lz), .exp_sum(a_exp), .sign(a_sign),
                        .zero(a_zero));
  if ((LANE_CUTS & 1) != 0) begin : g_m1
    always_ff @(posedge clk_m1) {m1_prod, m1_lz, m1_exp, m1_sign, m1_zero, m1_xe} <=
        {a_prod, a_lz, a_exp, a_sign, a_zero, x[30:23]};
  end else begin : g_no_m1
    assign {m1_prod, m1_lz, m1_exp, m1_sign, m1_zero, m1_xe} = {a_prod, a_lz, a_exp, a_sign, a_zero, x[30:23]};
  end

  // ---- mul_b, then M2 ----
  logic [31:0] b_y, m2_y;
  logic [7:0] m2_xe;
  logic m2_zero;
  mor_lane_mul_b mul_b (.prod(m1_prod), .lz(m1_lz), .exp_sum(m1_exp), .sign(m1_sign), .zero(m1_zero), .y(b_y));
  if ((LANE_CUTS & 2) != 0) begin : g_m2
    always_ff @(posedge clk_m2) {m2_y, m2_xe, m2_zero} <= {b_y, m1_xe, m1_zero};
  end else begin : g_no_m2
    assign {m2_y, m2_xe, m2_zero} = {b_y, m1_xe, m1_zero};
  end

  // ---- cvt, then C ----
  logic [7:0] code4, code5;
  mor_lane_cvt #(.FMT(mor_pkg::FMT_E4M3)) cvt4 (.y(m2_y), .code(code4));
  mor_lane_cvt #(.FMT(mor_pkg::FMT_E5M2)) cvt5 (.y(m2_y), .code(code5));
  logic [31:0] c_y;
  logic [7:0] c_xe;
  logic c_zero;
  always_ff @(posedge clk_c) {code, c_y, c_xe, c_zero} <= {e5m2 ? code5 : code4, m2_y, m2_xe, m2_zero};

  // ---- decode and the interval lane: its cut is IA, its bounds go into IB ----
  logic [31:0] q4, q5, x_min;
  mor_cvt_fp8_to_f32 #(.FMT(mor_pkg::FMT_E4M3)) dec4 (.code(code), .f32(q4));
  mor_cvt_fp8_to_f32 #(.FMT(mor_pkg::FMT_E5M2)) dec5 (.code(code), .f32(q5));
  // The interval lane reads only x's exponent field and whether x is zero (its contract): the C register keeps
  // those 9 bits of x, and this is an x with the same exponent field and zero-ness.
  assign x_min = {1'b0, c_xe, 22'd0, !c_zero};
  logic [25:0] b_lo, b_hi;
  mor_error_lane_interval #(.K(K), .STAGES(1)) interval (.clk(clk_ia), .x(x_min), .y(c_y), .q_f32(e5m2_c ? q5 : q4),
                                                        .e_lo(b_lo), .e_hi(b_hi));
  always_ff @(posedge clk_ib) {lo, hi} <= {b_lo, b_hi};
endmodule
