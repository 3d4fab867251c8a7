// A deliberately buggy variant of skid.sv with a protocol bug: when the output is stalled
// and an upstream word arrives, it is written into the output register too, so m_data changes
// while m_valid && !m_ready (and the stalled word is lost). Without a spec, dv recognises the
// m_* valid/ready interface and its protocol rule proto_m_data_stable fails in the generated
// tests; dv prove refutes it:
//   dv generate --rtl rtl_examples/skid/skid_buggy.sv -D SKID_BUGGY --out build/skid_buggy
//   dv inspect --rtl rtl_examples/skid/skid_buggy.sv -D SKID_BUGGY --protocol-props p.sv
//   dv prove --rtl rtl_examples/skid/skid_buggy.sv -D SKID_BUGGY --props p.sv
// The SKID_BUGGY guard keeps tools that read every .sv file of this directory together seeing
// a single skid.
`ifdef SKID_BUGGY
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
            m_data     <= s_data;  // BUG: the stalled output word is overwritten
        end
    end

    assign s_ready = !skid_valid;
endmodule
`endif
