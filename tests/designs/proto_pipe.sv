// A one-stage valid/ready pipeline register (dv's own test design for protocol checks).
// Planted protocol bugs, one per define:
//   PROTO_BUG_DROP: out_valid falls after two stalled cycles (valid dropped before ready);
//   PROTO_BUG_DATA: the output register reloads from in_data while stalled (data changes).
module proto_pipe #(
    parameter int W = 8
) (
    input  logic         clk,
    input  logic         rst_n,
    input  logic         in_valid,
    output logic         in_ready,
    input  logic [W-1:0] in_data,
    output logic         out_valid,
    input  logic         out_ready,
    output logic [W-1:0] out_data
);
    logic [1:0] stalled;
    assign in_ready = !out_valid || out_ready;

    always_ff @(posedge clk) begin
        if (!rst_n) begin
            out_valid <= 1'b0;
            out_data  <= '0;
            stalled   <= '0;
        end else begin
            stalled <= (out_valid && !out_ready) ? stalled + 2'd1 : 2'd0;
            if (in_ready) begin
                out_valid <= in_valid;
                if (in_valid) out_data <= in_data;
            end
`ifdef PROTO_BUG_DATA
            else if (in_valid) out_data <= in_data;
`endif
`ifdef PROTO_BUG_DROP
            if (out_valid && !out_ready && stalled == 2'd2) out_valid <= 1'b0;
`endif
        end
    end
endmodule
