// FP32 multiply, IEEE 754 round-to-nearest-even, subnormals kept. NaN results are the quiet NaN 0x7FC00000
// (payloads are not propagated; the datapaths never depend on them).
module mor_f32_mul (
    input  logic [31:0] a,
    input  logic [31:0] b,
    output logic [31:0] y
);
  logic sa, sb, na, nb, ia, ib, za, zb;
  logic signed [11:0] ea, eb;
  logic [23:0] ma, mb;
  mor_f32_unpack ua (.f32(a), .sign(sa), .is_nan(na), .is_inf(ia), .is_zero(za), .exp(ea), .sig(ma));
  mor_f32_unpack ub (.f32(b), .sign(sb), .is_nan(nb), .is_inf(ib), .is_zero(zb), .exp(eb), .sig(mb));
  logic sign;
  assign sign = sa ^ sb;
  logic [47:0] prod;  // in [2^46, 2^48)
  assign prod = ma * mb;
  // Normalize so the leading bit is at 47: the product's leading bit is 47 or 46.
  logic [47:0] sig;
  logic signed [11:0] exp;
  assign sig = prod[47] ? prod : prod << 1;
  assign exp = ea + eb + (prod[47] ? 12'sd1 : 12'sd0);
  logic [31:0] rounded;
  mor_f32_round_pack #(.SIG_W(48)) rp (.sign(sign), .exp(exp), .sig(sig), .sticky_in(1'b0), .result(rounded));
  always_comb begin
    if (na || nb || (ia && zb) || (za && ib)) y = 32'h7FC0_0000;
    else if (ia || ib) y = {sign, 31'h7F80_0000};
    else if (za || zb) y = {sign, 31'd0};
    else y = rounded;
  end
endmodule
