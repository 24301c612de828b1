// Replays golden/quantizer.hex (v2, format in golden/README.md) through mor_quantizer: drives every input beat with
// pseudo-random bubbles, applies pseudo-random back-pressure, stores the block amax words the engine sends out on the
// metadata port and plays them back on meta_in (from the start again when it raises refetch), checks each metadata
// word, code beat, block info and tensor info in order, and stops at the first mismatch. An outside team replaces
// mor_quantizer with its engine (same ports).
// Plusargs: +vectors=FILE, +seed=N. Tested under Verilator 5 (--binary --timing) and Icarus Verilog 11 (-g2012);
// the bubbles come from the testbench's own xorshift generator, so both simulators replay the same cycles.
module tb_quantizer_golden;
  localparam int LANES = 32;
  localparam int MAXI = 4096, MAXO = 4096, MAXB = 1024, BEATS_MAX = 512;

  logic clk = 0, rst_n = 0;
  always #5 clk = ~clk;

  logic start, busy, in_valid, in_ready, code_valid, code_ready, code_block_last, blk_valid, blk_ready, done;
  logic refetch, meta_out_valid, meta_out_ready, meta_in_valid, meta_in_ready;
  logic [31:0] meta_out_data, meta_in_data;
  logic [1:0] cfg_mode, blk_tag, decision_tag, reason, status;
  logic [$clog2(BEATS_MAX):0] cfg_block_beats;
  logic [31:0] cfg_num_blocks, blk_index;
  logic [31:0] cfg_threshold_fx, blk_scale, group_scale, group_amax, fallbacks;
  logic cfg_qe_mode, cfg_e5m2_to_bf16, cfg_fp32_scales;
  logic [LANES*32-1:0] in_data;
  logic [LANES*8-1:0] code_data;
  logic [63:0] sum_lo, sum_hi, err_sum;
  logic [39:0] nnz;
  mor_quantizer #(.LANES(LANES), .BEATS_MAX(BEATS_MAX)) dut (.*);

  // One tensor's records.
  logic [LANES*32-1:0] inputs[MAXI];
  logic [LANES*8:0] codes[MAXO];   // {last, codes}
  logic [65:0] blocks[MAXB];       // {index, tag, scale}
  logic [31:0] metas[MAXB];        // expected metadata words
  logic [31:0] meta_mem[MAXB];     // the metadata memory: the words the engine sent out
  int n_in, n_out, n_blk, n_meta;
  logic [31:0] t_status, t_decision, t_reason, t_gs, t_amax, t_fallbacks;
  logic [39:0] t_nnz;              // as wide as the nnz port: a narrower one reads X above bit 31 in 4-state simulators
  logic [63:0] t_lo, t_hi, t_err;
  logic t_check_gs, t_check_sums;
  logic [31:0] rng_state;

  // xorshift32 (Marsaglia): the same bubbles and back-pressure in every simulator, unlike $urandom.
  function automatic logic coin(input int percent);
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return (rng_state % 100) < percent;
  endfunction

  task automatic run_tensor(input int tensor_no);
    int i_in, i_out, i_blk, m_out, m_in;
    bit finished, refetched;
    i_in = 0;
    i_out = 0;
    i_blk = 0;
    m_out = 0;
    m_in = 0;
    finished = 0;
    refetched = 0;
    @(negedge clk);
    start = 1;
    @(negedge clk);
    start = 0;
    while (!finished) begin
      in_valid = i_in < n_in && coin(80);
      if (in_valid) in_data = inputs[i_in];
      meta_in_valid = m_in < m_out && coin(80);
      if (meta_in_valid) meta_in_data = meta_mem[m_in];
      meta_out_ready = coin(70);
      code_ready = coin(70);
      blk_ready = coin(70);
      @(posedge clk);
      if (in_valid && in_ready) i_in++;
      if (meta_in_valid && meta_in_ready) m_in++;
      if (refetch && !refetched) begin  // pass 3: the block amax again from the first
        refetched = 1;
        m_in = 0;
      end
      if (meta_out_valid && meta_out_ready) begin
        if (m_out >= n_meta) $fatal(1, "tensor %0d: unexpected metadata word", tensor_no);
        if (meta_out_data !== metas[m_out])
          $fatal(1, "tensor %0d metadata word %0d: dut %h, golden %h", tensor_no, m_out, meta_out_data, metas[m_out]);
        meta_mem[m_out] = meta_out_data;
        m_out++;
      end
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
        if (status !== t_status[1:0] || decision_tag !== t_decision[1:0] || reason !== t_reason[1:0] ||
            nnz !== t_nnz[39:0] || group_amax !== t_amax || fallbacks !== t_fallbacks ||
            (t_check_gs && group_scale !== t_gs) ||
            (t_check_sums && (sum_lo !== t_lo || sum_hi !== t_hi || err_sum !== t_err)))
          $fatal(1, "tensor %0d info: dut status %0d decision %0d reason %0d group_scale %h sums %h %h %h fallbacks %0d nnz %h amax %h",
                 tensor_no, status, decision_tag, reason, group_scale, sum_lo, sum_hi, err_sum, fallbacks, nnz,
                 group_amax);
      end
      @(negedge clk);
    end
    if (i_out != n_out || i_blk != n_blk || m_out != n_meta || i_in != n_in)
      $fatal(1, "tensor %0d: %0d of %0d code beats, %0d of %0d block infos, %0d of %0d metadata words, %0d of %0d inputs read",
             tensor_no, i_out, n_out, i_blk, n_blk, m_out, n_meta, i_in, n_in);
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
    int fd, c, tensors, mode, beats, blocks_n, qe, e5, f32s, last, idx, tag, st, dec, rsn, fbs, seed, fields;
    logic [31:0] thr, scale, amax, mw;
    logic [39:0] nz;
    logic [63:0] gs, lo, hi, es;
    logic [LANES*32-1:0] beat;
    logic [LANES*8-1:0] cw;
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE [+seed=N]");
    if (!$value$plusargs("seed=%d", seed)) seed = 1;
    rng_state = 32'(seed) ^ 32'h9E3779B9;  // never zero for a small seed
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    {start, in_valid, code_ready, blk_ready, in_data, meta_in_valid, meta_out_ready, meta_in_data} = '0;
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
          cfg_block_beats = ($clog2(BEATS_MAX)+1)'(beats);
          cfg_num_blocks = 32'(blocks_n);
          cfg_threshold_fx = thr;
          cfg_qe_mode = qe[0];
          cfg_e5m2_to_bf16 = e5[0];
          cfg_fp32_scales = f32s[0];
          n_in = 0;
          n_out = 0;
          n_blk = 0;
          n_meta = 0;
        end
        "M": begin
          fields = $fscanf(fd, " %h", mw);
          if (fields != 1 || n_meta >= MAXB) $fatal(1, "malformed M record, or more than %0d", MAXB);
          metas[n_meta++] = mw;
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
          blocks[n_blk++] = {32'(idx), 2'(tag), scale};
        end
        "T": begin
          fields = $fscanf(fd, " %h %h %h", st, dec, rsn);
          hex_or_dash(fd, t_check_gs, gs);
          hex_or_dash(fd, t_check_sums, lo);
          hex_or_dash(fd, t_check_sums, hi);
          hex_or_dash(fd, t_check_sums, es);
          fields += $fscanf(fd, " %h %h %h", fbs, nz, amax);
          if (fields != 6) $fatal(1, "malformed T record");
          t_status = st;
          t_decision = dec;
          t_reason = rsn;
          t_gs = gs[31:0];
          t_lo = lo;
          t_hi = hi;
          t_err = es;
          t_fallbacks = fbs;
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
