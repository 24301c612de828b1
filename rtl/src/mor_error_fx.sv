// D5's grid: e_fx = floor(min(e, 2) * 2^24) of a non-negative FP32 error e (NaN and Inf count as the cap). The
// model's twin is mor::error_fx (metric.hpp). Shared by the canonical error lane and the fallback unit.
module mor_error_fx (
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [31:0] e,     // its sign is ignored: e = |ratio|
    /* verilator lint_on UNUSEDSIGNAL */
    output logic [25:0] e_fx
);
  logic [7:0] exp;
  logic [23:0] sig;
  assign exp = e[30:23];
  assign sig = {1'b1, e[22:0]};
  always_comb begin
    if (e[30:0] >= 31'h4000_0000) e_fx = 26'd2 << 24;   // e >= 2, Inf or NaN: the cap
    else if (exp < 8'd103) e_fx = 26'd0;                 // e < 2^-24
    else if (exp == 8'd127) e_fx = {1'b0, sig, 1'b0};    // e in [1, 2): sig * 2
    else e_fx = {1'b0, sig, 1'b0} >> (8'd127 - exp);     // sig * 2^(exp - 126)
  end
endmodule
