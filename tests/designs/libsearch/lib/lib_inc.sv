// dv test design (library directory): +1.
module lib_inc (input logic [3:0] a, output logic [3:0] y);
  assign y = a + 4'd1;
endmodule
