// The engine's element path (docs/ENGINE.md): the issued beat enters stage X (the lanes' operand registers), the
// LANES quantize and error lanes read it, and the codes leave through PIPE register stages; the beat's error sum
// goes to the accumulators (mor_decision_unit) as stage X advances. Stage X and the PIPE stages are
// mor_pipe_stage instances in lockstep, the last one FPnew-style, so the whole path stalls as one when the code
// output is held: issue_ready = !code stage full || code_ready. The SystemC twin is sim/src/element_pipe.*.
//
// The lane operands sit behind clock gates: the beat loads only on the cycles a beat is issued, so the lanes
// (nearly all of the engine's logic) hold still through stalls, bubbles and the statistics pass. That saves the
// lanes' dynamic power, and it is what lets a Verilator harness skip them on those cycles. The scale has a gate of
// its own that opens only when an issued beat brings a different scale (a new block's, or a measure pass's), so
// the one dequantize table holds still within a block; loading an equal value would change nothing.
module mor_element_pipe #(
    parameter int LANES = mor_pkg::ENGINE_LANES,
    parameter int PIPE = mor_pkg::ENGINE_PIPE,  // register stages between the lanes and the code output (>= 1)
    localparam int LV = $clog2(LANES)
) (
    input  logic                 clk,
    input  logic                 rst_n,
    // issue: one beat into stage X
    input  logic                 issue,
    output logic                 issue_ready,
    input  logic [1:0]           issue_kind,     // mor_pkg::beat_e
    input  logic                 issue_last,     // the last beat of its block
    input  logic [LANES*32-1:0]  issue_x,
    input  logic [31:0]          issue_scale,
    input  logic                 issue_e5m2,
    // codes
    output logic                 code_valid,
    input  logic                 code_ready,
    output logic [LANES*8-1:0]   code_data,
    output logic                 code_block_last,
    // stage X's beat as it advances: its kind and error sum (the lanes' e_fx summed)
    output logic                 x_valid,
    output logic                 x_advance,
    output logic [1:0]           x_kind,
    output logic [25+LV:0]       x_err,
    output logic                 empty           // no beat in stage X or the PIPE stages
);
  // ---- stage X ----
  logic x_last;
  logic [2:0] x_info;
  mor_pipe_stage #(.WIDTH(3), .LOCKSTEP(1)) x_stage (
      .clk(clk), .rst_n(rst_n), .in_valid(issue), .in_ready(issue_ready), .in_data({issue_kind, issue_last}),
      .out_valid(x_valid), .out_ready(x_advance), .out_data(x_info));
  assign {x_kind, x_last} = x_info;

  logic [LANES*32-1:0] x_data;
  logic [31:0] x_scale;
  logic x_e5m2;
  logic x_clk, scale_clk;
  mor_clock_gate x_gate (.clk(clk), .enable(issue && issue_ready), .gclk(x_clk));
  always_ff @(posedge x_clk or negedge rst_n) begin
    if (!rst_n) begin
      x_data <= '0;
      x_e5m2 <= 1'b0;
    end else begin
      x_data <= issue_x;
      x_e5m2 <= issue_e5m2;
    end
  end
  mor_clock_gate scale_gate (.clk(clk), .enable(issue && issue_ready && issue_scale != x_scale), .gclk(scale_clk));
  always_ff @(posedge scale_clk or negedge rst_n) begin
    if (!rst_n) x_scale <= '0;
    else x_scale <= issue_scale;
  end

  // ---- lanes: stage X's beat, scale and format ----
  // One dequantize table of x_scale serves every lane (8 significand quotients instead of a divider per lane;
  // docs/cost-analysis.md).
  localparam int DQ_MAN_BITS = mor_pkg::man_bits(mor_pkg::FMT_E4M3);
  logic [28*(1<<DQ_MAN_BITS)-1:0] dq_entries;
  mor_dequant_table #(.FMT(mor_pkg::FMT_E4M3)) dq_table (.scale(x_scale), .entries(dq_entries));
  logic [LANES*8-1:0] lane_codes;
  logic [LANES*32-1:0] lane_d;
  logic [25:0] lane_efx[LANES];
  for (genvar i = 0; i < LANES; i++) begin : g_lane
    mor_quant_lane quant (.x(x_data[32*i +: 32]), .scale(x_scale), .e5m2(x_e5m2), .dq_entries(dq_entries),
                          .code(lane_codes[8*i +: 8]), .dequant(lane_d[32*i +: 32]));
    mor_error_lane err (.x(x_data[32*i +: 32]), .dequant(lane_d[32*i +: 32]), .e_fx(lane_efx[i]));
  end
  // Sum of the beat's e_fx: a tree, one generate array per level (BUILD-NOTES trap 13).
  for (genvar l = 0; l <= LV; l++) begin : g_esum
    logic [25+LV:0] s[LANES >> l];
    for (genvar i = 0; i < (LANES >> l); i++) begin : g_n
      if (l == 0) begin : g_in
        assign s[i] = (26 + LV)'(lane_efx[i]);
      end else begin : g_add
        assign s[i] = g_esum[l-1].s[2*i] + g_esum[l-1].s[2*i+1];
      end
    end
  end
  assign x_err = g_esum[LV].s[0];

  // ---- PIPE stages: {last, codes} of emitted beats; a measured beat leaves stage X as a bubble ----
  // Stage k's input is stage k-1's output (stage 0's is the lanes'); every stage but the last is in lockstep.
  logic [PIPE:0] st_valid;
  logic st_ready[PIPE+1] /*verilator split_var*/;  // a combinational chain: split, or Verilator sees a loop
  logic [LANES*8:0] st_data[PIPE+1];
  assign st_valid[0] = x_valid && x_kind == mor_pkg::BEAT_EMIT;
  assign st_data[0] = {x_last, lane_codes};
  for (genvar k = 0; k < PIPE; k++) begin : g_stage
    mor_pipe_stage #(.WIDTH(LANES*8+1), .LOCKSTEP(k < PIPE - 1 ? 1 : 0)) stage (
        .clk(clk), .rst_n(rst_n), .in_valid(st_valid[k]), .in_ready(st_ready[k]), .in_data(st_data[k]),
        .out_valid(st_valid[k+1]), .out_ready(st_ready[k+1]), .out_data(st_data[k+1]));
  end
  assign st_ready[PIPE] = code_ready;
  assign x_advance = st_ready[0];
  assign code_valid = st_valid[PIPE];
  assign {code_block_last, code_data} = st_data[PIPE];
  assign empty = !x_valid && st_valid[PIPE:1] == '0;
endmodule
