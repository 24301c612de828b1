// d = RN32(q / s) for a decoded FP8 value q, bit-exact with mor_f32_div(q, s), from the shared table of
// mor_dequant_table(s): the lane keeps the exponent arithmetic, the rounding and the special cases, and replaces
// the divider by a 2^MAN_BITS-way multiplexer. q must be a value an FP8 code with MAN_BITS mantissa bits decodes
// to (its significand bits below the top MAN_BITS are zero); other inputs are outside the contract.
module mor_dequant_lane #(
    parameter int FMT = mor_pkg::FMT_E4M3,  // the FP8 format whose significands the table resolves
    localparam int MAN_BITS = mor_pkg::man_bits(FMT)
) (
    input  logic [31:0]                 q_f32,
    input  logic [31:0]                 scale,
    input  logic [28*(1<<MAN_BITS)-1:0] entries,
    output logic [31:0]                 dequant
);
  logic sa, sb, na, nb, ia, ib, za, zb;
  logic signed [11:0] ea, eb;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [23:0] ma, mb;  // only ma's top fraction bits select the entry; the table holds mb's part
  /* verilator lint_on UNUSEDSIGNAL */
  mor_f32_unpack ua (.f32(q_f32), .sign(sa), .is_nan(na), .is_inf(ia), .is_zero(za), .exp(ea), .sig(ma));
  mor_f32_unpack ub (.f32(scale), .sign(sb), .is_nan(nb), .is_inf(ib), .is_zero(zb), .exp(eb), .sig(mb));
  logic [MAN_BITS-1:0] idx;  // q's fraction bits: which entry
  logic [27:0] entry;
  assign idx = ma[22 -: MAN_BITS];
  assign entry = entries[28*idx +: 28];
  mor_div_finish fin (.sa(sa), .sb(sb), .na(na), .nb(nb), .ia(ia), .ib(ib), .za(za), .zb(zb), .ea(ea), .eb(eb),
                      .quo(entry[26:0]), .sticky(entry[27]), .y(dequant));
endmodule
