// Lane step 3 of 3: y -> the FP8 code of FMT (E4M3 or E5M2) with the engine's rules: round to nearest even,
// SATFINITE, canonical NaN. Equal to mor_cvt_f32_to_fp8 with those modes for every 32-bit input (Yosys SAT proof,
// tests/rtl/formal; exhaustive Verilator sweep, tests/rtl/test_rtl_lane.cpp), built for the lane's clock: a normal
// FP8 result needs no shifter (its kept bits are y's top fraction bits), and a subnormal one at most MAN_BITS + 1
// positions of shift, past which y rounds to zero.
module mor_lane_cvt #(
    parameter int FMT = mor_pkg::FMT_E4M3,
    localparam int EXP_BITS = mor_pkg::exp_bits(FMT),
    localparam int M = mor_pkg::man_bits(FMT),
    localparam int W = EXP_BITS + M
) (
    input  logic [31:0] y,
    output logic [W:0]  code
);
  localparam int BIAS = mor_pkg::bias(FMT);
  localparam logic [63:0] MAX_MAG_TABLE = mor_pkg::max_finite_mag(FMT);
  localparam logic [W-1:0] MAX_MAG = MAX_MAG_TABLE[W-1:0];
  logic sign, is_nan, is_inf;
  logic [7:0] ey;
  assign sign = y[31];
  assign ey = y[30:23];
  assign is_nan = ey == 8'hFF && y[22:0] != 23'd0;
  assign is_inf = ey == 8'hFF && y[22:0] == 23'd0;
  logic signed [9:0] te;  // the biased exponent in FMT, unbounded
  assign te = 10'(ey) - 10'sd127 + 10'(BIAS);

  // Normal result (te >= 1): the kept bits are y's top M fraction bits.
  logic [M-1:0] kept_n;
  logic guard_n, sticky_n, up_n;
  assign kept_n = y[22 -: M];
  assign guard_n = y[22 - M];
  assign sticky_n = |y[21 - M:0];
  assign up_n = guard_n && (sticky_n || kept_n[0]);
  logic [15:0] mag_n;  // (te << M) + kept: the hidden bit lifts te - 1 to te
  assign mag_n = 16'({te, kept_n}) + 16'(up_n);

  // Subnormal result (te <= 0): the significand shifted right by r = -te more; r > M + 1 leaves nothing.
  logic [2:0] r;
  assign r = te < -10'sd7 ? 3'd7 : 3'(-te);
  logic [31:0] aligned;  // {1, fraction, 8 zeros} >> r: no bit falls off for r <= 7
  assign aligned = {1'b1, y[22:0], 8'd0} >> r;
  logic [M-1:0] kept_s;
  logic guard_s, sticky_s, up_s;
  assign kept_s = aligned[31 -: M];
  assign guard_s = aligned[31 - M];
  assign sticky_s = |aligned[30 - M:0];
  assign up_s = guard_s && (sticky_s || kept_s[0]);
  logic [W-1:0] mag_s;  // rounding up to 2^M gives the smallest normal, whose encoding is 2^M
  assign mag_s = W'(kept_s) + W'(up_s);

  always_comb begin
    if (is_nan) code = {1'b0, {W{1'b1}}};
    else if (is_inf || (te >= 10'sd1 && mag_n > 16'(MAX_MAG))) code = {sign, MAX_MAG};
    else if (te >= 10'sd1) code = {sign, mag_n[W-1:0]};
    else if (r > 3'(M + 1)) code = {sign, {W{1'b0}}};
    else code = {sign, mag_s};
  end
endmodule
