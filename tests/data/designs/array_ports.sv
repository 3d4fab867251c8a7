// Unpacked-array ports at the top: driven and read element by element.
module array_ports (
    input  logic       clk,
    input  logic       rst_n,
    input  logic [7:0] din [4],
    input  logic [1:0] sel,
    output logic [7:0] dout [2],
    output logic [9:0] sum
);
    always_ff @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            sum     <= '0;
            dout[0] <= '0;
            dout[1] <= '0;
        end else begin
            sum     <= din[0] + din[1] + din[2] + din[3];
            dout[0] <= din[sel];
            dout[1] <= din[~sel];
        end
    end
endmodule
