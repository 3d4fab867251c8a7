// dv qualify equivalence test design (formal miter only, no testbench): a counter whose match
// lies 200 cycles away, an input register, and a register nothing reads.
module qual_eq (
    input  logic       clk,
    input  logic       rst_n,
    input  logic       en,
    input  logic [3:0] d,
    output logic [7:0] cnt,
    output logic       hit,
    output logic [3:0] q
);
    logic [3:0] shadow;
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            cnt <= '0;
            q   <= '0;
        end else begin
            if (en) cnt <= cnt + 8'd1;
            q <= d;
        end
    end
    always_ff @(posedge clk) shadow <= d ^ q;
    assign hit = cnt == 8'd200;
endmodule
