// An AXI-Stream register slice with byte keeps and a frame end (dv's own test design for the
// AXI-Stream protocol pack). Planted bug: PROTO_BUG_LAST lets m_axis_tlast follow the input
// while the output is stalled (TLAST changes while TVALID && !TREADY).
module proto_axis #(
    parameter int BYTES = 2
) (
    input  logic               aclk,
    input  logic               aresetn,
    input  logic [8*BYTES-1:0] s_axis_tdata,
    input  logic [BYTES-1:0]   s_axis_tkeep,
    input  logic               s_axis_tlast,
    input  logic               s_axis_tvalid,
    output logic               s_axis_tready,
    output logic [8*BYTES-1:0] m_axis_tdata,
    output logic [BYTES-1:0]   m_axis_tkeep,
    output logic               m_axis_tlast,
    output logic               m_axis_tvalid,
    input  logic               m_axis_tready
);
    assign s_axis_tready = !m_axis_tvalid || m_axis_tready;

    always_ff @(posedge aclk) begin
        if (!aresetn) begin
            m_axis_tvalid <= 1'b0;
            m_axis_tdata  <= '0;
            m_axis_tkeep  <= '0;
            m_axis_tlast  <= 1'b0;
        end else if (s_axis_tready) begin
            m_axis_tvalid <= s_axis_tvalid;
            if (s_axis_tvalid) begin
                m_axis_tdata <= s_axis_tdata;
                m_axis_tkeep <= s_axis_tkeep;
                m_axis_tlast <= s_axis_tlast;
            end
        end
`ifdef PROTO_BUG_LAST
        else if (s_axis_tvalid) m_axis_tlast <= s_axis_tlast;
`endif
    end
endmodule
