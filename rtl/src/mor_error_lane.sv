// The canonical per-element error (D5): e = |RN32(RN32(d - x) / x)| on the fixed-point grid with 24 fractional
// bits, e_fx = floor(min(e, 2) * 2^24); zero elements contribute 0. The model's twin is error_fx(relative_error()).
module mor_error_lane (
    input  logic [31:0] x,
    input  logic [31:0] dequant,
    output logic [25:0] e_fx
);
  logic [31:0] diff;
  logic [31:0] ratio;  // its sign is dropped: e = |ratio|
  mor_f32_addsub u_sub (.a(dequant), .b(x), .sub(1'b1), .y(diff));
  mor_f32_div u_div (.a(diff), .b(x), .y(ratio));
  logic [25:0] efx_any;
  mor_error_fx grid (.e(ratio), .e_fx(efx_any));
  assign e_fx = x[30:0] == 0 ? 26'd0 : efx_any;  // zero elements contribute 0
endmodule
