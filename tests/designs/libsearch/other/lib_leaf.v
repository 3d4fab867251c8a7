// dv test design (second library directory): the register itself.
module lib_leaf (input clk, input rst, input [3:0] d, output reg [3:0] q);
  always @(posedge clk)
    if (rst) q <= 4'd0;
    else q <= d;
endmodule
