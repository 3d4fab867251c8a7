// dv test design: the top instantiates lib_inc and lib_reg, which live in library
// directories found with -y (lib/lib_inc.sv; lib_reg in lib/lib_reg.v, which in turn
// instantiates lib_leaf from other/).
module lib_top (
  input  logic       clk,
  input  logic       rst,
  input  logic [3:0] d,
  output logic [3:0] q
);
  logic [3:0] inc;
  lib_inc u_inc (.a(d), .y(inc));
  lib_reg u_reg (.clk(clk), .rst(rst), .d(inc), .q(q));
endmodule
