// Two request/acknowledge units; the second (BUG = 1) drops every other acknowledge.
// dv test design for bound checker modules with their own state (hs_chk.sv).
module hs #(parameter bit BUG = 1'b0) (input logic clk, input logic rst, input logic req,
                                      output logic ack);
  logic toggle;
  always_ff @(posedge clk)
    if (rst) begin ack <= 1'b0; toggle <= 1'b0; end
    else begin
      toggle <= ~toggle;
      ack <= BUG ? (req && toggle) : req;
    end
endmodule

module hs_pair (input logic clk, input logic rst, input logic [1:0] req,
                output logic [1:0] ack);
  hs #(.BUG(1'b0)) u0 (.clk, .rst, .req(req[0]), .ack(ack[0]));
  hs #(.BUG(1'b1)) u1 (.clk, .rst, .req(req[1]), .ack(ack[1]));
endmodule
