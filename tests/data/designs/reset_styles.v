// Several reset styles in one design, each driven from a port:
// - a nested synchronous reset (`if (ce) if (srst) ...`),
// - an active-low reset through an inverting wire (`assign rst = ~rst_n`),
// - a second domain reset through a two-flop synchroniser (`sync <= {sync[0], arst_in}`),
// - an `if (rstn) <logic> else <constants>` whose constant arm is the else.
module reset_styles (
    input  wire       clk,
    input  wire       ce,
    input  wire       srst,
    input  wire       rst_n,
    input  wire       arst_in,
    input  wire       rstn_b,
    input  wire [3:0] d,
    output reg  [3:0] q_nested,
    output reg  [3:0] q_wire,
    output reg  [3:0] q_sync,
    output reg  [3:0] q_else
);
    wire rst = ~rst_n;
    reg [1:0] sync;
    wire rst_sync = sync[1];

    always @(posedge clk) begin
        if (ce) begin
            if (srst) q_nested <= 4'd0;
            else      q_nested <= d;
        end
    end

    always @(posedge clk) begin
        if (rst) q_wire <= 4'd0;
        else     q_wire <= q_wire + d;
    end

    always @(posedge clk) sync <= {sync[0], arst_in};

    always @(posedge clk or posedge rst_sync) begin
        if (rst_sync) q_sync <= 4'd0;
        else          q_sync <= q_sync ^ d;
    end

    always @(posedge clk) begin
        if (rstn_b) q_else <= d;
        else        q_else <= 4'hf;
    end
endmodule
