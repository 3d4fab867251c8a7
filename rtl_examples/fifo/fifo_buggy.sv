// A deliberately buggy variant of fifo.sv, for dv prove's counterexample demonstration:
// `full` is computed as count > DEPTH instead of count == DEPTH, so the FIFO accepts a write
// when it already holds DEPTH words and count reaches DEPTH + 1 (count_bound fails).
//
// It replaces fifo.sv (same module name and ports, so fifo_props.sv and the spec fifo.md apply
// unchanged). The FIFO_BUGGY guard keeps tools that read every .sv file of this directory
// together seeing a single fifo; define it to compile the buggy one:
//   dv prove --rtl rtl_examples/fifo/fifo_buggy.sv -D FIFO_BUGGY \
//            --props rtl_examples/fifo/fifo_props.sv --spec rtl_examples/fifo/fifo.md
`ifdef FIFO_BUGGY
module fifo #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 8
) (
    input  logic             clk,
    input  logic             rst_n,
    input  logic             wr_en,
    input  logic [WIDTH-1:0] wr_data,
    input  logic             rd_en,
    output logic [WIDTH-1:0] rd_data,
    output logic             full,
    output logic             empty,
    output logic [$clog2(DEPTH):0] count,
    output logic             overflow,
    output logic             underflow
);
    localparam int AW = $clog2(DEPTH);

    logic [WIDTH-1:0] mem [DEPTH];
    logic [AW-1:0]    wr_ptr, rd_ptr;

    wire do_write = wr_en && !full;
    wire do_read  = rd_en && !empty;

    always_ff @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            wr_ptr    <= '0;
            rd_ptr    <= '0;
            count     <= '0;
            overflow  <= 1'b0;
            underflow <= 1'b0;
        end else begin
            overflow  <= wr_en && full && !rd_en;
            underflow <= rd_en && empty;
            if (do_write) begin
                mem[wr_ptr] <= wr_data;
                wr_ptr <= (wr_ptr == AW'(DEPTH - 1)) ? '0 : wr_ptr + 1'b1;
            end
            if (do_read) begin
                rd_ptr <= (rd_ptr == AW'(DEPTH - 1)) ? '0 : rd_ptr + 1'b1;
            end
            case ({do_write, do_read})
                2'b10:   count <= count + 1'b1;
                2'b01:   count <= count - 1'b1;
                default: count <= count;
            endcase
        end
    end

    assign rd_data = mem[rd_ptr];
    assign full    = (count > ($clog2(DEPTH)+1)'(DEPTH));  // BUG: should be ==
    assign empty   = (count == '0);
endmodule
`endif
