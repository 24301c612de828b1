// The engine's element path (docs/ENGINE.md, "The element path"): LANES lanes (mor_lane) behind valid/ready
// register stages. An issued beat enters stage X (its elements, format and scale), crosses the lanes' multiply in
// stages M1 and M2 (those of LANE_CUTS) and reaches stage C with its codes. There it forks:
//   - an emitted beat's codes go to the code output through a skid buffer (its in_ready is a register, so the
//     consumer's code_ready reaches no further than that buffer);
//   - a fallback beat's codes go to the fallback unit (fb_ready), which computes the beat's exact errors;
//   - a measured beat, and an emitted one in tensor-level mode (bounds_emit), also enter the bounds path: the
//     interval lane's stages IA and IB, then the beat's sums Sum lo and Sum hi, registered in stage IS (bsum_*), which
//     the decision unit adds to its accumulators at the next edge. IS exists for the clock: the 32-input adder tree and
//     the accumulators' 64-bit adds do not fit one 10 ns cycle with the wire-load estimate.
// X, M1, M2 and C are mor_pipe_stage instances (LOCKSTEP = 0): a stage takes a beat when it is empty or its own
// beat leaves, so one beat per cycle passes when nothing is held, and a held output stalls only the stages behind it
// that are full. The bounds path never stalls (its consumer, the accumulators, always takes a beat).
//
// Clock gating: every wide register loads through a gated clock (mor_clock_gate) that opens only in the cycles a
// beat enters its stage; X's scale register opens only when an issued beat brings a different scale. The lanes,
// nearly all of the engine's logic, hold still through bubbles, stalls and the statistics pass: that saves their
// dynamic power, and it is what makes the Verilated engine fast (Verilator evaluates logic when its clock fires).
module mor_element_pipe #(
    parameter int LANES = mor_pkg::ENGINE_LANES,
    parameter int LANE_CUTS = mor_pkg::ENGINE_LANE_CUTS,
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
    input  logic [31:0]          issue_scale,    // positive, normal
    input  logic                 issue_e5m2,
    input  logic                 bounds_emit,    // tensor-level: emitted beats' bounds are summed
    output logic [31:0]          x_scale,        // the scale of the last issued beat (the fallback unit reads it)
    // codes
    output logic                 code_valid,
    input  logic                 code_ready,
    output logic [LANES*8-1:0]   code_data,
    output logic                 code_block_last,
    // a fallback beat's codes
    output logic                 fb_valid,
    input  logic                 fb_ready,
    output logic [LANES*8-1:0]   fb_codes,
    output logic                 fb_e5m2,
    // the bounds of a beat, summed over its lanes: valid for one cycle, added at the next edge
    output logic                 bsum_valid,
    output logic [1:0]           bsum_kind,
    output logic [25+LV:0]       bsum_lo,
    output logic [25+LV:0]       bsum_hi,
    output logic                 empty           // no beat in any stage (codes and bounds included)
);
  // ---- the stalling stages: X, M1, M2 (as LANE_CUTS has them) and C ----
  localparam int NS = 2 + ((LANE_CUTS & 1) != 0 ? 1 : 0) + ((LANE_CUTS & 2) != 0 ? 1 : 0);
  localparam int SW = 4;  // {kind, last, e5m2}
  logic [NS:0] st_valid;
  logic st_ready[NS+1] /*verilator split_var*/;  // a combinational chain: split, or Verilator sees a loop
  logic [SW-1:0] st_side[NS+1];
  logic [NS-1:0] st_load;  // stage k takes a beat this cycle
  assign st_valid[0] = issue;
  assign st_side[0] = {issue_kind, issue_last, issue_e5m2};
  for (genvar k = 0; k < NS; k++) begin : g_stage
    mor_pipe_stage #(.WIDTH(SW), .LOCKSTEP(0)) stage (
        .clk(clk), .rst_n(rst_n), .in_valid(st_valid[k]), .in_ready(st_ready[k]), .in_data(st_side[k]),
        .out_valid(st_valid[k+1]), .out_ready(st_ready[k+1]), .out_data(st_side[k+1]));
    assign st_load[k] = st_valid[k] && st_ready[k];
  end
  assign issue_ready = st_ready[0];
  // C is stage NS: where its beat goes.
  logic [1:0] c_kind;
  logic c_last, c_e5m2, c_valid, c_leave, c_emit, c_fallback, c_bounds;
  assign {c_kind, c_last, c_e5m2} = st_side[NS];
  assign c_valid = st_valid[NS];
  assign c_emit = c_kind == mor_pkg::BEAT_EMIT;
  assign c_fallback = c_kind == mor_pkg::BEAT_FALLBACK;
  logic code_room;
  assign st_ready[NS] = c_emit ? code_room : (c_fallback ? fb_ready : 1'b1);
  assign c_leave = c_valid && st_ready[NS];
  assign c_bounds = c_leave && (c_emit ? bounds_emit : !c_fallback);

  // ---- gated clocks ----
  logic g_x, g_scale, g_c, g_ia, g_ib;
  logic [1:0] g_m;  // M1, M2 (unused bits when a cut is absent)
  mor_clock_gate gate_x (.clk(clk), .enable(st_load[0]), .gclk(g_x));
  mor_clock_gate gate_scale (.clk(clk), .enable(st_load[0] && issue_scale != x_scale), .gclk(g_scale));
  mor_clock_gate gate_c (.clk(clk), .enable(st_load[NS-1]), .gclk(g_c));
  if ((LANE_CUTS & 1) != 0) begin : g_gm1
    mor_clock_gate gate_m1 (.clk(clk), .enable(st_load[1]), .gclk(g_m[0]));
  end else begin : g_no_gm1
    assign g_m[0] = 1'b0;
  end
  if ((LANE_CUTS & 2) != 0) begin : g_gm2
    mor_clock_gate gate_m2 (.clk(clk), .enable(st_load[NS-2]), .gclk(g_m[1]));
  end else begin : g_no_gm2
    assign g_m[1] = 1'b0;
  end

  // ---- stage X's operands ----
  logic [LANES*32-1:0] x_data;
  always_ff @(posedge g_x) x_data <= issue_x;
  always_ff @(posedge g_scale or negedge rst_n) begin
    if (!rst_n) x_scale <= '0;
    else x_scale <= issue_scale;
  end

  // ---- the bounds path: IA (the interval lanes' cut), IB, then the sums, registered in IS ----
  logic ia_valid, ib_valid, is_valid;
  logic [1:0] ia_kind, ib_kind, is_kind;
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) {ia_valid, ib_valid, is_valid, ia_kind, ib_kind, is_kind} <= '0;
    else {ia_valid, ib_valid, is_valid, ia_kind, ib_kind, is_kind} <= {c_bounds, ia_valid, ib_valid, c_kind, ia_kind,
                                                                       ib_kind};
  end
  logic g_is;
  mor_clock_gate gate_ia (.clk(clk), .enable(c_bounds), .gclk(g_ia));
  mor_clock_gate gate_ib (.clk(clk), .enable(ia_valid), .gclk(g_ib));
  mor_clock_gate gate_is (.clk(clk), .enable(ib_valid), .gclk(g_is));

  // ---- the lanes ----
  logic [LANES*8-1:0] c_codes;
  logic [25:0] lane_lo[LANES], lane_hi[LANES];
  logic pre_c_e5m2;  // the format of the beat entering C
  assign pre_c_e5m2 = st_side[NS-1][0];
  for (genvar i = 0; i < LANES; i++) begin : g_lane
    mor_lane #(.LANE_CUTS(LANE_CUTS), .K(mor_pkg::ENGINE_INTERVAL_K)) lane (
        .clk_m1(g_m[0]), .clk_m2(g_m[1]), .clk_c(g_c), .clk_ia(g_ia), .clk_ib(g_ib), .x(x_data[32*i +: 32]),
        .scale(x_scale), .e5m2(pre_c_e5m2), .e5m2_c(c_e5m2), .code(c_codes[8*i +: 8]), .lo(lane_lo[i]),
        .hi(lane_hi[i]));
  end

  // ---- the beat's sums: one adder tree per bound, one generate array per level (BUILD-NOTES trap 13) ----
  for (genvar l = 0; l <= LV; l++) begin : g_sum
    logic [25+LV:0] s_lo[LANES >> l], s_hi[LANES >> l];
    for (genvar i = 0; i < (LANES >> l); i++) begin : g_n
      if (l == 0) begin : g_in
        assign s_lo[i] = (26 + LV)'(lane_lo[i]);
        assign s_hi[i] = (26 + LV)'(lane_hi[i]);
      end else begin : g_add
        assign s_lo[i] = g_sum[l-1].s_lo[2*i] + g_sum[l-1].s_lo[2*i+1];
        assign s_hi[i] = g_sum[l-1].s_hi[2*i] + g_sum[l-1].s_hi[2*i+1];
      end
    end
  end
  always_ff @(posedge g_is) {bsum_lo, bsum_hi} <= {g_sum[LV].s_lo[0], g_sum[LV].s_hi[0]};
  assign bsum_valid = is_valid;
  assign bsum_kind = is_kind;

  // ---- the code output: a skid buffer, so code_ready is registered before it reaches the stages ----
  mor_skid_buffer #(.WIDTH(LANES*8+1)) code_out (
      .clk(clk), .rst_n(rst_n), .in_valid(c_valid && c_emit), .in_ready(code_room), .in_data({c_last, c_codes}),
      .out_valid(code_valid), .out_ready(code_ready), .out_data({code_block_last, code_data}));
  assign fb_valid = c_valid && c_fallback;
  assign fb_codes = c_codes;
  assign fb_e5m2 = c_e5m2;

  assign empty = st_valid[NS:1] == '0 && !ia_valid && !ib_valid && !is_valid && !code_valid;
endmodule
