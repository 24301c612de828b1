// The interval error lane (issue 16; theorem and proof in docs/interval-metric.md): two integers
// e_lo <= e_fx <= e_hi bounding the canonical per-element error of D5, e_fx = floor(min(|RN32(RN32(d - x) / x)|, 2)
// * 2^24), without a divider. From y = RN32(x * s) and the decoded FP8 value q = decode(FP8(y)) it forms the
// distance D = |q - y| on y's significand grid (q's top bits against y's, y's low bits as they are: no shifter) and
// ONE truncated product D_t * R, where R >= 2/m (m = y's significand) is the chord of a (2^K + 1)-node reciprocal
// table interpolated on y's next 11 - K fraction bits, within 2^-10 of 2/m. hi adds the truncations and the
// rounding margin of the canonical chain; lo takes 2^-10 of the product and the margin off. The tensor-level
// decision from the sums of the two bounds is always the canonical one (reject iff Sum e_lo > T_fx * NNZ, accept
// iff Sum e_hi <= T_fx * NNZ, else an exact fallback pass). Bit for bit the model's mor::error_fx_interval
// (model/include/mor/core/metric_interval.hpp, which holds the constants below and says why).
//
// Stage A classifies the element, forms D_t (a 5-bit subtract, y's low bits or their complement, a 14-bit
// multiplexer) and R - 2049 (the two table nodes, a (13-K) x (11-K) multiply and a subtract); stage B is the
// truncated 14 x 11 multiply-add, the alignment (two positions), the two margins and the special-case multiplexer.
// STAGES = 0: combinational (clk unused); 1: a register cut between A and B (30 bits); 2: also registered outputs.
// K: index bits of the table, 6 to 10 (the model's kIntervalMinK..kIntervalMaxK).
module mor_error_lane_interval #(
    parameter int K = 6,
    parameter int STAGES = 0
) (
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic        clk,    // unused when STAGES = 0
    input  logic [31:0] x,      // the element (only its exponent field and zero-ness are read)
    input  logic [31:0] y,      // RN32(x * s): all but the sign is read
    input  logic [31:0] q_f32,  // decode(FP8(y)): fraction bits below the top three are zero and not read
    /* verilator lint_on UNUSEDSIGNAL */
    output logic [25:0] e_lo,
    output logic [25:0] e_hi
);
  localparam int P = 11 - K;   // interpolation bits below the index (kIntervalSpanBits - K)
  localparam int GW = 14 - K;  // G(i) = F(i) - F(i+1) <= 2^(13-K) (reached for K >= 8; constant zero bits cost nothing)
  localparam int DW = 14;      // D_t = D' >> 6 (D' < 2^20) or D' >> 9 (kIntervalDistBits)
  localparam int C0 = 9;       // partial-product bits of weight < 2^C0 are dropped (kIntervalDropBits)
  localparam int PW = 26;      // the product: D_t * R < 2^14 * 2^12
  localparam logic [25:0] One = 26'd1 << 24, Cap = 26'd2 << 24, Margin = 26'd8;
  localparam logic [25:0] SatLo = (26'd1 << 21) - Margin, SatHi = One + Margin;
  // hi = z + 2^(j+1) + ceil(DropMax / 2^(11-j)) + 8 with DropMax = 4608 (the model's interval_hi_margin)
  localparam logic [25:0] HiNear = 26'd280, HiFar = 26'd2184;
  localparam logic [25:0] LoMargin = 26'd9;

  // ---- the table, constants of K: E(i) = F(i) - 4097 and G(i), F(j) = ceil(2^(13+K) / (2^K + j)) ----
  logic [11:0] rom_e[2**K];
  logic [GW-1:0] rom_g[2**K];
  for (genvar i = 0; i < 2**K; i++) begin : g_rom
    localparam logic [63:0] Num = 64'd1 << (13 + K);
    localparam logic [63:0] Den = (64'd1 << K) + 64'(i);
    localparam logic [63:0] FThis = (Num + Den - 64'd1) / Den;
    localparam logic [63:0] FNext = (Num + Den) / (Den + 64'd1);
    assign rom_e[i] = 12'(FThis - 64'd4097);
    assign rom_g[i] = GW'(FThis - FNext);
  end

  // ---- stage A: classify ----
  localparam logic [2:0] ClsGeneral = 3'd0, ClsZero = 3'd1, ClsOne = 3'd2, ClsNone = 3'd3, ClsSat = 3'd4;
  logic [7:0] xe, ye, qe;
  logic [2:0] q_top, y_top;
  assign xe = x[30:23];
  assign ye = y[30:23];
  assign qe = q_f32[30:23];
  assign q_top = q_f32[22:20];
  assign y_top = y[22:20];
  logic x_zero, q_zero, y_inf, q_off;
  assign x_zero = x[30:0] == 31'd0;
  assign q_zero = q_f32[30:0] == 31'd0;
  assign y_inf = y[30:0] == 31'h7F80_0000;
  assign q_off = ye == 8'd0 || ye == 8'hFF || qe == 8'hFF || {1'b0, qe} > {1'b0, ye} + 9'd1 ||
                 (qe == ye + 8'd1 && q_top != 3'd0);  // q is no FP8 rounding of y: outside the contract
  logic [2:0] a_cls;
  always_comb begin
    if (x_zero) a_cls = ClsZero;
    else if (xe == 8'hFF) a_cls = ClsNone;        // non-finite x: outside the contract (D2 decides first)
    else if (q_zero || y_inf) a_cls = ClsOne;     // d = 0, or y = Inf: e = 1 exactly
    else if (q_off) a_cls = ClsNone;
    else if (qe < ye) a_cls = ClsSat;             // saturated: q = FMAX < 2^E <= y
    else if (xe == 8'd0) a_cls = ClsNone;         // FP32-subnormal x
    else a_cls = ClsGeneral;
  end
  logic a_huge;  // |x| >= 2^126: d may overflow, the upper bound is the cap
  assign a_huge = xe >= 8'd253;

  // ---- stage A: the distance. q = q_sig 2^(E-3), y = {1, y_top} 2^(E-3) + y[19:0] 2^(E-23); with
  // d = {1, y_top} - q_sig in [-8, 7] (4-bit two's complement; q_sig = 16 enters as 0, the same modulo 16),
  // D' = {d, y[19:0]} (d >= 0: D' = D) or its complement (d < 0: D' = D - 1) ----
  logic [3:0] q_sig, d_sig;
  assign q_sig = (qe == ye) ? {1'b1, q_top} : 4'd0;
  assign d_sig = {1'b1, y_top} - q_sig;
  logic a_far;  // D' >= 2^20: D_t = D' >> 9, else D' >> 6
  assign a_far = d_sig[2:0] != {3{d_sig[3]}};
  logic [DW-1:0] a_dt;
  assign a_dt = (a_far ? {d_sig[2:0], y[19:9]} : y[19:6]) ^ {DW{d_sig[3]}};

  // ---- stage A: R - 2049 = ({E(i), 1...1} - G(i) * phi) >> (P + 1), the chord rounded up ----
  logic [K-1:0] idx;
  logic [P-1:0] phi;
  assign idx = y[22 -: K];
  logic [GW+P-1:0] g_phi;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [11+P:0] chord;  // its low P + 1 bits only carry the borrow
  /* verilator lint_on UNUSEDSIGNAL */
  assign phi = y[22-K -: P];
  assign g_phi = rom_g[idx] * phi;
  assign chord = {rom_e[idx], {P{1'b1}}} - {{(12-GW){1'b0}}, g_phi};
  logic [10:0] a_r;
  assign a_r = chord[11+P -: 11];

  // ---- cut 1 ----
  logic [2:0] b_cls;
  logic b_far, b_huge;
  logic [DW-1:0] b_dt;
  logic [10:0] b_r;
  if (STAGES >= 1) begin : g_cut1
    always_ff @(posedge clk) begin
      b_cls <= a_cls;
      b_far <= a_far;
      b_huge <= a_huge;
      b_dt <= a_dt;
      b_r <= a_r;
    end
  end else begin : g_nocut1
    assign b_cls = a_cls;
    assign b_far = a_far;
    assign b_huge = a_huge;
    assign b_dt = a_dt;
    assign b_r = a_r;
  end

  // ---- stage B: P_t = D_t * (2049 + r) = (D_t << 11) + D_t + D_t * r, partial-product bits of weight < 2^C0
  // dropped (P - 4608 <= P_t <= P) ----
  localparam logic [PW-1:0] Keep = ~((PW'(1) << C0) - PW'(1));
  logic [PW-1:0] p_t;
  always_comb begin
    logic [PW-1:0] dt_w, r_w, row;
    dt_w = {{(PW-DW){1'b0}}, b_dt};
    r_w = {{(PW-11){1'b0}}, b_r};
    p_t = (dt_w << 11) + (dt_w & Keep);
    for (int a = 0; a < DW; a++) begin
      row = b_dt[a] ? (r_w << a) : {PW{1'b0}};
      p_t = p_t + (row & Keep);
    end
  end
  // z = P_t * 2^(j - 11), j = 6 or 9: < 2^21 near, < 2^24 far
  logic [23:0] z;
  assign z = b_far ? p_t[25:2] : {3'd0, p_t[25:5]};
  logic [25:0] g_lo, g_hi;
  logic [24:0] lo_raw;  // z - floor(z / 2^10) - 9, negative (bit 24) for a tiny z
  assign lo_raw = {1'b0, z} - {11'd0, z[23:10]} - {LoMargin[24:0]};
  assign g_lo = lo_raw[24] ? 26'd0 : {2'd0, lo_raw[23:0]};
  assign g_hi = b_huge ? Cap : {2'd0, z} + (b_far ? HiFar : HiNear);
  logic [25:0] c_lo, c_hi;
  always_comb begin
    case (b_cls)
      ClsZero: begin c_lo = 26'd0; c_hi = 26'd0; end
      ClsOne: begin c_lo = One; c_hi = One; end
      ClsNone: begin c_lo = 26'd0; c_hi = Cap; end
      ClsSat: begin c_lo = SatLo; c_hi = SatHi; end
      default: begin c_lo = g_lo; c_hi = g_hi; end
    endcase
  end

  // ---- cut 2 ----
  if (STAGES >= 2) begin : g_cut2
    always_ff @(posedge clk) begin
      e_lo <= c_lo;
      e_hi <= c_hi;
    end
  end else begin : g_nocut2
    assign e_lo = c_lo;
    assign e_hi = c_hi;
  end
endmodule
