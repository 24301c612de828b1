// Lane step 1 of 3 (docs/ENGINE.md, "The lanes"): the significand product of y = RN32(x * s) and its exponent. x's
// significand enters unnormalized (a subnormal x has leading zeros) and its leading-zero count is formed beside
// the multiplier, off its path; step 2 shifts the product by it. The scale is a positive normal FP32 number (every
// scale the engine forms is one), so its significand needs no normalization.
module mor_lane_mul_a (
    input  logic [31:0]        x,
    input  logic [31:0]        scale,
    output logic [47:0]        prod,     // mx * ms, mx = x's significand with its hidden bit, unnormalized
    output logic [4:0]         lz,       // leading zeros of mx (0 for a normal x)
    output logic signed [10:0] exp_sum,  // exp(x) + exp(s) - lz, biased fields (a subnormal x counts as 1)
    output logic               sign,
    output logic               zero      // x is +-0
);
  logic [7:0] ex, ex_eff;
  logic [23:0] mx, ms;
  assign ex = x[30:23];
  assign mx = {ex != 8'd0, x[22:0]};
  assign ms = {1'b1, scale[22:0]};
  assign prod = mx * ms;
  always_comb begin
    lz = 5'd23;
    for (int i = 0; i < 24; i++)
      if (mx[i]) lz = 5'(23 - i);
  end
  assign ex_eff = ex == 8'd0 ? 8'd1 : ex;
  assign exp_sum = 11'(ex_eff) + 11'(scale[30:23]) - 11'(lz);  // (a subnormal's field counts as 1)
  assign sign = x[31] ^ scale[31];
  assign zero = x[30:0] == 31'd0;
endmodule
