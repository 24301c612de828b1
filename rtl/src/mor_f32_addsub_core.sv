// mor_f32_addsub, step 2 of 4: order the unpacked operands by magnitude, align the smaller under the larger with
// three extra bits and a sticky bit, add or subtract; and the special cases of the operands (NaN, Inf, zeros),
// whose result needs no rounding. An exact cancellation (sum = 0) gives +0: the next step tells it.
module mor_f32_addsub_core (
    input  logic [31:0]        a,
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [31:0]        b,         // its sign enters as sb0
    /* verilator lint_on UNUSEDSIGNAL */
    input  logic               sub,
    input  logic               sa, sb0, na, nb, ia, ib, za, zb,
    input  logic signed [11:0] ea, eb,
    input  logic [23:0]        ma, mb,
    output logic [27:0]        sum,       // the aligned sum; its bit 26 has the exponent ex
    output logic signed [11:0] ex,
    output logic               sx,        // the sign of the result
    output logic               y_sticky,  // bits of the smaller operand below the three extra ones
    output logic               special,   // the result is special_y
    output logic [31:0]        special_y
);
  logic sb;
  assign sb = sb0 ^ sub;
  // Order the operands by magnitude: x is the larger.
  logic a_big;
  assign a_big = (ea > eb) || (ea == eb && ma >= mb);
  logic sy;
  logic signed [11:0] ey;
  logic [23:0] mx, my;
  assign sx = a_big ? sa : sb;
  assign sy = a_big ? sb : sa;
  assign ex = a_big ? ea : eb;
  assign ey = a_big ? eb : ea;
  assign mx = a_big ? ma : mb;
  assign my = a_big ? mb : ma;
  // Align y under x with 3 extra bits and a sticky bit; beyond 27 places y only contributes to the sticky bit.
  logic [11:0] diff;
  assign diff = 12'(ex - ey);
  logic [26:0] x_ext, y_shifted;
  logic [4:0] dshift;
  assign dshift = (diff > 12'd27) ? 5'd27 : 5'(diff);
  assign x_ext = {mx, 3'b000};
  /* verilator lint_off UNUSEDSIGNAL */
  logic [53:0] y_full;
  /* verilator lint_on UNUSEDSIGNAL */
  assign y_full = {my, 3'b000, 27'd0} >> dshift;
  assign y_shifted = y_full[53:27];
  assign y_sticky = (|y_full[26:0]) || (diff > 12'd27 && my != 0);
  // Bits of y below the 3 extra ones: a subtraction borrows 1 at the LSB, and what is left over (x - y_shifted - 1
  // + (1 - fraction)) is again a nonzero fraction, so both cases pass the sticky bit on.
  logic eff_sub;
  assign eff_sub = sx ^ sy;
  assign sum = eff_sub ? ({1'b0, x_ext} - {1'b0, y_shifted} - 28'(y_sticky)) : ({1'b0, x_ext} + {1'b0, y_shifted});
  always_comb begin
    special = 1'b1;
    if (na || nb || (ia && ib && (sa != sb))) special_y = 32'h7FC0_0000;
    else if (ia) special_y = a;
    else if (ib) special_y = {sb, 31'h7F80_0000};
    else if (za && zb) special_y = {sa & sb, 31'd0};
    else if (za) special_y = {sb, b[30:0]};
    else if (zb) special_y = a;
    else begin
      special = 1'b0;
      special_y = '0;
    end
  end
endmodule
