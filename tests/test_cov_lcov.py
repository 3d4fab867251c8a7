"""lcov export."""

from __future__ import annotations

from pathlib import Path

from dv.cov.datfile import read_dat
from dv.cov.lcov import to_lcov
from dv.cov.model import Coverage, CoverPoint

FIFO = Path(__file__).parent / "data" / "cov" / "fifo.dat"

# From tests/data/cov/fifo.dat by hand (grep -a "t"$'\x02'"line\|t"$'\x02'"branch"):
# line points: l27 S27, l45 S45, l46 S46, l47 S47
# branch points (line S count): 28 28-33 3 | 28 34-36,44 2000 | 37 37-39 943 | 37 - 1057 |
#   39 39 117 | 39 39 826 | 41 41-42 938 | 41 - 1062 | 42 42 117 | 42 42 821
# lines touched: 27-39, 41, 42, 44-47 -> 19 DA records, all hit; 10 BRDA records, all taken.
EXPECTED_DA = {27: 2003, 28: 2000, 29: 3, 30: 3, 31: 3, 32: 3, 33: 3, 34: 2000, 35: 2000,
               36: 2000, 37: 1057, 38: 943, 39: 943, 41: 1062, 42: 938, 44: 2000, 45: 499,
               46: 494, 47: 1007}


def records(text: str, tag: str) -> list[str]:
    return [line[len(tag) + 1:] for line in text.splitlines() if line.startswith(tag + ":")]


def test_lcov_on_fixture() -> None:
    info = to_lcov(read_dat(FIFO, root="/src"), root=Path("/work/checkout"))
    lines = info.splitlines()
    assert lines[0] == "TN:dv" and lines[-1] == "end_of_record"
    assert records(info, "SF") == ["/work/checkout/rtl_examples/fifo/fifo.sv"]
    da = {int(a): int(b) for a, b in (r.split(",") for r in records(info, "DA"))}
    assert da == EXPECTED_DA
    brda = records(info, "BRDA")
    assert len(brda) == 10
    assert brda[:2] == ["28,0,0,3", "28,0,1,2000"]
    assert records(info, "LF") == ["19"] and records(info, "LH") == ["19"]
    assert records(info, "BRF") == ["10"] and records(info, "BRH") == ["10"]
    assert not records(info, "FN")
    # absolute paths (no root at read time) are written as they are
    assert records(to_lcov(read_dat(FIFO), root="/x"), "SF") == ["/src/rtl_examples/fifo/fifo.sv"]


def test_lcov_blocks_untaken_and_files() -> None:
    def br(line: int, col: int, comment: str, count: int, file: str = "a.sv") -> CoverPoint:
        return CoverPoint("branch", file, line, col, comment, "t", count=count)

    cov = Coverage()
    for p in [
        br(5, 10, "cond_then", 0), br(5, 11, "cond_else", 4),
        br(5, 30, "cond_then", 0), br(5, 31, "cond_else", 0),
        br(9, 3, "if", 0), br(9, 4, "else", 0),
        br(2, 1, "if", 1, file="0.sv"),
        CoverPoint("toggle", "a.sv", 1, 1, "x:0->1", "t", count=0),
        CoverPoint("expr", "z.sv", 1, 1, "(x==1) => 1", "t", count=0),
    ]:
        cov.add(p)
    info = to_lcov(cov)
    assert records(info, "SF") == ["0.sv", "a.sv"]  # z.sv has no line/branch points
    a = info.split("end_of_record\n")[1]
    assert records(a, "BRDA") == ["5,0,0,0", "5,0,1,4", "5,1,0,-", "5,1,1,-",
                                  "9,0,0,-", "9,0,1,-"]
    assert records(a, "BRF") == ["6"] and records(a, "BRH") == ["1"]
    assert records(a, "DA") == ["5,4", "9,0"]
    assert records(a, "LH") == ["1"]
    assert to_lcov(Coverage()) == ""
