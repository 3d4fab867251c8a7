// dv test design: a source in a directory whose name has spaces (RTLLM lays its designs out
// so); the formal front end must read it like any other.
module spaced (input logic clk, input logic rst, input logic go, output logic [2:0] n);
  always_ff @(posedge clk)
    if (rst) n <= 3'd0;
    else if (go && n != 3'd5) n <= n + 3'd1;
endmodule
