// Checks written for simulation only: the synthesis front end compiles them out.
module guarded (input logic clk, input logic rst, output logic [3:0] cnt);
  always_ff @(posedge clk)
    if (rst) cnt <= '0;
    else if (cnt < 4'd9) cnt <= cnt + 4'd1;
`ifndef SYNTHESIS
  always @(posedge clk) if (!rst) a_max: assert (cnt <= 4'd9);
`endif
endmodule
