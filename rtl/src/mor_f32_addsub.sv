// FP32 add or subtract (sub = 1: a - b), IEEE 754 round-to-nearest-even, subnormals kept. An exact zero sum is +0
// unless both addends are -0 (RNE rule). NaN results are 0x7FC00000.
// The steps are units of their own, so that the fallback unit's pipelined subtract (mor_f32_sub_pipe) is this
// algorithm with registers between them: unpack (mor_f32_unpack), align and add (mor_f32_addsub_core), normalize
// (mor_f32_addsub_norm), round (mor_round_align, mor_round_finish).
module mor_f32_addsub (
    input  logic [31:0] a,
    input  logic [31:0] b,
    input  logic        sub,
    output logic [31:0] y
);
  logic sa, sb, na, nb, ia, ib, za, zb;
  logic signed [11:0] ea, eb;
  logic [23:0] ma, mb;
  mor_f32_unpack ua (.f32(a), .sign(sa), .is_nan(na), .is_inf(ia), .is_zero(za), .exp(ea), .sig(ma));
  mor_f32_unpack ub (.f32(b), .sign(sb), .is_nan(nb), .is_inf(ib), .is_zero(zb), .exp(eb), .sig(mb));
  logic [27:0] sum;
  logic signed [11:0] ex;
  logic sx, y_sticky, special;
  logic [31:0] special_y;
  mor_f32_addsub_core core (.a(a), .b(b), .sub(sub), .sa(sa), .sb0(sb), .na(na), .nb(nb), .ia(ia), .ib(ib), .za(za),
                            .zb(zb), .ea(ea), .eb(eb), .ma(ma), .mb(mb), .sum(sum), .ex(ex), .sx(sx),
                            .y_sticky(y_sticky), .special(special), .special_y(special_y));
  logic [27:0] norm;
  logic signed [11:0] exp;
  mor_f32_addsub_norm nrm (.sum(sum), .ex(ex), .norm(norm), .exp(exp));
  logic [31:0] rounded;
  mor_f32_round_pack #(.SIG_W(28)) rp (.sign(sx), .exp(exp), .sig(norm), .sticky_in(y_sticky), .result(rounded));
  assign y = special ? special_y : (sum == 0 ? 32'd0 : rounded);  // exact cancellation gives +0 under RNE
endmodule
