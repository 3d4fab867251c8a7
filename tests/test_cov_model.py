"""The coverage model: keys, merging, summaries with waivers, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dv.cov.datfile import read_dat
from dv.cov.model import KINDS, Coverage, CoverPoint, KindSummary
from dv.design.spec import Waiver, parse_spec_text
from dv.errors import InputError

FIFO = Path(__file__).parent / "data" / "cov" / "fifo.dat"


def pt(kind: str = "line", line: int = 1, comment: str = "block", count: int = 0,
       file: str = "rtl/a.sv", column: int = 0, hier: str = "top",
       first_test: str | None = None, **kw: str) -> CoverPoint:
    return CoverPoint(kind, file, line, column, comment, hier, count=count,
                      first_test=first_test if count else None, **kw)


def cov_of(*points: CoverPoint) -> Coverage:
    c = Coverage()
    for p in points:
        c.add(p)
    return c


# -- points ---------------------------------------------------------------------------------

def test_key_and_hit() -> None:
    p = pt("toggle", 10, "wr_data[3]:0->1", count=0, column=30, hier="fifo")
    assert p.key == "toggle|rtl/a.sv|10|30|fifo|wr_data[3]:0->1"
    assert not p.hit
    p.count = 2
    assert p.hit


def test_span_lines() -> None:
    assert pt(span="34-36,44").span_lines() == [34, 35, 36, 44]
    assert pt(span="").span_lines() == []
    assert pt(span="5,x,3-2,5").span_lines() == [5]


# -- merge -----------------------------------------------------------------------------------

def test_merge_first_test() -> None:
    base = cov_of(pt(line=1, count=3, first_test="t1"), pt(line=2, count=0))
    run = cov_of(pt(line=1, count=1, first_test="x"), pt(line=2, count=4, first_test="x"),
                 pt(line=3, count=0), pt(line=4, count=2, first_test="x"))
    base.merge(run, test="t2")
    got = {p.line: (p.count, p.first_test) for p in base}
    assert got == {1: (4, "t1"), 2: (4, "t2"), 3: (0, None), 4: (2, "t2")}
    # without a test name the other side's first_test is used
    again = cov_of(pt(line=2, count=0))
    again.merge(run)
    assert again.get(pt(line=2).key).first_test == "x"  # type: ignore[union-attr]


def test_merge_does_not_alias_or_modify_other() -> None:
    other = cov_of(pt(count=1, first_test="a", extra={"page": "v_line/a"}))
    mine = Coverage()
    mine.merge(other)
    assert mine == other
    next(iter(mine)).count += 5
    next(iter(mine)).extra["x"] = "y"
    assert next(iter(other)).count == 1 and next(iter(other)).extra == {"page": "v_line/a"}


def test_merge_keeps_span_and_extra_from_either_side() -> None:
    a = cov_of(pt(count=1, first_test="a"))
    a.merge(cov_of(pt(count=1, first_test="b", span="1-2", extra={"page": "p"})))
    [p] = a
    assert (p.count, p.span, p.extra, p.first_test) == (2, "1-2", {"page": "p"}, "a")


_keys = st.tuples(st.sampled_from(KINDS[:4]), st.integers(1, 4), st.sampled_from(["a", "b"]))


@st.composite
def coverages(draw: st.DrawFn) -> Coverage:
    cov = Coverage()
    for (kind, line, comment), count in draw(
            st.dictionaries(_keys, st.integers(0, 1000), max_size=10)).items():
        cov.add(pt(kind, line, comment, count=count, first_test=draw(st.sampled_from("xyz"))))
    return cov


def counts(c: Coverage) -> dict[str, int]:
    return {k: p.count for k, p in c.points.items()}


def merged(*covs: Coverage) -> Coverage:
    out = Coverage()
    for c in covs:
        out.merge(c)
    return out


@settings(max_examples=100, deadline=None)
@given(coverages(), coverages(), coverages())
def test_merge_properties(a: Coverage, b: Coverage, c: Coverage) -> None:
    # identity: merging into an empty coverage gives the original (first_test included)
    assert merged(a) == a
    # commutative and associative on counts
    assert counts(merged(a, b)) == counts(merged(b, a))
    ab_c = merged(a, b)
    ab_c.merge(c)
    bc = merged(b, c)
    a_bc = a.copy()
    a_bc.merge(bc)
    assert counts(ab_c) == counts(a_bc)
    # hit points always have a first_test, unhit points never
    for p in ab_c:
        assert (p.first_test is not None) == p.hit


# -- summaries and waivers --------------------------------------------------------------------

def waiver(line: int, kind: str, file: str = "a.sv", target: str | None = None) -> Waiver:
    return Waiver(file=file, line=line, kind=kind, reason="because", target=target)


def test_summary_with_waivers() -> None:
    cov = cov_of(
        pt("line", 1, count=1), pt("line", 2, count=0), pt("line", 3, count=0),
        pt("branch", 5, "if", count=2), pt("branch", 5, "else", count=0),
        pt("toggle", 9, "d[0]:0->1", count=0), pt("toggle", 9, "d[1]:0->1", count=1),
        pt("toggle", 9, "e:0->1", count=0),
        pt("fsm_state", 20, "st::A", count=0), pt("fsm_arc", 20, "st::A->B", count=0),
        pt("expr", 7, "(a==1) => 1", count=0, file="other/b.sv"),
    )
    ws = [waiver(3, "line"), waiver(5, "branch"), waiver(9, "toggle", target="d"),
          waiver(20, "fsm"), waiver(7, "*", file="a.sv")]  # the last matches nothing
    s = cov.summary(ws)
    assert list(s)[: len(KINDS)] == list(KINDS)
    assert s["line"] == KindSummary("line", 1, 2, 1)
    assert s["branch"] == KindSummary("branch", 0, 0, 2)
    assert s["toggle"] == KindSummary("toggle", 0, 1, 2)
    assert s["fsm_state"] == KindSummary("fsm_state", 0, 0, 1)
    assert s["fsm_arc"] == KindSummary("fsm_arc", 0, 0, 1)
    assert s["expr"] == KindSummary("expr", 0, 1, 0)
    assert s["user"].percent == 100.0 and s["user"].total == 0
    assert s["line"].percent == 50.0
    assert cov.total(ws) == KindSummary("total", 1, 4, 7)
    assert cov.total() == KindSummary("total", 3, 11, 0)
    # waived() names the waiver
    [d0] = [p for p in cov if p.comment == "d[0]:0->1"]
    assert cov.waived(d0, ws) is ws[2]
    [e] = [p for p in cov if p.comment == "e:0->1"]
    assert cov.waived(e, ws) is None


def test_summary_waivers_from_a_spec() -> None:
    spec = parse_spec_text("# FIFO\n```unreachable\nfifo.sv:8 toggle:rst_n reset starts low\n"
                           "fifo.sv:28 * reset arm\n```\n")
    cov = read_dat(FIFO, root="/src")
    s = cov.summary(spec.waivers)
    # rst_n (2 toggle points) and line 28 (2 branch + 2 expr) are waived
    assert (s["toggle"].hit, s["toggle"].total, s["toggle"].waived) == (198, 198, 2)
    assert (s["branch"].total, s["branch"].waived) == (8, 2)
    assert (s["expr"].total, s["expr"].waived) == (17, 2)
    assert cov.total(spec.waivers).percent == 100.0
    assert cov.total().percent == pytest.approx(100 * 232 / 233)


@settings(max_examples=60, deadline=None)
@given(coverages(), st.lists(st.tuples(st.integers(1, 4), st.sampled_from(
    ["line", "branch", "expr", "toggle", "*"])), max_size=4))
def test_summary_arithmetic(cov: Coverage, raw: list[tuple[int, str]]) -> None:
    ws = [waiver(line, kind) for line, kind in raw]
    s = cov.summary(ws)
    assert sum(k.total + k.waived for k in s.values()) == len(cov)
    tot = cov.total(ws)
    assert tot.total + tot.waived == len(cov)
    for k in s.values():
        assert 0 <= k.hit <= k.total
        assert 0.0 <= k.percent <= 100.0
    unwaived_hits = sum(1 for p in cov if p.hit and cov.waived(p, ws) is None)
    assert tot.hit == unwaived_hits


# -- JSON --------------------------------------------------------------------------------------

def test_json_round_trip_of_fixture() -> None:
    cov = read_dat(FIFO, root="/src", test="smoke")
    data = json.loads(json.dumps(cov.to_json()))
    back = Coverage.from_json(data)
    assert back == cov
    assert list(back.points) == list(cov.points)
    assert data["format"] == "dv-coverage" and len(data["points"]) == 233


@pytest.mark.parametrize("data", [
    [], {"format": "other"}, {"format": "dv-coverage", "version": 99, "points": []},
    {"format": "dv-coverage", "version": 1},
    {"format": "dv-coverage", "version": 1, "points": [{"kind": "line"}]},
    {"format": "dv-coverage", "version": 1, "points": [
        {"kind": "line", "file": "a", "line": "1", "column": 0, "comment": "", "hier": ""}]},
    {"format": "dv-coverage", "version": 1, "points": [
        {"kind": "line", "file": "a", "line": 1, "column": 0, "comment": "", "hier": "",
         "count": -1}]},
])
def test_from_json_rejects_malformed(data: object) -> None:
    with pytest.raises(InputError):
        Coverage.from_json(data, source="cov.json")
