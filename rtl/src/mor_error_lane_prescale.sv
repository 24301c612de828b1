// PRESCALE per-element error (spec 8.2): from the scaled value y = RN32(x * s) and the decoded FP8 value q before
// descaling, e = |RN32(RN32(q - y) / y)| on the canonical grid, e_fx = floor(min(e, 2) * 2^24). Saves the dequant
// divider of the exact form (mor_quant_lane + mor_error_lane); one divider per lane remains. A zero y contributes 0;
// NaN / Inf give the cap. The model's twin is mor::error_fx_prescale (model/include/mor/metric.hpp).
module mor_error_lane_prescale (
    input  logic [31:0] y,
    input  logic [31:0] q_f32,
    output logic [25:0] e_fx
);
  logic [31:0] diff;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0] ratio;  // its sign is dropped: e = |ratio|
  /* verilator lint_on UNUSEDSIGNAL */
  mor_f32_addsub u_sub (.a(q_f32), .b(y), .sub(1'b1), .y(diff));
  mor_f32_div u_div (.a(diff), .b(y), .y(ratio));
  logic [30:0] e;
  assign e = ratio[30:0];  // |ratio|
  logic [7:0] exp;
  logic [23:0] sig;
  assign exp = e[30:23];
  assign sig = {1'b1, e[22:0]};
  always_comb begin
    if (y[30:0] == 0) e_fx = 26'd0;
    else if (e >= 31'h4000_0000) e_fx = 26'd2 << 24;         // e >= 2, Inf or NaN: the cap
    else if (exp < 8'd103) e_fx = 26'd0;                      // e < 2^-24
    else if (exp == 8'd127) e_fx = {1'b0, sig, 1'b0};         // e in [1, 2): sig * 2
    else e_fx = {1'b0, sig, 1'b0} >> (8'd127 - exp);          // sig * 2^(exp - 126)
  end
endmodule
