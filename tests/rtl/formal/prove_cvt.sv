// Properties of the FP32 -> FP8 converter lane, proved by Yosys `sat -prove` for every input (tests/rtl/formal/
// run_proofs.sh). One wrapper per format; the outputs named ok_* must be 1 for all inputs and modes.
module prove_cvt #(
    parameter int FMT = mor_pkg::FMT_E4M3,
    localparam int EXP_BITS = mor_pkg::exp_bits(FMT),
    localparam int MAN_BITS = mor_pkg::man_bits(FMT)
) (
    input  logic [31:0] a,
    input  logic [31:0] b,
    input  logic [2:0]  rounding_mode,
    input  logic        nan_mode,
    input  logic [31:0] rand_bits,
    output logic        ok_finite_never_nan,
    output logic        ok_sign_kept,
    output logic        ok_monotonic
);
  localparam int W = EXP_BITS + MAN_BITS;
  logic [W:0] ca, cb;
  mor_cvt_f32_to_fp8 #(.FMT(FMT)) la (
      .f32(a), .rounding_mode(rounding_mode), .overflow_mode(mor_pkg::OVF_SATFINITE), .nan_mode(nan_mode),
      .rand_bits(rand_bits), .code(ca));
  mor_cvt_f32_to_fp8 #(.FMT(FMT)) lb (
      .f32(b), .rounding_mode(rounding_mode), .overflow_mode(mor_pkg::OVF_SATFINITE), .nan_mode(nan_mode),
      .rand_bits(32'd0), .code(cb));
  logic a_finite, b_finite, a_nan;
  assign a_finite = a[30:23] != 8'hFF;
  assign b_finite = b[30:23] != 8'hFF;
  assign a_nan = a[30:23] == 8'hFF && a[22:0] != 0;
  // An output code is NaN or Inf when its exponent field is all ones (IEEE-style) or its magnitude is (E4M3 FN).
  logic ca_special;
  assign ca_special = (mor_pkg::special(FMT) == mor_pkg::SPECIAL_IEEE) ? &ca[W-1:MAN_BITS] : &ca[W-1:0];
  // SATFINITE: a finite input never becomes NaN (or Inf).
  assign ok_finite_never_nan = !a_finite || !ca_special;
  // The sign of every non-NaN result is the input's (zeros and underflows included).
  assign ok_sign_kept = a_nan || ca[W] == a[31];
  // Monotonic on positive finite inputs (deterministic modes): a <= b implies code(a) <= code(b); negatives follow
  // from the sign property and the symmetric grid.
  assign ok_monotonic = !(a_finite && b_finite && !a[31] && !b[31] && a <= b && rounding_mode != mor_pkg::RND_SR)
                     || ca <= cb;
endmodule
