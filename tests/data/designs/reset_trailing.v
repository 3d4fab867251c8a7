// Reset written as a trailing override at the end of a clocked block (a common Verilog-2001
// style): the logic first, then `if (i_reset)` forcing the registers back to constants.
module reset_trailing (
    input  wire       i_clk,
    input  wire       i_reset,
    input  wire       i_stb,
    input  wire [7:0] i_data,
    output reg  [7:0] o_sum,
    output reg  [3:0] o_count,
    output reg        o_full
);
    always @(posedge i_clk) begin
        if (i_stb) begin
            o_sum   <= o_sum + i_data;
            o_count <= o_count + 4'd1;
        end
        o_full <= (o_count == 4'hf);

        if (i_reset) begin
            o_sum   <= 8'h00;
            o_count <= 4'h0;
            o_full  <= 1'b0;
        end
    end
endmodule
