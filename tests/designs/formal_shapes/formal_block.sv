// dv test design: an `ifdef FORMAL harness written for another tool ($initstate, which
// Yosys' slang front end does not know), as picorv32 and wbuart32 have. Verilator never sees
// it; the formal pass on coverage holes must not either.
module formal_block (input logic clk, input logic rst, input logic up, output logic [3:0] c);
  always_ff @(posedge clk)
    if (rst) c <= 4'd0;
    else if (up && c != 4'd12) c <= c + 4'd1;
`ifdef FORMAL
  always @(*) restrict property (rst != $initstate);
`endif
endmodule
