// UART transmitter, 8 data bits, no parity, 1 stop bit (8N1), LSB first.
// Each bit lasts CLKS_PER_BIT clock cycles (CLKS_PER_BIT >= 2).
// A byte is accepted when valid && ready; the frame starts on the next cycle.
module uart_tx #(
    parameter int unsigned CLKS_PER_BIT = 4
) (
    input  logic       clk,
    input  logic       rst,
    input  logic       valid,
    output logic       ready,
    input  logic [7:0] data,
    output logic       tx,
    output logic       busy
);
    localparam int unsigned CW = (CLKS_PER_BIT > 1) ? $clog2(CLKS_PER_BIT) : 1;
    localparam logic [CW-1:0] LAST = CW'(CLKS_PER_BIT - 1);

    typedef enum logic [1:0] {
        IDLE  = 2'd0,
        START = 2'd1,
        DATA  = 2'd2,
        STOP  = 2'd3
    } state_t;

    state_t        state;
    logic [CW-1:0] baud_cnt;  // cycles spent in the current bit
    logic [2:0]    bit_idx;   // data bit being sent
    logic [7:0]    shreg;     // remaining data bits, next one in bit 0

    wire bit_end   = (baud_cnt == LAST);            // last cycle of the current bit
    wire frame_end = bit_end && (bit_idx == 3'd7);  // last cycle of data bit 7

    always_ff @(posedge clk) begin
        if (rst) begin
            state    <= IDLE;
            tx       <= 1'b1;
            baud_cnt <= '0;
            bit_idx  <= '0;
            shreg    <= '0;
        end else begin
            unique case (state)
                IDLE: begin
                    if (valid) begin
                        state    <= START;
                        shreg    <= data;
                        tx       <= 1'b0;
                        baud_cnt <= '0;
                    end else begin
                        state    <= IDLE;
                    end
                end
                START: begin
                    if (bit_end) begin
                        state    <= DATA;
                        baud_cnt <= '0;
                        bit_idx  <= '0;
                        tx       <= shreg[0];
                    end else begin
                        state    <= START;
                        baud_cnt <= baud_cnt + 1'b1;
                    end
                end
                DATA: begin
                    if (frame_end) begin
                        state    <= STOP;
                        baud_cnt <= '0;
                        tx       <= 1'b1;
                    end else begin
                        state    <= DATA;
                        if (bit_end) begin
                            baud_cnt <= '0;
                            bit_idx  <= bit_idx + 1'b1;
                            tx       <= shreg[1];
                            shreg    <= {1'b0, shreg[7:1]};
                        end else begin
                            baud_cnt <= baud_cnt + 1'b1;
                        end
                    end
                end
                STOP: begin
                    if (bit_end) begin
                        state    <= IDLE;
                        baud_cnt <= '0;
                    end else begin
                        state    <= STOP;
                        baud_cnt <= baud_cnt + 1'b1;
                    end
                end
            endcase
        end
    end

    assign ready = (state == IDLE);
    assign busy  = (state != IDLE);
endmodule
