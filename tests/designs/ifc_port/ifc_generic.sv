// dv test design: a generic interface port (no modport): the directions of its signals are
// not declared, so dv refuses it, naming the port, file and line.
interface ifc_generic_bus;
  logic a, b;
endinterface

module ifc_generic (input logic clk, interface bus, output logic q);
  always_ff @(posedge clk) q <= bus.a;
endmodule
