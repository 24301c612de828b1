// A skid buffer: a valid/ready stage at full throughput whose in_ready comes straight from a register, so the
// ready path of a long pipeline is cut here (a mor_pipe_stage passes out_ready through to in_ready). Two
// registers: the output register, and the skid register that catches the one beat accepted in the cycle out_ready
// fell. Latency one cycle; one beat per cycle while out_ready stays high. The SystemC twin is
// sim/src/skid_buffer.hpp.
module mor_skid_buffer #(
    parameter int WIDTH = 1
) (
    input  logic             clk,
    input  logic             rst_n,
    input  logic             in_valid,
    output logic             in_ready,
    input  logic [WIDTH-1:0] in_data,
    output logic             out_valid,
    input  logic             out_ready,
    output logic [WIDTH-1:0] out_data
);
  logic skid_valid;
  logic [WIDTH-1:0] skid_data;
  logic out_load;  // the output register takes a beat: it is empty or its beat leaves
  assign in_ready = !skid_valid;
  assign out_load = out_ready || !out_valid;
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      out_valid <= 1'b0;
      skid_valid <= 1'b0;
    end else if (out_load) begin
      out_valid <= skid_valid || in_valid;  // the skid register empties first; in_ready was low meanwhile
      skid_valid <= 1'b0;
    end else if (in_valid && in_ready) begin
      skid_valid <= 1'b1;                   // the output is held: the accepted beat waits in the skid register
    end
  end
  always_ff @(posedge clk) begin
    if (out_load && (skid_valid || in_valid)) out_data <= skid_valid ? skid_data : in_data;
    if (!out_load && in_valid && in_ready) skid_data <= in_data;
  end
endmodule
