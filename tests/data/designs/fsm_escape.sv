// A state machine that can leave its legal encodings: from RUN, `jump` loads 2'd3, which is
// none of IDLE/RUN/DONE. The default arm brings it back, so nothing else goes wrong; only the
// testbench's FSM check can notice.
module fsm_escape (
    input  logic clk,
    input  logic rst,
    input  logic go,
    input  logic jump,
    output logic busy
);
    typedef enum logic [1:0] {IDLE = 2'd0, RUN = 2'd1, DONE = 2'd2} state_t;
    state_t state;

    always_ff @(posedge clk) begin
        if (rst) state <= IDLE;
        else begin
            case (state)
                IDLE: if (go) state <= RUN;
                RUN: state <= jump ? state_t'(2'd3) : DONE;
                DONE: state <= IDLE;
                default: state <= IDLE;
            endcase
        end
    end

    assign busy = state != IDLE;
endmodule
