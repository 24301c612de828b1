// FP32 add or subtract (sub = 1: a - b), IEEE 754 round-to-nearest-even, subnormals kept. An exact zero sum is +0
// unless both addends are -0 (RNE rule). NaN results are 0x7FC00000.
module mor_f32_addsub (
    input  logic [31:0] a,
    input  logic [31:0] b,
    input  logic        sub,
    output logic [31:0] y
);
  logic sa, sb0, na, nb, ia, ib, za, zb;
  logic signed [11:0] ea, eb;
  logic [23:0] ma, mb;
  mor_f32_unpack ua (.f32(a), .sign(sa), .is_nan(na), .is_inf(ia), .is_zero(za), .exp(ea), .sig(ma));
  mor_f32_unpack ub (.f32(b), .sign(sb0), .is_nan(nb), .is_inf(ib), .is_zero(zb), .exp(eb), .sig(mb));
  logic sb;
  assign sb = sb0 ^ sub;
  // Order the operands by magnitude: x is the larger.
  logic a_big;
  assign a_big = (ea > eb) || (ea == eb && ma >= mb);
  logic sx, sy;
  logic signed [11:0] ex, ey;
  logic [23:0] mx, my;
  assign sx = a_big ? sa : sb;
  assign sy = a_big ? sb : sa;
  assign ex = a_big ? ea : eb;
  assign ey = a_big ? eb : ea;
  assign mx = a_big ? ma : mb;
  assign my = a_big ? mb : ma;
  // Align y under x with 3 extra bits and a sticky bit; beyond 27 places y only contributes to the sticky bit.
  logic [11:0] diff;
  assign diff = 12'(ex - ey);
  logic [26:0] x_ext, y_shifted;
  logic y_sticky;
  logic [4:0] dshift;
  assign dshift = (diff > 12'd27) ? 5'd27 : 5'(diff);
  assign x_ext = {mx, 3'b000};
  /* verilator lint_off UNUSEDSIGNAL */
  logic [53:0] y_full;
  /* verilator lint_on UNUSEDSIGNAL */
  assign y_full = {my, 3'b000, 27'd0} >> dshift;
  assign y_shifted = y_full[53:27];
  assign y_sticky = (|y_full[26:0]) || (diff > 12'd27 && my != 0);
  // Bits of y below the 3 extra ones: a subtraction borrows 1 at the LSB, and what is left over (x - y_shifted - 1
  // + (1 - fraction)) is again a nonzero fraction, so both cases pass the sticky bit on.
  logic eff_sub;
  assign eff_sub = sx ^ sy;
  logic [27:0] sum;
  assign sum = eff_sub ? ({1'b0, x_ext} - {1'b0, y_shifted} - 28'(y_sticky)) : ({1'b0, x_ext} + {1'b0, y_shifted});
  // Normalize: leading one of sum at bit 27 (carry) .. 0; exponent of bit 26 is ex.
  logic [4:0] lz;
  always_comb begin
    lz = 5'd28;
    for (int i = 0; i < 28; i++)
      if (sum[i]) lz = 5'(27 - i);
  end
  logic [27:0] norm;
  logic signed [11:0] exp;
  assign norm = sum << lz;
  assign exp = ex + 12'sd1 - 12'(lz);
  logic [31:0] rounded;
  mor_f32_round_pack #(.SIG_W(28)) rp (.sign(sx), .exp(exp), .sig(norm), .sticky_in(y_sticky),
                                       .result(rounded));
  always_comb begin
    if (na || nb || (ia && ib && (sa != sb))) y = 32'h7FC0_0000;
    else if (ia) y = a;
    else if (ib) y = {sb, 31'h7F80_0000};
    else if (za && zb) y = {sa & sb, 31'd0};
    else if (za) y = {sb, b[30:0]};
    else if (zb) y = a;
    else if (sum == 0) y = 32'd0;  // exact cancellation gives +0 under RNE
    else y = rounded;
  end
endmodule
