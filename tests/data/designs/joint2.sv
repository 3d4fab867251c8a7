// a and b are zero together (with c, one step behind b), but neither alone: a stall with
// en low keeps a one in the other register for any number of steps. d and e are a plain
// swap, 1-inductive together. Joint induction proves {d, e} at k = 1, then {a, b} at k = 2.
module joint2 (input logic clk, input logic rst, input logic en, input logic sw,
               output logic a, output logic b, output logic d, output logic e);
  logic c;
  always_ff @(posedge clk)
    if (rst) begin a <= 0; b <= 0; c <= 0; d <= 0; e <= 0; end
    else begin
      c <= b;
      if (en) begin a <= c; b <= a; end
      if (sw) begin d <= e; e <= d; end
    end
  always @(posedge clk) if (!rst) begin
    p_a: assert (!a);
    p_b: assert (!b);
    p_d: assert (!d);
    p_e: assert (!e);
  end
endmodule
