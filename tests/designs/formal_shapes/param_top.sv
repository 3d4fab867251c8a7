// dv test design: a top whose parameter has no default (bsg_two_fifo's width_p has none), so
// it elaborates only with -G; a hole in its submodule and a toggle in a generate block must
// still be targets (the hierarchical names are looked up with the -G values).
module param_top_sub #(parameter int W = 4) (input logic clk, input logic rst,
                                              input logic go, output logic [W-1:0] n);
  always_ff @(posedge clk)
    if (rst) n <= '0;
    else if (go) n <= n + 1'b1;
endmodule

module param_top #(parameter int W) (input logic clk, input logic rst, input logic go,
                                     output logic [W-1:0] n, output logic flag);
  param_top_sub #(.W(W)) u_sub (.clk, .rst, .go, .n);
  if (W > 2) begin : g_flag
    logic seen;
    always_ff @(posedge clk)
      if (rst) seen <= 1'b0;
      else if (n == '1) seen <= 1'b1;
    assign flag = seen;
  end else begin : g_none
    assign flag = 1'b0;
  end
endmodule
