// The back half of an FP32 divide a / b, after the significand quotient: normalize it, round to nearest-even and
// pack (mor_f32_round_pack), and the special cases (NaN results are 0x7FC00000). quo = floor(ma * 2^26 / mb) and
// sticky = (remainder != 0) come from mor_sig_div, or from a table of them (mor_dequant_lane).
module mor_div_finish (
    input  logic               sa, sb,
    input  logic               na, nb, ia, ib, za, zb,  // NaN, Inf, zero of a and b (mor_f32_unpack)
    input  logic signed [11:0] ea, eb,
    input  logic [26:0]        quo,
    input  logic               sticky,
    output logic [31:0]        y
);
  logic sign;
  assign sign = sa ^ sb;
  logic [26:0] sig;
  logic signed [11:0] exp;
  assign sig = quo[26] ? quo[26:0] : {quo[25:0], 1'b0};
  assign exp = ea - eb - (quo[26] ? 12'sd0 : 12'sd1);
  logic [31:0] rounded;
  mor_f32_round_pack #(.SIG_W(27)) rp (.sign(sign), .exp(exp), .sig(sig), .sticky_in(sticky), .result(rounded));
  always_comb begin
    if (na || nb || (ia && ib) || (za && zb)) y = 32'h7FC0_0000;
    else if (ia || zb) y = {sign, 31'h7F80_0000};
    else if (za || ib) y = {sign, 31'd0};
    else y = rounded;
  end
endmodule
