// Clock gate: the latch-and-AND form of an integrated clock-gating cell. The enable is latched while clk is low,
// so gclk neither glitches nor cuts a high phase short when the enable changes during the cycle; the registers on
// gclk load exactly on the clk edges where the enable was high. A library ICG cell replaces it in a real flow.
module mor_clock_gate (
    input  logic clk,
    input  logic enable,
    output logic gclk
);
  logic enable_latched;
  always_latch if (!clk) enable_latched = enable;
  assign gclk = clk & enable_latched;
endmodule
