// The engine's one divider (docs/ENGINE.md, "The shared divider"): a radix-2 restoring significand divider, one
// quotient bit per cycle, shared by every once-per-tensor and once-per-block division and by the exact fallback:
//   requester 0  mor_tensor_ctrl     r_g = RN32(FMAX / a_g') and the GAM thresholds' quotient (raw)
//   requester 1  mor_subtensor_ctrl  FP32 block scales RN32(FMAX / amax)
//   requester 2  mor_fallback_unit   its dequantize table (raw) and e = RN32(D / x) per element
// A requester holds req (and its operands) until grant; the lowest requester index wins. A granted operation takes
// DIV_CYCLES cycles: the grant cycle unpacks the operands, 27 cycles form the quotient bits, two round and pack it
// (mor_div_finish_a, mor_div_finish_b); done pulses for the requester in the cycle after, with the result, and the
// unit grants again in that cycle.
//   FP32 (raw = 0): result = RN32(a / b), bit for bit mor_f32_div (NaN results 0x7FC00000).
//   raw (raw = 1):  a[24:0] = A, b[24:0] = B with A < 2B: result = {sticky, quo[26:0]}, quo = floor(A * 2^26 / B),
//                   sticky = (remainder != 0): the significand quotient of mor_sig_div, for divisors of 25 bits.
module mor_div_unit #(
    parameter int N = 3  // requesters
) (
    input  logic            clk,
    input  logic            rst_n,
    input  logic [N-1:0]    req,
    input  logic [N-1:0]    req_raw,
    input  logic [32*N-1:0] req_a,
    input  logic [32*N-1:0] req_b,
    output logic [N-1:0]    grant,
    output logic [N-1:0]    done,
    output logic [31:0]     result
);
  localparam int STEPS = 27;
  typedef enum logic [1:0] { D_IDLE, D_ITER, D_FIN1, D_FIN2 } state_t;
  state_t state;

  // ---- arbitration: the lowest index with a request ----
  localparam int PW = $clog2(N + 1);
  logic [PW-1:0] pick;
  always_comb begin
    pick = '0;
    for (int k = N - 1; k >= 0; k--)
      if (req[k]) pick = PW'(k);
  end
  logic start;
  assign start = state == D_IDLE && req != '0;
  for (genvar k = 0; k < N; k++) begin : g_grant
    assign grant[k] = start && pick == k;
  end

  // ---- operands of the granted request, unpacked in the grant cycle ----
  logic [31:0] a, b;
  logic raw;
  assign a = req_a[32*pick +: 32];
  assign b = req_b[32*pick +: 32];
  assign raw = req_raw[pick];
  logic sa, sb, na, nb, ia, ib, za, zb;
  logic signed [11:0] ea, eb;
  logic [23:0] ma, mb;
  mor_f32_unpack ua (.f32(a), .sign(sa), .is_nan(na), .is_inf(ia), .is_zero(za), .exp(ea), .sig(ma));
  mor_f32_unpack ub (.f32(b), .sign(sb), .is_nan(nb), .is_inf(ib), .is_zero(zb), .exp(eb), .sig(mb));

  // ---- registers of the operation ----
  logic [N-1:0] owner;
  logic op_raw;
  logic [7:0] flags;                 // {sa, sb, na, nb, ia, ib, za, zb} of the FP32 operands
  logic raw_sticky;
  logic signed [11:0] r_ea, r_eb;
  logic [24:0] divisor;
  logic [25:0] rem;                  // the partial remainder to compare, < 2 * divisor
  logic [26:0] quo;
  logic [4:0] count;
  logic [24:0] diff;  // rem - divisor when it fits: the new remainder is below the divisor
  logic bit_q;
  assign diff = 25'(rem - {1'b0, divisor});
  assign bit_q = rem >= {1'b0, divisor};

  // ---- rounding of an FP32 result: finish_a in D_FIN1, finish_b in D_FIN2 ----
  logic f_sign, f_guard, f_sticky, f_overflows, f_special;
  logic [23:0] f_kept;
  logic [8:0] f_efield;
  logic [31:0] f_special_y, f_y;
  mor_div_finish_a fin_a (.sa(flags[7]), .sb(flags[6]), .na(flags[5]), .nb(flags[4]), .ia(flags[3]), .ib(flags[2]),
                          .za(flags[1]), .zb(flags[0]), .ea(r_ea), .eb(r_eb), .quo(quo), .sticky(rem != 0),
                          .sign(f_sign), .kept(f_kept), .guard(f_guard), .round_sticky(f_sticky),
                          .e_field(f_efield), .overflows(f_overflows), .special(f_special), .special_y(f_special_y));
  logic h_sign, h_guard, h_sticky, h_overflows, h_special;
  logic [23:0] h_kept;
  logic [8:0] h_efield;
  logic [31:0] h_special_y;
  mor_div_finish_b fin_b (.sign(h_sign), .kept(h_kept), .guard(h_guard), .round_sticky(h_sticky),
                          .e_field(h_efield), .overflows(h_overflows), .special(h_special), .special_y(h_special_y), .y(f_y));

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      state <= D_IDLE;
      done <= '0;
      owner <= '0;
      count <= '0;
    end else begin
      done <= '0;
      case (state)
        D_IDLE: if (start) begin
          owner <= grant;
          count <= '0;
          state <= D_ITER;
        end
        D_ITER: begin
          count <= count + 5'd1;
          if (count == 5'(STEPS - 1)) state <= D_FIN1;
        end
        D_FIN1: state <= D_FIN2;
        default: begin  // D_FIN2
          done <= owner;
          state <= D_IDLE;
        end
      endcase
    end
  end

  // The datapath registers load only while an operation runs (no reset needed).
  always_ff @(posedge clk) begin
    case (state)
      D_IDLE: if (start) begin
        op_raw <= raw;
        flags <= {sa, sb, na, nb, ia, ib, za, zb};
        r_ea <= ea;
        r_eb <= eb;
        rem <= raw ? {1'b0, a[24:0]} : {2'b0, ma};
        divisor <= raw ? b[24:0] : {1'b0, mb};
        quo <= '0;
      end
      D_ITER: begin
        quo <= {quo[25:0], bit_q};
        rem <= {bit_q ? diff : rem[24:0], 1'b0};  // the remainder is below the divisor: it fits 25 bits
      end
      D_FIN1: begin
        {h_sign, h_kept, h_guard, h_sticky, h_efield, h_overflows, h_special, h_special_y} <=
            {f_sign, f_kept, f_guard, f_sticky, f_efield, f_overflows, f_special, f_special_y};
        raw_sticky <= rem != 0;
      end
      default: result <= op_raw ? {4'd0, raw_sticky, quo} : f_y;
    endcase
  end
endmodule
