// A memory and a contract-style check: one symbolic address, chosen once (anyconst), and a
// shadow copy of what was last written there. Holds for every address; with the address
// free in every cycle it would not.
module contract_mem (
    input  logic       clk,
    input  logic       rst,
    input  logic       we,
    input  logic [3:0] wa,
    input  logic [7:0] wd,
    input  logic [3:0] ra,
    output logic [7:0] rd
);
  logic [7:0] mem [16];
  always_ff @(posedge clk) if (we) mem[wa] <= wd;
  assign rd = mem[ra];
`ifdef FORMAL
  (* anyconst *) logic [3:0] addr;
  logic [7:0] shadow;
  logic valid;
  always_ff @(posedge clk)
    if (rst) valid <= 1'b0;
    else if (we && wa == addr) begin valid <= 1'b1; shadow <= wd; end
  always @(posedge clk) if (!rst && valid) a_contract: assert (mem[addr] == shadow);
`endif
endmodule
