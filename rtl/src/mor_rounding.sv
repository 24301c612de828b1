// The rounding decision, written once for every converter and FP32 unit (the model's round_up() in
// model/include/mor/core/convert.hpp; FPnew's fpnew_rounding): whether the truncated magnitude is incremented,
// from the mode, the sign, the kept LSB, the guard bit (the first discarded bit) and the sticky bit (any discarded
// bit below it). Round to odd is the increment that makes an even LSB odd (kept | 1 == kept + !lsb when inexact),
// so every caller adds round_up to its kept magnitude and does nothing else.
module mor_rounding (
    input  logic [2:0] rounding_mode,  // mor_pkg::rounding_e
    input  logic       sign,
    input  logic       lsb,
    input  logic       guard,
    input  logic       sticky,
    input  logic       sr_carry,       // SR: the discarded fraction plus the caller's random bits carries out
    output logic       round_up
);
  logic inexact;
  assign inexact = guard | sticky;
  always_comb begin
    case (rounding_mode)
      mor_pkg::RND_RNE: round_up = guard && (sticky || lsb);
      mor_pkg::RND_RNA: round_up = guard;
      mor_pkg::RND_RU:  round_up = inexact && !sign;
      mor_pkg::RND_RD:  round_up = inexact && sign;
      mor_pkg::RND_RTO: round_up = inexact && !lsb;
      mor_pkg::RND_SR:  round_up = inexact && sr_carry;
      default:          round_up = 1'b0;  // RZ
    endcase
  end
endmodule
