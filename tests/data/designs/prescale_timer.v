// A UART-style bit timer: a 16-bit prescale input sets how many clocks one tick lasts (a real
// environment writes it once and keeps it); eight ticks make a frame. The counter counts up
// and is compared with the prescale, so it only expires while the input holds still: with a
// new random prescale every cycle the equality almost never happens.
module prescale_timer (
    input  wire        clk,
    input  wire        rst,
    input  wire [15:0] prescale,
    input  wire        start,
    output reg         busy,
    output reg         tick,
    output reg         done,
    output reg  [2:0]  ticks
);
    reg [15:0] count;

    always @(posedge clk) begin
        tick <= 1'b0;
        done <= 1'b0;
        if (!busy) begin
            if (start) begin
                busy  <= 1'b1;
                count <= 16'd0;
                ticks <= 3'd0;
            end
        end else if (count == prescale) begin
            count <= 16'd0;
            tick  <= 1'b1;
            ticks <= ticks + 3'd1;
            if (ticks == 3'd7) begin
                busy <= 1'b0;
                done <= 1'b1;
            end
        end else begin
            count <= count + 16'd1;
        end
        if (rst) begin
            busy  <= 1'b0;
            tick  <= 1'b0;
            done  <= 1'b0;
            count <= 16'd0;
            ticks <= 3'd0;
        end
    end
endmodule
