// Failure class 5 of issue 10 with its three cases in one small counter-FIFO:
// - the design asserts on a pop while empty: random stimulus trips it, dv learns the rule;
// - it asserts on a push while full, which the spec's assumption forbids: the driver keeps it;
// - a planted bug (with bug_en held at 1) raises an internal error flag that an assertion over
//   state alone catches: no stimulus constraint explains it, so it stays a design failure.
module learn_pop (
    input  logic clk,
    input  logic rst,
    input  logic push,
    input  logic pop,
    input  logic bug_en,
    output logic empty,
    output logic full
);
    logic [1:0] count;
    logic       err;
    assign empty = count == 2'd0;
    assign full  = count == 2'd2;

    always_ff @(posedge clk) begin
        if (rst) begin
            count <= 2'd0;
            err   <= 1'b0;
        end else begin
            if (push && !pop) count <= count + 2'd1;
            else if (pop && !push) count <= count - 2'd1;
            if (bug_en && push && pop && count == 2'd1) err <= 1'b1;  // the planted bug
        end
    end

    always_ff @(posedge clk)
        if (!rst) begin
            assert (!(pop && empty)) else $error("pop while empty");
            assert (!(push && full)) else $error("push while full");
            assert (!err) else $error("internal error flag set");
        end
endmodule
