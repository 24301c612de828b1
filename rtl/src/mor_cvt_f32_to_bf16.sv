// FP32 -> BF16: round to nearest even (or ties away, the RNA compatibility mode), overflow to Inf (IEEE), NaN
// keeps its sign as the quiet NaN (0x7FC0 / 0xFFC0), like mor::bf16_from_f32.
module mor_cvt_f32_to_bf16 (
    input  logic [31:0] f32,
    input  logic        ties_away,  // 0: RNE, 1: RNA
    output logic [15:0] bf16
);
  logic is_nan, guard, sticky, round_up;
  assign is_nan = f32[30:23] == 8'hFF && f32[22:0] != 0;
  assign guard = f32[15];
  assign sticky = |f32[14:0];
  assign round_up = guard && (ties_away || sticky || f32[16]);
  // Adding at the LSB carries into the exponent when the mantissa is all ones; past max that gives Inf.
  assign bf16 = is_nan ? {f32[31], 15'h7FC0} : f32[31:16] + 16'(round_up);
endmodule
