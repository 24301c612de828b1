// Second half of mor_div_finish: round and pack the quotient (mor_round_finish), or the special result.
module mor_div_finish_b (
    input  logic        sign,
    input  logic [23:0] kept,
    input  logic        guard,
    input  logic        round_sticky,
    input  logic [8:0]  e_field,
    input  logic        overflows,
    input  logic        special,
    input  logic [31:0] special_y,
    output logic [31:0] y
);
  logic [31:0] rounded;
  mor_round_finish finish (.sign(sign), .kept(kept), .guard(guard), .sticky(round_sticky), .e_field(e_field),
                           .overflows(overflows), .result(rounded));
  assign y = special ? special_y : rounded;
endmodule
