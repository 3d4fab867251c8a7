// Four counting lanes; lane 2 has no saturation, so only its bound assertion fails and only
// its counter can reach 12 (dv test design: one verdict per elaborated check).
module lanes #(parameter int N = 4) (
    input  logic           clk,
    input  logic           rst,
    input  logic [N-1:0]   en,
    output logic [N*4-1:0] cnt_flat
);
  for (genvar i = 0; i < N; i++) begin : g_lane
    logic [3:0] cnt;
    always_ff @(posedge clk)
      if (rst) cnt <= '0;
      else if (en[i] && (i == 2 || cnt < 4'd9)) cnt <= cnt + 4'd1;
    assign cnt_flat[i*4 +: 4] = cnt;
    always @(posedge clk) if (!rst) begin
      a_lane_bound: assert (cnt <= 4'd9);
      c_lane_top: cover (cnt == 4'd12);
    end
  end
endmodule
