// A saturating counter with no initial value: from reset it never passes 9, from the
// initial (arbitrary) values it can start at 15.
module sat_count (input logic clk, input logic rst, output logic [3:0] cnt);
  always_ff @(posedge clk)
    if (rst) cnt <= '0;
    else if (cnt < 4'd9) cnt <= cnt + 4'd1;
  always @(posedge clk) if (!rst) a_max: assert (cnt <= 4'd9);
endmodule
