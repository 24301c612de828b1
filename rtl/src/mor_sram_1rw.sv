// A single-port SRAM macro's interface (1RW): one access per cycle, a write or a read, on the rising edge; the read
// data is registered and holds until the next read, as a compiled SRAM's output latch does. The engine's block
// buffers are two of these; a real macro (or several narrower ones side by side) drops in here. The behavioral
// array needs no reset; the cost flow keeps it as a memory, counted in bits (docs/cost.md).
module mor_sram_1rw #(
    parameter int WIDTH = 32,
    parameter int DEPTH = 512,
    localparam int AW = $clog2(DEPTH)
) (
    input  logic             clk,
    input  logic             ce,     // an access this cycle
    input  logic             we,     // ... a write (else a read)
    input  logic [AW-1:0]    addr,
    input  logic [WIDTH-1:0] wdata,
    output logic [WIDTH-1:0] rdata
);
  logic [WIDTH-1:0] mem[DEPTH];
  always_ff @(posedge clk) begin
    if (ce && we) mem[addr] <= wdata;
    if (ce && !we) rdata <= mem[addr];
  end
endmodule
