// Replays a converter golden vector file (golden/cvt_f32_*.hex, format in golden/README.md) through
// mor_cvt_f32_to_fp8 and stops at the first mismatch. Tested under Verilator 5 (--binary) and Icarus Verilog 11
// (-g2012): it keeps to the SystemVerilog both accept (no break/continue, no void casts, no line buffer).
// An outside team replaces the DUT with its own lane (same ports). Plusargs: +vectors=FILE; the format is the
// parameter FMT, a format number of rtl/include/mor_pkg.sv (mor_pkg::FMT_E4M3 by default), set with -GFMT=
// (Verilator) or -Ptb_cvt_golden.FMT= (Icarus); E5M2 is 5.
module tb_cvt_golden #(
    parameter int FMT = mor_pkg::FMT_E4M3,
    localparam int EXP_BITS = mor_pkg::exp_bits(FMT),
    localparam int MAN_BITS = mor_pkg::man_bits(FMT)
);
  logic [31:0] f32, rand_bits;
  logic [2:0] rounding_mode;
  logic [1:0] overflow_mode;
  logic nan_mode;
  logic [EXP_BITS+MAN_BITS:0] code;
  mor_cvt_f32_to_fp8 #(.FMT(FMT)) dut (
      .f32(f32), .rounding_mode(rounding_mode), .overflow_mode(overflow_mode), .nan_mode(nan_mode),
      .rand_bits(rand_bits), .code(code));

  initial begin
    string path;
    int fd, c, n, checked;
    logic [31:0] x, r, o, nm, rb, want;
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    checked = 0;
    // A record is read with $fscanf after a look at its first character: '#' and empty lines are skipped, and so is
    // the rest of every line. (No line buffer: Verilator converts at most 256 characters of a vector to a string,
    // and Icarus' $fgets fills only vectors.)
    c = $fgetc(fd);
    while (c != -1) begin
      if (c != "#" && c != "\n") begin
        n = $ungetc(c, fd);
        n = $fscanf(fd, "%h %h %h %h %h %h", x, r, o, nm, rb, want);
        if (n != 6) $fatal(1, "malformed vector after %0d vectors of %s", checked, path);
        f32 = x;
        rounding_mode = r[2:0];
        overflow_mode = o[1:0];
        nan_mode = nm[0];
        rand_bits = rb;
        #1;
        if (code !== want[EXP_BITS+MAN_BITS:0])
          $fatal(1, "MISMATCH at vector %0d: f32=%h rounding=%0d overflow=%0d nan=%0d rand=%h: dut %h, golden %h",
                 checked, x, r, o, nm, rb, code, want[EXP_BITS+MAN_BITS:0]);
        checked++;
        c = $fgetc(fd);
      end
      while (c != "\n" && c != -1) c = $fgetc(fd);
      c = $fgetc(fd);
    end
    if (checked == 0) $fatal(1, "no vectors in %s", path);
    $display("PASS: %0d vectors of %s", checked, path);
    $finish;
  end
endmodule
