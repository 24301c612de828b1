// The back half of an FP32 divide a / b, after the significand quotient: normalize it, round to nearest-even and
// pack (mor_f32_round_pack), and the special cases (NaN results are 0x7FC00000). quo = floor(ma * 2^26 / mb) and
// sticky = (remainder != 0) come from mor_sig_div, the iterative mor_div_unit, or a table of them (mor_dequant_lane,
// mor_fallback_unit). Two halves a pipelined unit puts a register between: mor_div_finish_a (normalize, where the
// kept bits end, the special cases) and mor_div_finish_b (round, pack, the special result).
module mor_div_finish (
    input  logic               sa, sb,
    input  logic               na, nb, ia, ib, za, zb,  // NaN, Inf, zero of a and b (mor_f32_unpack)
    input  logic signed [11:0] ea, eb,
    input  logic [26:0]        quo,
    input  logic               sticky,
    output logic [31:0]        y
);
  logic sign, guard, round_sticky, overflows, special;
  logic [23:0] kept;
  logic [8:0] e_field;
  logic [31:0] special_y;
  mor_div_finish_a fa (.sa(sa), .sb(sb), .na(na), .nb(nb), .ia(ia), .ib(ib), .za(za), .zb(zb), .ea(ea), .eb(eb),
                       .quo(quo), .sticky(sticky), .sign(sign), .kept(kept), .guard(guard),
                       .round_sticky(round_sticky), .e_field(e_field), .overflows(overflows), .special(special),
                       .special_y(special_y));
  mor_div_finish_b fb (.sign(sign), .kept(kept), .guard(guard), .round_sticky(round_sticky), .e_field(e_field),
                       .overflows(overflows), .special(special), .special_y(special_y), .y(y));
endmodule
