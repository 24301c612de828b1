// FP32 -> element format of at most 8 bits (E4M3, E5M2, E2M3, E3M2, E2M1: mor_pkg's FMT_*), one lane,
// combinational. The same stages as the model's mor::convert (model/include/mor/core/convert.hpp): unpack, special
// cases, round with an unbounded exponent (mor_rounding), overflow after rounding, pack. Every rounding mode of
// spec 2, including SR with the caller's 32 random bits; BF16 inputs enter as {bf16, 16'h0}.
module mor_cvt_f32_to_fp8 #(
    parameter int FMT = mor_pkg::FMT_E4M3,
    localparam int EXP_BITS = mor_pkg::exp_bits(FMT),
    localparam int MAN_BITS = mor_pkg::man_bits(FMT),
    localparam int W = EXP_BITS + MAN_BITS  // magnitude bits; the code has a sign bit above them
) (
    input  logic [31:0] f32,
    input  logic [2:0]  rounding_mode,  // mor_pkg::rounding_e
    input  logic [1:0]  overflow_mode,  // mor_pkg::overflow_e
    input  logic        nan_mode,       // mor_pkg::nan_e
    input  logic [31:0] rand_bits,      // read only under mor_pkg::RND_SR
    output logic [W:0]  code
);
  localparam int BIAS = mor_pkg::bias(FMT);
  localparam int SPECIAL = mor_pkg::special(FMT);
  localparam logic [W-1:0] ALL_ONES = {W{1'b1}};
  localparam logic [63:0] MAX_MAG_TABLE = mor_pkg::max_finite_mag(FMT);  // (Icarus 11 cannot cast a call)
  localparam logic [63:0] QNAN_MAG_TABLE = mor_pkg::quiet_nan_mag(FMT);
  localparam logic [W-1:0] MAX_MAG = MAX_MAG_TABLE[W-1:0];
  localparam logic [W-1:0] QNAN_MAG = QNAN_MAG_TABLE[W-1:0];
  // Inf where the format has it, else NaN, else max finite.
  localparam logic [W-1:0] INFINITE_MAG = (SPECIAL == mor_pkg::SPECIAL_IEEE) ? {{EXP_BITS{1'b1}}, {MAN_BITS{1'b0}}}
                                        : (SPECIAL == mor_pkg::SPECIAL_FINITE) ? MAX_MAG : QNAN_MAG;
  localparam int SHIFT_NORMAL = 23 - MAN_BITS;
  localparam int SHIFT_MAX = 57;  // beyond this every bit is below the 33 fraction bits that matter

  // ---- unpack ----
  logic        sign;
  logic [7:0]  exp_field;
  logic [22:0] man_field;
  logic        is_nan, is_inf;
  logic [23:0] sig;                 // hidden bit and mantissa
  logic signed [10:0] target_exp;   // biased exponent in the target format, unbounded
  assign sign = f32[31];
  assign exp_field = f32[30:23];
  assign man_field = f32[22:0];
  assign is_nan = (exp_field == 8'hFF) && (man_field != 23'd0);
  assign is_inf = (exp_field == 8'hFF) && (man_field == 23'd0);
  assign sig = {exp_field != 8'd0, man_field};
  assign target_exp = $signed({3'b000, (exp_field == 8'd0) ? 8'd1 : exp_field}) - 11'sd127 + 11'(BIAS);

  // ---- align at the LSB of the target grid; below the normal range the grid stays at emin ----
  logic [5:0]  shamt;
  logic signed [10:0] below;        // how far target_exp is under 1
  assign below = 11'sd1 - target_exp;
  always_comb begin
    if (target_exp >= 11'sd1) shamt = 6'(SHIFT_NORMAL);
    else if (below > 11'(SHIFT_MAX - SHIFT_NORMAL)) shamt = 6'(SHIFT_MAX);
    else shamt = 6'(SHIFT_NORMAL) + below[5:0];
  end
  // {kept, fraction}: sig shifted within 64 bits (wider vectors cost a simulator several words per operation). The
  // 32 bits under kept are the fraction SR reads; bits shifted out below it only feed the sticky bit, which is
  // taken from sig itself: any bit under the guard position shamt - 1.
  /* verilator lint_off UNUSEDSIGNAL */
  logic [63:0] aligned;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [MAN_BITS:0] kept;
  logic        guard, sticky;
  logic [31:0] frac32;              // the discarded fraction, truncated to 32 bits (SR)
  logic [23:0] below_guard;         // the bits of sig under the guard bit
  assign aligned = {8'd0, sig, 32'd0} >> shamt;
  assign kept = aligned[32+MAN_BITS:32];
  assign guard = aligned[31];
  assign frac32 = aligned[31:0];
  assign below_guard = shamt > 6'd24 ? 24'hFF_FFFF : (24'd1 << (shamt - 6'd1)) - 24'd1;
  assign sticky = |(sig & below_guard);

  // ---- rounding decision ----
  logic round_up;
  logic sr_carry;  // frac32 + rand_bits >= 2^32, i.e. frac32 > ~rand_bits
  assign sr_carry = frac32 > ~rand_bits;
  mor_rounding rnd (.rounding_mode(rounding_mode), .sign(sign), .lsb(kept[0]), .guard(guard), .sticky(sticky),
                    .sr_carry(sr_carry), .round_up(round_up));

  // ---- magnitude with unbounded exponent: (exp - 1) << M plus kept (its hidden bit lifts the exponent) ----
  logic [15:0] base, mag;
  assign base = (target_exp >= 11'sd1) ? (16'(target_exp) - 16'd1) << MAN_BITS : 16'd0;
  assign mag = base + 16'(kept) + 16'(round_up);

  // ---- overflow (IEEE 754 7.4 under NOSAT) and specials, pack ----
  logic overflow, towards_zero;
  assign overflow = mag > 16'(MAX_MAG);
  assign towards_zero = (rounding_mode == mor_pkg::RND_RZ) || (rounding_mode == mor_pkg::RND_RTO)
                     || (rounding_mode == mor_pkg::RND_RD && !sign) || (rounding_mode == mor_pkg::RND_RU && sign);
  always_comb begin
    if (is_nan) code = (nan_mode == mor_pkg::NAN_CANON) ? {1'b0, ALL_ONES} : {sign, QNAN_MAG};
    else if (is_inf) code = (overflow_mode == mor_pkg::OVF_SATFINITE) ? {sign, MAX_MAG} : {sign, INFINITE_MAG};
    else if (overflow) code = (overflow_mode == mor_pkg::OVF_NOSAT && !towards_zero) ? {sign, INFINITE_MAG}
                            : {sign, MAX_MAG};
    else code = {sign, mag[W-1:0]};
  end
endmodule
