// FP32 -> BF16: round to nearest even (or ties away, the RNA compatibility mode), overflow to Inf (IEEE), NaN
// keeps its sign as the quiet NaN (0x7FC0 / 0xFFC0), like mor::bf16_from_f32.
module mor_cvt_f32_to_bf16 (
    input  logic [31:0] f32,
    input  logic        ties_away,  // 0: RNE, 1: RNA
    output logic [15:0] bf16
);
  localparam int DROP = 23 - mor_pkg::man_bits(mor_pkg::FMT_BF16);  // the low FP32 mantissa bits BF16 has not
  localparam logic [63:0] QNAN_MAG = mor_pkg::quiet_nan_mag(mor_pkg::FMT_BF16);  // 0x7FC0
  logic is_nan, round_up;
  assign is_nan = f32[30:23] == 8'hFF && f32[22:0] != 0;
  mor_rounding rnd (.rounding_mode(ties_away ? mor_pkg::RND_RNA : mor_pkg::RND_RNE), .sign(f32[31]),
                    .lsb(f32[DROP]), .guard(f32[DROP-1]), .sticky(|f32[DROP-2:0]), .sr_carry(1'b0),
                    .round_up(round_up));
  // Adding at the LSB carries into the exponent when the mantissa is all ones; past max that gives Inf.
  assign bf16 = is_nan ? {f32[31], QNAN_MAG[14:0]} : f32[31:DROP] + 16'(round_up);
endmodule
