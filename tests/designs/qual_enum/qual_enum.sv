// dv qualify test design: an enum-typed state. '0 / '1 / ~x assigned to an enum are rejected
// by Verilator (ENUMVALUE); only those sites may be dropped, not their neighbours on the line.
module qual_enum (
    input  logic clk,
    input  logic rst,
    input  logic go,
    output logic busy
);
    typedef enum logic [1:0] {IDLE, RUN, DONE} st_t;
    st_t st;
    always_ff @(posedge clk) begin
        if (rst) st <= IDLE;
        else case (st)
            IDLE: if (go) st <= RUN;
            RUN: st <= DONE;
            default: st <= IDLE;
        endcase
    end
    assign busy = st != IDLE;
endmodule
