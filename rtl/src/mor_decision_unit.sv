// The engine's accumulators and decisions (docs/ENGINE.md, "Decisions"): the interval bounds of tensor-level pass 2
// (Sum lo, Sum hi) and of a quant-error measurement (both formats), the exact sums of the fallback, the elements per
// format of sub-tensor mode, T_fx * NNZ (once per tensor, shift and add over 32 cycles), and the tensor info
// (decision.hpp tensor_decision, interval_verdict, subtensor_tensor_tag; D2, D5, D6, D7). A beat's sums arrive from
// the element pipe (bsum_*) and are added at the next edge. The SystemC twin is sim/src/decision_unit.*.
module mor_decision_unit #(
    parameter int LANES = mor_pkg::ENGINE_LANES,
    parameter int BW = 10,  // width of a beat count (the engine's $clog2(BEATS_MAX) + 1)
    localparam int SW = 26 + $clog2(LANES)
) (
    input  logic          clk,
    input  logic          rst_n,
    input  logic          clear,            // a tensor starts
    input  logic          sub_tensor,       // cfg_mode 2
    input  logic [31:0]   threshold_fx,
    input  logic [BW-1:0] block_beats,
    // a beat's bounds (mor_element_pipe)
    input  logic          bsum_valid,
    input  logic [1:0]    bsum_kind,        // mor_pkg::beat_e
    input  logic [SW-1:0] bsum_lo,
    input  logic [SW-1:0] bsum_hi,
    // the tensor's statistics (mor_stats_unit) and group scale (mor_tensor_ctrl)
    input  logic          tensor_done,
    input  logic [39:0]   tensor_nnz,
    input  logic [39:0]   tensor_nonfinite,
    input  logic [31:0]   tensor_group_amax,
    input  logic [31:0]   tensor_group_scale,
    output logic          undecided,        // tensor-level: Sum lo <= T_fx NNZ < Sum hi
    // the fallback unit's exact sum, and when a pass of it ends
    input  logic [63:0]   fb_sum,
    input  logic          tl_fallback_done, // tensor-level pass 3: fb_sum is err_sum
    input  logic          fb4_done,         // quant-error: fb_sum is the block's exact E4M3 sum
    input  logic          fb5_done,         // ... and now its E5M2 sum
    output logic          fb_e4m3,          // exact: E4M3's sum <= E5M2's (decision.hpp quant_error_choice)
    // sub-tensor blocks (mor_subtensor_ctrl)
    input  logic          measure_clear,
    output logic          qe_e4m3,          // bounds: Sum hi(E4M3) <= Sum lo(E5M2): E4M3's error is not larger
    output logic          qe_bf16,          // bounds: Sum lo(E4M3) > Sum hi(E5M2): it is larger
    input  logic          block_done,
    input  logic [1:0]    block_done_tag,
    // tensor info
    output logic [1:0]    decision_tag,
    output logic [1:0]    reason,
    output logic [31:0]   group_scale,
    output logic [63:0]   sum_lo,
    output logic [63:0]   sum_hi,
    output logic [31:0]   fallbacks,
    output logic [63:0]   err_sum,
    output logic [39:0]   nnz,
    output logic [31:0]   group_amax
);
  logic [63:0] acc_lo, acc_hi;           // tensor-level bounds
  logic [63:0] m4_lo, m4_hi, m5_lo, m5_hi;  // a measured block's bounds
  logic [63:0] e4_exact, err_exact;
  logic [39:0] elems_e4m3, elems_e5m2, elems_bf16;
  logic [39:0] block_elems;
  assign block_elems = 40'(block_beats) * 40'(LANES);
  // T_fx * NNZ: shift and add, one bit of T_fx per cycle from tensor_done.
  logic [63:0] limit, mul_a;
  logic [31:0] mul_b;
  logic [5:0] mul_steps;
  logic tl_fallback;

  task automatic clear_regs;
    {acc_lo, acc_hi, m4_lo, m4_hi, m5_lo, m5_hi, e4_exact, err_exact} <= '0;
    {elems_e4m3, elems_e5m2, elems_bf16, limit, mul_a, mul_b, mul_steps, tl_fallback, fallbacks} <= '0;
  endtask
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) clear_regs();
    else if (clear) clear_regs();
    else begin
      if (bsum_valid) begin
        if (bsum_kind == mor_pkg::BEAT_EMIT) {acc_lo, acc_hi} <= {acc_lo + 64'(bsum_lo), acc_hi + 64'(bsum_hi)};
        if (bsum_kind == mor_pkg::BEAT_MEASURE_E4M3) {m4_lo, m4_hi} <= {m4_lo + 64'(bsum_lo), m4_hi + 64'(bsum_hi)};
        if (bsum_kind == mor_pkg::BEAT_MEASURE_E5M2) {m5_lo, m5_hi} <= {m5_lo + 64'(bsum_lo), m5_hi + 64'(bsum_hi)};
      end
      if (measure_clear) {m4_lo, m4_hi, m5_lo, m5_hi} <= '0;
      if (tensor_done && !sub_tensor) begin
        {mul_a, mul_b, mul_steps, limit} <= {64'(tensor_nnz), threshold_fx, 6'd32, 64'd0};
      end else if (mul_steps != 0) begin
        if (mul_b[0]) limit <= limit + mul_a;
        {mul_a, mul_b, mul_steps} <= {mul_a << 1, mul_b >> 1, mul_steps - 6'd1};
      end
      if (fb4_done) e4_exact <= fb_sum;
      if (fb5_done) fallbacks <= fallbacks + 32'd1;
      if (tl_fallback_done) {err_exact, tl_fallback, fallbacks} <= {fb_sum, 1'b1, 32'd1};
      if (block_done) begin
        case (block_done_tag)
          mor_pkg::TAG_E4M3: elems_e4m3 <= elems_e4m3 + block_elems;
          mor_pkg::TAG_E5M2: elems_e5m2 <= elems_e5m2 + block_elems;
          default: elems_bf16 <= elems_bf16 + block_elems;
        endcase
      end
    end
  end
  assign qe_e4m3 = m4_hi <= m5_lo;
  assign qe_bf16 = m4_lo > m5_hi;
  assign fb_e4m3 = e4_exact <= fb_sum;
  // interval_verdict (metric_interval.hpp): the limit is ready 32 cycles after tensor_done, long before pass 2 ends
  // (the group step alone takes two divisions).
  logic bounds_reject, bounds_accept, exact_reject;
  assign bounds_reject = acc_lo > limit;
  assign bounds_accept = acc_hi <= limit;
  assign undecided = !bounds_reject && !bounds_accept;
  assign exact_reject = err_exact > limit;

  // ---- tensor info ----
  always_comb begin
    group_amax = tensor_group_amax;
    nnz = tensor_nnz;
    if (sub_tensor) begin
      {group_scale, sum_lo, sum_hi, err_sum} = '0;
      reason = tensor_nonfinite != 0 ? mor_pkg::REASON_NONFINITE : mor_pkg::REASON_ACCEPTED;
      // The format holding the most elements; ties go to the lower tag.
      decision_tag = mor_pkg::TAG_E4M3;
      if (elems_e5m2 > elems_e4m3 && elems_e5m2 >= elems_bf16) decision_tag = mor_pkg::TAG_E5M2;
      else if (elems_bf16 > elems_e4m3 && elems_bf16 > elems_e5m2) decision_tag = mor_pkg::TAG_BF16;
    end else begin
      group_scale = tensor_group_scale;
      {sum_lo, sum_hi} = {acc_lo, acc_hi};
      err_sum = err_exact;
      if (tensor_nonfinite != 0) {decision_tag, reason} = {mor_pkg::TAG_BF16, mor_pkg::REASON_NONFINITE};
      else if (tensor_nnz == 0) {decision_tag, reason} = {mor_pkg::TAG_E4M3, mor_pkg::REASON_ALL_ZERO};
      else if (tl_fallback ? exact_reject : bounds_reject) {decision_tag, reason} = {mor_pkg::TAG_BF16,
                                                                                    mor_pkg::REASON_REJECTED};
      else {decision_tag, reason} = {mor_pkg::TAG_E4M3, mor_pkg::REASON_ACCEPTED};
    end
  end
endmodule
