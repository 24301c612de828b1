// First half of mor_div_finish: the quotient's exponent and normalization, where its kept bits end
// (mor_round_align), and the special cases of the divide (NaN, Inf, zero operands).
module mor_div_finish_a (
    input  logic               sa, sb,
    input  logic               na, nb, ia, ib, za, zb,
    input  logic signed [11:0] ea, eb,
    input  logic [26:0]        quo,
    input  logic               sticky,
    output logic               sign,
    output logic [23:0]        kept,
    output logic               guard,
    output logic               round_sticky,
    output logic [8:0]         e_field,
    output logic               overflows,
    output logic               special,    // the result is special_y, not the rounded quotient
    output logic [31:0]        special_y
);
  assign sign = sa ^ sb;
  logic [26:0] sig;
  logic signed [11:0] exp;
  assign sig = quo[26] ? quo[26:0] : {quo[25:0], 1'b0};
  assign exp = ea - eb - (quo[26] ? 12'sd0 : 12'sd1);
  mor_round_align #(.SIG_W(27)) align (.exp(exp), .sig(sig), .sticky_in(sticky), .kept(kept), .guard(guard),
                                       .sticky(round_sticky), .e_field(e_field), .overflows(overflows));
  always_comb begin
    special = 1'b1;
    if (na || nb || (ia && ib) || (za && zb)) special_y = 32'h7FC0_0000;
    else if (ia || zb) special_y = {sign, 31'h7F80_0000};
    else if (za || ib) special_y = {sign, 31'd0};
    else begin
      special = 1'b0;
      special_y = '0;
    end
  end
endmodule
