// A deliberately buggy variant of axis_fifo.sv with a protocol bug that also loses data: when
// the memory is full, the output register is refilled even while its word is stalled
// (m_axis_tvalid && !m_axis_tready), so TDATA/TLAST change before the handshake and the stalled
// beat is dropped. The recognised AXI-Stream rules (proto_m_axis_tdata_stable,
// proto_m_axis_tlast_stable) fail in the generated tests, the spec's in_order_delivery check
// names the lost beat, and dv prove --protocols refutes the rules with a counterexample:
//   dv generate --rtl rtl_examples/axis_fifo/axis_fifo_buggy.sv -D AXIS_FIFO_BUGGY \
//       --spec rtl_examples/axis_fifo/axis_fifo.md --out build/axis_fifo_buggy
//   dv prove --rtl rtl_examples/axis_fifo/axis_fifo_buggy.sv -D AXIS_FIFO_BUGGY --protocols
// The AXIS_FIFO_BUGGY guard keeps tools that read every .sv file of this directory together
// seeing a single axis_fifo.
`ifdef AXIS_FIFO_BUGGY
module axis_fifo #(
    parameter int unsigned WIDTH = 8,
    parameter int unsigned DEPTH = 4
) (
    input  logic             aclk,
    input  logic             aresetn,
    input  logic [WIDTH-1:0] s_axis_tdata,
    input  logic             s_axis_tlast,
    input  logic             s_axis_tvalid,
    output logic             s_axis_tready,
    output logic [WIDTH-1:0] m_axis_tdata,
    output logic             m_axis_tlast,
    output logic             m_axis_tvalid,
    input  logic             m_axis_tready
);
    localparam int unsigned AW = $clog2(DEPTH);

    logic [WIDTH:0]  mem [DEPTH];  // {tlast, tdata}
    logic [AW-1:0]   wr_ptr, rd_ptr;
    logic [AW:0]     count;        // words in the memory (the output register not counted)

    wire push = s_axis_tvalid && s_axis_tready;
    wire [WIDTH:0] s_beat = {s_axis_tlast, s_axis_tdata};
    wire [WIDTH:0] head = mem[rd_ptr];  // the oldest stored beat
    // the output register takes the oldest word when it is empty or its word leaves now
    wire load = (count != 0) && (!m_axis_tvalid || m_axis_tready || count == DEPTH);  // BUG

    assign s_axis_tready = count != DEPTH;

    always_ff @(posedge aclk) begin
        if (push) begin
            mem[wr_ptr] <= s_beat;
        end
    end

    always_ff @(posedge aclk) begin
        if (!aresetn) begin
            wr_ptr        <= '0;
            rd_ptr        <= '0;
            count         <= '0;
            m_axis_tvalid <= 1'b0;
            m_axis_tdata  <= '0;
            m_axis_tlast  <= 1'b0;
        end else begin
            if (push) begin
                wr_ptr <= wr_ptr + 1'b1;
            end
            if (load) begin
                m_axis_tdata  <= head[WIDTH-1:0];
                m_axis_tlast  <= head[WIDTH];
                rd_ptr        <= rd_ptr + 1'b1;
                m_axis_tvalid <= 1'b1;
            end else if (m_axis_tready) begin
                m_axis_tvalid <= 1'b0;
            end
            count <= count + (AW + 1)'(push) - (AW + 1)'(load);
        end
    end
endmodule
`endif
