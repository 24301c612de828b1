// Sub-tensor controller (cfg_mode 2; spec 7, D7): one pass. Each block is written into one of two block buffers
// while the statistics unit gathers its amax, smallest nonzero and non-finite count; the other buffer drains:
// decide the format from the block's dynamic range, measure its E4M3 and E5M2 errors when quant-error mode needs
// them (two extra buffer reads through the lanes), then issue its beats with the block scale and push the block
// info. With double buffering the input runs at one beat per cycle except for quant-error blocks. The SystemC
// twin is sim/src/subtensor_ctrl.*.
module mor_subtensor_ctrl #(
    parameter int LANES = mor_pkg::ENGINE_LANES,
    parameter int BEATS_MAX = mor_pkg::ENGINE_BLOCK_BEATS_MAX,  // largest block in beats: depth of each buffer
    localparam int BW = $clog2(BEATS_MAX) + 1
) (
    input  logic                 clk,
    input  logic                 rst_n,
    input  logic                 start,
    input  logic [BW-1:0]        block_beats,
    input  logic [15:0]          num_blocks,
    input  logic                 qe_mode,        // quant-error mode
    input  logic                 e5m2_to_bf16,   // E5M2 blocks become BF16
    input  logic                 fp32_scales,    // FP32 block scales instead of MOR_E8_RZ
    // fill: the input stream, its position and its block's statistics (mor_stats_unit)
    input  logic                 in_fire,
    input  logic [LANES*32-1:0]  in_data,
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [BW-1:0]        in_beat,        // its top bit is set only by a count of BEATS_MAX itself
    /* verilator lint_on UNUSEDSIGNAL */
    input  logic                 in_block_last,
    input  logic [31:0]          block_amax,
    input  logic [31:0]          block_min_nonzero,
    input  logic [31:0]          block_nonfinite,
    output logic                 in_ready,
    output logic                 gather,         // every accepted beat counts in the statistics
    // drain: issue into the lanes, block info
    input  logic                 issue_ready,
    input  logic                 blk_room,
    input  logic                 x_valid,        // a beat is still in stage X (a measured one: not yet summed)
    input  logic                 e4m3_not_worse, // the measured E4M3 error sum <= the E5M2 one (mor_decision_unit)
    output logic                 issue,
    output logic [1:0]           issue_kind,     // mor_pkg::beat_e
    output logic                 issue_last,
    output logic [LANES*32-1:0]  issue_x,
    output logic [31:0]          issue_scale,
    output logic                 issue_e5m2,
    output logic                 blk_push,
    output logic [49:0]          blk_push_data,  // {index, tag, scale}
    // accumulators (mor_decision_unit)
    output logic                 measure_clear,  // a block's decision starts: clear the measured error sums
    output logic                 block_done,     // the drained block is finished ...
    output logic [1:0]           block_done_tag, // ... in this format
    output logic                 finished        // ... and it is the tensor's last
);
  typedef enum logic [2:0] { D_IDLE, D_DECIDE, D_MEASURE4, D_MEASURE5, D_CHOOSE, D_EMIT } drain_t;

  // ---- control registers ----
  logic active;
  logic [1:0] bank_full;  // bit k: block buffer k holds a whole block
  logic wb, rb;           // buffer being filled, buffer being drained
  drain_t drain;
  logic [BW-1:0] rbeat;   // beat being read from buffer rb
  logic [15:0] out_block; // index of the block being drained

  // ---- the two block buffers and their statistics ----
  // The memory is written in a process of its own, without reset: the form a synthesis tool maps to SRAM.
  logic [LANES*32-1:0] bufmem[2][BEATS_MAX];
  always_ff @(posedge clk) begin
    if (active && in_fire) bufmem[wb][in_beat[BW-2:0]] <= in_data;
  end
  logic [31:0] bank_amax[2], bank_min[2], bank_nf[2];
  logic [1:0] dtag;
  logic [31:0] dscale;

  // ---- the decision of buffer rb's block: dynamic range, bands, candidate scales ----
  logic [31:0] d_amax, d_min, dr, q4, q5, s4, s5, s4_fp32, s5_fp32, dr_eff;
  assign d_amax = bank_amax[rb];
  assign d_min = bank_min[rb];
  mor_f32_div dr_div (.a(d_amax), .b(d_min), .y(dr));
  mor_f32_div s4_div (.a(mor_pkg::FMAX_E4M3), .b(d_amax), .y(q4));
  mor_f32_div s5_div (.a(mor_pkg::FMAX_E5M2), .b(d_amax), .y(q5));
  // TE's rule (scale.hpp fp32_block_scale): 1 for zero or non-finite amax, FLT_MAX for an infinite quotient;
  // MOR_E8_RZ keeps the exponent bits only (mor_e8_rz_scale).
  logic amax_degenerate;
  assign amax_degenerate = d_amax == 0 || d_amax >= mor_pkg::F32_INF;
  assign s4_fp32 = amax_degenerate ? mor_pkg::F32_ONE : (q4 == mor_pkg::F32_INF ? mor_pkg::F32_MAX : q4);
  assign s5_fp32 = amax_degenerate ? mor_pkg::F32_ONE : (q5 == mor_pkg::F32_INF ? mor_pkg::F32_MAX : q5);
  assign s4 = fp32_scales ? s4_fp32 : (s4_fp32 & mor_pkg::F32_INF);
  assign s5 = fp32_scales ? s5_fp32 : (s5_fp32 & mor_pkg::F32_INF);
  // decision.hpp subtensor_dynamic_range and subtensor_band: an all-zero block has DR = 1.
  assign dr_eff = d_amax == 0 ? mor_pkg::F32_ONE : dr;
  logic in_e4_band, in_e5_band, measure;
  assign in_e4_band = dr_eff <= (qe_mode ? mor_pkg::BAND_E4M3_QUANT_ERROR : mor_pkg::BAND_E4M3);
  assign in_e5_band = dr_eff <= mor_pkg::BAND_E5M2;
  assign measure = bank_nf[rb] == 0 && qe_mode && !in_e4_band && in_e5_band;
  logic [1:0] band_tag;  // the block's format when no measurement is needed (D2: non-finite blocks stay BF16)
  always_comb begin
    if (bank_nf[rb] != 0) band_tag = mor_pkg::TAG_BF16;
    else if (in_e4_band) band_tag = mor_pkg::TAG_E4M3;
    else if (in_e5_band) band_tag = e5m2_to_bf16 ? mor_pkg::TAG_BF16 : mor_pkg::TAG_E5M2;
    else band_tag = mor_pkg::TAG_BF16;
  end

  // ---- drain: what is issued this cycle ----
  logic measuring, emitting, read_last;
  assign measuring = drain == D_MEASURE4 || drain == D_MEASURE5;
  assign emitting = drain == D_EMIT && issue_ready && blk_room;
  assign read_last = rbeat == block_beats - BW'(1);
  assign in_ready = active && !bank_full[wb];
  assign gather = active;
  assign issue = (measuring && issue_ready) || (emitting && dtag != mor_pkg::TAG_BF16);
  assign issue_kind = drain == D_MEASURE4 ? mor_pkg::BEAT_MEASURE_E4M3
                    : drain == D_MEASURE5 ? mor_pkg::BEAT_MEASURE_E5M2 : mor_pkg::BEAT_EMIT;
  assign issue_last = emitting && read_last;
  assign issue_x = bufmem[rb][rbeat[BW-2:0]];
  assign issue_scale = drain == D_MEASURE4 ? s4 : drain == D_MEASURE5 ? s5 : dscale;
  assign issue_e5m2 = drain == D_MEASURE5 || (drain == D_EMIT && dtag == mor_pkg::TAG_E5M2);
  assign block_done = emitting && (dtag == mor_pkg::TAG_BF16 || read_last);  // a BF16 block emits no codes
  assign blk_push = block_done;
  assign blk_push_data = {out_block, dtag, dscale};
  assign block_done_tag = dtag;
  assign measure_clear = drain == D_DECIDE;
  assign finished = block_done && out_block == num_blocks - 16'd1;

  // ---- next state ----
  // The control registers' cleared values, written once: after reset and when a tensor starts.
  task automatic clear_regs;
    active <= 1'b0;
    bank_full <= '0;
    wb <= 1'b0;
    rb <= 1'b0;
    drain <= D_IDLE;
    rbeat <= '0;
    out_block <= '0;
  endtask
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      clear_regs();
    end else if (start) begin
      clear_regs();
      active <= 1'b1;
    end else begin
      if (active && in_fire && in_block_last) begin  // the filled buffer is whole; fill the other one
        bank_full[wb] <= 1'b1;
        wb <= !wb;
      end
      case (drain)
        D_IDLE: if (bank_full[rb]) drain <= D_DECIDE;
        D_DECIDE: begin
          rbeat <= '0;
          drain <= measure ? D_MEASURE4 : D_EMIT;
        end
        D_MEASURE4, D_MEASURE5: if (issue_ready) begin  // one beat issued per advancing cycle
          rbeat <= read_last ? '0 : rbeat + BW'(1);
          if (read_last) drain <= drain == D_MEASURE4 ? D_MEASURE5 : D_CHOOSE;
        end
        D_CHOOSE: if (!x_valid) drain <= D_EMIT;  // the last measured beat has been summed
        D_EMIT: if (block_done) begin
          bank_full[rb] <= 1'b0;
          rb <= !rb;
          rbeat <= '0;
          drain <= D_IDLE;
          out_block <= out_block + 16'd1;
          if (finished) active <= 1'b0;
        end else if (emitting) begin
          rbeat <= rbeat + BW'(1);
        end
        default: drain <= D_IDLE;
      endcase
    end
  end

  // ---- data registers: a filled buffer's statistics, the drained block's format and scale ----
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      for (int k = 0; k < 2; k++) begin
        bank_amax[k] <= '0;
        bank_min[k] <= mor_pkg::F32_INF;
        bank_nf[k] <= '0;
      end
      dtag <= '0;
      dscale <= '0;
    end else begin
      if (active && in_fire && in_block_last) begin
        bank_amax[wb] <= block_amax;
        bank_min[wb] <= block_min_nonzero;
        bank_nf[wb] <= block_nonfinite;
      end
      if (drain == D_DECIDE && !measure) begin
        dtag <= band_tag;
        dscale <= band_tag == mor_pkg::TAG_BF16 ? 32'd0 : band_tag == mor_pkg::TAG_E5M2 ? s5 : s4;
      end
      if (drain == D_CHOOSE && !x_valid) begin  // quant-error mode: E4M3 unless its error sum is larger
        dtag <= e4m3_not_worse ? mor_pkg::TAG_E4M3 : mor_pkg::TAG_BF16;
        dscale <= e4m3_not_worse ? s4 : 32'd0;
      end
    end
  end
endmodule
