"""Transport checks (``in_order_delivery``): offered on stream-in/stream-out designs, turned on by
the spec, checked beat by beat in the generated testbench; and the per-interface plan knobs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dv.design.model import Clock, Design, Port, Reset
from dv.errors import InputError
from dv.protocols.drive_runtime import TransportChecker
from dv.protocols.transport import attach_checks, spec_checks, transport_pairs

ROOT = Path(__file__).resolve().parent.parent
AXIS_FIFO = ROOT / "rtl_examples" / "axis_fifo"
DV = str(Path(sys.executable).parent / "dv")


def design(*ports: tuple[str, str, int]) -> Design:
    ps = [Port("clk", "input", 1), Port("rst_n", "input", 1)]
    ps += [Port(n, d, w) for n, d, w in ports]
    return Design("t", ["t.sv"], ports=ps, clocks=[Clock("clk")],
                  resets=[Reset("rst_n", active_low=True, asynchronous=False)])


def I(name: str, w: int = 1) -> tuple[str, str, int]:  # noqa: E743
    return (name, "input", w)


def O(name: str, w: int = 1) -> tuple[str, str, int]:  # noqa: E743
    return (name, "output", w)


AXIS = (I("s_axis_tdata", 8), I("s_axis_tlast"), I("s_axis_tvalid"), O("s_axis_tready"),
        O("m_axis_tdata", 8), O("m_axis_tlast"), O("m_axis_tvalid"), I("m_axis_tready"))


# -- which designs get a pair ------------------------------------------------------------------

def test_stream_in_stream_out_pairs_by_payload_fields():
    (pair,) = transport_pairs(design(*AXIS))
    assert pair["name"] == "s_axis -> m_axis" and pair["id"] is None
    assert pair["in"]["fields"] == {"tdata": "s_axis_tdata", "tlast": "s_axis_tlast"}
    assert pair["out"]["fields"] == {"tdata": "m_axis_tdata", "tlast": "m_axis_tlast"}
    vr = design(I("in_valid"), O("in_ready"), I("in_data", 8), O("out_valid"), I("out_ready"),
                O("out_data", 8))
    assert [p["name"] for p in transport_pairs(vr)] == ["in -> out"]


@pytest.mark.parametrize("ports", [
    # a width converter: the fields differ in width
    (I("s_axis_tdata", 8), I("s_axis_tvalid"), O("s_axis_tready"), O("m_axis_tdata", 16),
     O("m_axis_tvalid"), I("m_axis_tready")),
    # the output has a sideband field the input lacks
    (I("s_axis_tdata", 8), I("s_axis_tvalid"), O("s_axis_tready"), O("m_axis_tdata", 8),
     O("m_axis_tlast"), O("m_axis_tvalid"), I("m_axis_tready")),
    # two outputs of the same shape: which one carries the beats is not known
    (I("a_valid"), O("a_ready"), I("a_data", 8), O("b_valid"), I("b_ready"), O("b_data", 8),
     O("c_valid"), I("c_ready"), O("c_data", 8)),
    # two sinks, no source
    (I("a_valid"), O("a_ready"), I("a_data", 8), I("b_valid"), O("b_ready"), I("b_data", 8)),
])
def test_no_pair_where_the_structure_does_not_say_so(ports):
    assert transport_pairs(design(*ports)) == []


# -- the spec turns checks on ------------------------------------------------------------------

def _spec(tmp: Path, text: str):
    from dv.design.spec import parse_spec

    path = tmp / "d.md"
    path.write_text(text)
    return parse_spec(str(path))


def test_spec_turns_checks_on_in_a_line_or_a_block(tmp_path):
    spec = _spec(tmp_path, "# d\n\n## Checks\nchecks: [in_order_delivery]\n")
    assert [n for n, _ in spec_checks(spec)] == ["in_order_delivery"]
    assert spec_checks(spec)[0][1].endswith("d.md:4")
    spec = _spec(tmp_path, "# d\n\n```checks\nin_order_delivery  # beats kept\n```\n")
    assert [n for n, _ in spec_checks(spec)] == ["in_order_delivery"]
    # a line inside another fenced block is not a checks line
    spec = _spec(tmp_path, "# d\n\n```text\nchecks: [in_order_delivery]\n```\n")
    assert spec_checks(spec) == []
    assert spec_checks(None) == []


def test_unknown_check_and_check_without_pair_are_bad_input(tmp_path):
    spec = _spec(tmp_path, "# d\nchecks: [in_order, in_order_delivery]\n")
    with pytest.raises(InputError, match=r"d.md:2: unknown check 'in_order'"):
        spec_checks(spec)
    spec = _spec(tmp_path, "# d\nchecks: [in_order_delivery]\n")
    d = design(I("a_valid"), O("a_ready"), I("a_data", 8))
    with pytest.raises(InputError, match="needs a stream in and a stream out"):
        attach_checks(d, spec)
    d = design(*AXIS)
    assert attach_checks(d, spec) and d.transport_checks[0][0] == "in_order_delivery"


def test_generated_environment_carries_the_pairs_and_what_is_enforced(tmp_path):
    from dv.design import attach_interfaces
    from dv.gen.harness import design_description

    d = design(*AXIS)
    attach_interfaces(d, None)
    assert design_description(d)["transport"]["enforce"] == []  # observed only
    attach_interfaces(d, _spec(tmp_path, "# d\nchecks: [in_order_delivery]\n"))
    tr = design_description(d)["transport"]
    assert tr["enforce"] == ["in_order_delivery"] and tr["pairs"][0]["name"] == \
        "s_axis -> m_axis"


# -- the runtime checker, cycle by cycle (a stand-in for the simulator's handles) ---------------

class _Val:
    def __init__(self, v: int) -> None:
        self.v = v
        self.is_resolvable = True

    def to_unsigned(self) -> int:
        return self.v


class _Sig:
    def __init__(self) -> None:
        self.value = _Val(0)


class _Dut:
    def __init__(self, names) -> None:
        for n in names:
            setattr(self, n, _Sig())

    def set(self, **values: int) -> None:
        for k, v in values.items():
            getattr(self, k).value = _Val(v)


def _checker(enforce: bool, tid: bool = False):
    ports = [p[0] for p in AXIS] + ["rst_n"] + (["s_axis_tid", "m_axis_tid"] if tid else [])
    d = design(*AXIS, *((I("s_axis_tid", 2), O("m_axis_tid", 2)) if tid else ()))
    (pair,) = transport_pairs(d)
    dut = _Dut(ports)
    dut.set(rst_n=1)
    tc = TransportChecker(dut, {"pairs": [pair], "enforce": ["in_order_delivery"] if enforce
                                else []}, {"name": "rst_n", "active": 0})
    return dut, tc


def _run(dut, tc, cycles: list[tuple[tuple | None, tuple | None]]) -> None:
    """Each cycle: the beat entering ((data, last) or None) and the one leaving."""
    for n, (enter, leave) in enumerate(cycles, 1):
        dut.set(s_axis_tvalid=int(enter is not None), s_axis_tready=1,
                m_axis_tvalid=int(leave is not None), m_axis_tready=1)
        if enter is not None:
            dut.set(s_axis_tdata=enter[0], s_axis_tlast=enter[1])
        if leave is not None:
            dut.set(m_axis_tdata=leave[0], m_axis_tlast=leave[1])
        tc.sample(n)


def test_in_order_beats_pass_and_are_counted(tmp_path):
    dut, tc = _checker(enforce=True)
    beats = [(0x11, 0), (0x22, 0), (0x33, 1), (0x44, 0)]
    # two cycles of latency, a combinational same-cycle delivery at the end
    _run(dut, tc, [(beats[0], None), (beats[1], None), (beats[2], beats[0]),
                   (None, beats[1]), (None, beats[2]), (beats[3], beats[3])])
    tc.write(str(tmp_path / "transport.json"))
    (st,) = json.loads((tmp_path / "transport.json").read_text())["checks"]
    assert (st["entered"], st["left"], st["violation"], st["inside_at_end"]) == (4, 4, None, 0)
    assert st["enforced"] is True


@pytest.mark.parametrize("leaving,why", [
    ([(0x22, 0)], "it is beat 2, so beat 1 was dropped or reordered"),
    ([(0x11, 1)], "its payload changed"),  # tlast (sideband) changed
])
def test_a_dropped_reordered_or_changed_beat_fails_naming_check_pair_and_cycle(leaving, why):
    dut, tc = _checker(enforce=True)
    with pytest.raises(AssertionError) as exc:
        _run(dut, tc, [((0x11, 0), None), ((0x22, 0), None), (None, leaving[0])])
    msg = str(exc.value)
    assert msg.startswith("dv-check-fail cycle 4: in_order_delivery s_axis -> m_axis: beat 1")
    assert "entered at cycle 2" in msg and why in msg


def test_a_duplicated_beat_fails():
    dut, tc = _checker(enforce=True)
    with pytest.raises(AssertionError, match="never entered, or entered and already left"):
        _run(dut, tc, [((0x11, 0), None), (None, (0x11, 0)), (None, (0x11, 0))])


def test_observed_only_records_the_first_violation_without_failing():
    dut, tc = _checker(enforce=False)
    _run(dut, tc, [((0x11, 0), None), ((0x22, 0), None), (None, (0x22, 0)), (None, (0x11, 0))])
    (st,) = tc.stats
    assert st["violation"].startswith("cycle 4: in_order_delivery s_axis -> m_axis: beat 1")
    assert not st["enforced"]


def test_reset_flushes_the_beats_inside():
    dut, tc = _checker(enforce=True)
    _run(dut, tc, [((0x11, 0), None)])
    dut.set(rst_n=0)
    tc.sample(2)
    dut.set(rst_n=1)
    _run(dut, tc, [((0x22, 0), None), (None, (0x22, 0))])  # 0x11 was lost to the reset: fine
    assert tc.stats[0]["violation"] is None


def test_order_is_kept_per_tid():
    dut, tc = _checker(enforce=True, tid=True)
    for n, (sv, sd, sid, mv, md, mid) in enumerate([
            (1, 0x11, 0, 0, 0, 0), (1, 0x22, 1, 0, 0, 0),
            (0, 0, 0, 1, 0x22, 1), (0, 0, 0, 1, 0x11, 0)], 1):  # ids interleave: legal
        dut.set(s_axis_tvalid=sv, s_axis_tready=1, s_axis_tdata=sd, s_axis_tid=sid,
                m_axis_tvalid=mv, m_axis_tready=1, m_axis_tdata=md, m_axis_tid=mid)
        tc.sample(n)
    assert tc.stats[0]["left"] == 2 and tc.stats[0]["violation"] is None


# -- plan knobs --------------------------------------------------------------------------------

def test_plan_knobs_are_validated_against_the_interfaces():
    from dv.gen.validate import DesignView, Problem, validate_plans

    d = design(*AXIS)
    view = DesignView.of(d)
    assert view.knobs == {"s_axis": ("frame_len", "gap"), "m_axis": ("backpressure",)}
    seg = [{"cycles": 100}]
    problems: list[Problem] = []
    good = {"name": "k", "segments": seg, "interfaces": {
        "s_axis": {"gap": [0, 3], "frame_len": [2, 8]}, "m_axis": {"backpressure": 0.8}}}
    (plan,) = validate_plans([good], view, 1, [], problems)
    assert problems == [] and plan.plan["interfaces"]["m_axis"] == {"backpressure": 0.8}
    bad = [{"name": "a", "segments": seg, "interfaces": {"nope": {"gap": [0, 1]}}},
           {"name": "b", "segments": seg, "interfaces": {"m_axis": {"gap": [0, 1]}}},
           {"name": "c", "segments": seg, "interfaces": {"s_axis": {"gap": [5, 2]}}},
           {"name": "d", "segments": seg, "interfaces": {"m_axis": {"backpressure": 2}}},
           {"name": "e", "segments": seg, "interfaces": {"s_axis": {"frame_len": [0, 9]}}},
           {"name": "f", "segments": seg, "interfaces": ["s_axis"]}]
    for plan in bad:
        problems = []
        assert validate_plans([plan], view, 1, [], problems) == [], plan
        assert problems and problems[0].where.startswith("[0].interfaces"), plan


def test_builtin_varies_the_knobs_across_later_rounds():
    from dv.gen.base import TestPlan
    from dv.gen.builtin import KNOB_PROFILES, _vary_knobs

    d = design(*AXIS)
    seen = set()
    for rnd in (1, 2):
        tests = [TestPlan(f"r{rnd}_t{i}", {"segments": [{"cycles": 10}]}) for i in range(3)]
        _vary_knobs(d, tests, rnd)
        for t in tests:
            k = t.plan["interfaces"]
            assert set(k) == {"s_axis", "m_axis"} and set(k["m_axis"]) == {"backpressure"}
            seen.add(json.dumps(k, sort_keys=True))
    assert len(seen) == min(4, len(KNOB_PROFILES))  # rounds shift the profiles
    plain = [TestPlan("r1_x", {"segments": []})]
    _vary_knobs(design(I("a", 8), O("b", 8)), plain, 1)
    assert "interfaces" not in plain[0].plan


def test_llm_prompt_lists_the_knobs():
    from dv.gen.llm_prompt import interface_text
    from dv.gen.validate import DesignView

    d = design(*AXIS)
    text = interface_text(d, DesignView.of(d))
    assert "s_axis: frame_len, gap; m_axis: backpressure" in text


# -- the AXI-Stream example: enforced in simulation, its planted bug caught --------------------

def _generate(tmp: Path, rtl: Path, *extra: str) -> tuple[int, dict, str]:
    proc = subprocess.run([DV, "generate", "--rtl", str(rtl), "--spec",
                           str(AXIS_FIFO / "axis_fifo.md"), "--rounds", "1", "--no-formal",
                           "--out", str(tmp), "-j", "2", *extra], capture_output=True,
                          text=True, timeout=1200, cwd=tmp.parent)
    rec = json.loads((tmp / "coverage" / "axis_fifo" / "closure.json").read_text())
    return proc.returncode, rec, proc.stdout + proc.stderr


@pytest.mark.slow
def test_axis_fifo_buggy_fails_in_simulation_with_the_rule_and_cycle(tmp_path):
    rc, rec, out = _generate(tmp_path / "bug", AXIS_FIFO / "axis_fifo_buggy.sv",
                             "-D", "AXIS_FIFO_BUGGY")
    failed = [t for r in rec["rounds"] for t in r["tests"] if t["status"] != "passed"]
    assert rc == 1 and failed, out
    for t in failed:  # a failing check naming its rule and cycle, not a hang or a timeout
        msg = t.get("message", "")
        assert "dv-prop-fail proto_m_axis_t" in msg or "in_order_delivery" in msg, msg
        assert "timeout" not in msg.lower()


def test_dv_inspect_offers_the_check():
    proc = subprocess.run([DV, "inspect", "--rtl", str(AXIS_FIFO / "axis_fifo.sv")],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    text = " ".join(proc.stdout.split())
    assert proc.returncode == 0, proc.stderr
    assert "transport s_axis -> m_axis (tdata, tlast): in_order_delivery offered" in text
    assert "'checks: [in_order_delivery]' in the spec" in text
