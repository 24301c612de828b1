// A SystemVerilog scoreboard for mor_quantizer against the golden model called through DPI-C (mor_dpi_pkg), the way
// a verification team checks its own engine: the testbench draws random tensors and configurations itself,
// predicts every transaction from the model's functions (block statistics, GAM scales, the element path, the
// tensor and sub-tensor decisions), drives the engine with random input bubbles and output back-pressure, and
// compares each code beat, block info and tensor info as it comes out.
//
// The prediction composes the model's functions in the order docs/ENGINE.md gives (tensor-level: statistics, group
// scale, block scales, codes and error sum, decision; sub-tensor: statistics, dynamic range, band, quant-error
// choice, block scale, codes, majority tag). An outside team keeps this file, replaces mor_quantizer by its engine
// (same ports) and links libmor_dpi.
//
// Plusargs: +seed=N (default 1), +tensors=N (default 2000), +fault=code|block|tensor (corrupt one value the engine
// sends before it is compared, to show the scoreboard fails: the test rtl.dpi.scoreboard_catches_*).
// Before the engine, the converter path of the package is checked against the RTL E4M3 lane in every mode.
// It runs under Verilator only: Icarus Verilog has no DPI-C.
module tb_quantizer_dpi;
  import mor_dpi_pkg::*;

  localparam int LANES = 32;
  localparam int MAX_BEATS = 8;                    // largest block drawn, in beats
  localparam int MAX_BLOCKS = 24;                  // most blocks per tensor drawn
  localparam int BLOCK_MAX = MAX_BEATS * LANES;
  localparam int TENSOR_MAX = MAX_BLOCKS * BLOCK_MAX;

  logic clk = 0, rst_n = 0;
  always #5 clk = ~clk;

  logic start, busy, in_valid, in_ready, code_valid, code_ready, code_block_last, blk_valid, blk_ready, done;
  logic refetch, meta_out_valid, meta_out_ready, meta_in_valid, meta_in_ready;
  logic [31:0] meta_out_data, meta_in_data;
  logic [1:0] cfg_mode, blk_tag, decision_tag, reason, status;
  logic [9:0] cfg_block_beats;  // $clog2(ENGINE_BLOCK_BEATS_MAX = 512) + 1
  logic [31:0] cfg_num_blocks, blk_index;
  logic [31:0] cfg_threshold_fx, blk_scale, group_scale, group_amax, fallbacks;
  logic cfg_qe_mode, cfg_e5m2_to_bf16, cfg_fp32_scales;
  logic [LANES*32-1:0] in_data;
  logic [LANES*8-1:0] code_data;
  logic [63:0] sum_lo, sum_hi, err_sum;
  logic [39:0] nnz;
  mor_quantizer dut (.*);

  // ---- one tensor: its elements (block-major) and the predicted transactions ----
  int unsigned elem[TENSOR_MAX];
  int unsigned block[BLOCK_MAX];                   // one block's elements, for the DPI block functions
  logic [LANES*8:0] want_codes[$];                 // {last, codes lane LANES-1 .. 0}
  logic [65:0] want_blocks[$];                     // {index, tag, scale}
  logic [31:0] meta_mem[MAX_BLOCKS];               // the metadata memory: the block amax the engine sent out
  logic [1:0] want_decision, want_reason;
  logic [31:0] want_group_scale, want_amax;
  logic [63:0] want_err;
  logic [39:0] want_nnz;
  logic want_check_gs_err;

  // ---- the fault injector (+fault=...): one value the engine sends is changed before the comparison ----
  string fault;
  bit fault_done;

  function automatic logic coin(input int percent);
    return ($urandom % 100) < percent;
  endfunction

  // ---- stimulus: FP32 bit patterns by block style (spec 9's directed kinds, drawn at random) ----
  function automatic int unsigned fp32(input int exp, input bit sign);
    int e;
    e = exp < 1 ? 1 : exp > 254 ? 254 : exp;
    return {sign, 8'(e), 23'($urandom)};
  endfunction

  // style: 0 normal, 1 wide range, 2 all zero, 3 sparse, 4 narrow, 5 subnormal, 6 near overflow, 7 E5M2 band,
  // 8 NaN inside, 9 Inf inside.
  task automatic fill_block(input int b, input int n, input int style, input int tensor_exp);
    int base, i;
    base = tensor_exp + int'($urandom % 12) - 6;
    for (i = 0; i < n; i++) begin
      int unsigned x;
      case (style)
        0: x = fp32(base + int'($urandom % 4) - 2, 1'($urandom));
        1: x = fp32(base + int'($urandom % 40) - 20, 1'($urandom));
        2: x = ($urandom % 8 == 0) ? 32'h8000_0000 : 32'h0;
        3: x = ($urandom % 4 == 0) ? fp32(base + int'($urandom % 6) - 3, 1'($urandom)) : 32'h0;
        4: x = {1'b0, 8'(base < 1 ? 1 : base > 254 ? 254 : base), 10'($urandom), 13'h0};
        5: x = {1'($urandom), 8'h0, 23'($urandom)};
        6: x = fp32(250 + int'($urandom % 5), 1'($urandom));
        7: x = fp32(base + int'($urandom % 24) - 12, 1'($urandom));
        8: x = i == 3 ? {1'($urandom), 8'hFF, 1'b1, 22'($urandom)} : fp32(base, 1'($urandom));
        default: x = i == 5 ? {1'($urandom), 31'h7F80_0000} : fp32(base, 1'($urandom));
      endcase
      elem[b * n + i] = x;
    end
  endtask

  // ---- the prediction, from the model's functions only ----
  task automatic copy_block(input int b, input int n);
    for (int i = 0; i < n; i++) block[i] = elem[b * n + i];
  endtask

  // The code beats of block b quantized with `scale` to `tag`; returns the block's canonical error sum.
  task automatic predict_codes(input int b, input int beats, input int unsigned scale, input int tag,
                               output longint unsigned block_err);
    byte unsigned code;
    int unsigned d, e_fx;
    logic [LANES*8-1:0] beat;
    block_err = 0;
    for (int t = 0; t < beats; t++) begin
      for (int l = 0; l < LANES; l++) begin
        mor_dpi_element(elem[(b * beats + t) * LANES + l], scale, tag, code, d, e_fx);
        beat[l*8 +: 8] = code;
        block_err += longint'(e_fx);
      end
      want_codes.push_back({t == beats - 1, beat});
    end
  endtask

  task automatic predict_tensor_level(input int beats, input int blocks, input int unsigned threshold_fx);
    int unsigned amax[MAX_BLOCKS], mn, nz, nf, gs, s;
    longint unsigned total_nnz, total_nonfinite, total_err, block_err;
    int tag, rsn;
    total_nnz = 0;
    total_nonfinite = 0;
    want_amax = 0;
    for (int b = 0; b < blocks; b++) begin
      copy_block(b, beats * LANES);
      mor_dpi_block_stats(block, beats * LANES, 1'b0, amax[b], mn, nz, nf);
      total_nnz += longint'(nz);
      total_nonfinite += longint'(nf);
      if (amax[b] > want_amax) want_amax = amax[b];
    end
    want_nnz = 40'(total_nnz);
    want_check_gs_err = total_nonfinite == 0;
    if (total_nonfinite != 0) begin  // D2: no codes, no block infos; the tensor stays BF16
      mor_dpi_tensor_decision(total_nonfinite, total_nnz, 0, threshold_fx, MOR_TAG_E4M3, tag, rsn);
      {want_decision, want_reason, want_group_scale, want_err} = {2'(tag), 2'(rsn), 32'h0, 64'h0};
      return;
    end
    gs = mor_dpi_gam_group_scale(want_amax, MOR_TAG_E4M3);
    total_err = 0;
    for (int b = 0; b < blocks; b++) begin
      s = mor_dpi_gam_block_scale(gs, amax[b], MOR_TAG_E4M3);
      want_blocks.push_back({32'(b), 2'(MOR_TAG_E4M3), 24'h0, 8'(mor_dpi_gam_exp_offset(gs, s))});
      blocks_of_tag[MOR_TAG_E4M3]++;
      predict_codes(b, beats, s, MOR_TAG_E4M3, block_err);  // the E4M3 codes go out even if the tensor is rejected
      total_err += block_err;
    end
    mor_dpi_tensor_decision(0, total_nnz, total_err, threshold_fx, MOR_TAG_E4M3, tag, rsn);
    {want_decision, want_reason, want_group_scale, want_err} = {2'(tag), 2'(rsn), gs, total_err};
  endtask

  task automatic predict_subtensor(input int beats, input int blocks, input bit qe, input bit e5_to_bf16,
                                   input bit fp32_scales);
    int unsigned amax, mn, nz, nf, dr, scale;
    longint unsigned total_nnz, per_tag[4], e4, e5, block_err;
    int tag, rule, n;
    bit measure, any_nonfinite;
    rule = fp32_scales ? MOR_SCALE_FP32 : MOR_SCALE_POW2;
    n = beats * LANES;
    total_nnz = 0;
    per_tag = '{0, 0, 0, 0};
    any_nonfinite = 0;
    want_amax = 0;
    for (int b = 0; b < blocks; b++) begin
      copy_block(b, n);
      mor_dpi_block_stats(block, n, 1'b0, amax, mn, nz, nf);
      total_nnz += longint'(nz);
      any_nonfinite |= nf != 0;
      if (amax > want_amax) want_amax = amax;
      dr = nf != 0 ? 32'h3F80_0000 : mor_dpi_subtensor_dynamic_range(amax, mn);  // D2: decided before DR
      mor_dpi_subtensor_band(dr, nf != 0, qe, e5_to_bf16, 1'b0, tag, measure);
      if (measure) begin
        e5 = mor_dpi_block_err_sum(block, n, mor_dpi_block_scale(amax, MOR_TAG_E5M2, rule), MOR_TAG_E5M2);
        e4 = mor_dpi_block_err_sum(block, n, mor_dpi_block_scale(amax, MOR_TAG_E4M3, rule), MOR_TAG_E4M3);
        tag = mor_dpi_subtensor_quant_error_choice(e4, e5);
      end
      blocks_of_tag[tag]++;
      measured_blocks += int'(measure);
      scale = 0;  // a BF16 block has no scale
      if (tag != MOR_TAG_BF16) scale = mor_dpi_block_scale(amax, tag, rule);
      want_blocks.push_back({32'(b), 2'(tag), scale});
      per_tag[tag] += longint'(n);
      if (tag != MOR_TAG_BF16) predict_codes(b, beats, scale, tag, block_err);
    end
    want_decision = 2'(mor_dpi_subtensor_tensor_tag(per_tag[0], per_tag[1], per_tag[2], per_tag[3]));
    want_reason = any_nonfinite ? 2'(MOR_REASON_NONFINITE) : 2'(MOR_REASON_ACCEPTED);
    want_nnz = 40'(total_nnz);
    want_group_scale = 0;  // not used in sub-tensor mode: the engine drives zero
    want_err = 0;
    want_check_gs_err = 1;
  endtask

  // Functional coverage of the predictions: blocks per tag, sub-tensor blocks measured in quant-error mode.
  int blocks_of_tag[4], measured_blocks, tl_fallbacks;
  longint unsigned elements_checked;

  // ---- driving and comparing ----
  task automatic mismatch(input int tensor_no, input string what);
    $display("SCOREBOARD MISMATCH in tensor %0d (mode %0d, %0d blocks of %0d beats): %s", tensor_no, cfg_mode,
             cfg_num_blocks, cfg_block_beats, what);
    $fatal(1, "stopping at the first mismatch");
  endtask

  task automatic run_tensor(input int tensor_no, input int passes, input int beats_per_pass, input int p_valid,
                            input int p_ready);
    int i_in, m_out, m_in, n_pass;
    logic [LANES*8-1:0] got_codes;
    logic [65:0] got_block;
    logic [31:0] got_amax;
    longint unsigned limit;
    bit finished, refetched;
    i_in = 0;
    m_out = 0;
    m_in = 0;
    n_pass = passes;
    finished = 0;
    refetched = 0;
    @(negedge clk);
    start = 1;
    @(negedge clk);
    start = 0;
    while (!finished) begin
      in_valid = i_in < n_pass * beats_per_pass && coin(p_valid);
      for (int l = 0; l < LANES; l++) in_data[l*32 +: 32] = elem[(i_in % beats_per_pass) * LANES + l];
      meta_in_valid = m_in < m_out && coin(p_valid);
      if (meta_in_valid) meta_in_data = meta_mem[m_in];
      meta_out_ready = coin(p_ready);
      code_ready = coin(p_ready);
      blk_ready = coin(p_ready);
      @(posedge clk);
      if (in_valid && in_ready) i_in++;
      if (meta_in_valid && meta_in_ready) m_in++;
      if (refetch && !refetched) begin  // the fallback pass: the tensor and its block amax once more
        refetched = 1;
        n_pass++;
        m_in = 0;
      end
      if (meta_out_valid && meta_out_ready) begin
        if (m_out >= MAX_BLOCKS) mismatch(tensor_no, "more metadata words than blocks");
        meta_mem[m_out] = meta_out_data;
        m_out++;
      end
      if (code_valid && code_ready) begin
        got_codes = code_data;
        if (fault == "code" && !fault_done && want_codes.size() == 1) {got_codes[0], fault_done} = {~got_codes[0], 1'b1};
        if (want_codes.size() == 0) mismatch(tensor_no, "a code beat the model does not send");
        else if ({code_block_last, got_codes} !== want_codes[0])
          mismatch(tensor_no, $sformatf("code beat: engine last %0d %h, model %h", code_block_last, got_codes,
                                        want_codes[0]));
        else void'(want_codes.pop_front());
      end
      if (blk_valid && blk_ready) begin
        got_block = {blk_index, blk_tag, blk_scale};
        if (fault == "block" && !fault_done && want_blocks.size() == 1) {got_block[1], fault_done} = {~got_block[1], 1'b1};
        if (want_blocks.size() == 0) mismatch(tensor_no, "a block info the model does not send");
        else if (got_block !== want_blocks[0])
          mismatch(tensor_no, $sformatf("block info: engine %h, model %h (index, tag, scale)", got_block, want_blocks[0]));
        else void'(want_blocks.pop_front());
      end
      if (done) begin
        finished = 1;
        got_amax = group_amax;
        if (fault == "tensor" && !fault_done && tensor_no == 3) {got_amax[0], fault_done} = {~got_amax[0], 1'b1};
        if (status !== 2'd0 /* EngineStatus::kOk */ || decision_tag !== want_decision || reason !== want_reason ||
            nnz !== want_nnz || got_amax !== want_amax || (want_check_gs_err && group_scale !== want_group_scale))
          mismatch(tensor_no, {$sformatf("tensor info (status decision reason nnz amax group_scale): engine %0d %0d %0d %0d %h %h",
                                         status, decision_tag, reason, nnz, got_amax, group_scale),
                               $sformatf(", model 0 %0d %0d %0d %h %h", want_decision, want_reason, want_nnz,
                                         want_amax, want_group_scale)});
        // Tensor-level error sums (docs/ENGINE.md): the interval bounds hold the exact sum; they decided (the limit
        // T_fx * NNZ outside [Sum lo, Sum hi)) unless the engine read the tensor a third time for the exact sum.
        limit = longint'(cfg_threshold_fx) * longint'(want_nnz);
        if (cfg_mode == 0 && want_check_gs_err && want_nnz != 0 &&
            (sum_lo > want_err || want_err > sum_hi || fallbacks != 32'(refetched) ||
             (refetched ? (err_sum !== want_err || !(sum_lo <= limit && limit < sum_hi))
                        : (err_sum !== 0 || (sum_lo <= limit && limit < sum_hi)))))
          mismatch(tensor_no, $sformatf("error sums: engine Sum lo %0d, Sum hi %0d, fallbacks %0d, err_sum %0d; exact %0d, limit %0d",
                                        sum_lo, sum_hi, fallbacks, err_sum, want_err, limit));
      end
      @(negedge clk);
    end
    if (want_codes.size() != 0 || want_blocks.size() != 0)
      mismatch(tensor_no, $sformatf("%0d code beats and %0d block infos never came", want_codes.size(),
                                    want_blocks.size()));
    tl_fallbacks += int'(refetched);
    if (i_in != n_pass * beats_per_pass || (cfg_mode == 0 && m_out != 0 && m_in != m_out))
      mismatch(tensor_no, $sformatf("the engine read %0d of %0d input beats, %0d of %0d metadata words", i_in,
                                    n_pass * beats_per_pass, m_in, m_out));
  endtask

  // ---- the converter path of the package against the RTL E4M3 lane, every mode (SR with random words) ----
  logic [31:0] lane_f32, lane_rand;
  logic [2:0] lane_rounding;
  logic [1:0] lane_overflow;
  logic lane_nan;
  logic [7:0] lane_code;
  mor_cvt_f32_to_fp8 lane (.f32(lane_f32), .rounding_mode(lane_rounding), .overflow_mode(lane_overflow),
                           .nan_mode(lane_nan), .rand_bits(lane_rand), .code(lane_code));

  task automatic check_converters(input int n);
    byte unsigned want;
    for (int i = 0; i < n; i++) begin
      lane_f32 = $urandom;
      if (i % 4 == 1) lane_f32[30:23] = 8'(110 + $urandom % 30);  // around E4M3's range
      lane_rounding = 3'(i % 7);
      lane_overflow = 2'((i / 7) % 3);
      lane_nan = 1'((i / 21) % 2);
      lane_rand = $urandom;
      #1;
      want = mor_dpi_from_f32(MOR_FMT_E4M3, lane_f32, int'(lane_rounding), int'(lane_overflow), int'(lane_nan),
                              lane_rand);
      if (lane_code !== want)
        $fatal(1, "DPI convert %h (mode %0d/%0d/%0d, rand %h): model %h, RTL lane %h", lane_f32, lane_rounding,
               lane_overflow, lane_nan, lane_rand, want, lane_code);
    end
    // Values written down from spec 1 (not from the model): the largest finite codes, and one, of four formats.
    if (mor_dpi_to_f32(MOR_FMT_E4M3, 8'h7E) != 32'h43E0_0000 || mor_dpi_to_f32(MOR_FMT_E5M2, 8'h7B) != 32'h4760_0000 ||
        mor_dpi_to_f32(MOR_FMT_E8M0, 8'h7F) != 32'h3F80_0000 || mor_dpi_to_f32(MOR_FMT_E2M3, 8'h1F) != 32'h40F0_0000 ||
        mor_dpi_gam_group_scale(32'h43E0_0000, MOR_TAG_E4M3) != 32'h3F80_0000 || mor_dpi_threshold_fx(0.045) != 754974)
      $fatal(1, "DPI spot values differ from spec 1");
  endtask

  initial begin
    int seed, tensors, beats, blocks, tensor_exp, style, passes;
    bit allow_nonfinite;
    int unsigned threshold_fx;
    bit qe, e5_to_bf16, fp32_scales;
    int kinds[4];
    if (!$value$plusargs("seed=%d", seed)) seed = 1;
    if (!$value$plusargs("tensors=%d", tensors)) tensors = 2000;
    if (!$value$plusargs("fault=%s", fault)) fault = "";
    void'($urandom(seed));
    mor_dpi_check_constants();
    check_converters(20000);
    {start, in_valid, code_ready, blk_ready, in_data, meta_in_valid, meta_out_ready, meta_in_data} = '0;
    {cfg_mode, cfg_block_beats, cfg_num_blocks, cfg_threshold_fx, cfg_qe_mode, cfg_e5m2_to_bf16, cfg_fp32_scales} = '0;
    repeat (2) @(negedge clk);
    rst_n = 1;
    kinds = '{0, 0, 0, 0};
    blocks_of_tag = '{0, 0, 0, 0};
    measured_blocks = 0;
    tl_fallbacks = 0;
    elements_checked = 0;
    for (int t = 0; t < tensors; t++) begin
      beats = 1 << ($urandom % 4);
      blocks = 1 + int'($urandom % MAX_BLOCKS);
      threshold_fx = $urandom % 3 == 0 ? $urandom % 3_000_000 : 754974;
      {qe, e5_to_bf16, fp32_scales} = 3'($urandom);
      cfg_mode = t % 2 == 0 ? 2'd0 : 2'd2;
      cfg_block_beats = 10'(beats);
      cfg_num_blocks = 32'(blocks);
      cfg_threshold_fx = threshold_fx;
      {cfg_qe_mode, cfg_e5m2_to_bf16, cfg_fp32_scales} = {qe, e5_to_bf16, fp32_scales};
      tensor_exp = 107 + int'($urandom % 40);
      allow_nonfinite = $urandom % 4 == 0;
      for (int b = 0; b < blocks; b++) begin
        style = int'($urandom % (allow_nonfinite ? 10 : 8));
        if (t % 16 == 4) style = 2;   // an all-zero tensor-level tensor now and then
        if (t % 16 == 9) style = 7;   // a tensor of E5M2-band blocks
        fill_block(b, beats * LANES, style, tensor_exp);
      end
      want_codes.delete();
      want_blocks.delete();
      if (cfg_mode == 0 && t % 16 == 12) begin
        // A threshold at the tensor's mean error: T_fx * NNZ then falls inside the interval bounds, and the engine
        // reads the tensor a third time for the exact err_sum (the fallback pass).
        int saved_e4;
        saved_e4 = blocks_of_tag[MOR_TAG_E4M3];
        predict_tensor_level(beats, blocks, threshold_fx);
        blocks_of_tag[MOR_TAG_E4M3] = saved_e4;
        want_codes.delete();
        want_blocks.delete();
        if (want_nnz != 0) threshold_fx = 32'(want_err / 64'(want_nnz));
        cfg_threshold_fx = threshold_fx;
      end
      if (cfg_mode == 0) predict_tensor_level(beats, blocks, threshold_fx);
      else predict_subtensor(beats, blocks, qe, e5_to_bf16, fp32_scales);
      kinds[want_reason]++;
      passes = cfg_mode == 0 ? 2 : 1;
      run_tensor(t, passes, beats * blocks, t % 5 == 0 ? 100 : 75, t % 7 == 0 ? 100 : 65);
      elements_checked += longint'(beats * blocks * LANES);
    end
    if (mor_dpi_error_count() != 0) $fatal(1, "%0d bad DPI arguments", mor_dpi_error_count());
    if (fault != "") $fatal(1, "fault '%s' was injected but not caught", fault);
    if (kinds[MOR_REASON_ACCEPTED] == 0 || kinds[MOR_REASON_REJECTED] == 0 || kinds[MOR_REASON_NONFINITE] == 0 ||
        kinds[MOR_REASON_ALL_ZERO] == 0)
      $fatal(1, "coverage: reasons accepted %0d rejected %0d non-finite %0d all-zero %0d (each must occur)",
             kinds[0], kinds[1], kinds[2], kinds[3]);
    if (blocks_of_tag[MOR_TAG_E4M3] == 0 || blocks_of_tag[MOR_TAG_E5M2] == 0 || blocks_of_tag[MOR_TAG_BF16] == 0 ||
        measured_blocks == 0 || tl_fallbacks == 0)
      $fatal(1, "coverage: blocks E4M3 %0d E5M2 %0d BF16 %0d, quant-error measured %0d, tensor-level fallbacks %0d (each must occur)",
             blocks_of_tag[0], blocks_of_tag[1], blocks_of_tag[2], measured_blocks, tl_fallbacks);
    $display("PASS: %0d random tensors, %0d elements (seed %0d), every transaction equal to the DPI model", tensors,
             elements_checked, seed);
    $display("  reasons: accepted %0d, rejected %0d, non-finite %0d, all-zero %0d; blocks: E4M3 %0d, E5M2 %0d, BF16 %0d, quant-error measured %0d; tensor-level fallback passes %0d",
             kinds[0], kinds[1], kinds[2], kinds[3], blocks_of_tag[0], blocks_of_tag[1], blocks_of_tag[2],
             measured_blocks, tl_fallbacks);
    $finish;
  end
endmodule
