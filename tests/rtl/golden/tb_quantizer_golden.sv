// Replays golden/quantizer.hex (format in golden/README.md) through mor_quantizer: drives every input beat with
// pseudo-random bubbles, applies pseudo-random back-pressure, checks each code beat, block info and tensor info in
// order, and stops at the first mismatch. An outside team replaces mor_quantizer with its engine (same ports).
// Plusargs: +vectors=FILE, +seed=N. Tested under Verilator 5 (--binary --timing) and Icarus Verilog 11 (-g2012);
// the bubbles come from the testbench's own xorshift generator, so both simulators replay the same cycles.
module tb_quantizer_golden;
  localparam int LANES = 32;
  localparam int MAXI = 4096, MAXO = 4096, MAXB = 1024;

  logic clk = 0, rst_n = 0;
  always #5 clk = ~clk;

  logic start, busy, in_valid, in_ready, code_valid, code_ready, code_block_last, blk_valid, blk_ready, done;
  logic [1:0] cfg_mode, blk_tag, decision_tag, reason;
  logic [9:0] cfg_block_beats;
  logic [15:0] cfg_num_blocks, blk_index;
  logic [31:0] cfg_threshold_fx, blk_scale, group_scale, group_amax;
  logic cfg_qe_mode, cfg_e5m2_to_bf16, cfg_fp32_scales;
  logic [LANES*32-1:0] in_data;
  logic [LANES*8-1:0] code_data;
  logic [63:0] err_sum;
  logic [39:0] nnz;
  mor_quantizer dut (.*);

  // One tensor's records.
  logic [LANES*32-1:0] inputs[MAXI];
  logic [LANES*8:0] codes[MAXO];   // {last, codes}
  logic [49:0] blocks[MAXB];       // {index, tag, scale}
  int n_in, n_out, n_blk;
  logic [31:0] t_decision, t_reason, t_gs, t_amax;
  logic [39:0] t_nnz;              // as wide as the nnz port: a narrower one reads X above bit 31 in 4-state simulators
  logic [63:0] t_err;
  logic t_check_gs, t_check_err;
  logic [31:0] rng_state;

  // xorshift32 (Marsaglia): the same bubbles and back-pressure in every simulator, unlike $urandom.
  function automatic logic coin(input int percent);
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return (rng_state % 100) < percent;
  endfunction

  task automatic run_tensor(input int tensor_no);
    int i_in, i_out, i_blk;
    bit finished;
    i_in = 0;
    i_out = 0;
    i_blk = 0;
    finished = 0;
    @(negedge clk);
    start = 1;
    @(negedge clk);
    start = 0;
    while (!finished) begin
      in_valid = i_in < n_in && coin(80);
      if (in_valid) in_data = inputs[i_in];
      code_ready = coin(70);
      blk_ready = coin(70);
      @(posedge clk);
      if (in_valid && in_ready) i_in++;
      if (code_valid && code_ready) begin
        if (i_out >= n_out) $fatal(1, "tensor %0d: unexpected code beat", tensor_no);
        if ({code_block_last, code_data} !== codes[i_out])
          $fatal(1, "tensor %0d code beat %0d: dut %h last %0d, golden %h", tensor_no, i_out, code_data,
                 code_block_last, codes[i_out]);
        i_out++;
      end
      if (blk_valid && blk_ready) begin
        if (i_blk >= n_blk) $fatal(1, "tensor %0d: unexpected block info", tensor_no);
        if ({blk_index, blk_tag, blk_scale} !== blocks[i_blk])
          $fatal(1, "tensor %0d block info %0d: dut %h %h %h, golden %h", tensor_no, i_blk, blk_index, blk_tag,
                 blk_scale, blocks[i_blk]);
        i_blk++;
      end
      if (done) begin
        finished = 1;
        if (decision_tag !== t_decision[1:0] || reason !== t_reason[1:0] || nnz !== t_nnz[39:0] ||
            group_amax !== t_amax || (t_check_gs && group_scale !== t_gs) || (t_check_err && err_sum !== t_err))
          $fatal(1, "tensor %0d info: dut decision %0d reason %0d group_scale %h err_sum %h nnz %h amax %h", tensor_no,
                 decision_tag, reason, group_scale, err_sum, nnz, group_amax);
      end
      @(negedge clk);
    end
    if (i_out != n_out || i_blk != n_blk) $fatal(1, "tensor %0d: %0d of %0d code beats, %0d of %0d block infos",
                                              tensor_no, i_out, n_out, i_blk, n_blk);
  endtask

  // A hex field of a T record, or '-' (not checked). A task, not a function: Icarus 11 functions have no outputs.
  task automatic hex_or_dash(input int fd, output logic present, output logic [63:0] value);
    int c, n;
    c = $fgetc(fd);
    while (c == " ") c = $fgetc(fd);
    present = c != "-";
    value = '0;
    if (present) begin
      n = $ungetc(c, fd);
      n = $fscanf(fd, "%h", value);
      if (n != 1) $fatal(1, "malformed T record");
    end
  endtask

  initial begin
    string path;
    int fd, c, tensors, mode, beats, blocks_n, qe, e5, f32s, last, idx, tag, dec, rsn, seed, fields;
    logic [31:0] thr, scale, amax;
    logic [39:0] nz;
    logic [63:0] gs, es;
    logic [LANES*32-1:0] beat;
    logic [LANES*8-1:0] cw;
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE [+seed=N]");
    if (!$value$plusargs("seed=%d", seed)) seed = 1;
    rng_state = 32'(seed) ^ 32'h9E3779B9;  // never zero for a small seed
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    {start, in_valid, code_ready, blk_ready, in_data} = '0;
    {cfg_mode, cfg_block_beats, cfg_num_blocks, cfg_threshold_fx, cfg_qe_mode, cfg_e5m2_to_bf16, cfg_fp32_scales} = '0;
    repeat (2) @(negedge clk);
    rst_n = 1;
    tensors = 0;
    // Records are read field by field with $fscanf after their first character ($fgetc): no line buffer, whose
    // string conversion Verilator limits to 256 characters (an I record has 258) and Icarus' $fgets does not fill.
    // '#' and empty lines fall through; the rest of every line is skipped.
    c = $fgetc(fd);
    while (c != -1) begin
      case (c)
        "C": begin
          fields = $fscanf(fd, " %h %h %h %h %h %h %h", mode, beats, blocks_n, thr, qe, e5, f32s);
          if (fields != 7) $fatal(1, "malformed C record");
          cfg_mode = 2'(mode);
          cfg_block_beats = 10'(beats);
          cfg_num_blocks = 16'(blocks_n);
          cfg_threshold_fx = thr;
          cfg_qe_mode = qe[0];
          cfg_e5m2_to_bf16 = e5[0];
          cfg_fp32_scales = f32s[0];
          n_in = 0;
          n_out = 0;
          n_blk = 0;
        end
        "I": begin
          fields = $fscanf(fd, " %h", beat);
          if (fields != 1 || n_in >= MAXI) $fatal(1, "malformed I record, or more than %0d", MAXI);
          inputs[n_in++] = beat;
        end
        "O": begin
          fields = $fscanf(fd, " %h %h", last, cw);
          if (fields != 2 || n_out >= MAXO) $fatal(1, "malformed O record, or more than %0d", MAXO);
          codes[n_out++] = {last[0], cw};
        end
        "B": begin
          fields = $fscanf(fd, " %h %h %h", idx, tag, scale);
          if (fields != 3 || n_blk >= MAXB) $fatal(1, "malformed B record, or more than %0d", MAXB);
          blocks[n_blk++] = {16'(idx), 2'(tag), scale};
        end
        "T": begin
          fields = $fscanf(fd, " %h %h", dec, rsn);
          hex_or_dash(fd, t_check_gs, gs);
          hex_or_dash(fd, t_check_err, es);
          fields += $fscanf(fd, " %h %h", nz, amax);
          if (fields != 4) $fatal(1, "malformed T record");
          t_decision = dec;
          t_reason = rsn;
          t_gs = gs[31:0];
          t_err = es;
          t_nnz = nz;
          t_amax = amax;
        end
        "E": begin
          run_tensor(tensors);
          tensors++;
        end
        default: ;
      endcase
      while (c != "\n" && c != -1) c = $fgetc(fd);
      c = $fgetc(fd);
    end
    if (tensors == 0) $fatal(1, "no tensors in %s", path);
    $display("PASS: %0d tensors of %s replayed, every transaction equal", tensors, path);
    $finish;
  end
endmodule
