// A one-entry buffer that asserts on a dequeue while empty, as library FIFOs do (failure
// class 5 of issue 10): random stimulus pops while empty and trips the design's own assertion,
// so the failure is the stimulus's, not the design's.
module assert_on_illegal_pop (
    input  logic       clk_i,
    input  logic       reset_i,
    input  logic       enq_i,
    input  logic [7:0] data_i,
    input  logic       deq_i,
    output logic       v_o,
    output logic [7:0] data_o
);
    always_ff @(posedge clk_i) begin
        if (reset_i) v_o <= 1'b0;
        else if (enq_i & ~v_o) begin
            v_o    <= 1'b1;
            data_o <= data_i;
        end else if (deq_i) v_o <= 1'b0;
    end

    always_ff @(posedge clk_i)
        if (~reset_i)
            assert ({v_o, deq_i} !== 2'b01) else $error("invalid deque on empty buffer");
endmodule
