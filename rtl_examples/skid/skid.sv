// Valid/ready skid buffer: a pipeline stage whose s_ready is a register output,
// so the ready path from the sink is broken. An extra skid register catches the
// one transfer that the source can send in the cycle the sink stalls.
module skid #(
    parameter int unsigned WIDTH = 8
) (
    input  logic             clk,
    input  logic             rst_n,
    input  logic             s_valid,
    output logic             s_ready,
    input  logic [WIDTH-1:0] s_data,
    output logic             m_valid,
    input  logic             m_ready,
    output logic [WIDTH-1:0] m_data
);
    logic             skid_valid;  // skid register holds a word
    logic [WIDTH-1:0] skid_data;

    wire s_fire = s_valid && s_ready;
    wire m_free = m_ready || !m_valid;  // output register can take a new word this cycle

    always_ff @(posedge clk) begin
        if (!rst_n) begin
            m_valid    <= 1'b0;
            m_data     <= '0;
            skid_valid <= 1'b0;
            skid_data  <= '0;
        end else if (m_free) begin
            if (skid_valid) begin
                m_valid    <= 1'b1;
                m_data     <= skid_data;
                skid_valid <= 1'b0;
            end else begin
                m_valid <= s_valid;
                if (s_valid) begin
                    m_data <= s_data;
                end
            end
        end else if (s_fire) begin
            skid_valid <= 1'b1;
            skid_data  <= s_data;
        end
    end

    assign s_ready = !skid_valid;
endmodule
