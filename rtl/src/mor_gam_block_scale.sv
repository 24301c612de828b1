// The GAM scale unit (spec 4, DECISIONS D3), block step: from the group scale r_g and a block's amax, the block
// scale s_j (bit splice: exponent of b_j = RN32(FMAX / max(a_j, floor)), mantissa of r_g, halved when m_g > m_j)
// and the stored exponent offset k_j = exp(s_j) - exp(r_g). The group step is mor_gam_group_scale. The model's
// twin is mor::gam_block_scale (model/include/mor/core/gam.hpp).
module mor_gam_block_scale #(
    parameter int FMT = mor_pkg::FMT_E4M3  // the candidate format: its FMAX and GAM floor (mor_pkg)
) (
    input  logic [31:0] group_scale,
    input  logic [31:0] block_amax,   // |x| bits, finite
    output logic [31:0] block_scale,
    output logic [7:0]  exp_offset
);
  localparam logic [31:0] FMAX = mor_pkg::fmax(FMT);
  localparam logic [31:0] AMAX_FLOOR = mor_pkg::gam_amax_floor(FMT);
  logic [31:0] floored, b;
  assign floored = block_amax > AMAX_FLOOR ? block_amax : AMAX_FLOOR;
  mor_f32_div div_b (.a(FMAX), .b(floored), .y(b));
  logic [22:0] m_g;
  logic [7:0] e;
  assign m_g = group_scale[22:0];
  assign e = b[30:23] - 8'(m_g > b[22:0]);
  assign block_scale = {1'b0, e, m_g};
  assign exp_offset = e - group_scale[30:23];
  /* verilator lint_off UNUSEDSIGNAL */
  logic unused_sign;
  assign unused_sign = group_scale[31] ^ b[31];  // both positive
  /* verilator lint_on UNUSEDSIGNAL */
endmodule
