// dv test design: the top has a SystemVerilog interface port (with a modport); dv wraps it
// so that the interface's signals become plain ports the testbench drives and reads.
interface ifc_port_bus #(parameter int W = 8) (input logic clk);
  logic [W-1:0] data;
  logic valid, ready;
  modport sink (input data, input valid, output ready);
endinterface

module ifc_port (input logic clk, input logic rst, ifc_port_bus.sink bus,
                 output logic [7:0] last, output logic [3:0] count);
  assign bus.ready = !rst && count != 4'd9;
  always_ff @(posedge clk)
    if (rst) begin
      last <= '0;
      count <= '0;
    end else if (bus.valid && bus.ready) begin
      last <= bus.data;
      count <= count + 4'd1;
    end
endmodule
