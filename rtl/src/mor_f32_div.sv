// FP32 divide, IEEE 754 round-to-nearest-even, subnormals kept. NaN results are 0x7FC00000.
// The significand quotient comes from mor_sig_div, a combinational restoring divider (a hardware implementation
// would iterate or pipeline it: docs/cost.md counts its gates); mor_div_finish rounds and packs it.
module mor_f32_div (
    input  logic [31:0] a,
    input  logic [31:0] b,
    output logic [31:0] y
);
  logic sa, sb, na, nb, ia, ib, za, zb;
  logic signed [11:0] ea, eb;
  logic [23:0] ma, mb;
  mor_f32_unpack ua (.f32(a), .sign(sa), .is_nan(na), .is_inf(ia), .is_zero(za), .exp(ea), .sig(ma));
  mor_f32_unpack ub (.f32(b), .sign(sb), .is_nan(nb), .is_inf(ib), .is_zero(zb), .exp(eb), .sig(mb));
  logic [26:0] quo;
  logic sticky;
  mor_sig_div sd (.ma(ma), .mb(mb), .quo(quo), .sticky(sticky));
  mor_div_finish fin (.sa(sa), .sb(sb), .na(na), .nb(nb), .ia(ia), .ib(ib), .za(za), .zb(zb), .ea(ea), .eb(eb),
                      .quo(quo), .sticky(sticky), .y(y));
endmodule
