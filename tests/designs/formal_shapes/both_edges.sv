// dv test design: registers on both edges of one clock (picosoc's spimemio does this); the
// formal engine cannot model it and must say where.
module both_edges (input logic clk, input logic rst, input logic d, output logic q, r);
  always_ff @(posedge clk)
    if (rst) q <= 1'b0;
    else q <= d;
  always_ff @(negedge clk)
    r <= q;
endmodule
