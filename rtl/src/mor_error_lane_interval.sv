// The interval error lane (issue 16; theorem and proof in docs/interval-metric.md): two integers
// e_lo <= e_fx <= e_hi bounding the canonical per-element error of D5, e_fx = floor(min(|RN32(RN32(d - x) / x)|, 2)
// * 2^24), without a divider. From y = RN32(x * s) and the decoded FP8 value q = decode(FP8(y)) it forms the
// distance D = |q - y| on y's significand grid (q's top bits against y's, y's low bits as they are: no shifter),
// multiplies it by a reciprocal table of y's significand indexed by its top K fraction bits (lower and upper
// entry), and adds the rounding margin of the canonical chain. The tensor-level decision from the sums of the two
// bounds is always the canonical one (reject iff Sum e_lo > T_fx * NNZ, accept iff Sum e_hi <= T_fx * NNZ, else an
// exact fallback pass). Bit for bit the model's mor::error_fx_interval (model/include/mor/core/metric_interval.hpp).
//
// Datapath: stage A classifies the element, forms D (5-bit compare and subtract on the top bits, the low 20 bits of
// y or their complement) and reads the two tables; stage B is one carry-save multiply-add that gives both products
// D_t * F(i+1) and (D_t + 1) * (F(i) + 1), the alignment shift, the margin and the special-case multiplexer.
// STAGES = 0: combinational (clk unused); 1: a register cut between A and B; 2: also registered outputs.
module mor_error_lane_interval #(
    parameter int K = 8,
    parameter int STAGES = 0
) (
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic        clk,    // unused when STAGES = 0
    input  logic [31:0] x,      // the element (only its exponent field and zero-ness are read)
    input  logic [31:0] y,      // RN32(x * s)
    input  logic [31:0] q_f32,  // decode(FP8(y)): fraction bits below the top three are zero and not read
    /* verilator lint_on UNUSEDSIGNAL */
    output logic [25:0] e_lo,
    output logic [25:0] e_hi
);
  localparam int S = K + 3;    // fraction bits of the table (kIntervalGuardBits = 3)
  localparam int FW = S + 1;   // F(j) in [2^S, 2^(S+1)) for j >= 1
  localparam int GW = 5;       // G(i) = F(i) + 1 - F(i+1) <= 2^(S+1-K) + 2 = 18
  localparam int DW = 14;      // D_t = D >> 6 (D < 2^20) or D >> 9
  localparam int PW = DW + FW + 1 > 26 ? DW + FW + 1 : 26;  // the products, at least as wide as the bounds
  localparam logic [25:0] One = 26'd1 << 24, Cap = 26'd2 << 24, Margin = 26'd8;
  localparam logic [25:0] SatLo = (26'd1 << 21) - Margin, SatHi = One + Margin;

  // ---- the two tables, constants of K: F(i+1) = floor(2^(K+1+S) / (2^K + i + 1)) and G(i) ----
  logic [FW-1:0] rom_f[2**K];
  logic [GW-1:0] rom_g[2**K];
  for (genvar i = 0; i < 2**K; i++) begin : g_rom
    localparam logic [63:0] Num = 64'd1 << (K + 1 + S);
    localparam logic [63:0] FThis = Num / ((64'd1 << K) + 64'(i));
    localparam logic [63:0] FNext = Num / ((64'd1 << K) + 64'(i) + 64'd1);
    assign rom_f[i] = FW'(FNext);
    assign rom_g[i] = GW'(FThis + 64'd1 - FNext);
  end

  // ---- stage A: classify, distance, table read ----
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
    else if (qe < ye) a_cls = ClsSat;             // saturated: q = FMAX < 2^E <= |y|
    else if (xe == 8'd0) a_cls = ClsNone;         // FP32-subnormal x
    else a_cls = ClsGeneral;
  end
  // q = q_sig * 2^(E-3), y = {1, y_top} * 2^(E-3) + r * 2^(E-23): D' = |q - y| in units of 2^(E-23), minus one
  // when q > y (the complement of r instead of its negation).
  logic [4:0] q_sig, y_sig;
  assign q_sig = (qe == ye) ? {2'b01, q_top} : 5'd16;
  assign y_sig = {2'b01, y_top};
  logic up;
  assign up = q_sig > y_sig;
  logic [2:0] top_up, top_down;  // both in [0, 7]
  assign top_up = 3'(q_sig - y_sig - 5'd1);
  assign top_down = 3'(y_sig - q_sig);
  logic [22:6] distance;  // the bits below 6 never reach D_t
  assign distance = up ? {top_up, ~y[19:6]} : {top_down, y[19:6]};
  logic a_far;  // D' >= 2^20: D_t = D' >> 9, else D' >> 6
  assign a_far = distance[22:20] != 3'd0;
  logic [DW-1:0] a_dt;
  assign a_dt = a_far ? distance[22:9] : distance[19:6];
  logic [K-1:0] idx;
  assign idx = y[22 -: K];
  logic [FW-1:0] a_f;
  logic [GW-1:0] a_g;
  assign a_f = rom_f[idx];
  assign a_g = rom_g[idx];
  logic a_huge;  // |x| >= 2^126: d may overflow, the upper bound is the cap
  assign a_huge = xe >= 8'd253;

  // ---- cut 1 ----
  logic [2:0] b_cls;
  logic b_far, b_huge;
  logic [DW-1:0] b_dt;
  logic [FW-1:0] b_f;
  logic [GW-1:0] b_g;
  if (STAGES >= 1) begin : g_cut1
    always_ff @(posedge clk) begin
      b_cls <= a_cls;
      b_far <= a_far;
      b_huge <= a_huge;
      b_dt <= a_dt;
      b_f <= a_f;
      b_g <= a_g;
    end
  end else begin : g_nocut1
    assign b_cls = a_cls;
    assign b_far = a_far;
    assign b_huge = a_huge;
    assign b_dt = a_dt;
    assign b_f = a_f;
    assign b_g = a_g;
  end

  // ---- stage B: P_lo = D_t * F(i+1), P_hi = (D_t + 1) * (F(i) + 1) = P_lo + F(i+1) + G(i) * (D_t + 1) ----
  logic [PW-1:0] p_lo, p_hi;
  assign p_lo = PW'(b_dt) * PW'(b_f);
  assign p_hi = PW'(b_dt) * PW'(b_f) + PW'(b_dt) * PW'(b_g) + PW'(b_f) + PW'(b_g);
  // tau = P * 2^(j - S), j = 6 or 9.
  logic [25:0] tau_lo, tau_hi;
  assign tau_lo = b_far ? 26'(p_lo >> (S - 9)) : 26'(p_lo >> (S - 6));
  assign tau_hi = b_far ? 26'(p_hi >> (S - 9)) : 26'(p_hi >> (S - 6));
  logic [25:0] g_lo, g_hi;
  assign g_lo = tau_lo > Margin ? tau_lo - Margin : 26'd0;
  assign g_hi = b_huge ? Cap : tau_hi + Margin;
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
