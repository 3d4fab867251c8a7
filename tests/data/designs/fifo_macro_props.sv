// Macro-style properties of rtl_examples/fifo/fifo.sv (dv test and bench/formal.py): the
// conventions of large open-source IP libraries, macros from macro_inc/dv_test_assert.svh.
`include "dv_test_assert.svh"
module fifo_macro_props (
    input logic clk, input logic rst_n, input logic wr_en, input logic rd_en,
    input logic full, input logic empty, input logic [3:0] count
);
  `ASSERT(CountBound_A, count <= 4'd8, clk, !rst_n)
  `ASSERT_NEVER(FullEmpty_A, full && empty, clk, !rst_n)
  `ASSERT(Grows_A, wr_en && !full && !rd_en |=> count == $past(count) + 1'b1, clk, !rst_n)
  `ASSERT(Shrinks_A, rd_en && !empty && !wr_en |=> count == $past(count) - 1'b1, clk, !rst_n)
  `ASSERT(FullMeans8_A, full |-> count == 4'd8, clk, !rst_n)
  `COVER(Full_C, full, clk, !rst_n)
  `COVER(Drain_C, full ##1 !full [*3] ##1 empty, clk, !rst_n)
endmodule
bind fifo fifo_macro_props mp_i (.*);
