// The second half of mor_f32_round_pack: the round-to-nearest-even increment (mor_rounding) of the kept bits from
// mor_round_align, the pack, and the overflow to Inf.
module mor_round_finish (
    input  logic        sign,
    input  logic [23:0] kept,
    input  logic        guard,
    input  logic        sticky,
    input  logic [8:0]  e_field,
    input  logic        overflows,
    output logic [31:0] result
);
  logic round_up;
  mor_rounding rnd (.rounding_mode(mor_pkg::RND_RNE), .sign(sign), .lsb(kept[0]), .guard(guard), .sticky(sticky),
                    .sr_carry(1'b0), .round_up(round_up));
  logic [31:0] base, mag;
  assign base = {e_field, 23'd0};
  assign mag = base + {8'd0, kept} + 32'(round_up);
  assign result = (overflows || mag >= 32'h7F80_0000) ? {sign, 31'h7F80_0000} : {sign, mag[30:0]};
endmodule
