// One valid/ready register stage, the plumbing FPnew puts around its cores: a transfer happens on a clock edge
// where valid and ready are both high, and the stage holds one beat of WIDTH bits.
//   LOCKSTEP = 0: the stage takes a beat whenever it is empty or its own beat leaves (in_ready = out_ready ||
//                 !out_valid), so bubbles close up; its in_ready still passes out_ready through combinationally
//                 (mor_skid_buffer registers it).
//   LOCKSTEP = 1: the stage moves only with its successor (in_ready = out_ready). A chain of lockstep stages
//                 ending in one LOCKSTEP = 0 stage stalls as a whole, bubbles included: the engine's element
//                 pipeline today (mor_element_pipe).
// The data register loads only with a beat, so it holds still through bubbles and needs no reset. The SystemC
// twin is sim/src/pipe_stage.hpp.
module mor_pipe_stage #(
    parameter int WIDTH = 1,
    parameter int LOCKSTEP = 0  // 0 or 1
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
  assign in_ready = LOCKSTEP != 0 ? out_ready : (out_ready || !out_valid);
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) out_valid <= 1'b0;
    else if (in_ready) out_valid <= in_valid;
  end
  always_ff @(posedge clk) begin
    if (in_ready && in_valid) out_data <= in_data;
  end
endmodule
