// The significand quotient of an FP32 divide: quo = floor(ma * 2^26 / mb) for normalized 24-bit significands
// (ma / mb in (1/2, 2), so quo has 26 or 27 bits), and whether a remainder is left (the sticky bit). Restoring
// division, one quotient bit per step (27 stages, each a 26-bit subtract whose borrow picks the next remainder):
// the form a synthesis tool maps well, and the one a multi-cycle divider would iterate. Shared by mor_f32_div and
// mor_dequant_table.
module mor_sig_div (
    input  logic [23:0] ma,
    input  logic [23:0] mb,
    output logic [26:0] quo,
    output logic        sticky
);
  logic [24:0] rem;
  logic [25:0] diff;  // rem - mb with the borrow on top
  always_comb begin
    rem = {1'b0, ma};
    quo = '0;
    for (int i = 26; i >= 0; i--) begin
      if (i != 26) rem = rem << 1;
      diff = {1'b0, rem} - {2'b0, mb};
      quo = {quo[25:0], !diff[25]};      // no borrow: mb fits, the quotient bit is 1
      rem = diff[25] ? rem : diff[24:0];  // keep the remainder, or take the difference
    end
  end
  assign sticky = rem != 0;
endmodule
