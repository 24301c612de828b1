// Takes an FP32 value apart for the arithmetic units: class flags, and for finite nonzero values a normalized
// 24-bit significand (leading bit set) with the unbiased exponent of that leading bit (subnormals normalized).
module mor_f32_unpack (
    input  logic [31:0]        f32,
    output logic               sign,
    output logic               is_nan,
    output logic               is_inf,
    output logic               is_zero,
    output logic signed [11:0] exp,
    output logic [23:0]        sig
);
  logic [7:0] e;
  logic [22:0] m;
  assign sign = f32[31];
  assign e = f32[30:23];
  assign m = f32[22:0];
  assign is_nan = (e == 8'hFF) && (m != 0);
  assign is_inf = (e == 8'hFF) && (m == 0);
  assign is_zero = (e == 8'h00) && (m == 0);
  // Leading-zero count of a subnormal mantissa (as a 24-bit value with the hidden bit clear).
  logic [4:0] lz;
  always_comb begin
    lz = 5'd23;
    for (int i = 0; i < 23; i++)
      if (m[i]) lz = 5'(23 - i);
  end
  always_comb begin
    if (e != 0) begin
      sig = {1'b1, m};
      exp = 12'(e) - 12'sd127;
    end else begin
      sig = {1'b0, m} << lz;
      exp = -12'sd126 - 12'(lz);
    end
  end
endmodule
