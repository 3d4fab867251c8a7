// Formal on holes: every hole without a verdict says why (issue 10, item 7). A submodule
// statement, a memory's toggle, a statement with no guarding condition, and one top-level
// branch that Z3 can decide.
module holes_why_sub (
    input  logic clk,
    input  logic go,
    output logic done
);
    always_ff @(posedge clk)
        if (go) done <= 1'b1;
endmodule

module holes_why (
    input  logic       clk,
    input  logic       rst,
    input  logic       a,
    input  logic [1:0] addr,
    output logic [7:0] q,
    output logic       done,
    output logic       y
);
    logic [7:0] mem [4];
    holes_why_sub u_sub (.clk(clk), .go(a), .done(done));
    assign y = a;
    always_ff @(posedge clk) begin
        if (rst) q <= '0;
        else begin
            if (a) mem[addr] <= q + 8'd1;
            q <= mem[addr];
        end
    end
endmodule
