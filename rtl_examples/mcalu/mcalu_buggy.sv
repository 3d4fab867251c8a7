// A deliberately buggy variant of mcalu.sv: the last step of MUL forgets the partial product
// of multiplier bit 7, so a * b is wrong whenever b >= 128. MUL takes eight cycles with its
// operands held, so open-loop random stimulus almost never completes one with stable operands;
// the reactive transactions tests and the spec's reference model (mcalu.md) catch it:
//   dv generate --rtl rtl_examples/mcalu/mcalu_buggy.sv -D MCALU_BUGGY \
//       --spec rtl_examples/mcalu/mcalu.md --out build/mcalu_buggy
// The MCALU_BUGGY guard keeps tools that read every .sv file of this directory together seeing
// a single mcalu.
`ifdef MCALU_BUGGY
// Multi-cycle ALU with a start/done handshake.
// An operation starts when start is high while the unit is idle (busy low). The unit reads its
// operands (op, a, b) on every cycle of the operation, so they must stay stable from the cycle
// start is sampled until done is seen. done is a one-cycle pulse with the result.
module mcalu (
    input  logic        clk,
    input  logic        rst_n,
    input  logic        start,
    input  logic [2:0]  op,
    input  logic [7:0]  a,
    input  logic [7:0]  b,
    output logic        busy,
    output logic        done,
    output logic        err,
    output logic [15:0] result
);
    localparam logic [2:0] OP_ADD = 3'd0, OP_SUB = 3'd1, OP_AND = 3'd2, OP_XOR = 3'd3,
                           OP_MUL = 3'd4, OP_DIV = 3'd5, OP_SHL = 3'd6;

    logic [3:0]  cnt;    // step of a multi-cycle operation
    logic [15:0] acc;    // MUL: partial product; SHL: shifted value
    logic [7:0]  rem;    // DIV: partial remainder
    logic [7:0]  quo;    // DIV: quotient bits so far
    logic [8:0]  trial;  // DIV: remainder with the next dividend bit shifted in

    assign trial = {rem, a[3'd7 - cnt[2:0]]};

    always_ff @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            busy   <= 1'b0;
            done   <= 1'b0;
            err    <= 1'b0;
            result <= 16'h0;
            cnt    <= 4'd0;
            acc    <= 16'h0;
            rem    <= 8'h0;
            quo    <= 8'h0;
        end else begin
            done <= 1'b0;
            if (!busy) begin
                if (start) begin
                    err <= 1'b0;
                    cnt <= 4'd0;
                    acc <= 16'h0;
                    rem <= 8'h0;
                    quo <= 8'h0;
                    case (op)
                        OP_ADD: begin result <= {8'h0, a} + {8'h0, b}; done <= 1'b1; end
                        OP_SUB: begin result <= {8'h0, a} - {8'h0, b}; done <= 1'b1; end
                        OP_AND: begin result <= {8'h0, a & b}; done <= 1'b1; end
                        OP_XOR: begin result <= {8'h0, a ^ b}; done <= 1'b1; end
                        OP_MUL: busy <= 1'b1;
                        OP_DIV: begin
                            if (b == 8'h0) begin
                                result <= 16'hFFFF;
                                err    <= 1'b1;
                                done   <= 1'b1;
                            end else begin
                                busy <= 1'b1;
                            end
                        end
                        OP_SHL: begin
                            if (b[3:0] == 4'd0) begin
                                result <= {8'h0, a};
                                done   <= 1'b1;
                            end else begin
                                acc  <= {8'h0, a};
                                busy <= 1'b1;
                            end
                        end
                        default: begin result <= 16'h0; err <= 1'b1; done <= 1'b1; end
                    endcase
                end
            end else begin
                cnt <= cnt + 4'd1;
                case (op)
                    OP_MUL: begin
                        if (b[cnt[2:0]]) acc <= acc + ({8'h0, a} << cnt[2:0]);
                        if (cnt == 4'd7) begin
                            result <= acc;  // BUG: drops b[7]'s partial product
                            busy   <= 1'b0;
                            done   <= 1'b1;
                        end
                    end
                    OP_DIV: begin
                        if (trial >= {1'b0, b}) begin
                            rem <= 8'(trial - {1'b0, b});
                            quo <= {quo[6:0], 1'b1};
                        end else begin
                            rem <= trial[7:0];
                            quo <= {quo[6:0], 1'b0};
                        end
                        if (cnt == 4'd7) begin
                            result <= (trial >= {1'b0, b})
                                      ? {8'(trial - {1'b0, b}), quo[6:0], 1'b1}
                                      : {trial[7:0], quo[6:0], 1'b0};
                            busy   <= 1'b0;
                            done   <= 1'b1;
                        end
                    end
                    default: begin  // OP_SHL: one bit per cycle, b[3:0] cycles
                        acc <= acc << 1;
                        if (cnt + 4'd1 >= b[3:0]) begin
                            result <= acc << 1;
                            busy   <= 1'b0;
                            done   <= 1'b1;
                        end
                    end
                endcase
            end
        end
    end
endmodule
`endif
