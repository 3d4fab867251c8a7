"""Hand-written cocotb test for qual_enum: busy follows go one cycle later, for two cycles."""

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge


@cocotb.test()
async def runs(dut):
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    dut.go.value = 0
    await FallingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    await FallingEdge(dut.clk)
    assert int(dut.busy.value) == 0
    dut.go.value = 1
    await FallingEdge(dut.clk)
    dut.go.value = 0
    assert int(dut.busy.value) == 1
    await FallingEdge(dut.clk)
    assert int(dut.busy.value) == 1
    await FallingEdge(dut.clk)
    assert int(dut.busy.value) == 0
