// 8-bit element code -> FP32 (exact; BF16 is its top half, also exact for E4M3/E5M2). Subnormal codes are
// normalized; NaN keeps its sign as the quiet NaN, like mor::convert<FP32, F> with kIeeeDefault.
module mor_cvt_fp8_to_f32 #(
    parameter int FMT = mor_pkg::FMT_E4M3,  // an element format of at most 8 bits (mor_pkg's FMT_*)
    localparam int EXP_BITS = mor_pkg::exp_bits(FMT),
    localparam int MAN_BITS = mor_pkg::man_bits(FMT),
    localparam int W = EXP_BITS + MAN_BITS
) (
    input  logic [W:0]  code,
    output logic [31:0] f32
);
  localparam int BIAS = mor_pkg::bias(FMT);
  localparam int SPECIAL = mor_pkg::special(FMT);
  logic sign;
  logic [EXP_BITS-1:0] e;
  logic [MAN_BITS-1:0] m;
  assign sign = code[W];
  assign e = code[W-1:MAN_BITS];
  assign m = code[MAN_BITS-1:0];
  logic is_nan, is_inf;
  assign is_nan = (SPECIAL == mor_pkg::SPECIAL_IEEE) ? (&e && m != 0)
                : (SPECIAL == mor_pkg::SPECIAL_FINITE_NAN) ? (&e && &m) : 1'b0;
  assign is_inf = (SPECIAL == mor_pkg::SPECIAL_IEEE) && &e && m == 0;
  // Subnormal: value = m * 2^(1 - BIAS - MAN_BITS); its leading one at bit p gives exponent p + 1 - BIAS - MAN_BITS.
  int p;
  always_comb begin
    p = 0;
    for (int i = 0; i < MAN_BITS; i++)
      if (m[i]) p = i;
  end
  logic [7:0] exp_sub, exp_norm;
  logic [22:0] man_sub;
  assign exp_sub = 8'(p + 1 - BIAS - MAN_BITS + 127);
  assign exp_norm = 8'(32'(e) - BIAS + 127);
  assign man_sub = 23'({m, 23'd0} >> p);  // m * 2^(23 - p): the leading one lands on the hidden bit and is cut
  always_comb begin
    if (is_nan) f32 = {sign, 31'h7FC0_0000};
    else if (is_inf) f32 = {sign, 31'h7F80_0000};
    else if (e == 0 && m == 0) f32 = {sign, 31'd0};
    else if (e == 0) f32 = {sign, exp_sub, man_sub};
    else f32 = {sign, exp_norm, m, {(23 - MAN_BITS){1'b0}}};
  end
endmodule
