// Small design for simulator tests: a wrapping counter with enable and a sync reset.
module counter #(parameter int W = 4) (
    input  logic         clk,
    input  logic         rst,
    input  logic         en,
    output logic [W-1:0] q,
    output logic         wrap
);
    always_ff @(posedge clk) begin
        if (rst) begin
            q    <= '0;
            wrap <= 1'b0;
        end else if (en) begin
            q    <= q + 1'b1;
            wrap <= (q == {W{1'b1}});
        end else begin
            wrap <= 1'b0;
        end
    end
endmodule
