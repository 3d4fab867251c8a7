// Macro-style properties of sat_count.sv (dv test): the macros come from an include file
// found with -I macro_inc.
`include "dv_test_assert.svh"
module sat_count_macro_props (input logic clk, input logic rst, input logic [3:0] cnt);
  `ASSERT(MaxNine_A, cnt <= 4'd9)
  `ASSERT(Steps_A, cnt < 4'd9 |=> cnt == $past(cnt) + 4'd1, clk, rst)
  `ASSERT_NEVER(Ten_A, cnt == 4'd10)
  `ASSERT(BelowEight_A, cnt < 4'd8)
  `COVER(Nine_C, cnt == 4'd9)
endmodule
bind sat_count sat_count_macro_props mp_i (.*);
