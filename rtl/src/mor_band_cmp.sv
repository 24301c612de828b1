// The sub-tensor band test DR = RN32(a / a_min) <= R without a divider (docs/ENGINE.md, "Rules without a divider";
// model: mor::band_contains, engine_rules.hpp, proven equal to decision.hpp's test in tests/model/test_engine_rules.cpp).
// R = S_R 2^(E-23) with an even significand S_R, so the midpoint M = R + ulp(R)/2 rounds to R and DR <= R <=> a <= M
// a_min <=> A 2^d <= (2 S_R + 1) B, with a = A 2^alpha, a_min = B 2^beta normalized and d = alpha - beta - E + 24:
// inside for d <= 23, outside for d >= 26, a 50-bit comparison for d = 24, 25. Inputs from mor_f32_unpack of the
// block's amax and smallest nonzero (a stage before: the leading-zero counts).
module mor_band_cmp #(
    parameter logic [31:0] BAND = mor_pkg::BAND_E4M3
) (
    input  logic               amax_zero,  // an all-zero block: DR = 1
    input  logic [23:0]        a_sig,
    input  logic [23:0]        b_sig,
    input  logic signed [11:0] exp_diff,   // exp(a) - exp(a_min), unbiased exponents of the leading bits
    output logic               in_band
);
  // d = exp_diff + 24 - E: d <= 23 <=> exp_diff < E; d = 24, 25 <=> exp_diff = E, E + 1.
  localparam logic signed [11:0] E = 12'(BAND[30:23]) - 12'sd127;
  localparam logic [24:0] C = {1'b1, BAND[22:0], 1'b1};  // 2 S_R + 1
  logic [49:0] lhs, rhs;
  assign lhs = exp_diff == E ? {2'b0, a_sig, 24'd0} : {1'b0, a_sig, 25'd0};
  assign rhs = 50'(C) * 50'(b_sig);
  assign in_band = amax_zero || exp_diff < E || ((exp_diff == E || exp_diff == E + 12'sd1) && lhs <= rhs);
endmodule
