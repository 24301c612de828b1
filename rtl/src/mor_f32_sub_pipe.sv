// y = RN32(a - b) in four register stages, for the fallback unit: mor_f32_addsub's steps (unpack, align and add,
// normalize, round) with a register after each. The registers load on every edge of clk (the fallback unit's gated
// clock): y is the difference of the operands of four edges before. Bit for bit mor_f32_addsub(a, b, sub = 1).
module mor_f32_sub_pipe (
    input  logic        clk,
    input  logic [31:0] a,
    input  logic [31:0] b,
    output logic [31:0] y
);
  // ---- 1: unpack ----
  logic sa, sb, na, nb, ia, ib, za, zb;
  logic signed [11:0] ea, eb;
  logic [23:0] ma, mb;
  mor_f32_unpack ua (.f32(a), .sign(sa), .is_nan(na), .is_inf(ia), .is_zero(za), .exp(ea), .sig(ma));
  mor_f32_unpack ub (.f32(b), .sign(sb), .is_nan(nb), .is_inf(ib), .is_zero(zb), .exp(eb), .sig(mb));
  logic [31:0] a1, b1;
  logic sa1, sb1, na1, nb1, ia1, ib1, za1, zb1;
  logic signed [11:0] ea1, eb1;
  logic [23:0] ma1, mb1;
  always_ff @(posedge clk)
    {a1, b1, sa1, sb1, na1, nb1, ia1, ib1, za1, zb1, ea1, eb1, ma1, mb1} <=
        {a, b, sa, sb, na, nb, ia, ib, za, zb, ea, eb, ma, mb};
  // ---- 2: align and add ----
  logic [27:0] sum;
  logic signed [11:0] ex;
  logic sx, y_sticky, special;
  logic [31:0] special_y;
  mor_f32_addsub_core core (.a(a1), .b(b1), .sub(1'b1), .sa(sa1), .sb0(sb1), .na(na1), .nb(nb1), .ia(ia1), .ib(ib1),
                            .za(za1), .zb(zb1), .ea(ea1), .eb(eb1), .ma(ma1), .mb(mb1), .sum(sum), .ex(ex), .sx(sx),
                            .y_sticky(y_sticky), .special(special), .special_y(special_y));
  logic [27:0] sum2;
  logic signed [11:0] ex2;
  logic sx2, st2, sp2;
  logic [31:0] spy2;
  always_ff @(posedge clk) {sum2, ex2, sx2, st2, sp2, spy2} <= {sum, ex, sx, y_sticky, special, special_y};
  // ---- 3: normalize, where the kept bits end ----
  logic [27:0] norm;
  logic signed [11:0] exp;
  mor_f32_addsub_norm nrm (.sum(sum2), .ex(ex2), .norm(norm), .exp(exp));
  logic [23:0] kept;
  logic guard, sticky, overflows;
  logic [8:0] e_field;
  mor_round_align #(.SIG_W(28)) align (.exp(exp), .sig(norm), .sticky_in(st2), .kept(kept), .guard(guard),
                                       .sticky(sticky), .e_field(e_field), .overflows(overflows));
  logic [23:0] kept3;
  logic guard3, sticky3, overflows3, sx3, sp3;
  logic [8:0] e_field3;
  logic [31:0] spy3;
  always_ff @(posedge clk) {kept3, guard3, sticky3, overflows3, e_field3, sx3, sp3, spy3} <=
      {kept, guard, sticky, overflows, e_field, sx2, sp2 || sum2 == 0, sp2 ? spy2 : 32'd0};  // cancellation: +0
  // ---- 4: round and pack ----
  logic [31:0] rounded;
  mor_round_finish finish (.sign(sx3), .kept(kept3), .guard(guard3), .sticky(sticky3), .e_field(e_field3),
                           .overflows(overflows3), .result(rounded));
  always_ff @(posedge clk) y <= sp3 ? spy3 : rounded;
endmodule
