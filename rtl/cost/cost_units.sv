// Cost units: the quantizers of the cost comparison (docs/cost.md) cut into a per-lane part and per-quantizer
// parts, each built only from the verified modules of rtl/src with their mode inputs tied to constants, so that
// synthesis keeps exactly the logic one fixed configuration needs. Not simulated on their own: every unit is a
// wiring of checked modules. rtl/cost/run_cost.py synthesizes each one and composes the 32-lane quantizers.
/* verilator lint_off DECLFILENAME */  // one file holds all cost units

// ---- lanes: one element per cycle ------------------------------------------------------------------------------

// Per-tensor current scaling (TE): q = E4M3(RN32(x * scale)), RNE, SATFINITE.
module cost_cs_lane (
    input  logic [31:0] x,
    input  logic [31:0] scale,
    output logic [7:0]  e4m3_code
);
  logic [31:0] y;
  mor_f32_mul mul (.a(x), .b(scale), .y(y));
  mor_cvt_f32_to_fp8 #(.FMT(mor_pkg::FMT_E4M3))
      cvt (.f32(y), .rounding_mode(mor_pkg::RND_RNE), .overflow_mode(mor_pkg::OVF_SATFINITE),
           .nan_mode(mor_pkg::NAN_CANON), .rand_bits(32'd0), .code(e4m3_code));
endmodule

// MXFP8: y = RN32(x / X) with X = 2^(c - 127) from the E8M0 block scale, computed as the FP32 product with
// 2^(127 - c) (the same correctly rounded value for 1 <= c <= 253; NV_RCEIL never produces the two codes above for
// finite data). The multiplier's second significand is the constant 1.0, so synthesis reduces it to the exponent
// add and the subnormal shifter a hand design would have.
module cost_mx_lane (
    input  logic [31:0] x,
    input  logic [7:0]  scale_e8m0,
    output logic [7:0]  e4m3_code
);
  logic [31:0] y, inv_scale;
  assign inv_scale = {1'b0, 8'd254 - scale_e8m0, 23'd0};
  mor_f32_mul mul (.a(x), .b(inv_scale), .y(y));
  mor_cvt_f32_to_fp8 #(.FMT(mor_pkg::FMT_E4M3))
      cvt (.f32(y), .rounding_mode(mor_pkg::RND_RNE), .overflow_mode(mor_pkg::OVF_SATFINITE),
           .nan_mode(mor_pkg::NAN_CANON), .rand_bits(32'd0), .code(e4m3_code));
endmodule

// The front half of every tensor-level lane below: y = RN32(x * scale), its E4M3 code (RNE, SATFINITE, canonical
// NaN) and that code decoded back to FP32, which the metrics compare with y or x.
module cost_e4m3_front (
    input  logic [31:0] x,
    input  logic [31:0] scale,
    output logic [31:0] y,
    output logic [7:0]  e4m3_code,
    output logic [31:0] q_f32
);
  mor_f32_mul mul (.a(x), .b(scale), .y(y));
  mor_cvt_f32_to_fp8 #(.FMT(mor_pkg::FMT_E4M3))
      cvt (.f32(y), .rounding_mode(mor_pkg::RND_RNE), .overflow_mode(mor_pkg::OVF_SATFINITE),
           .nan_mode(mor_pkg::NAN_CANON), .rand_bits(32'd0), .code(e4m3_code));
  mor_cvt_fp8_to_f32 #(.FMT(mor_pkg::FMT_E4M3)) dec (.code(e4m3_code), .f32(q_f32));
endmodule

// MoR tensor-level lane with the canonical metric (D4, D5): quantize with the GAM block scale, dequantize by the
// shared table (mor_dequant_table, once per quantizer, as mor_quantizer builds it; tests/rtl/test_rtl_dequant.cpp
// checks mor_dequant_lane against mor_f32_div), relative error by division (mor_error_lane's divider).
module cost_mor_tl_lane_dqtable (
    input  logic [31:0]     x,
    input  logic [31:0]     block_scale,
    input  logic [28*8-1:0] dq_entries,
    output logic [7:0]      e4m3_code,
    output logic [25:0]     e_fx
);
  logic [31:0] q_f32, dequant;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0] y;  // the canonical metric compares the dequantized value with x, not y
  /* verilator lint_on UNUSEDSIGNAL */
  cost_e4m3_front front (.x(x), .scale(block_scale), .y(y), .e4m3_code(e4m3_code), .q_f32(q_f32));
  mor_dequant_lane #(.FMT(mor_pkg::FMT_E4M3)) dq (.q_f32(q_f32), .scale(block_scale), .entries(dq_entries),
                                                        .dequant(dequant));
  mor_error_lane err (.x(x), .dequant(dequant), .e_fx(e_fx));
endmodule

// Tensor-level lane with the interval metric (issue 16, docs/interval-metric.md): the two bounds of the canonical
// error from y and q, no divider (the lane's default K = 6, combinational core).
module cost_mor_tl_lane_interval (
    input  logic [31:0] x,
    input  logic [31:0] block_scale,
    output logic [7:0]  e4m3_code,
    output logic [25:0] e_lo,
    output logic [25:0] e_hi
);
  logic [31:0] y, q_f32;
  cost_e4m3_front front (.x(x), .scale(block_scale), .y(y), .e4m3_code(e4m3_code), .q_f32(q_f32));
  mor_error_lane_interval #(.K(6)) err (.clk(1'b0), .x(x), .y(y), .q_f32(q_f32), .e_lo(e_lo), .e_hi(e_hi));
endmodule

// The same with BF16 inputs (training tensors): x = {x_bf16, 16'b0}, so the multiplier has an 8-bit significand.
module cost_mor_tl_lane_interval_bf16 (
    input  logic [15:0] x_bf16,
    input  logic [31:0] block_scale,
    output logic [7:0]  e4m3_code,
    output logic [25:0] e_lo,
    output logic [25:0] e_hi
);
  cost_mor_tl_lane_interval lane (.x({x_bf16, 16'd0}), .block_scale(block_scale), .e4m3_code(e4m3_code),
                                  .e_lo(e_lo), .e_hi(e_hi));
endmodule

// The current-scaling lane with BF16 inputs: the reference of the interval lane's BF16 figure.
module cost_cs_lane_bf16 (
    input  logic [15:0] x_bf16,
    input  logic [31:0] scale,
    output logic [7:0]  e4m3_code
);
  cost_cs_lane lane (.x({x_bf16, 16'd0}), .scale(scale), .e4m3_code(e4m3_code));
endmodule

// The other lanes with BF16 inputs (training tensors): x = {x_bf16, 16'b0}; synthesis keeps only the 8-bit
// significand's part of each multiplier.
module cost_mx_lane_bf16 (
    input  logic [15:0] x_bf16,
    input  logic [7:0]  scale_e8m0,
    output logic [7:0]  e4m3_code
);
  cost_mx_lane lane (.x({x_bf16, 16'd0}), .scale_e8m0(scale_e8m0), .e4m3_code(e4m3_code));
endmodule

module cost_mor_tl_lane_dqtable_bf16 (
    input  logic [15:0]     x_bf16,
    input  logic [31:0]     block_scale,
    input  logic [28*8-1:0] dq_entries,
    output logic [7:0]      e4m3_code,
    output logic [25:0]     e_fx
);
  cost_mor_tl_lane_dqtable lane (.x({x_bf16, 16'd0}), .block_scale(block_scale), .dq_entries(dq_entries),
                                 .e4m3_code(e4m3_code), .e_fx(e_fx));
endmodule

module cost_mor_st_lane_pow2_bf16 (
    input  logic [15:0] x_bf16,
    input  logic [7:0]  scale_e8m0,
    input  logic [1:0]  tag,
    output logic [15:0] code
);
  cost_mor_st_lane_pow2 lane (.x({x_bf16, 16'd0}), .scale_e8m0(scale_e8m0), .tag(tag), .code(code));
endmodule

// MoR sub-tensor lane, dynamic-range mode, with power-of-two (MOR_E8_RZ) block scales (the spec's default for
// sub-tensor blocks): E4M3 or E5M2 codes with the block scale, or the BF16 of x.
module cost_mor_st_lane_pow2 (
    input  logic [31:0] x,
    input  logic [7:0]  scale_e8m0,
    input  logic [1:0]  tag,
    output logic [15:0] code
);
  logic [31:0] y, scale;
  assign scale = {1'b0, scale_e8m0, 23'd0};
  logic [7:0] q4, q5;
  logic [15:0] bf16;
  mor_f32_mul mul (.a(x), .b(scale), .y(y));
  mor_cvt_f32_to_fp8 #(.FMT(mor_pkg::FMT_E4M3))
      cvt4 (.f32(y), .rounding_mode(mor_pkg::RND_RNE), .overflow_mode(mor_pkg::OVF_SATFINITE),
            .nan_mode(mor_pkg::NAN_CANON), .rand_bits(32'd0), .code(q4));
  mor_cvt_f32_to_fp8 #(.FMT(mor_pkg::FMT_E5M2))
      cvt5 (.f32(y), .rounding_mode(mor_pkg::RND_RNE), .overflow_mode(mor_pkg::OVF_SATFINITE),
            .nan_mode(mor_pkg::NAN_CANON), .rand_bits(32'd0), .code(q5));
  mor_cvt_f32_to_bf16 to_bf16 (.f32(x), .ties_away(1'b0), .bf16(bf16));
  always_comb begin
    case (tag)
      2'd0: code = {8'd0, q4};
      2'd1: code = {8'd0, q5};
      default: code = bf16;
    endcase
  end
endmodule

// ---- per-quantizer units ---------------------------------------------------------------------------------------

// Beat statistics at LANES lanes, keeping only the outputs a quantizer reads (WHICH: 0 amax; 1 amax, nnz and the
// non-finite count (tensor-level); 2 amax, smallest nonzero and the non-finite count (sub-tensor)). IN_BITS 16: BF16
// inputs, widened as {x, 16'b0} (synthesis drops the low half of every comparator).
module cost_beat_stats #(
    parameter int LANES = mor_pkg::ENGINE_LANES,
    parameter int WHICH = 0,
    parameter int IN_BITS = 32
) (
    input  logic [LANES*IN_BITS-1:0] data,
    output logic [31:0]              amax,
    output logic [31:0]              min_nonzero,
    output logic [$clog2(LANES):0]   nnz,
    output logic [$clog2(LANES):0]   nonfinite
);
  logic [LANES*32-1:0] wide;
  for (genvar i = 0; i < LANES; i++) begin : g_widen
    assign wide[32*i +: 32] = 32'(data[IN_BITS*i +: IN_BITS]) << (32 - IN_BITS);
  end
  logic [31:0] mn;
  logic [$clog2(LANES):0] nz, nf;
  mor_amax_tree #(.LANES(LANES)) tree (.data(wide), .amax(amax), .min_nonzero(mn), .nnz(nz), .nonfinite(nf));
  assign min_nonzero = WHICH == 2 ? mn : 32'd0;
  assign nnz = WHICH == 1 ? nz : '0;
  assign nonfinite = WHICH != 0 ? nf : '0;
endmodule

// Running max register: the tensor or block amax accumulated over beats (one per quantizer).
module cost_amax_acc (
    input  logic        clk,
    input  logic        clear,
    input  logic [31:0] beat_amax,
    output logic [31:0] amax
);
  always_ff @(posedge clk) amax <= clear ? beat_amax : (beat_amax > amax ? beat_amax : amax);
endmodule

// MXFP8 NV_RCEIL scale: E8M0 code of RN32(amax * RN32(1/FMAX)) rounded up (once per 32-element block, i.e. once
// per beat at 32 lanes).
module cost_mx_scale (
    input  logic [31:0] amax,
    output logic [7:0]  scale_e8m0
);
  logic [31:0] ratio;
  mor_f32_mul mul (.a(amax), .b(mor_pkg::FMAX_RECIPROCAL_E4M3), .y(ratio));
  mor_cvt_f32_to_e8m0 cvt (.f32(ratio), .round_up_mode(1'b1), .satfinite(1'b1), .code(scale_e8m0));
endmodule

// The beat's error sum: LANES e_fx values (26 bits, at most 2^25) added by a balanced tree whose adders are as wide
// as their sums can get (26 + level bits). Combinational; the flow pipelines it.
module cost_err_tree #(
    parameter int LANES = mor_pkg::ENGINE_LANES,
    localparam int LV = $clog2(LANES)
) (
    input  logic [LANES*26-1:0] lane_e_fx,
    output logic [25+LV:0]      beat_sum
);
  // One generate array per level (BUILD-NOTES trap 13); level l holds LANES >> l sums of 26 + l bits.
  for (genvar l = 0; l <= LV; l++) begin : g_level
    logic [25+l:0] s[LANES >> l];
    for (genvar i = 0; i < (LANES >> l); i++) begin : g_node
      if (l == 0) begin : g_leaf
        assign s[i] = lane_e_fx[26*i +: 26];
      end else begin : g_add
        assign s[i] = (26 + l)'(g_level[l-1].s[2*i]) + (26 + l)'(g_level[l-1].s[2*i+1]);
      end
    end
  end
  assign beat_sum = g_level[LV].s[0];
endmodule

// The tensor's 64-bit error accumulator (D5) and the decision compare err_sum > bound, where bound = T_fx * NNZ is
// computed once per tensor (cost_iter_mul). One adder and one compare per cycle: sequential, not pipelined.
module cost_err_acc #(
    parameter int SUM_BITS = 26 + $clog2(mor_pkg::ENGINE_LANES)
) (
    input  logic                clk,
    input  logic                clear,
    input  logic [SUM_BITS-1:0] beat_sum,
    input  logic [63:0]         bound,
    output logic [63:0]         err_sum,
    output logic                reject
);
  always_ff @(posedge clk) err_sum <= clear ? 64'(beat_sum) : err_sum + 64'(beat_sum);
  assign reject = err_sum > bound;
endmodule

// A 40-bit element counter (NNZ of the tensor; D5, D6): one add of the beat's count per cycle.
module cost_count_acc #(
    parameter int CW = $clog2(mor_pkg::ENGINE_LANES) + 1
) (
    input  logic          clk,
    input  logic          clear,
    input  logic [CW-1:0] beat_count,
    output logic [39:0]   count
);
  always_ff @(posedge clk) count <= clear ? 40'(beat_count) : count + 40'(beat_count);
endmodule

// T_fx * NNZ once per tensor, one bit of NNZ per cycle (40 cycles): the bound cost_err_acc compares with.
module cost_iter_mul (
    input  logic        clk,
    input  logic        start,
    input  logic [31:0] threshold_fx,
    input  logic [39:0] nnz,
    output logic [63:0] bound,
    output logic        busy
);
  logic [39:0] rest;
  logic [63:0] addend;
  always_ff @(posedge clk) begin
    if (start) begin
      bound <= '0;
      addend <= 64'(threshold_fx);
      rest <= nnz;
    end else if (rest != 0) begin
      if (rest[0]) bound <= bound + addend;
      addend <= addend << 1;
      rest <= rest >> 1;
    end
  end
  assign busy = rest != 0;
endmodule

// The significand quotient of an FP32 divide, one bit per cycle (27 cycles): the recurrence of mor_sig_div in time
// instead of in space. Once-per-tensor and once-per-block quotients (the current-scaling scale, the GAM group step
// and its threshold search, the dequantize table) share one such unit; mor_div_finish rounds its result.
module cost_iter_div (
    input  logic        clk,
    input  logic        start,
    input  logic [23:0] ma,
    input  logic [23:0] mb,
    output logic [26:0] quo,
    output logic        sticky,
    output logic        busy
);
  logic [24:0] rem;
  logic [23:0] divisor;
  logic [4:0] left;
  logic [25:0] diff;
  logic [24:0] cur;
  // Bit 26 is formed from ma itself; later bits from the remainder shifted left (as mor_sig_div's loop).
  assign cur = left == 5'd27 ? rem : {rem[23:0], 1'b0};
  assign diff = {1'b0, cur} - {2'b0, divisor};
  always_ff @(posedge clk) begin
    if (start) begin
      rem <= {1'b0, ma};
      divisor <= mb;
      quo <= '0;
      left <= 5'd27;
    end else if (left != 0) begin
      quo <= {quo[25:0], !diff[25]};
      rem <= diff[25] ? cur : diff[24:0];
      left <= left - 5'd1;
    end
  end
  assign sticky = rem != 0;
  assign busy = left != 0;
endmodule

// Sub-tensor block decision (spec 7, D7) without a divider: the tag and the MOR_E8_RZ block scale of a block from
// its amax a and smallest nonzero a_min, by comparisons (issue 17: "DR <= R as a <= a_min * R").
//  - DR = RN32(a / a_min) <= R, with R = 1.75 * 2^K (the E4M3 band 28672, K = 14, and the E5M2 band 939524096,
//    K = 29), holds iff a / a_min <= R + ulp(R) / 2: RN32 is monotone and the midpoint rounds to R, whose significand
//    1.75 is even. So the test is a <= a_min * (1.75 + 2^-24) * 2^K, exact as a 24 x 25-bit product and a compare.
//  - The scale is the exponent field of RN32(F / a) (F = 448 or 57344, significand 1.75): F / a = (1.75 / m_a) *
//    2^(e_F - e_a) with the quotient's significand in (0.875, 1.75]; it never rounds across a binade (m_a is on the
//    2^-23 grid, so a quotient just under 1 rounds to 1 - 2^-24), and it is never subnormal (a <= FLT_MAX < F * 2^126).
//    So the field is e_F - e_a - [m_a > 1.75] + 127, capped at 254 (an infinite quotient becomes FLT_MAX).
// A zero block has DR = 1 and scale 1.0; a block with a NaN or an Inf is BF16 (D2). Checked bit for bit against
// mor::subtensor_band and mor::mor_e8_rz_scale by the energy harness (rtl/cost/energy_harness.cpp) on the workload.
module cost_st_block_cmp (
    input  logic [31:0] block_amax,         // |x| bits, finite when nonfinite is clear
    input  logic [31:0] block_min_nonzero,  // smallest nonzero finite |x| (any value when block_amax is 0)
    input  logic        nonfinite,
    output logic [1:0]  tag,
    output logic [7:0]  scale_e8m0          // exponent field of the block scale (E4M3 or E5M2 tag)
);
  /* verilator lint_off UNUSEDSIGNAL */
  logic sa, sn, na, nn, ia, inf_n, za, zn;
  /* verilator lint_on UNUSEDSIGNAL */
  logic signed [11:0] ea, en;
  logic [23:0] ma, mn;
  mor_f32_unpack ua (.f32(block_amax), .sign(sa), .is_nan(na), .is_inf(ia), .is_zero(za), .exp(ea), .sig(ma));
  mor_f32_unpack un (.f32(block_min_nonzero), .sign(sn), .is_nan(nn), .is_inf(inf_n), .is_zero(zn), .exp(en), .sig(mn));
  // a_min's significand times (1.75 + 2^-24): 2^47 scale, in [1.75, 3.5 + 2^-22) * 2^47.
  localparam logic [24:0] MID = 25'h1C0_0001;
  logic [48:0] p;
  assign p = 49'(mn) * 49'(MID);
  // a / (a_min * mid) with the power of two d = e_a - e_n - K: d < 0 fits, d > 1 does not, d in {0, 1} compares.
  function automatic logic fits_band(input logic signed [11:0] d, input logic [23:0] m, input logic [48:0] prod);
    if (d < 0) fits_band = 1'b1;
    else if (d > 1) fits_band = 1'b0;
    else fits_band = (d == 0 ? {1'b0, m, 24'd0} : {m, 25'd0}) <= prod;
  endfunction
  logic signed [11:0] d;
  logic in_e4m3, in_e5m2;
  assign d = ea - en;
  assign in_e4m3 = za || fits_band(d - 12'sd14, ma, p);
  assign in_e5m2 = fits_band(d - 12'sd29, ma, p);
  assign tag = nonfinite ? mor_pkg::TAG_BF16 : in_e4m3 ? mor_pkg::TAG_E4M3
             : in_e5m2 ? mor_pkg::TAG_E5M2 : mor_pkg::TAG_BF16;
  // Exponent field of RN32(F / a): e_F is 8 (448) or 15 (57344).
  logic signed [11:0] field;
  assign field = (tag == mor_pkg::TAG_E5M2 ? 12'sd142 : 12'sd135) - ea - (ma > 24'hE0_0000 ? 12'sd1 : 12'sd0);
  assign scale_e8m0 = za ? 8'd127 : field > 12'sd254 ? 8'd254 : field[7:0];
endmodule
