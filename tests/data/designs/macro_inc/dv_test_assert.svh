// Assertion macros in the style of large open-source IP libraries (written for dv's tests):
// a name, a property, an optional clock and reset, and an action block on failure.
`ifndef DV_TEST_ASSERT_SVH
`define DV_TEST_ASSERT_SVH
`define DV_ASSERT_ERROR(__name) $error("[ASSERT FAILED] [%m] %s", `"__name`");
`define ASSERT(__name, __prop, __clk = clk, __rst = rst) \
  __name: assert property (@(posedge __clk) disable iff (__rst) (__prop)) \
    else begin \
      `DV_ASSERT_ERROR(__name) \
    end
`define ASSERT_NEVER(__name, __prop, __clk = clk, __rst = rst) \
  `ASSERT(__name, !(__prop), __clk, __rst)
`define COVER(__name, __prop, __clk = clk, __rst = rst) \
  __name: cover property (@(posedge __clk) disable iff (__rst) (__prop));
`endif
