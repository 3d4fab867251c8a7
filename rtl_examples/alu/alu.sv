// Small registered ALU. When in_valid is high at a rising clock edge the result
// of op over a and b is captured into y/zero/carry/overflow and out_valid is
// high for the next cycle; otherwise the outputs hold and out_valid is low.
module alu #(
    parameter int unsigned WIDTH = 8
) (
    input  logic             clk,
    input  logic             rst,
    input  logic             in_valid,
    input  logic [2:0]       op,
    input  logic [WIDTH-1:0] a,
    input  logic [WIDTH-1:0] b,
    output logic             out_valid,
    output logic [WIDTH-1:0] y,
    output logic             zero,
    output logic             carry,
    output logic             overflow
);
    localparam logic [2:0] OP_ADD = 3'd0;  // y = a + b, carry out, signed overflow
    localparam logic [2:0] OP_SUB = 3'd1;  // y = a - b, carry = borrow, signed overflow
    localparam logic [2:0] OP_AND = 3'd2;  // y = a & b
    localparam logic [2:0] OP_OR  = 3'd3;  // y = a | b
    localparam logic [2:0] OP_XOR = 3'd4;  // y = a ^ b
    localparam logic [2:0] OP_SHL = 3'd5;  // y = a << 1, carry = a[WIDTH-1]
    localparam logic [2:0] OP_SHR = 3'd6;  // y = a >> 1, carry = a[0]
    localparam logic [2:0] OP_SLT = 3'd7;  // y = signed(a) < signed(b)

    localparam int unsigned MSB = WIDTH - 1;

    logic [WIDTH-1:0] r;
    logic             c;
    logic             v;

    always_comb begin
        r = '0;
        c = 1'b0;
        v = 1'b0;
        case (op)
            OP_ADD: begin
                {c, r} = {1'b0, a} + {1'b0, b};
                v      = ~(a[MSB] ^ b[MSB]) & (r[MSB] ^ a[MSB]);
            end
            OP_SUB: begin
                {c, r} = {1'b0, a} - {1'b0, b};
                v      = (a[MSB] ^ b[MSB]) & (r[MSB] ^ a[MSB]);
            end
            OP_AND: r = a & b;
            OP_OR:  r = a | b;
            OP_XOR: r = a ^ b;
            OP_SHL: {c, r} = {a, 1'b0};
            OP_SHR: {r, c} = {1'b0, a};
            OP_SLT: r = {{(WIDTH-1){1'b0}}, $signed(a) < $signed(b)};
            default: r = {WIDTH{1'b1}};  // unreachable: all eight op values are decoded above
        endcase
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            out_valid <= 1'b0;
            y         <= '0;
            zero      <= 1'b1;
            carry     <= 1'b0;
            overflow  <= 1'b0;
        end else begin
            out_valid <= in_valid;
            if (in_valid) begin
                y        <= r;
                zero     <= (r == '0);
                carry    <= c;
                overflow <= v;
            end
        end
    end
endmodule
