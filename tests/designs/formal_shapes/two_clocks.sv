// dv test design: two clock domains (an asynchronous FIFO has them); the formal engine models
// one clock and must say which clocks it found and where.
module two_clocks (input logic wclk, input logic rclk, input logic rst, input logic d,
                   output logic q);
  logic m;
  always_ff @(posedge wclk)
    if (rst) m <= 1'b0;
    else m <= d;
  always_ff @(posedge rclk)
    q <= m;
endmodule
