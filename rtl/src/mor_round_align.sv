// The first half of mor_f32_round_pack: where the 24 kept bits of an exact result end. Below the normal range the
// LSB stays at 2^-149, so the significand shifts further right by (-126 - exp); the guard bit is the first bit under
// the kept ones, the sticky bit any bit under the guard. mor_round_finish rounds and packs.
module mor_round_align #(
    parameter int SIG_W = 27  // >= 26
) (
    input  logic signed [11:0] exp,      // unbiased exponent of sig's leading bit, unbounded
    input  logic [SIG_W-1:0]   sig,      // sig[SIG_W-1] set
    input  logic               sticky_in,
    output logic [23:0]        kept,
    output logic               guard,
    output logic               sticky,
    output logic [8:0]         e_field,  // the exponent field of kept's hidden bit minus one (e_lsb + 126)
    output logic               overflows      // exp > 127: the result overflows whatever the rounding
);
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
  // With kept's hidden bit at 2^23, the exponent field is (e - 1) + carry; below emin the base is 0.
  logic signed [12:0] e_lsb;
  assign e_lsb = (exp >= -12'sd126) ? 13'(exp) : -13'sd126;
  assign e_field = 9'(e_lsb + 13'sd126);
  assign overflows = exp > 12'sd127;
endmodule
