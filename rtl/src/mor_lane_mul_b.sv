// Lane step 2 of 3: normalize the product of mor_lane_mul_a and round it to FP32, y = RN32(x * s) (RNE, overflow to
// Inf), except that a product whose exact value is below 2^-126 comes out as a signed zero: the lanes round in the
// normal range only. Nothing the engine emits changes (model: mor::lane_product, engine_rules.hpp): such a y is far
// below half of the smallest E4M3 and E5M2 value, so q = 0 either way, and the interval bounds of every q = 0
// element are [2^24, 2^24] whatever y is (tests/model/test_engine_rules.cpp, tests/rtl/test_rtl_lane.cpp).
module mor_lane_mul_b (
    input  logic [47:0]        prod,
    input  logic [4:0]         lz,
    input  logic signed [10:0] exp_sum,
    input  logic               sign,
    input  logic               zero,
    output logic [31:0]        y
);
  logic [47:0] p;  // leading one at bit 47 or 46
  assign p = prod << lz;
  logic hi;
  assign hi = p[47];
  logic [22:0] frac;  // the significand below its leading one
  logic guard, sticky;
  assign frac = hi ? p[46:24] : p[45:23];
  assign guard = hi ? p[23] : p[22];
  assign sticky = hi ? |p[22:0] : |p[21:0];
  // value = sig * 2^(exp_sum - 127 + hi - 150 + 23): the biased exponent of sig's leading bit is exp_sum - 127 + hi.
  logic signed [11:0] be;
  assign be = 12'(exp_sum) - 12'sd127 + 12'(hi);
  logic round_up;
  mor_rounding rnd (.rounding_mode(mor_pkg::RND_RNE), .sign(sign), .lsb(frac[0]), .guard(guard), .sticky(sticky),
                    .sr_carry(1'b0), .round_up(round_up));
  logic [34:0] rounded;  // {be, fraction} + round_up: a carry out of the fraction lifts the exponent
  assign rounded = {be, frac} + 35'(round_up);
  logic signed [11:0] be_r;
  assign be_r = rounded[34:23];
  always_comb begin
    if (zero || be < 12'sd1) y = {sign, 31'd0};         // x = 0, or exact |x s| < 2^-126: flushed
    else if (be_r > 12'sd254) y = {sign, 31'h7F80_0000};  // overflow (RNE): Inf
    else y = {sign, be_r[7:0], rounded[22:0]};
  end
endmodule
