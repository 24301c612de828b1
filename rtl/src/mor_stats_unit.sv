// The engine's statistics unit (docs/ENGINE.md, "Statistics"): the position of the consumed input beat in its
// block and tensor, and, three stages later, the statistics of each finished block (amax, smallest nonzero,
// non-finite count) and of the tensor (NNZ, non-finite count, group amax). Every consumed beat moves the position;
// `gather` beats (tensor-level pass 1, sub-tensor) also enter the statistics pipeline:
//   T1  the beat's eight 4-lane groups: amax, smallest nonzero, nonzero and non-finite counts
//   T2  two 16-lane groups
//   T3  the beat merged into its block's running statistics and the tensor's; at a block's last beat the block's
//       are copied to the output registers and blk_done pulses in the next cycle (tensor_done too at the tensor's)
// The pipeline never stalls: the controllers size their queues for the beats in it. Each stage's registers load
// through a gated clock, only with a beat. The SystemC twin is sim/src/stats_unit.*.
module mor_stats_unit #(
    parameter int LANES = mor_pkg::ENGINE_LANES,
    parameter int BW = 10,           // width of a beat count (the engine's $clog2(BEATS_MAX) + 1)
    parameter int PROPAGATE_NAN = 0  // D1 NaN policy
) (
    input  logic                 clk,
    input  logic                 rst_n,
    input  logic                 clear,            // a tensor starts
    input  logic [BW-1:0]        block_beats,
    input  logic [31:0]          num_blocks,
    input  logic                 consume,          // an input beat is consumed
    input  logic [LANES*32-1:0]  in_data,
    input  logic                 gather,           // ... and counts in the statistics
    // position of the consumed beat
    output logic [BW-1:0]        beat,             // in its block
    output logic [31:0]          block,            // in the tensor
    output logic                 block_last,       // last beat of its block
    output logic                 tensor_last,      // ... and its block is the tensor's last
    output logic [1:0]           in_flight_lasts,  // block-last beats in T1 and T2 (their blk_done is still to come)
    // a finished block, three cycles after its last beat (one-cycle pulse; the values hold until the next)
    output logic                 blk_done,
    output logic [31:0]          blk_amax,
    output logic [31:0]          blk_min_nonzero,
    output logic [31:0]          blk_nonfinite,
    // the tensor so far; tensor_done pulses with the blk_done of its last block
    output logic                 tensor_done,
    output logic [39:0]          nnz,
    output logic [39:0]          nonfinite,
    output logic [31:0]          group_amax
);
  localparam int CW = $clog2(LANES) + 1;
  localparam int G1 = LANES / 4;  // T1 groups (LANES: 16 * 2^m)
  localparam int G2 = G1 / 4;     // T2 groups

  // ---- position ----
  assign block_last = beat == block_beats - BW'(1);
  assign tensor_last = block_last && block == num_blocks - 32'd1;

  // A set of statistics: {amax, min_nonzero, nnz, nonfinite} with the merge of two.
  function automatic logic [63+2*CW:0] merge(input logic [63+2*CW:0] a, input logic [63+2*CW:0] b);
    logic [31:0] amax, mn;
    amax = a[63+2*CW -: 32] > b[63+2*CW -: 32] ? a[63+2*CW -: 32] : b[63+2*CW -: 32];
    mn = a[31+2*CW -: 32] < b[31+2*CW -: 32] ? a[31+2*CW -: 32] : b[31+2*CW -: 32];
    merge = {amax, mn, a[2*CW-1 -: CW] + b[2*CW-1 -: CW], a[CW-1:0] + b[CW-1:0]};
  endfunction
  localparam int SW = 64 + 2 * CW;
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic [SW-1:0] leaf(input logic [31:0] x);  // statistics of |x|: the sign is not read
    logic [30:0] a;
    logic nan;
    a = x[30:0];
    nan = a > 31'h7F80_0000;
    leaf = {nan ? (PROPAGATE_NAN != 0 ? 32'h7FC0_0000 : 32'd0) : {1'b0, a},
            (a != 0 && a < 31'h7F80_0000) ? {1'b0, a} : mor_pkg::F32_INF, CW'(a != 0), CW'(a >= 31'h7F80_0000)};
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  // ---- T1: groups of 4 lanes ----
  logic t1_valid, t1_last, t1_tlast, t2_valid, t2_last, t2_tlast;
  logic [SW-1:0] t1[G1], t2[G2];
  logic g1, g2, g3;
  mor_clock_gate gate1 (.clk(clk), .enable(consume && gather), .gclk(g1));
  mor_clock_gate gate2 (.clk(clk), .enable(t1_valid), .gclk(g2));
  mor_clock_gate gate3 (.clk(clk), .enable(t2_valid), .gclk(g3));
  for (genvar g = 0; g < G1; g++) begin : g_t1
    logic [SW-1:0] s01, s23;
    assign s01 = merge(leaf(in_data[32*(4*g) +: 32]), leaf(in_data[32*(4*g+1) +: 32]));
    assign s23 = merge(leaf(in_data[32*(4*g+2) +: 32]), leaf(in_data[32*(4*g+3) +: 32]));
    always_ff @(posedge g1) t1[g] <= merge(s01, s23);
  end
  // ---- T2: groups of 16 lanes ----
  for (genvar g = 0; g < G2; g++) begin : g_t2
    logic [SW-1:0] s01, s23;
    assign s01 = merge(t1[4*g], t1[4*g+1]);
    assign s23 = merge(t1[4*g+2], t1[4*g+3]);
    always_ff @(posedge g2) t2[g] <= merge(s01, s23);
  end
  // ---- T3: the beat, its block, the tensor ----
  logic [SW-1:0] beat_stats;
  always_comb begin
    beat_stats = t2[0];
    for (int g = 1; g < G2; g++) beat_stats = merge(beat_stats, t2[g]);
  end
  logic [31:0] acc_amax, acc_min, acc_nf, new_amax, new_min, new_nf;  // the block before this beat, and with it
  logic [31:0] b_amax, b_min;
  logic [CW-1:0] b_nnz, b_nf;
  assign {b_amax, b_min, b_nnz, b_nf} = beat_stats;
  assign new_amax = b_amax > acc_amax ? b_amax : acc_amax;
  assign new_min = b_min < acc_min ? b_min : acc_min;
  assign new_nf = acc_nf + 32'(b_nf);
  always_ff @(posedge g3) begin
    if (t2_last) {blk_amax, blk_min_nonzero, blk_nonfinite} <= {new_amax, new_min, new_nf};
  end
  assign in_flight_lasts = 2'(t1_valid && t1_last) + 2'(t2_valid && t2_last);

  // ---- control and accumulator registers, cleared after reset and when a tensor starts ----
  task automatic clear_regs;
    beat <= '0;
    block <= '0;
    {t1_valid, t1_last, t1_tlast, t2_valid, t2_last, t2_tlast, blk_done, tensor_done} <= '0;
    acc_amax <= '0;
    acc_min <= mor_pkg::F32_INF;  // no nonzero value yet
    acc_nf <= '0;
    nnz <= '0;
    nonfinite <= '0;
    group_amax <= '0;
  endtask
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) clear_regs();
    else if (clear) clear_regs();
    else begin
      if (consume) begin
        beat <= block_last ? '0 : beat + BW'(1);
        if (block_last) block <= tensor_last ? '0 : block + 32'd1;
      end
      {t1_valid, t1_last, t1_tlast} <= {consume && gather, block_last, tensor_last};
      {t2_valid, t2_last, t2_tlast} <= {t1_valid, t1_last, t1_tlast};
      blk_done <= t2_valid && t2_last;
      tensor_done <= t2_valid && t2_tlast;
      if (t2_valid) begin
        nnz <= nnz + 40'(b_nnz);
        nonfinite <= nonfinite + 40'(b_nf);
        group_amax <= b_amax > group_amax ? b_amax : group_amax;
        // The block's statistics restart after its last beat.
        acc_amax <= t2_last ? '0 : new_amax;
        acc_min <= t2_last ? mor_pkg::F32_INF : new_min;
        acc_nf <= t2_last ? '0 : new_nf;
      end
    end
  end
endmodule
