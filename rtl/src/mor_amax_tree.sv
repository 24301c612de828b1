// Statistics of one beat of LANES FP32 values (D1): amax of |x| compared as integers on the bits, the smallest
// nonzero finite |x| (sub-tensor dynamic range), and the counts of nonzero and non-finite elements. One generate
// array per tree level (BUILD-NOTES trap 13). NaN policy is a parameter: 0 IGNORE_NAN, 1 PROPAGATE_NAN.
module mor_amax_tree #(
    parameter int LANES = mor_pkg::ENGINE_LANES,
    parameter int PROPAGATE_NAN = 0
) (
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [LANES*32-1:0]    data,  // sign bits unused: statistics of |x|
    /* verilator lint_on UNUSEDSIGNAL */
    output logic [31:0]            amax,
    output logic [31:0]            min_nonzero,  // 0x7F800000 when there is none
    output logic [$clog2(LANES):0] nnz,
    output logic [$clog2(LANES):0] nonfinite
);
  localparam int LEVELS = $clog2(LANES);
  localparam int CW = $clog2(LANES) + 1;
  logic [31:0] mag[LANES];
  logic [31:0] smallest[LANES];
  logic [CW-1:0] nz_cnt[LANES], nf_cnt[LANES];
  for (genvar i = 0; i < LANES; i++) begin : g_leaf
    logic [30:0] a;
    logic nan;
    assign a = data[32*i +: 31];
    assign nan = a > 31'h7F80_0000;
    assign mag[i] = nan ? (PROPAGATE_NAN != 0 ? 32'h7FC0_0000 : 32'd0) : {1'b0, a};
    assign smallest[i] = (a != 0 && a < 31'h7F80_0000) ? {1'b0, a} : 32'h7F80_0000;
    assign nz_cnt[i] = CW'(a != 0);
    assign nf_cnt[i] = CW'(a >= 31'h7F80_0000);
  end
  for (genvar l = 0; l <= LEVELS; l++) begin : g_level
    localparam int N = LANES >> l;
    logic [31:0] mx[N], mn[N];
    logic [CW-1:0] nz[N], nf[N];
    for (genvar i = 0; i < N; i++) begin : g_node
      if (l == 0) begin : g_in
        assign mx[i] = mag[i];
        assign mn[i] = smallest[i];
        assign nz[i] = nz_cnt[i];
        assign nf[i] = nf_cnt[i];
      end else begin : g_op
        assign mx[i] = g_level[l-1].mx[2*i] > g_level[l-1].mx[2*i+1] ? g_level[l-1].mx[2*i] : g_level[l-1].mx[2*i+1];
        assign mn[i] = g_level[l-1].mn[2*i] < g_level[l-1].mn[2*i+1] ? g_level[l-1].mn[2*i] : g_level[l-1].mn[2*i+1];
        assign nz[i] = g_level[l-1].nz[2*i] + g_level[l-1].nz[2*i+1];
        assign nf[i] = g_level[l-1].nf[2*i] + g_level[l-1].nf[2*i+1];
      end
    end
  end
  assign amax = g_level[LEVELS].mx[0];
  assign min_nonzero = g_level[LEVELS].mn[0];
  assign nnz = g_level[LEVELS].nz[0];
  assign nonfinite = g_level[LEVELS].nf[0];
endmodule
