// Rounds an exact FP32 result to nearest-even and packs it (IEEE 754: subnormals kept, overflow to Inf).
// value = sig * 2^(exp - (SIG_W - 1)) with sig[SIG_W-1] set (normalized, nonzero), plus a sticky bit for anything
// below sig. Shared by mor_f32_mul, mor_f32_div and mor_f32_addsub, like SoftFloat's roundPackToF32. It is the two
// halves a pipelined unit puts a register between (mor_div_round, mor_f32_sub_pipe): mor_round_align (where the
// kept bits end: the shift, the guard and sticky bits) and mor_round_finish (the increment and the overflow).
module mor_f32_round_pack #(
    parameter int SIG_W = 27  // >= 26: 24 kept bits, a guard bit and at least one more
) (
    input  logic              sign,
    input  logic signed [11:0] exp,      // unbiased exponent of sig's leading bit, unbounded
    input  logic [SIG_W-1:0]  sig,
    input  logic              sticky_in,
    output logic [31:0]       result
);
  logic [23:0] kept;
  logic guard, sticky, overflows;
  logic [8:0] e_field;
  mor_round_align #(.SIG_W(SIG_W)) align (.exp(exp), .sig(sig), .sticky_in(sticky_in), .kept(kept), .guard(guard),
                                          .sticky(sticky), .e_field(e_field), .overflows(overflows));
  mor_round_finish finish (.sign(sign), .kept(kept), .guard(guard), .sticky(sticky), .e_field(e_field), .overflows(overflows),
                           .result(result));
endmodule
