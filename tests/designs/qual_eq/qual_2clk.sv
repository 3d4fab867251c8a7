// dv qualify equivalence test design: two clock domains (the formal engine models one clock).
module qual_2clk (
    input  logic ca,
    input  logic cb,
    input  logic a,
    input  logic b,
    output logic qa,
    output logic qb
);
    always_ff @(posedge ca) qa <= a;
    always_ff @(posedge cb) qb <= b & a;
endmodule
