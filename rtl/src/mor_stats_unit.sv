// The engine's statistics unit: the position of the incoming beat in its block and tensor, the statistics of the
// beat (mor_amax_tree), those of its block so far including the beat (amax, smallest nonzero, non-finite count),
// and the tensor's (NNZ, non-finite count, group amax). Every accepted beat moves the position; `gather` beats
// (tensor-level pass 1, sub-tensor) also count in the statistics. The SystemC twin is sim/src/stats_unit.*.
module mor_stats_unit #(
    parameter int LANES = mor_pkg::ENGINE_LANES,
    parameter int BW = 10,           // width of a beat count (the engine's $clog2(BEATS_MAX) + 1)
    parameter int PROPAGATE_NAN = 0  // D1 NaN policy of the amax tree
) (
    input  logic                 clk,
    input  logic                 rst_n,
    input  logic                 clear,            // a tensor starts
    input  logic [BW-1:0]        block_beats,
    input  logic [15:0]          num_blocks,
    input  logic                 in_fire,          // a beat is accepted
    input  logic [LANES*32-1:0]  in_data,
    input  logic                 gather,           // ... and counts in the statistics
    // position of the accepted beat
    output logic [BW-1:0]        beat,             // in its block
    output logic [15:0]          block,            // in the tensor
    output logic                 block_last,       // last beat of its block
    output logic                 tensor_last,      // ... and its block is the tensor's last
    // its block, this beat included
    output logic [31:0]          block_amax,
    output logic [31:0]          block_min_nonzero,
    output logic [31:0]          block_nonfinite,
    // the tensor so far
    output logic [39:0]          nnz,
    output logic [39:0]          nonfinite,
    output logic [31:0]          group_amax
);
  localparam int CW = $clog2(LANES) + 1;
  logic [31:0] beat_amax, beat_min;
  logic [CW-1:0] beat_nnz, beat_nf;
  mor_amax_tree #(.LANES(LANES), .PROPAGATE_NAN(PROPAGATE_NAN)) tree (
      .data(in_data), .amax(beat_amax), .min_nonzero(beat_min), .nnz(beat_nnz), .nonfinite(beat_nf));

  logic [31:0] acc_amax, acc_min, acc_nf;  // the block before this beat
  assign block_last = beat == block_beats - BW'(1);
  assign tensor_last = block_last && block == num_blocks - 16'd1;
  assign block_amax = beat_amax > acc_amax ? beat_amax : acc_amax;
  assign block_min_nonzero = beat_min < acc_min ? beat_min : acc_min;
  assign block_nonfinite = acc_nf + 32'(beat_nf);

  // The registers' cleared values, written once: after reset and when a tensor starts.
  task automatic clear_regs;
    beat <= '0;
    block <= '0;
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
    else if (in_fire) begin
      beat <= block_last ? '0 : beat + BW'(1);
      if (block_last) block <= tensor_last ? '0 : block + 16'd1;
      if (gather) begin
        nnz <= nnz + 40'(beat_nnz);
        nonfinite <= nonfinite + 40'(beat_nf);
        group_amax <= beat_amax > group_amax ? beat_amax : group_amax;
        // The block's statistics restart after its last beat.
        acc_amax <= block_last ? '0 : block_amax;
        acc_min <= block_last ? mor_pkg::F32_INF : block_min_nonzero;
        acc_nf <= block_last ? '0 : block_nonfinite;
      end
    end
  end
endmodule
