// dv qualify test design: a one-transaction-at-a-time adder with a req/ack handshake.
// sum and ack are checked by the hand-written test; spare is an output nothing checks.
module qual_hs #(
    parameter int W = 4
) (
    input  logic         clk,
    input  logic         rst_n,
    input  logic         req,
    input  logic [W-1:0] a,
    input  logic [W-1:0] b,
    output logic         ack,
    output logic [W:0]   sum,
    output logic [W-1:0] spare
);
    localparam int LAT = W - 3;
    function automatic int twice(input int x);
        return x * 2 + 1;
    endfunction
    localparam int T = twice(W);
    logic busy;
    logic unused_gt;

    always_ff @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            busy <= 1'b0;
            ack  <= 1'b0;
            sum  <= '0;
        end else begin
            ack <= busy;
            if (req && !busy) begin
                busy <= 1'b1;
                sum  <= a + b;
            end else begin
                busy <= 1'b0;
            end
        end
    end

    assign spare = a ^ b;
    if (T > 4) begin : g_cmp
        assign unused_gt = a > b;
    end
endmodule
