// FP32 divide, IEEE 754 round-to-nearest-even, subnormals kept. NaN results are 0x7FC00000.
// The significand quotient comes from a combinational restoring divider (a hardware implementation would
// iterate or pipeline it: docs/cost.md counts its gates).
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
  logic sign;
  assign sign = sa ^ sb;
  // ma / mb in (1/2, 2): q = floor(ma * 2^26 / mb) has 26 or 27 bits; the remainder is the sticky bit.
  // Restoring division, one quotient bit per step (27 compare-subtract stages of 25 bits): the form a synthesis
  // tool maps well, and the one a multi-cycle divider would iterate.
  logic [26:0] quo;
  logic [24:0] rem;
  always_comb begin
    rem = {1'b0, ma};
    for (int i = 26; i >= 0; i--) begin
      if (i != 26) rem = rem << 1;
      quo[i] = rem >= {1'b0, mb};
      if (quo[i]) rem = rem - {1'b0, mb};
    end
  end
  logic [26:0] sig;
  logic signed [11:0] exp;
  assign sig = quo[26] ? quo[26:0] : {quo[25:0], 1'b0};
  assign exp = ea - eb - (quo[26] ? 12'sd0 : 12'sd1);
  logic [31:0] rounded;
  mor_f32_round_pack #(.SIG_W(27)) rp (.sign(sign), .exp(exp), .sig(sig), .sticky_in(rem != 0), .result(rounded));
  always_comb begin
    if (na || nb || (ia && ib) || (za && zb)) y = 32'h7FC0_0000;
    else if (ia || zb) y = {sign, 31'h7F80_0000};
    else if (za || ib) y = {sign, 31'd0};
    else y = rounded;
  end
endmodule
