// One element through the table-based dequantize path: mor_dequant_table + mor_dequant_lane. In an engine the
// table is computed once per scale significand and shared by all lanes; this top exists so the pair can be
// checked against the model (tests/rtl/test_rtl_dequant.cpp) and costed on its own.
module mor_dequant #(
    parameter int FMT = mor_pkg::FMT_E4M3  // the FP8 format whose codes q decode from (its mantissa width)
) (
    input  logic [31:0] q_f32,
    input  logic [31:0] scale,
    output logic [31:0] dequant
);
  localparam int MAN_BITS = mor_pkg::man_bits(FMT);
  logic [28*(1<<MAN_BITS)-1:0] entries;
  mor_dequant_table #(.FMT(FMT)) tbl (.scale(scale), .entries(entries));
  mor_dequant_lane #(.FMT(FMT)) lane (.q_f32(q_f32), .scale(scale), .entries(entries), .dequant(dequant));
endmodule
