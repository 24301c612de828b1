// Tensor-level controller (cfg_mode 0; spec 6, D3): the tensor arrives twice in block-major order. Pass 1 keeps
// each block's amax in the block memory while the statistics unit gathers the group amax, NNZ and the non-finite
// count; the group step (mor_gam_group_scale) then gives r_g; pass 2 issues every beat into the lanes with its
// block's scale s_j (mor_gam_block_scale) and pushes each block's exponent offset k_j as block info. A tensor with
// NaN/Inf is consumed in pass 2 without output (D2). The SystemC twin is sim/src/tensor_ctrl.*.
module mor_tensor_ctrl #(
    parameter int MAX_BLOCKS = mor_pkg::ENGINE_MAX_BLOCKS  // depth of the block amax memory
) (
    input  logic        clk,
    input  logic        rst_n,
    input  logic        start,
    // the input stream and its position (mor_stats_unit)
    input  logic        in_fire,
    input  logic [15:0] block,
    input  logic        block_last,
    input  logic        tensor_last,
    input  logic [31:0] block_amax,      // the block's amax, this beat included
    input  logic [31:0] group_amax,
    input  logic        nonfinite,       // the tensor has NaN/Inf (known after pass 1)
    output logic        in_ready,
    output logic        gather,          // the accepted beat counts in the statistics (pass 1)
    // issue into the lanes, block info
    input  logic        issue_ready,
    input  logic        blk_room,
    output logic        issue,
    output logic        issue_last,
    output logic [31:0] issue_scale,
    output logic        blk_push,
    output logic [49:0] blk_push_data,   // {index, tag, scale}: the scale field holds k_j in bits 7:0
    // tensor info
    output logic [31:0] group_scale,     // r_g
    output logic        finished         // pass 2 takes the tensor's last beat
);
  typedef enum logic [1:0] { T_IDLE, T_P1, T_GROUP, T_P2 } phase_t;
  phase_t phase;
  logic [31:0] r_g, r_g_next;

  // ---- block amax memory and the GAM unit ----
  // The memory is written in a process of its own, without reset: the form a synthesis tool maps to SRAM.
  localparam int AW = $clog2(MAX_BLOCKS);
  logic [31:0] block_amax_mem[MAX_BLOCKS];
  always_ff @(posedge clk) begin
    if (phase == T_P1 && in_fire && block_last) block_amax_mem[block[AW-1:0]] <= block_amax;
  end
  logic [31:0] block_scale;
  logic [7:0] exp_offset;
  mor_gam_group_scale #(.FMT(mor_pkg::FMT_E4M3)) group (.group_amax(group_amax), .group_scale(r_g_next));
  mor_gam_block_scale #(.FMT(mor_pkg::FMT_E4M3)) gam (
      .group_scale(r_g), .block_amax(block_amax_mem[block[AW-1:0]]), .block_scale(block_scale),
      .exp_offset(exp_offset));

  // ---- pass 2: issue every beat of a finite tensor; drop a non-finite one ----
  assign gather = phase == T_P1;
  assign in_ready = phase == T_P1 || (phase == T_P2 && (nonfinite || (issue_ready && blk_room)));
  assign issue = phase == T_P2 && in_fire && !nonfinite;
  assign issue_last = block_last;
  assign issue_scale = block_scale;
  assign blk_push = issue && block_last;
  assign blk_push_data = {block, mor_pkg::TAG_E4M3, 24'd0, exp_offset};
  assign group_scale = r_g;
  assign finished = phase == T_P2 && in_fire && tensor_last;

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      phase <= T_IDLE;
      r_g <= '0;
    end else begin
      case (phase)
        T_IDLE: if (start) phase <= T_P1;
        T_P1: if (in_fire && tensor_last) phase <= T_GROUP;
        T_GROUP: begin
          r_g <= r_g_next;
          phase <= T_P2;
        end
        T_P2: if (finished) phase <= T_IDLE;
        default: phase <= T_IDLE;
      endcase
    end
  end
endmodule
