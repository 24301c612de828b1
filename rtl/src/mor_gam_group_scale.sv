// The GAM scale unit (spec 4, DECISIONS D3), group step: r_g = RN32(FMAX / max(a_g, floor)), once per group
// (the engine's group is the tensor). The floor keeps r_g finite for an all-zero or tiny group. Its model twin is
// mor::gam_group_scale (model/include/mor/core/gam.hpp); the block step is mor_gam_block_scale.
module mor_gam_group_scale #(
    parameter int FMT = mor_pkg::FMT_E4M3  // the candidate format: its FMAX and GAM floor (mor_pkg)
) (
    input  logic [31:0] group_amax,   // |x| bits, finite
    output logic [31:0] group_scale
);
  localparam logic [31:0] FMAX = mor_pkg::fmax(FMT);
  localparam logic [31:0] AMAX_FLOOR = mor_pkg::gam_amax_floor(FMT);
  mor_f32_div div (.a(FMAX), .b(group_amax > AMAX_FLOOR ? group_amax : AMAX_FLOOR), .y(group_scale));
endmodule
