// The dequantize table (docs/cost-analysis.md): d = RN32(q / s) for every FP8 code q at one scale s, without a
// divider per lane. A decoded FP8 value (subnormals included) has one of 2^MAN_BITS normalized significands
// 1.f, so the significand quotient and sticky bit mor_f32_div would compute take only 2^MAN_BITS values per
// scale significand. Under GAM every block scale of a tensor has the group's significand m_g, so one table per
// tensor serves every lane and block. Entry i = {sticky, quo[26:0]} for the significand 1.i (MAN_BITS bits of i).
module mor_dequant_table #(
    parameter int FMT = mor_pkg::FMT_E4M3,  // the FP8 format whose significands the table resolves
    localparam int MAN_BITS = mor_pkg::man_bits(FMT)
) (
    input  logic [31:0]                      scale,
    output logic [28*(1<<MAN_BITS)-1:0]      entries
);
  /* verilator lint_off UNUSEDSIGNAL */
  logic sb, nb, ib, zb;
  logic signed [11:0] eb;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [23:0] mb;
  mor_f32_unpack ub (.f32(scale), .sign(sb), .is_nan(nb), .is_inf(ib), .is_zero(zb), .exp(eb), .sig(mb));
  for (genvar i = 0; i < (1 << MAN_BITS); i++) begin : g_entry
    logic [23:0] mq;
    assign mq = {1'b1, MAN_BITS'(i), (23 - MAN_BITS)'(0)};
    mor_sig_div sd (.ma(mq), .mb(mb), .quo(entries[28*i +: 27]), .sticky(entries[28*i + 27]));
  end
endmodule
