// Formal properties of the round-robin arbiter, bound into it:
//   dv prove --rtl rtl_examples/arbiter/arbiter.sv --props rtl_examples/arbiter/arbiter_props.sv
// Checks start after the first reset; the solver holds rst high in its first step.
// Inside `ifdef FORMAL, the SymbiYosys convention: dv prove defines FORMAL for Yosys and for
// its replay simulations; tools that read every .sv file here without it see nothing.
`ifdef FORMAL
module arbiter_props #(
    parameter int unsigned N = 4
) (
    input logic         clk,
    input logic         rst,
    input logic [N-1:0] req,
    input logic [N-1:0] grant,
    input logic [N-1:0] prio
);
    logic seen_reset = 1'b0;
    always @(posedge clk) if (rst) seen_reset <= 1'b1;
    wire live = seen_reset && !rst;

    always @(posedge clk) begin
        if (live) begin
            // proven by k-induction
            prio_onehot: assert ($onehot(prio));
            grant_onehot0: assert ($onehot0(grant));
            grant_subset: assert ((grant & ~req) == '0);
            // the requester holding the priority wins: not inductive alone (it relies on prio
            // being one-hot); dv proves it together with prio_onehot
            prio_wins: assert ((req & prio) == '0 || grant == prio);
            // the priority wraps around after requester N-1 was served
            wrap: cover (prio[0] && $past(prio[N-1] && live));
        end
    end

    // concurrent implications (lowered by dv/formal/sva.py for the solver)
    rotate: assert property (@(posedge clk) disable iff (rst) grant[0] |=> prio[1]);
    // holds to the depth only: induction starts anywhere, also where seen_reset is 0 and
    // prio is not one-hot (prio_onehot says nothing there)
    served_next: assert property (@(posedge clk) disable iff (rst)
        req[1] && prio[1] |-> grant[1]);
endmodule

bind arbiter arbiter_props #(.N(N)) props_i (.*);

`endif
