// AXI-Stream FIFO: DEPTH words of WIDTH data bits plus TLAST in a memory, and a registered
// output stage, so TVALID/TDATA/TLAST leave from registers (DEPTH + 1 beats in flight).
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
    wire load = (count != 0) && (!m_axis_tvalid || m_axis_tready);

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
