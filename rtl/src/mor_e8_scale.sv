// The MOR_E8_RZ block scale without a divider (model: mor::e8_rz_scale_cmp, engine_rules.hpp; proven equal to
// scale.hpp mor_e8_rz_scale for every amax in tests/model/test_engine_rules.cpp): the exponent field of
// RN32(FMAX / amax) is exp(FMAX) + 127 - exp(amax) - [man(amax) > man(FMAX)], 254 (FLT_MAX's) when that overflows or
// amax is subnormal, and the scale is 1 for a zero or non-finite amax.
module mor_e8_scale #(
    parameter int FMT = mor_pkg::FMT_E4M3  // its FMAX
) (
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [31:0] amax,   // |x| bits: the sign is ignored
    /* verilator lint_on UNUSEDSIGNAL */
    output logic [31:0] scale
);
  localparam logic [31:0] FMAX = mor_pkg::fmax(FMT);
  localparam logic [8:0] BASE = {1'b0, FMAX[30:23]} + 9'd127;
  logic [7:0] e;
  logic [8:0] field;
  assign e = amax[30:23];
  assign field = BASE - {1'b0, e} - 9'(amax[22:0] > FMAX[22:0]);
  always_comb begin
    if (amax[30:0] == 31'd0 || e == 8'hFF) scale = mor_pkg::F32_ONE;
    else if (e == 8'd0 || field > 9'd254) scale = {1'b0, 8'd254, 23'd0};
    else scale = {1'b0, field[7:0], 23'd0};
  end
endmodule
