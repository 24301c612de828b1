// The canonical per-element error (D5): e = |RN32(RN32(d - x) / x)| on the fixed-point grid with 24 fractional
// bits, e_fx = floor(min(e, 2) * 2^24); zero elements contribute 0. The model's twin is error_fx(relative_error()).
module mor_error_lane (
    input  logic [31:0] x,
    input  logic [31:0] dequant,
    output logic [25:0] e_fx
);
  logic [31:0] diff;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0] ratio;  // its sign is dropped: e = |ratio|
  /* verilator lint_on UNUSEDSIGNAL */
  mor_f32_addsub u_sub (.a(dequant), .b(x), .sub(1'b1), .y(diff));
  mor_f32_div u_div (.a(diff), .b(x), .y(ratio));
  logic [30:0] e;
  assign e = ratio[30:0];  // |ratio|
  logic [7:0] exp;
  logic [23:0] sig;
  assign exp = e[30:23];
  assign sig = {1'b1, e[22:0]};
  always_comb begin
    if (x[30:0] == 0) e_fx = 26'd0;
    else if (e >= 31'h4000_0000) e_fx = 26'd2 << 24;         // e >= 2, Inf or NaN: the cap
    else if (exp < 8'd103) e_fx = 26'd0;                      // e < 2^-24
    else if (exp == 8'd127) e_fx = {1'b0, sig, 1'b0};         // e in [1, 2): sig * 2
    else e_fx = {1'b0, sig, 1'b0} >> (8'd127 - exp);          // sig * 2^(exp - 126)
  end
endmodule
