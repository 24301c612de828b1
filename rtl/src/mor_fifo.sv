// A first-in first-out queue of DEPTH entries of WIDTH bits with valid/ready on both sides (the engine's block-info
// queue). The head is read combinationally; a push and a pop may happen in the same cycle. in_ready looks at the fill
// level only, so a full queue takes no push even in a cycle it pops, and the producer's ready never depends on the
// consumer's. The storage needs no reset. The SystemC twin is sim/src/fifo.hpp.
module mor_fifo #(
    parameter int WIDTH = 1,
    parameter int DEPTH = 4,  // >= 2
    localparam int AW = $clog2(DEPTH),
    localparam int CW = $clog2(DEPTH + 1)
) (
    input  logic             clk,
    input  logic             rst_n,
    input  logic             in_valid,
    output logic             in_ready,
    input  logic [WIDTH-1:0] in_data,
    output logic             out_valid,
    input  logic             out_ready,
    output logic [WIDTH-1:0] out_data,
    output logic [CW-1:0]    count      // entries held
);
  logic [WIDTH-1:0] entries[DEPTH];
  logic [AW-1:0] rd, wr;
  logic push, pop;
  assign in_ready = count < CW'(DEPTH);
  assign out_valid = count != 0;
  assign out_data = entries[rd];
  assign push = in_valid && in_ready;
  assign pop = out_valid && out_ready;
  function automatic logic [AW-1:0] next(input logic [AW-1:0] p);
    next = p == AW'(DEPTH - 1) ? '0 : p + AW'(1);
  endfunction
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      count <= '0;
      rd <= '0;
      wr <= '0;
    end else begin
      if (push) wr <= next(wr);
      if (pop) rd <= next(rd);
      count <= count + CW'(push) - CW'(pop);
    end
  end
  always_ff @(posedge clk) begin
    if (push) entries[wr] <= in_data;
  end
endmodule
