// PRESCALE per-element error (spec 8.2): from the scaled value y = RN32(x * s) and the decoded FP8 value q before
// descaling, e = |RN32(RN32(q - y) / y)| on the canonical grid, e_fx = floor(min(e, 2) * 2^24). Saves the dequant
// divider of the exact form (mor_quant_lane + mor_error_lane); one divider per lane remains. A zero y contributes 0;
// NaN / Inf give the cap. This is the canonical error lane's arithmetic applied to (y, q) instead of (x, d), so it
// is that lane. The model's twin is mor::error_fx_prescale (model/include/mor/core/metric.hpp).
module mor_error_lane_prescale (
    input  logic [31:0] y,
    input  logic [31:0] q_f32,
    output logic [25:0] e_fx
);
  mor_error_lane lane (.x(y), .dequant(q_f32), .e_fx(e_fx));
endmodule
