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
  // RP: the next power of two when |x| is not one; a subnormal above 2^-127 rounds up to 2^-126.
  logic bump;
  assign bump = round_up_mode && m != 0 && (e != 0 || m > 23'h40_0000);
  logic [8:0] raw;
  assign raw = {1'b0, e} + 9'(bump);
  always_comb begin
    if (is_nan) code = 8'hFF;
    else if (is_inf) code = satfinite ? 8'hFE : 8'hFF;
    else if (raw >= 9'd255) code = satfinite ? 8'hFE : 8'hFF;
    else code = raw[7:0];
  end
endmodule
