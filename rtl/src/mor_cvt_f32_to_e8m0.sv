// FP32 -> E8M0 scale code (|x|), RZ or RP (round up), SATFINITE or NOSAT, with the conventions of
// mor::e8m0_from_f32 (and CUDA's cvt.rz/rp.ue8m0): zero and anything below 2^-127 give 0x00, NaN gives 0xFF.
module mor_cvt_f32_to_e8m0 (
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [31:0] f32,  // the sign is ignored: E8M0 encodes |x|
    /* verilator lint_on UNUSEDSIGNAL */
    input  logic        round_up_mode,  // 0: RZ, 1: RP
    input  logic        satfinite,
    output logic [7:0]  code
);
  logic [7:0] e;
  logic [22:0] m;
  assign e = f32[30:23];
  assign m = f32[22:0];
  logic is_nan, is_inf;
  assign is_nan = e == 8'hFF && m != 0;
  assign is_inf = e == 8'hFF && m == 0;
  // The kept value is 2^(e-127) (code e), or 2^-127 (code 0) for a subnormal; |x| is above it when a normal has
  // mantissa bits, or a subnormal is above 2^-127 (its mantissa above 0x400000). RP rounds that up to the next
  // power of two (a subnormal above 2^-127 to 2^-126); E8M0 has no sign, so RP is RU of a positive value.
  logic above_kept, bump;
  assign above_kept = e != 0 ? m != 0 : m > 23'h40_0000;
  mor_rounding rnd (.rounding_mode(round_up_mode ? mor_pkg::RND_RU : mor_pkg::RND_RZ), .sign(1'b0), .lsb(1'b0),
                    .guard(above_kept), .sticky(1'b0), .sr_carry(1'b0), .round_up(bump));
  logic [8:0] raw;
  assign raw = {1'b0, e} + 9'(bump);
  always_comb begin
    if (is_nan) code = 8'hFF;
    else if (is_inf) code = satfinite ? 8'hFE : 8'hFF;
    else if (raw >= 9'd255) code = satfinite ? 8'hFE : 8'hFF;
    else code = raw[7:0];
  end
endmodule
