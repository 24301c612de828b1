// FP32 -> 8-bit element format (E4M3, E5M2, E2M3, E3M2, E2M1 from mor_formats.vh), one lane, combinational.
// The same stages as the model's mor::convert (model/include/mor/core/convert.hpp): unpack, special cases, round with
// an unbounded exponent, overflow after rounding, pack. Every rounding mode of spec 2, including SR with the
// caller's 32 random bits; BF16 inputs enter as {bf16, 16'h0}.
`include "mor_formats.vh"

module mor_cvt_f32_to_fp8 #(
    parameter int EXP_BITS = `MOR_E4M3_EXP_BITS,
    parameter int MAN_BITS = `MOR_E4M3_MAN_BITS,
    parameter int BIAS = `MOR_E4M3_BIAS,
    parameter int SPECIAL = `MOR_E4M3_SPECIAL
) (
    input  logic [31:0]                 f32,
    input  logic [2:0]                  rounding_mode,  // `MOR_RND_*
    input  logic [1:0]                  overflow_mode,  // `MOR_OVF_*
    input  logic                        nan_mode,       // `MOR_NAN_*
    input  logic [31:0]                 rand_bits,      // read only under `MOR_RND_SR
    output logic [EXP_BITS+MAN_BITS:0]  code
);
  localparam int W = EXP_BITS + MAN_BITS;
  localparam logic [W-1:0] ALL_ONES = {W{1'b1}};
  localparam logic [W-1:0] INF_MAG = {{EXP_BITS{1'b1}}, {MAN_BITS{1'b0}}};
  localparam logic [W-1:0] MAX_MAG = (SPECIAL == `MOR_SPECIAL_IEEE) ? INF_MAG - 1'b1
                                   : (SPECIAL == `MOR_SPECIAL_FINITE) ? ALL_ONES : ALL_ONES - 1'b1;
  localparam logic [W-1:0] QNAN_MAG = (SPECIAL == `MOR_SPECIAL_IEEE)
                                    ? INF_MAG | (W'(1) << (MAN_BITS - 1)) : ALL_ONES;
  // Inf where the format has it, else NaN, else max finite.
  localparam logic [W-1:0] INFINITE_MAG = (SPECIAL == `MOR_SPECIAL_IEEE) ? INF_MAG
                                        : (SPECIAL == `MOR_SPECIAL_FINITE) ? MAX_MAG : QNAN_MAG;
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
  logic        guard, sticky, inexact;
  logic [31:0] frac32;              // the discarded fraction, truncated to 32 bits (SR)
  logic [23:0] below_guard;         // the bits of sig under the guard bit
  assign aligned = {8'd0, sig, 32'd0} >> shamt;
  assign kept = aligned[32+MAN_BITS:32];
  assign guard = aligned[31];
  assign frac32 = aligned[31:0];
  assign below_guard = shamt > 6'd24 ? 24'hFF_FFFF : (24'd1 << (shamt - 6'd1)) - 24'd1;
  assign sticky = |(sig & below_guard);
  assign inexact = guard | sticky;

  // ---- rounding decision ----
  logic round_up;
  logic sr_carry;  // frac32 + rand_bits >= 2^32, i.e. frac32 > ~rand_bits
  assign sr_carry = frac32 > ~rand_bits;
  always_comb begin
    case (rounding_mode)
      3'(`MOR_RND_RNE): round_up = guard && (sticky || kept[0]);
      3'(`MOR_RND_RNA): round_up = guard;
      3'(`MOR_RND_RU):  round_up = inexact && !sign;
      3'(`MOR_RND_RD):  round_up = inexact && sign;
      3'(`MOR_RND_SR):  round_up = inexact && sr_carry;
      default:          round_up = 1'b0;  // RZ; RTO ORs the sticky bit into the LSB instead
    endcase
  end
  logic [MAN_BITS:0] kept_rto;
  assign kept_rto = (rounding_mode == 3'(`MOR_RND_RTO)) ? (kept | {{MAN_BITS{1'b0}}, inexact}) : kept;

  // ---- magnitude with unbounded exponent: (exp - 1) << M plus kept (its hidden bit lifts the exponent) ----
  logic [15:0] base, mag;
  assign base = (target_exp >= 11'sd1) ? (16'(target_exp) - 16'd1) << MAN_BITS : 16'd0;
  assign mag = base + 16'(kept_rto) + 16'(round_up);

  // ---- overflow (IEEE 754 7.4 under NOSAT) and specials, pack ----
  logic overflow, towards_zero;
  assign overflow = mag > 16'(MAX_MAG);
  assign towards_zero = (rounding_mode == 3'(`MOR_RND_RZ)) || (rounding_mode == 3'(`MOR_RND_RTO))
                     || (rounding_mode == 3'(`MOR_RND_RD) && !sign) || (rounding_mode == 3'(`MOR_RND_RU) && sign);
  always_comb begin
    if (is_nan) code = (nan_mode == 1'(`MOR_NAN_CANON)) ? {1'b0, ALL_ONES} : {sign, QNAN_MAG};
    else if (is_inf) code = (overflow_mode == 2'(`MOR_OVF_SATFINITE)) ? {sign, MAX_MAG} : {sign, INFINITE_MAG};
    else if (overflow) code = (overflow_mode == 2'(`MOR_OVF_NOSAT) && !towards_zero) ? {sign, INFINITE_MAG}
                            : {sign, MAX_MAG};
    else code = {sign, mag[W-1:0]};
  end
endmodule
