// CRC-8 over a byte stream, MSB first, no reflection, no final XOR.
// Defaults give CRC-8/SMBUS: polynomial x^8 + x^2 + x + 1 (0x07), initial value
// 0x00; the CRC of the ASCII string "123456789" is 0xF4.
module crc #(
    parameter logic [7:0] POLY = 8'h07,
    parameter logic [7:0] INIT = 8'h00
) (
    input  logic       clk,
    input  logic       rst,
    input  logic       init,
    input  logic       valid,
    input  logic [7:0] data,
    output logic [7:0] crc_out
);
    // CRC register after shifting in one byte, one bit at a time, MSB first.
    function automatic logic [7:0] crc8_byte(input logic [7:0] c, input logic [7:0] d);
        logic [7:0] r;
        r = c ^ d;
        for (int i = 0; i < 8; i++) begin
            r = {r[6:0], 1'b0} ^ (r[7] ? POLY : 8'h00);
        end
        return r;
    endfunction

    // With valid, the byte is folded into the running CRC, or into INIT when
    // init is high in the same cycle (first byte of a new message).
    always_ff @(posedge clk) begin
        if (rst) begin
            crc_out <= INIT;
        end else if (valid) begin
            crc_out <= crc8_byte(init ? INIT : crc_out, data);
        end else if (init) begin
            crc_out <= INIT;
        end
    end
endmodule
