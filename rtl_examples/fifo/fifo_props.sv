// Formal properties of the FIFO, bound into it (works for rtl_examples/fifo/fifo.sv and for
// the deliberately buggy fifo_buggy.sv):
//   dv prove --rtl rtl_examples/fifo/fifo.sv --props rtl_examples/fifo/fifo_props.sv
// Checks start after the first reset; the solver holds rst_n low in its first step.
// Inside `ifdef FORMAL, the SymbiYosys convention: dv prove defines FORMAL for Yosys and for
// its replay simulations; tools that read every .sv file here without it see nothing.
`ifdef FORMAL
module fifo_props #(
    parameter int DEPTH = 8,
    parameter int AW = $clog2(DEPTH)
) (
    input logic          clk,
    input logic          rst_n,
    input logic          wr_en,
    input logic          rd_en,
    input logic          full,
    input logic          empty,
    input logic          overflow,
    input logic [AW:0]   count,
    input logic [AW-1:0] wr_ptr,
    input logic [AW-1:0] rd_ptr
);
    logic seen_reset = 1'b0;
    always @(posedge clk) if (!rst_n) seen_reset <= 1'b1;
    wire live = seen_reset && rst_n;

    always @(posedge clk) begin
        if (live) begin
            // proven by k-induction
            count_bound: assert (count <= DEPTH);
            never_both: assert (!(full && empty));
            // true, but not inductive on its own: an arbitrary state may have count == 1 and
            // pointers two apart; one read then empties the FIFO with wr_ptr != rd_ptr. It
            // needs the invariant linking count and the pointers, so it holds to the depth only.
            empty_ptrs: assert (!empty || wr_ptr == rd_ptr);
            fill_up: cover (full);
            overflow_seen: cover (overflow);
        end
    end

    // A concurrent implication: a write without a read grows the count by one. The solver
    // checks it through the monitor dv/formal/sva.py writes; simulation runs it as written.
    grows: assert property (@(posedge clk) disable iff (!rst_n)
        wr_en && !full && !rd_en |=> count == $past(count) + 1'b1);
endmodule

bind fifo fifo_props #(.DEPTH(DEPTH)) props_i (.*);

`endif
