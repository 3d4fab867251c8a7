// A bound checker with its own state (dv test): it counts requests not yet acknowledged and
// states its properties as concurrent SVA over its own counter.
module hs_chk (input logic clk, input logic rst, input logic req, input logic ack);
  logic [1:0] pend;
  always_ff @(posedge clk)
    if (rst) pend <= 2'd0;
    else pend <= pend + {1'b0, req} - {1'b0, ack};
  a_follows: assert property (@(posedge clk) disable iff (rst) req |=> ack);
  a_pend: assert property (@(posedge clk) disable iff (rst) pend == {1'b0, ack});
  c_two: cover property (@(posedge clk) disable iff (rst) req ##1 req);
endmodule
bind hs hs_chk chk_i (.*);
