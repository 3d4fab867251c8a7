// Command decoder for a small register bank guarded by an unlock sequence.
// Writes and clears are refused (err) while locked; KEY1 followed directly by KEY2 unlocks.
module lockbox #(
    parameter int NREGS = 4
) (
    input  logic       clk,
    input  logic       rst,
    input  logic       valid,
    input  logic [7:0] cmd,
    input  logic [1:0] addr,
    input  logic [7:0] wdata,
    output logic [7:0] rdata,
    output logic       ack,
    output logic       err,
    output logic       locked
);
    localparam logic [7:0] CMD_WRITE = 8'h01;
    localparam logic [7:0] CMD_READ  = 8'h02;
    localparam logic [7:0] CMD_CLEAR = 8'h10;
    localparam logic [7:0] CMD_KEY1  = 8'hA5;
    localparam logic [7:0] CMD_KEY2  = 8'h5A;
    localparam logic [7:0] CMD_LOCK  = 8'hF0;

    logic [7:0] regs [NREGS];
    logic       key1_seen;

    always_ff @(posedge clk) begin
        if (rst) begin
            rdata     <= '0;
            ack       <= 1'b0;
            err       <= 1'b0;
            locked    <= 1'b1;
            key1_seen <= 1'b0;
            for (int i = 0; i < NREGS; i++) regs[i] <= '0;
        end else begin
            ack <= 1'b0;
            err <= 1'b0;
            if (valid) begin
                key1_seen <= 1'b0;
                case (cmd)
                    CMD_READ: begin
                        rdata <= regs[addr];
                        ack   <= 1'b1;
                    end
                    CMD_WRITE: begin
                        if (locked) begin
                            err <= 1'b1;
                        end else begin
                            regs[addr] <= wdata;
                            ack        <= 1'b1;
                        end
                    end
                    CMD_CLEAR: begin
                        if (locked) begin
                            err <= 1'b1;
                        end else begin
                            for (int i = 0; i < NREGS; i++) regs[i] <= '0;
                            ack <= 1'b1;
                        end
                    end
                    CMD_KEY1: begin
                        key1_seen <= 1'b1;
                        ack       <= 1'b1;
                    end
                    CMD_KEY2: begin
                        if (key1_seen) begin
                            locked <= 1'b0;
                            ack    <= 1'b1;
                        end else begin
                            err <= 1'b1;
                        end
                    end
                    CMD_LOCK: begin
                        locked <= 1'b1;
                        ack    <= 1'b1;
                    end
                    default: err <= 1'b1;
                endcase
            end
        end
    end
endmodule
