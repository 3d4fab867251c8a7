// dv test design: a package with a constant, an enum type and a function, imported by
// pkg_mem (holes whose conditions name package items must be formal targets).
package pkg_mem_pkg;
  localparam int DEPTH = 4;
  typedef enum logic [1:0] {IDLE = 2'd0, FILL = 2'd1, FULL = 2'd2, SPARE = 2'd3} state_t;
  function automatic logic [7:0] bump(input logic [7:0] v);
    return v + 8'd1;
  endfunction
endpackage
