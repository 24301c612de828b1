// mor_f32_addsub, step 3 of 4: normalize the aligned sum (leading one to bit 27) and give its exponent.
module mor_f32_addsub_norm (
    input  logic [27:0]        sum,
    input  logic signed [11:0] ex,
    output logic [27:0]        norm,
    output logic signed [11:0] exp
);
  logic [4:0] lz;
  always_comb begin
    lz = 5'd28;
    for (int i = 0; i < 28; i++)
      if (sum[i]) lz = 5'(27 - i);
  end
  assign norm = sum << lz;
  assign exp = ex + 12'sd1 - 12'(lz);
endmodule
