// Rounds an exact FP32 result to nearest-even and packs it (IEEE 754: subnormals kept, overflow to Inf).
// value = sig * 2^(exp - (SIG_W - 1)) with sig[SIG_W-1] set (normalized, nonzero), plus a sticky bit for anything
// below sig. Shared by mor_f32_mul, mor_f32_div and mor_f32_addsub, like SoftFloat's roundPackToF32.
module mor_f32_round_pack #(
    parameter int SIG_W = 27  // >= 26: 24 kept bits, a guard bit and at least one more
) (
    input  logic              sign,
    input  logic signed [11:0] exp,      // unbiased exponent of sig's leading bit, unbounded
    input  logic [SIG_W-1:0]  sig,
    input  logic              sticky_in,
    output logic [31:0]       result
);
  // Below the normal range the LSB stays at 2^-149: shift further right by (-126 - exp).
  logic [5:0] extra;
  always_comb begin
    if (exp >= -12'sd126) extra = 6'd0;
    else if (exp < -12'sd126 - 12'sd40) extra = 6'd40;
    else extra = 6'(-12'sd126 - exp);
  end
  // The SIG_W + 40 bits of {sig, 40'd0} >> extra are never built (a simulator handles a vector over 64 bits as
  // several words): `drop` bits of sig fall below the kept 24, the guard bit is the highest of them, the sticky bit
  // any other.
  logic [6:0] drop;
  assign drop = 7'(SIG_W - 24) + 7'(extra);
  logic [23:0] kept;
  logic guard, sticky;
  logic [SIG_W-1:0] below_guard;  // the bits of sig under the guard bit
  /* verilator lint_off UNUSEDSIGNAL */
  logic [SIG_W-1:0] kept_full, guard_full;
  /* verilator lint_on UNUSEDSIGNAL */
  assign kept_full = sig >> drop;
  assign kept = kept_full[23:0];
  assign guard_full = sig >> (drop - 7'd1);
  assign guard = guard_full[0];
  assign below_guard = drop > 7'(SIG_W) ? {SIG_W{1'b1}} : (SIG_W'(1) << (drop - 7'd1)) - SIG_W'(1);
  assign sticky = (|(sig & below_guard)) | sticky_in;
  logic round_up;
  mor_rounding rnd (.rounding_mode(mor_pkg::RND_RNE), .sign(sign), .lsb(kept[0]), .guard(guard), .sticky(sticky),
                    .sr_carry(1'b0), .round_up(round_up));
  // With kept's hidden bit at 2^23, the exponent field is (e - 1) + carry; below emin the base is 0.
  logic signed [12:0] e_lsb;
  assign e_lsb = (exp >= -12'sd126) ? 13'(exp) : -13'sd126;
  logic [31:0] base, mag;
  assign base = {6'd0, 9'(e_lsb + 13'sd126), 17'd0} << 6;  // (e_lsb + 127 - 1) << 23
  assign mag = base + {8'd0, kept} + 32'(round_up);
  assign result = (exp > 12'sd127 || mag >= 32'h7F80_0000) ? {sign, 31'h7F80_0000} : {sign, mag[30:0]};
endmodule
