// Loop stop rule (issue 10, item 6): `hit` is set only when the counter wraps at 6, which
// needs the configuration input `period` held at 6 for a whole test. No guarding condition
// names a value of `period`, so aiming at the holes finds nothing; only holding `period` at a
// value the earlier tests did not try reaches it. `dead` is never set (st never reaches 3).
module stop_cfg (
    input  logic       clk,
    input  logic       rst,
    input  logic [3:0] period,
    output logic       hit,
    output logic       dead
);
    logic [3:0] cnt;
    logic [3:0] last;
    logic [1:0] st;
    always_ff @(posedge clk) begin
        if (rst) begin
            cnt <= '0;
            last <= '0;
            st <= '0;
            hit <= 1'b0;
            dead <= 1'b0;
        end else begin
            if (cnt == period) begin
                cnt <= '0;
                last <= cnt;
            end else begin
                cnt <= cnt + 4'd1;
            end
            if (last == 4'd6) hit <= 1'b1;
            st <= (st == 2'd2) ? 2'd0 : st + 2'd1;
            if (st == 2'd3) dead <= 1'b1;
        end
    end
endmodule
