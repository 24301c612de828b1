// BINADE per-element error (spec 8.2), no divider: e_fx = floor(min(|RN32(q - y)| / 2^floor(log2|y|), 2) * 2^24),
// the difference divided by the power of two of y's binade: an exponent subtract and a shift. It overestimates the
// relative error |q - y| / |y| by a factor in [1, 2) (the significand of y); exactly PRESCALE when |y| is a power of
// two. A zero y contributes 0; NaN / Inf (y, q or q - y) give the cap. The model's twin is mor::error_fx_binade
// (model/include/mor/core/metric.hpp).
module mor_error_lane_binade (
    input  logic [31:0] y,
    input  logic [31:0] q_f32,
    output logic [25:0] e_fx
);
  localparam logic [25:0] Cap = 26'd2 << 24;

  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0] diff;  // its sign is dropped: D = |q - y|
  /* verilator lint_on UNUSEDSIGNAL */
  mor_f32_addsub u_sub (.a(q_f32), .b(y), .sub(1'b1), .y(diff));

  // k + 149 with k = floor(log2|y|), in [0, 276] for a nonzero finite y: exponent + 22 for a normal y, the position
  // of the leading significand bit (a 23-bit leading-zero count) for a subnormal one.
  logic [8:0] ylog;
  always_comb begin
    ylog = 9'd0;
    if (y[30:23] != 8'd0) ylog = {1'b0, y[30:23]} + 9'd22;
    else
      for (int i = 0; i < 23; i++)
        if (y[i]) ylog = i[8:0];
  end

  // D = sig * 2^(max(dexp, 1) - 150); D * 2^24 / 2^k = sig * 2^shift, shift = max(dexp, 1) + 23 - (k + 149).
  logic [7:0] dexp, dexp1;
  logic [23:0] sig;
  assign dexp = diff[30:23];
  assign dexp1 = (dexp == 8'd0) ? 8'd1 : dexp;
  assign sig = {dexp != 8'd0, diff[22:0]};
  logic signed [10:0] shift;
  assign shift = $signed({3'b000, dexp1}) + 11'sd23 - $signed({2'b00, ylog});
  /* verilator lint_off UNUSEDSIGNAL */
  logic [10:0] rshift;  // used only for shift in [-23, -1]
  /* verilator lint_on UNUSEDSIGNAL */
  assign rshift = 11'd0 - shift;
  logic [48:0] wide;
  logic [23:0] narrow;
  assign wide = {25'd0, sig} << shift[4:0];
  assign narrow = sig >> rshift[4:0];

  always_comb begin
    if (y[30:0] == 0) e_fx = 26'd0;
    else if (y[30:23] == 8'hFF || q_f32[30:23] == 8'hFF || dexp == 8'hFF) e_fx = Cap;  // NaN / Inf
    else if (diff[30:0] == 0) e_fx = 26'd0;
    else if (shift > 11'sd25) e_fx = Cap;           // sig >= 1: at least 2^26
    else if (shift <= -11'sd24) e_fx = 26'd0;       // sig < 2^24
    else if (shift < 11'sd0) e_fx = {2'b00, narrow};
    else if (wide >= {23'd0, Cap}) e_fx = Cap;
    else e_fx = wide[25:0];
  end
endmodule
