"""Hand-written cocotb tests for the simulator tests: one passes, one fails, one hangs."""
import cocotb
from cocotb.clock import Clock
from cocotb.triggers import Event, FallingEdge, RisingEdge


async def start(dut):
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    dut.en.value = 0
    for _ in range(2):
        await RisingEdge(dut.clk)
    dut.rst.value = 0


@cocotb.test()
async def counts(dut):
    await start(dut)
    dut.en.value = 1
    await FallingEdge(dut.clk)
    first = dut.q.value.to_unsigned()
    for _ in range(20):
        await FallingEdge(dut.clk)
    assert dut.q.value.to_unsigned() == (first + 20) % 16


@cocotb.test()
async def wrong_expectation(dut):
    await start(dut)
    dut.en.value = 1
    for _ in range(3):
        await FallingEdge(dut.clk)
    assert dut.q.value.to_unsigned() == 7, "q is not 7"


@cocotb.test()
async def hangs(dut):
    await start(dut)
    await Event().wait()  # never set, while the clock keeps the simulator busy
