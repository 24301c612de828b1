// The engine's accumulators and tensor decision: the canonical error sum of tensor-level pass 2, the two error
// sums of a quant-error measurement, the elements per format of sub-tensor mode, and from them the tensor info
// (decision.hpp tensor_decision and subtensor_tensor_tag, D2, D5, D6). The error of stage X's beat is summed as it
// advances out of stage X. The SystemC twin is sim/src/decision_unit.*.
module mor_decision_unit #(
    parameter int LANES = mor_pkg::ENGINE_LANES,
    parameter int BW = 10,  // width of a beat count (the engine's $clog2(BEATS_MAX) + 1)
    localparam int EW = 26 + $clog2(LANES)
) (
    input  logic          clk,
    input  logic          rst_n,
    input  logic          clear,            // a tensor starts
    input  logic          sub_tensor,       // cfg_mode 2
    input  logic [31:0]   threshold_fx,
    input  logic [BW-1:0] block_beats,
    // stage X's beat as it advances (mor_element_pipe)
    input  logic          x_valid,
    input  logic          x_advance,
    input  logic [1:0]    x_kind,           // mor_pkg::beat_e
    input  logic [EW-1:0] x_err,
    // sub-tensor blocks (mor_subtensor_ctrl)
    input  logic          measure_clear,
    input  logic          block_done,
    input  logic [1:0]    block_done_tag,
    output logic          e4m3_not_worse,   // measured E4M3 error sum <= E5M2's (decision.hpp quant_error_choice)
    // the tensor's statistics (mor_stats_unit) and group scale (mor_tensor_ctrl)
    input  logic [39:0]   tensor_nnz,
    input  logic [39:0]   tensor_nonfinite,
    input  logic [31:0]   tensor_group_amax,
    input  logic [31:0]   tensor_group_scale,
    // tensor info
    output logic [1:0]    decision_tag,
    output logic [1:0]    reason,
    output logic [31:0]   group_scale,
    output logic [63:0]   err_sum,
    output logic [39:0]   nnz,
    output logic [31:0]   group_amax
);
  logic [63:0] err_acc;                             // tensor-level canonical error sum
  logic [63:0] m4, m5;                              // quant-error measurement of one block, E4M3 and E5M2
  logic [39:0] elems_e4m3, elems_e5m2, elems_bf16;  // sub-tensor elements per format
  logic [39:0] block_elems;
  assign block_elems = 40'(block_beats) * 40'(LANES);
  // The accumulators' cleared values, written once: after reset and when a tensor starts.
  task automatic clear_regs;
    err_acc <= '0;
    m4 <= '0;
    m5 <= '0;
    elems_e4m3 <= '0;
    elems_e5m2 <= '0;
    elems_bf16 <= '0;
  endtask
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) clear_regs();
    else if (clear) clear_regs();
    else begin
      if (x_valid && x_advance) begin
        if (x_kind == mor_pkg::BEAT_EMIT && !sub_tensor) err_acc <= err_acc + 64'(x_err);
        if (x_kind == mor_pkg::BEAT_MEASURE_E4M3) m4 <= m4 + 64'(x_err);
        if (x_kind == mor_pkg::BEAT_MEASURE_E5M2) m5 <= m5 + 64'(x_err);
      end
      if (measure_clear) begin
        m4 <= '0;
        m5 <= '0;
      end
      if (block_done) begin
        case (block_done_tag)
          mor_pkg::TAG_E4M3: elems_e4m3 <= elems_e4m3 + block_elems;
          mor_pkg::TAG_E5M2: elems_e5m2 <= elems_e5m2 + block_elems;
          default: elems_bf16 <= elems_bf16 + block_elems;
        endcase
      end
    end
  end
  assign e4m3_not_worse = m4 <= m5;

  // ---- tensor info ----
  logic metric_rejects;  // err_sum / NNZ > T without a divider (D5)
  assign metric_rejects = err_acc > 64'(threshold_fx) * 64'(tensor_nnz);
  always_comb begin
    group_amax = tensor_group_amax;
    nnz = tensor_nnz;
    if (sub_tensor) begin
      group_scale = '0;
      err_sum = '0;
      reason = tensor_nonfinite != 0 ? mor_pkg::REASON_NONFINITE : mor_pkg::REASON_ACCEPTED;
      // The format holding the most elements; ties go to the lower tag.
      decision_tag = mor_pkg::TAG_E4M3;
      if (elems_e5m2 > elems_e4m3 && elems_e5m2 >= elems_bf16) decision_tag = mor_pkg::TAG_E5M2;
      else if (elems_bf16 > elems_e4m3 && elems_bf16 > elems_e5m2) decision_tag = mor_pkg::TAG_BF16;
    end else begin
      group_scale = tensor_group_scale;
      err_sum = err_acc;
      if (tensor_nonfinite != 0) {decision_tag, reason} = {mor_pkg::TAG_BF16, mor_pkg::REASON_NONFINITE};
      else if (tensor_nnz == 0) {decision_tag, reason} = {mor_pkg::TAG_E4M3, mor_pkg::REASON_ALL_ZERO};
      else if (metric_rejects) {decision_tag, reason} = {mor_pkg::TAG_BF16, mor_pkg::REASON_REJECTED};
      else {decision_tag, reason} = {mor_pkg::TAG_E4M3, mor_pkg::REASON_ACCEPTED};
    end
  end
endmodule
