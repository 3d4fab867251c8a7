// dv test design: package import, an enum state from the package (FULL reachable, SPARE
// never), a memory whose contents guard a branch, and a memory with a descending, offset
// range: back[4] is cleared by reset and never written, so back[4] == 8'h5a is unreachable
// while back[7] == 8'h5a is reachable (a monitor that read the range the other way round
// would swap the two verdicts).
module pkg_mem import pkg_mem_pkg::*; (
  input  logic       clk,
  input  logic       rst,
  input  logic       we,
  input  logic [1:0] wa,
  input  logic [1:0] ra,
  input  logic [7:0] wd,
  output logic [7:0] rd,
  output logic       hit
);
  logic [7:0] mem [DEPTH];
  logic [7:0] back [7:4];
  logic seen4, seen7;
  state_t state;
  logic [2:0] count;

  always_ff @(posedge clk) begin
    if (we) mem[wa] <= bump(wd);
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      state <= IDLE;
      count <= '0;
    end else begin
      case (state)
        IDLE: if (we) state <= FILL;
        FILL: begin
          if (we) count <= count + 3'd1;
          if (count == 3'(DEPTH - 1)) state <= FULL;
        end
        FULL: if (!we) state <= IDLE;
        SPARE: state <= IDLE;
      endcase
    end
  end

  always_ff @(posedge clk) begin
    if (rst) hit <= 1'b0;
    else if (mem[ra] == 8'hff) hit <= 1'b1;
    else hit <= 1'b0;
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      back[4] <= 8'h00;
      seen4 <= 1'b0;
      seen7 <= 1'b0;
    end else begin
      if (we && wa == 2'd3) back[7] <= wd;
      if (back[4] == 8'h5a) seen4 <= 1'b1;
      if (back[7] == 8'h5a) seen7 <= 1'b1;
    end
  end

  assign rd = mem[ra] ^ {6'd0, seen4, seen7};
endmodule
