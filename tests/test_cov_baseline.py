"""Baseline comparison."""

from __future__ import annotations

from pathlib import Path

from dv.cov.baseline import compare
from dv.cov.datfile import read_dat
from dv.cov.model import Coverage, CoverPoint
from dv.design.spec import Waiver

FIFO = Path(__file__).parent / "data" / "cov" / "fifo.dat"


def cov_of(*spec: tuple[str, int, int]) -> Coverage:
    c = Coverage()
    for kind, line, count in spec:
        c.add(CoverPoint(kind, "a.sv", line, 0, "c", "top", count=count))
    return c


def test_identical_runs_do_not_drop() -> None:
    cov = read_dat(FIFO)
    diff = compare(cov, cov.copy())
    assert not diff.dropped
    assert not (diff.lost or diff.gained or diff.new or diff.removed)
    assert diff.kinds["toggle"][0] == diff.kinds["toggle"][1]


def test_lost_gained_new_removed() -> None:
    base = cov_of(("line", 1, 5), ("line", 2, 0), ("branch", 3, 1), ("branch", 4, 1))
    now = cov_of(("line", 1, 0), ("line", 2, 7), ("branch", 3, 1), ("branch", 9, 0))
    diff = compare(now, base)
    assert [p.line for p in diff.lost] == [1]
    assert [p.line for p in diff.gained] == [2]
    assert [p.line for p in diff.new] == [9]
    assert [p.line for p in diff.removed] == [4]
    # line: 1/2 -> 1/2; branch: 2/2 -> 1/2
    assert diff.dropped_kinds == ["branch"]
    assert diff.dropped
    assert diff.total[0].percent == 75.0 and diff.total[1].percent == 50.0
    text = "\n".join(diff.describe())
    assert "branch: 100.0% (2/2) -> 50.0% (1/2)" in text and "lost: a.sv:1 line c" in text
    assert diff.to_json()["dropped"] is True


def test_tolerance_and_waivers() -> None:
    base = cov_of(*[("toggle", n, 1) for n in range(1, 101)])
    now = cov_of(*[("toggle", n, int(n != 50)) for n in range(1, 101)])
    assert compare(now, base).dropped
    assert not compare(now, base, tolerance=1.0).dropped
    assert compare(now, base, tolerance=0.5).dropped
    # the lost point is waived: neither lost nor counted
    diff = compare(now, base, waivers=[Waiver("a.sv", 50, "toggle", "known")])
    assert not diff.dropped and not diff.lost
    assert diff.kinds["toggle"][1].waived == 1
