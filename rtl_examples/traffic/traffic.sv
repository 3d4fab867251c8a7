// Traffic-light controller for a north-south / east-west crossing with a
// pedestrian button. Phases: NS green, NS yellow, all red, EW green, EW yellow,
// all red, and around again. A pending pedestrian request shortens the current
// green phase to MIN_GREEN cycles and turns the next all-red phase into a walk
// phase of WALK_TIME cycles. All times are in clock cycles.
module traffic #(
    parameter int unsigned GREEN_TIME  = 8,  // largest of the times below
    parameter int unsigned MIN_GREEN   = 5,  // 1 <= MIN_GREEN <= GREEN_TIME
    parameter int unsigned YELLOW_TIME = 2,
    parameter int unsigned RED_TIME    = 1,
    parameter int unsigned WALK_TIME   = 3
) (
    input  logic clk,
    input  logic rst_n,
    input  logic ped_req,
    output logic ns_green,
    output logic ns_yellow,
    output logic ns_red,
    output logic ew_green,
    output logic ew_yellow,
    output logic ew_red,
    output logic walk
);
    localparam int unsigned TW = (GREEN_TIME > 1) ? $clog2(GREEN_TIME) : 1;

    typedef enum logic [2:0] {
        NS_GREEN  = 3'd0,
        NS_YELLOW = 3'd1,
        ALL_RED_1 = 3'd2,
        EW_GREEN  = 3'd3,
        EW_YELLOW = 3'd4,
        ALL_RED_2 = 3'd5
    } state_t;

    state_t        state, next_state;
    logic [TW-1:0] timer;        // cycles spent in the current state
    logic          ped_pending;  // button pressed, walk phase not yet started

    wire green_done  = (timer == TW'(GREEN_TIME - 1))
                    || (ped_pending && timer >= TW'(MIN_GREEN - 1));
    wire yellow_done = (timer == TW'(YELLOW_TIME - 1));
    wire red_done    = walk ? (timer == TW'(WALK_TIME - 1)) : (timer == TW'(RED_TIME - 1));
    wire enter_red   = (next_state != state)
                    && (next_state == ALL_RED_1 || next_state == ALL_RED_2);

    // State register.
    always_ff @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            state <= NS_GREEN;
        end else begin
            state <= next_state;
        end
    end

    // Next-state logic.
    always_comb begin
        next_state = state;
        unique case (state)
            NS_GREEN:  if (green_done)  next_state = NS_YELLOW; else next_state = NS_GREEN;
            NS_YELLOW: if (yellow_done) next_state = ALL_RED_1; else next_state = NS_YELLOW;
            ALL_RED_1: if (red_done)    next_state = EW_GREEN;  else next_state = ALL_RED_1;
            EW_GREEN:  if (green_done)  next_state = EW_YELLOW; else next_state = EW_GREEN;
            EW_YELLOW: if (yellow_done) next_state = ALL_RED_2; else next_state = EW_YELLOW;
            ALL_RED_2: if (red_done)    next_state = NS_GREEN;  else next_state = ALL_RED_2;
        endcase
    end

    // Phase timer, pedestrian request and walk phase.
    always_ff @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            timer       <= '0;
            ped_pending <= 1'b0;
            walk        <= 1'b0;
        end else begin
            if (next_state != state) begin
                timer <= '0;
            end else begin
                timer <= timer + 1'b1;
            end
            if (enter_red) begin
                walk        <= ped_pending || ped_req;
                ped_pending <= 1'b0;
            end else begin
                if (next_state != state) begin
                    walk <= 1'b0;
                end
                if (ped_req) begin
                    ped_pending <= 1'b1;
                end
            end
        end
    end

    // Lamps (Moore outputs).
    assign ns_green  = (state == NS_GREEN);
    assign ns_yellow = (state == NS_YELLOW);
    assign ns_red    = !(ns_green || ns_yellow);
    assign ew_green  = (state == EW_GREEN);
    assign ew_yellow = (state == EW_YELLOW);
    assign ew_red    = !(ew_green || ew_yellow);
endmodule
