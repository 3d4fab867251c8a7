// Formal properties of the lockbox command decoder, bound into it:
//   dv prove --rtl rtl_examples/lockbox/lockbox.sv --props rtl_examples/lockbox/lockbox_props.sv
// Checks start after the first reset; the solver holds rst high in its first step.
// Inside `ifdef FORMAL, the SymbiYosys convention: dv prove defines FORMAL for Yosys and for
// its replay simulations; tools that read every .sv file here without it see nothing.
`ifdef FORMAL
module lockbox_props (
    input logic       clk,
    input logic       rst,
    input logic       valid,
    input logic [7:0] cmd,
    input logic       ack,
    input logic       err,
    input logic       locked,
    input logic       key1_seen
);
    logic seen_reset = 1'b0;
    always @(posedge clk) if (rst) seen_reset <= 1'b1;
    wire live = seen_reset && !rst;

    always @(posedge clk) begin
        if (live) begin
            // proven by k-induction
            ack_err_exclusive: assert (!(ack && err));
            // a command is answered: ack or err follows every valid cycle after reset
            answered: assert (!$past(valid && live) || ack || err);
            unlocked: cover (!locked);
            written: cover (ack && $past(valid && cmd == 8'h01));
        end
    end

    // concurrent implications (lowered by dv/formal/sva.py for the solver)
    locked_write_refused: assert property (@(posedge clk) disable iff (rst)
        valid && cmd == 8'h01 && locked |=> err && !ack);
    unlock_needs_keys: assert property (@(posedge clk) disable iff (rst)
        $fell(locked) |-> $past(valid && cmd == 8'h5A && key1_seen));
endmodule

bind lockbox lockbox_props props_i (.*);

`endif
