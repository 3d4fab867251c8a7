// Round-robin arbiter for N >= 2 requesters.
// The grant is combinational from req and a registered one-hot priority vector
// prio: the requester whose prio bit is set has the highest priority, then the
// ones above it, wrapping around to requester 0. After a grant to requester i
// prio moves to i+1 (mod N), so the winner has the lowest priority next cycle.
module arbiter #(
    parameter int unsigned N = 4
) (
    input  logic         clk,
    input  logic         rst,
    input  logic [N-1:0] req,
    output logic [N-1:0] grant
);
    logic [N-1:0] prio;    // one-hot: highest-priority requester
    logic [N-1:0] upper;   // requests at or above the priority position

    // prio - 1 sets every bit below the priority position; its complement keeps
    // the requesters at or above it. x & -x isolates the lowest set bit of x.
    assign upper = req & ~(prio - 1'b1);
    assign grant = (upper != '0) ? (upper & -upper) : (req & -req);

    always_ff @(posedge clk) begin
        if (rst) begin
            prio <= N'(1);
        end else if (grant != '0) begin
            prio <= {grant[N-2:0], grant[N-1]};
        end
    end
endmodule
