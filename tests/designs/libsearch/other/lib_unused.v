// dv test design: in a library directory but used by nothing, so never read.
module lib_unused (input a, output y);
  assign y = a;
endmodule
