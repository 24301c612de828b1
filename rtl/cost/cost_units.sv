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

// MoR tensor-level lane with the canonical metric (D4, D5) as the spec writes it: quantize with the GAM block
// scale, dequantize by division (a divider per lane), relative error by division.
module cost_mor_tl_lane (
    input  logic [31:0] x,
    input  logic [31:0] block_scale,
    output logic [7:0]  e4m3_code,
    output logic [25:0] e_fx
);
  logic [31:0] q_f32, dequant;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0] y;  // the canonical metric compares the dequantized value with x, not y
  /* verilator lint_on UNUSEDSIGNAL */
  cost_e4m3_front front (.x(x), .scale(block_scale), .y(y), .e4m3_code(e4m3_code), .q_f32(q_f32));
  mor_f32_div dq (.a(q_f32), .b(block_scale), .y(dequant));
  mor_error_lane err (.x(x), .dequant(dequant), .e_fx(e_fx));
endmodule

// The same lane with the dequantize divider replaced by the shared table (mor_dequant_table, once per quantizer),
// as mor_quantizer builds it: bit-exact with cost_mor_tl_lane (tests/rtl/test_rtl_dequant.cpp checks
// mor_dequant_lane against mor_f32_div).
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

// The quantizing half of a tensor-level lane without any metric: what the lane costs once the decision is known.
module cost_mor_tl_lane_nometric (
    input  logic [31:0] x,
    input  logic [31:0] block_scale,
    output logic [7:0]  e4m3_code
);
  cost_cs_lane q (.x(x), .scale(block_scale), .e4m3_code(e4m3_code));
endmodule

// Tensor-level lane with the PRESCALE metric: e from y and q before descaling (one divider).
module cost_mor_tl_lane_prescale (
    input  logic [31:0] x,
    input  logic [31:0] block_scale,
    output logic [7:0]  e4m3_code,
    output logic [25:0] e_fx
);
  logic [31:0] y, q_f32;
  cost_e4m3_front front (.x(x), .scale(block_scale), .y(y), .e4m3_code(e4m3_code), .q_f32(q_f32));
  mor_error_lane_prescale err (.y(y), .q_f32(q_f32), .e_fx(e_fx));
endmodule

// Tensor-level lane with the BINADE metric: |q - y| over the power of two of y's binade (no divider).
module cost_mor_tl_lane_binade (
    input  logic [31:0] x,
    input  logic [31:0] block_scale,
    output logic [7:0]  e4m3_code,
    output logic [25:0] e_fx
);
  logic [31:0] y, q_f32;
  cost_e4m3_front front (.x(x), .scale(block_scale), .y(y), .e4m3_code(e4m3_code), .q_f32(q_f32));
  mor_error_lane_binade err (.y(y), .q_f32(q_f32), .e_fx(e_fx));
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

// MoR sub-tensor lane, dynamic-range mode: E4M3 or E5M2 codes with the block scale, or the BF16 of x.
module cost_mor_st_lane (
    input  logic [31:0] x,
    input  logic [31:0] block_scale,
    input  logic [1:0]  tag,  // 0 E4M3, 1 E5M2, 2 BF16
    output logic [15:0] code
);
  logic [31:0] y;
  logic [7:0] q4, q5;
  logic [15:0] bf16;
  mor_f32_mul mul (.a(x), .b(block_scale), .y(y));
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

// Sub-tensor lane in quant-error mode: also measures the error of the chosen FP8 format (the engine replays the
// block through the same lane once per format).
module cost_mor_st_lane_qe (
    input  logic [31:0]     x,
    input  logic [31:0]     block_scale,
    input  logic [1:0]      tag,
    input  logic [28*8-1:0] dq_entries,  // the quantizer's one mor_dequant_table of block_scale
    output logic [15:0]     code,
    output logic [25:0]     e_fx
);
  logic [7:0] q;
  logic [31:0] dequant;
  logic [15:0] bf16;
  mor_quant_lane quant (.x(x), .scale(block_scale), .e5m2(tag == 2'd1), .dq_entries(dq_entries), .code(q),
                        .dequant(dequant));
  mor_error_lane err (.x(x), .dequant(dequant), .e_fx(e_fx));
  mor_cvt_f32_to_bf16 to_bf16 (.f32(x), .ties_away(1'b0), .bf16(bf16));
  assign code = tag == 2'd2 ? bf16 : {8'd0, q};
endmodule

// What would meet the area goal (docs/cost-analysis.md), not the spec's GAM: a power-of-two block scale (the GAM
// mantissa dropped, as MOR_E8_RZ does for sub-tensor blocks) turns the multiplier into an exponent add, and the
// BINADE metric needs no divider.
module cost_mor_tl_lane_pow2_binade (
    input  logic [31:0] x,
    input  logic [7:0]  scale_e8m0,
    output logic [7:0]  e4m3_code,
    output logic [25:0] e_fx
);
  logic [31:0] y, q_f32, inv_scale;
  assign inv_scale = {1'b0, 8'd254 - scale_e8m0, 23'd0};
  cost_e4m3_front front (.x(x), .scale(inv_scale), .y(y), .e4m3_code(e4m3_code), .q_f32(q_f32));
  mor_error_lane_binade err (.y(y), .q_f32(q_f32), .e_fx(e_fx));
endmodule

// Sub-tensor lane, dynamic-range mode, with power-of-two (MOR_E8_RZ) block scales only: the spec's default for
// sub-tensor blocks, so this one is bit-exact with the model; the FP32-scale option is what cost_mor_st_lane pays
// its multiplier for.
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
// non-finite count (tensor-level); 2 amax, smallest nonzero and the non-finite count (sub-tensor)).
module cost_beat_stats #(
    parameter int LANES = mor_pkg::ENGINE_LANES,
    parameter int WHICH = 0
) (
    input  logic [LANES*32-1:0]    data,
    output logic [31:0]            amax,
    output logic [31:0]            min_nonzero,
    output logic [$clog2(LANES):0] nnz,
    output logic [$clog2(LANES):0] nonfinite
);
  logic [31:0] mn;
  logic [$clog2(LANES):0] nz, nf;
  mor_amax_tree #(.LANES(LANES)) tree (.data(data), .amax(amax), .min_nonzero(mn), .nnz(nz), .nonfinite(nf));
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

// TE current scaling scale: RN32(FMAX / amax) (once per tensor).
module cost_cs_scale (
    input  logic [31:0] amax,
    output logic [31:0] scale
);
  mor_f32_div div (.a(mor_pkg::FMAX_E4M3), .b(amax), .y(scale));
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

// GAM group step without the floor: r_g = RN32(FMAX / a_g) (once per tensor; mor_gam_group_scale adds the floor).
module cost_gam_group (
    input  logic [31:0] group_amax,
    output logic [31:0] group_scale
);
  mor_f32_div div (.a(mor_pkg::FMAX_E4M3), .b(group_amax), .y(group_scale));
endmodule

// Error sum of one beat added to the tensor's 64-bit accumulator (D5), plus the decision compare
// err_sum > T_fx * NNZ.
module cost_err_acc #(
    parameter int LANES = mor_pkg::ENGINE_LANES
) (
    input  logic                clk,
    input  logic                clear,
    input  logic [LANES*26-1:0] lane_e_fx,
    input  logic [31:0]         threshold_fx,
    input  logic [39:0]         nnz,
    output logic [63:0]         err_sum,
    output logic                reject
);
  // A balanced adder tree, one generate array per level (BUILD-NOTES trap 13): a chained sum would put 31 adders
  // in series.
  localparam int LEVELS = $clog2(LANES);
  logic [63:0] beat_sum;
  for (genvar l = 0; l <= LEVELS; l++) begin : g_level
    logic [63:0] s[LANES >> l];
    for (genvar i = 0; i < (LANES >> l); i++) begin : g_node
      if (l == 0) begin : g_leaf
        assign s[i] = 64'(lane_e_fx[26*i +: 26]);
      end else begin : g_add
        assign s[i] = g_level[l-1].s[2*i] + g_level[l-1].s[2*i+1];
      end
    end
  end
  assign beat_sum = g_level[LEVELS].s[0];
  always_ff @(posedge clk) err_sum <= clear ? beat_sum : err_sum + beat_sum;
  assign reject = err_sum > 64'(threshold_fx) * 64'(nnz);
endmodule

// Sub-tensor block decision (spec 7, D7): dynamic range a / a_min against the E4M3 and E5M2 limits, and the
// block scale RN32(FMAX / a) of the chosen format, optionally rounded down to its power of two (MOR_E8_RZ).
module cost_st_block (
    input  logic [31:0] block_amax,
    input  logic [31:0] block_min_nonzero,
    input  logic        qe_mode,
    input  logic        pow2_scales,
    output logic [1:0]  tag,
    output logic [31:0] block_scale
);
  logic [31:0] range, scale;
  mor_f32_div dr (.a(block_amax), .b(block_min_nonzero), .y(range));
  assign tag = range <= (qe_mode ? mor_pkg::BAND_E4M3_QUANT_ERROR : mor_pkg::BAND_E4M3) ? mor_pkg::TAG_E4M3
             : range <= mor_pkg::BAND_E5M2 ? mor_pkg::TAG_E5M2 : mor_pkg::TAG_BF16;
  mor_f32_div sc (.a(tag == mor_pkg::TAG_E5M2 ? mor_pkg::FMAX_E5M2 : mor_pkg::FMAX_E4M3), .b(block_amax), .y(scale));
  assign block_scale = pow2_scales ? scale & mor_pkg::F32_INF : scale;
endmodule
