// Concurrent SVA written inline in the RTL (dv test): a request/grant handshake where a
// grant follows every request one cycle later, and a deliberately false claim.
module inline_sva (input logic clk, input logic rst_n, input logic req,
                   output logic gnt, output logic [2:0] n);
  always_ff @(posedge clk or negedge rst_n)
    if (!rst_n) begin gnt <= 1'b0; n <= '0; end
    else begin
      gnt <= req;
      if (req && n != 3'd7) n <= n + 3'd1;
    end

  a_grant: assert property (@(posedge clk) disable iff (!rst_n) req |=> gnt);
  a_quiet: assert property (@(posedge clk) disable iff (!rst_n) !req |=> !gnt);
  a_wrong: assert property (@(posedge clk) disable iff (!rst_n) req |-> ##2 !gnt);
  c_three: cover property (@(posedge clk) disable iff (!rst_n) req ##1 req ##1 req);
  always @(posedge clk) if (rst_n) a_sat: assert (n <= 3'd7);
endmodule
