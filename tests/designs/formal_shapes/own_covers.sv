// dv test design: the design's own cover statements (Verilator counts them as user points);
// a user point left open is answered by the same statement in the formal model: c_top is
// reachable, c_never is not (n stops at 5).
module own_covers (input logic clk, input logic rst, input logic go, output logic [2:0] n);
  always_ff @(posedge clk)
    if (rst) n <= 3'd0;
    else if (go && n < 3'd5) n <= n + 3'd1;
  c_top: cover property (@(posedge clk) disable iff (rst) n == 3'd5);
  c_never: cover property (@(posedge clk) disable iff (rst) n == 3'd7);
endmodule
