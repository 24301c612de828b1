// The GAM block step without a divider (docs/gam-comparator.md): the same block_scale and exp_offset as
// mor_gam_block_scale, from the block amax bits by comparisons only. Exact because FMAX / a_j' is a normal FP32 number
// for every a_j' = max(a_j, AMAX_FLOOR) <= FLT_MAX, so b_j = 2^-E * RN32(FMAX / 1.f): exp(b_j) is
// exp(FMAX) + 127 - exp(a_j') - [f > man(FMAX)], and m_j(f) is non-increasing in f on each side of that split, so
// "m_g > m_j" is "f >= thr" with one threshold per side. The thresholds are per-tensor inputs (found once per
// group by binary search on the group-step divider; model: mor::gam_thresholds). Model twin:
// mor::gam_block_scale_cmp / mor::gam_exp_offset_cmp.
module mor_gam_offset_cmp #(
    parameter int FMT = mor_pkg::FMT_E4M3  // the candidate format: its FMAX and GAM floor (mor_pkg, DECISIONS D3)
) (
    input  logic [31:0] block_amax,   // |x| bits, finite
    input  logic [31:0] group_scale,  // r_g (per tensor): mantissa m_g spliced in, exponent subtracted for k_j
    input  logic [23:0] thr_a,        // per tensor: halve iff f >= thr_a when f <= man(FMAX)  (thr_a <= man+1)
    input  logic [23:0] thr_b,        // per tensor: halve iff f >= thr_b when f >  man(FMAX)  (thr_b <= 2^23)
    output logic [31:0] block_scale,
    output logic [7:0]  exp_offset
);
  localparam logic [31:0] FMAX = mor_pkg::fmax(FMT);
  localparam logic [31:0] AMAX_FLOOR = mor_pkg::gam_amax_floor(FMT);
  localparam logic [22:0] SPLIT = FMAX[22:0];                          // 0x600000: significand 1.75
  localparam logic [8:0] EXP_BASE = {1'b0, FMAX[30:23]} + 9'd127;      // 262 (E4M3) or 269 (E5M2)

  logic [31:0] floored;
  assign floored = block_amax > AMAX_FLOOR ? block_amax : AMAX_FLOOR;  // constant comparator
  logic [22:0] f;
  assign f = floored[22:0];
  logic branch_b, halve;
  assign branch_b = f > SPLIT;                                          // constant comparator: 1.f > 1.75
  assign halve = branch_b ? ({1'b0, f} >= thr_b) : ({1'b0, f} >= thr_a);
  logic [8:0] e;                                                        // in [1, 253] on the domain
  assign e = EXP_BASE - {1'b0, floored[30:23]} - 9'(branch_b) - 9'(halve);
  assign block_scale = {1'b0, e[7:0], group_scale[22:0]};
  assign exp_offset = e[7:0] - group_scale[30:23];
  /* verilator lint_off UNUSEDSIGNAL */
  logic unused;
  assign unused = floored[31] ^ group_scale[31] ^ e[8];  // positive inputs; e < 256 on the domain
  /* verilator lint_on UNUSEDSIGNAL */
endmodule
