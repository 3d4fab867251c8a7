// A purely combinational design (no clock): driven with a settle delay instead of a clock.
module comb_alu (input logic [3:0] a, input logic [3:0] b, input logic [1:0] op, output logic [4:0] y, output logic zero);
  always_comb begin
    case (op)
      2'd0: y = a + b;
      2'd1: y = {1'b0, a & b};
      2'd2: y = {1'b0, a | b};
      default: y = {1'b0, a ^ b};
    endcase
    zero = (y == 5'd0);
  end
endmodule
