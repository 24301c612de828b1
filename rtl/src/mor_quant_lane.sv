// One element through the fake-quantization path (spec 5, D4): y = RN32(x * s); q = FP8(y) (RNE, SATFINITE,
// canonical NaN); d = RN32(decode(q) / s). The format is chosen per block (0 = E4M3, 1 = E5M2).
// d needs no divider in the lane: its significand quotient comes from the engine's one dequantize table of s
// (mor_dequant_table, 8 entries for the 3-bit E4M3 fraction; an E5M2 significand 1.ab is entry ab0, since its
// decoded value has no fraction bits below those two), and mor_dequant_lane rounds and packs it. Bit-exact with
// mor_f32_div(decode(q), s): tests/rtl/test_rtl_dequant.cpp, both formats through the 8-entry table.
module mor_quant_lane (
    input  logic [31:0]     x,
    input  logic [31:0]     scale,
    input  logic            e5m2,
    input  logic [28*8-1:0] dq_entries,  // mor_dequant_table(scale), MAN_BITS of E4M3
    output logic [7:0]      code,
    output logic [31:0]     dequant
);
  logic [31:0] y, q4f, q5f;
  logic [7:0] q4, q5;
  mor_f32_mul mul (.a(x), .b(scale), .y(y));
  mor_cvt_f32_to_fp8 #(.FMT(mor_pkg::FMT_E4M3))
      cvt4 (.f32(y), .rounding_mode(mor_pkg::RND_RNE), .overflow_mode(mor_pkg::OVF_SATFINITE),
            .nan_mode(mor_pkg::NAN_CANON), .rand_bits(32'd0), .code(q4));
  mor_cvt_f32_to_fp8 #(.FMT(mor_pkg::FMT_E5M2))
      cvt5 (.f32(y), .rounding_mode(mor_pkg::RND_RNE), .overflow_mode(mor_pkg::OVF_SATFINITE),
            .nan_mode(mor_pkg::NAN_CANON), .rand_bits(32'd0), .code(q5));
  mor_cvt_fp8_to_f32 #(.FMT(mor_pkg::FMT_E4M3)) dec4 (.code(q4), .f32(q4f));
  mor_cvt_fp8_to_f32 #(.FMT(mor_pkg::FMT_E5M2)) dec5 (.code(q5), .f32(q5f));
  assign code = e5m2 ? q5 : q4;
  mor_dequant_lane #(.FMT(mor_pkg::FMT_E4M3))
      dq (.q_f32(e5m2 ? q5f : q4f), .scale(scale), .entries(dq_entries), .dequant(dequant));
endmodule
