// dv test design (library directory, .v): a register around lib_leaf.
module lib_reg (input clk, input rst, input [3:0] d, output [3:0] q);
  lib_leaf u_leaf (.clk(clk), .rst(rst), .d(d), .q(q));
endmodule
