"""Reading and writing Verilator coverage.dat files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dv.cov.datfile import HEADER, parse_dat_text, read_dat, write_dat
from dv.cov.model import KINDS, Coverage, CoverPoint
from dv.errors import InputError

DATA = Path(__file__).parent / "data" / "cov"
FIFO = DATA / "fifo.dat"
FIFO_SV = "rtl_examples/fifo/fifo.sv"

# Expected numbers for tests/data/cov/fifo.dat (Verilator 5.048, smoke FIFO), computed with the
# shell, not with dv:
#   f=tests/data/cov/fifo.dat
#   grep -c "^C '" $f                                            -> 233 points
#   for t in line branch expr toggle; do
#     grep "t"$'\x02'"$t"$'\x01' $f | awk '{s+=$NF} END{print NR, s}'; done
#     -> line 4 4003 / branch 10 7884 / expr 19 35571 / toggle 200 29543
#   awk '$NF == 0' $f | wc -l                                    -> 1 (rst_n:1->0)
#   grep -c "32'sh1" $f                                          -> 4 (values containing ')
#   grep -c $'\x01S\x02' $f                                      -> 12 points with a span
FIFO_POINTS = 233
FIFO_KINDS = {"line": (4, 4003), "branch": (10, 7884), "expr": (19, 35571),
              "toggle": (200, 29543)}


def _rec(**kv: str) -> str:
    return "".join(f"\x01{k}\x02{v}" for k, v in kv.items())


def _line(count: int | str = 1, **kv: str) -> str:
    return f"C '{_rec(**kv)}' {count}"


GOOD = dict(f="/x/a.sv", l="3", n="5", t="line", page="v_line/a", o="block", h="a")


# -- the real fixture ---------------------------------------------------------------------------

def test_fixture_counts_per_kind() -> None:
    cov = read_dat(FIFO)
    assert len(cov) == FIFO_POINTS
    for kind, (n, total) in FIFO_KINDS.items():
        pts = cov.of_kind(kind)
        assert len(pts) == n, kind
        assert sum(p.count for p in pts) == total, kind
    assert not cov.of_kind("user") and not cov.of_kind("fsm_state")
    zero = [p for p in cov if p.count == 0]
    assert [(p.kind, p.comment) for p in zero] == [("toggle", "rst_n:1->0")]
    assert sum(1 for p in cov if p.span) == 12
    assert sum(1 for p in cov if "32'sh1" in p.comment) == 4


def test_fixture_fields_and_root() -> None:
    cov = read_dat(FIFO, root=Path("/src"), test="smoke")
    assert cov.files() == [FIFO_SV]
    [arm] = [p for p in cov.of_kind("branch") if p.line == 28 and p.comment == "else"]
    assert (arm.column, arm.span, arm.count, arm.hier) == (10, "34-36,44", 2000, "fifo")
    assert arm.extra == {"page": "v_branch/fifo"}
    assert arm.first_test == "smoke"
    assert arm.span_lines() == [34, 35, 36, 44]
    [quoted] = [p for p in cov.of_kind("expr")
                if p.line == 39 and p.comment.endswith("==1) => 1")]
    assert quoted.comment == "((wr_ptr == (DEPTH - 32'sh1)[2:0])==1) => 1"
    assert quoted.count == 117
    [rst] = [p for p in cov if p.count == 0]
    assert rst.first_test is None
    # without a root the paths stay as written
    assert read_dat(FIFO).files() == ["/src/" + FIFO_SV]
    # a root the files are not under changes nothing
    assert read_dat(FIFO, root="/elsewhere").files() == ["/src/" + FIFO_SV]


def test_fixture_write_read_round_trip(tmp_path: Path) -> None:
    cov = read_dat(FIFO)
    out = tmp_path / "merged.dat"
    write_dat(cov, out)
    assert read_dat(out) == cov
    # the written file is Verilator's format: same header, one C line per point
    lines = out.read_text().splitlines()
    assert lines[0] == HEADER
    assert len(lines) == 1 + FIFO_POINTS
    assert all(line.startswith("C '\x01f\x02") for line in lines[1:])


def test_fixture_lines_rewritten_identically(tmp_path: Path) -> None:
    # our key order is Verilator's (f l n t page o S h), so the lines come back byte-identical
    out = tmp_path / "again.dat"
    write_dat(read_dat(FIFO), out)
    assert sorted(out.read_text().splitlines()) == sorted(FIFO.read_text().splitlines())


# -- format details -------------------------------------------------------------------------------

def test_percent_escapes_are_decoded_and_written_back(tmp_path: Path) -> None:
    # Verilator writes %, " and non-printable bytes as %XX (signed char: %FFFFFFXX)
    text = HEADER + "\n" + _line(
        2, f="/x/a b.sv", l="7", n="1", t="expr", page="v_expr/a",
        o="(a %25 b==1) => 1 %22q%22 caf%FFFFFFC3%FFFFFFA9 tab%09x", h="top.*") + "\n"
    [p] = parse_dat_text(text)
    assert p.file == "/x/a b.sv"
    assert p.comment == '(a % b==1) => 1 "q" café tab\tx'
    assert p.hier == "top.*"
    out = tmp_path / "e.dat"
    write_dat(parse_dat_text(text), out)
    written = out.read_text(encoding="ascii")
    assert "%25" in written and "%22" in written and "%09" in written
    assert read_dat(out) == parse_dat_text(text)


def test_fsm_and_unknown_keys_are_kept() -> None:
    text = "\n".join([
        HEADER,
        _line(4, f="/x/f.sv", l="9", n="2", t="fsm_arc", page="v_fsm_arc/f", Fv="state",
              Ff="IDLE", Ft="RUN", Fg="", o="state::IDLE->RUN", h="f"),
        _line(0, f="/x/f.sv", l="9", n="2", page="v_fsm_state/f", Fv="state", o="state::DONE",
              w="3", h="f"),
    ]) + "\n"
    arc, state = parse_dat_text(text)
    assert arc.kind == "fsm_arc"
    assert arc.extra == {"page": "v_fsm_arc/f", "Fv": "state", "Ff": "IDLE", "Ft": "RUN",
                         "Fg": ""}
    assert state.kind == "fsm_state"  # no 't': derived from the page like Verilator does
    assert state.extra["w"] == "3"


def test_blank_lines_comments_crlf_and_missing_optional_keys() -> None:
    text = f"{HEADER}\r\n\r\n# a comment\r\n" + _line(0, f="a.sv", l="1", t="line") + "\r\n"
    [p] = parse_dat_text(text, root="/anything")
    assert (p.file, p.line, p.column, p.comment, p.hier, p.span) == ("a.sv", 1, 0, "", "", "")
    assert p.extra == {}


def test_duplicate_points_in_one_file_add_up() -> None:
    text = "\n".join([HEADER, _line(0, **GOOD), _line(5, **GOOD)]) + "\n"
    cov = parse_dat_text(text, test="t9")
    [p] = cov
    assert p.count == 5 and p.first_test == "t9"


def test_root_relative_and_symlinked_root(tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "rtl").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real)
    text = "\n".join([
        HEADER,
        _line(1, **{**GOOD, "f": f"{real}/rtl/a.sv"}),
        _line(1, **{**GOOD, "f": f"{real}/rtl/../rtl/b.sv"}),
        _line(1, **{**GOOD, "f": "/usr/share/c.sv"}),
    ]) + "\n"
    assert parse_dat_text(text, root=link).files() == ["/usr/share/c.sv", "rtl/a.sv", "rtl/b.sv"]
    assert parse_dat_text(text, root=real).files() == ["/usr/share/c.sv", "rtl/a.sv", "rtl/b.sv"]


# -- malformed input --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "line", "words"), [
    ("", 1, "header"),
    ("C '\x01f\x02a' 1\n", 1, "header"),
    ("# SystemC::Coverage-2\n", 1, "header"),
    (HEADER + "\n" + _line("x12", **GOOD) + "\n", 2, "integer count"),
    (HEADER + "\n" + _line("-1", **GOOD) + "\n", 2, "integer count"),
    (HEADER + "\n" + _line("", **GOOD) + "\n", 2, "integer count"),
    (HEADER + "\n" + _line(1, **GOOD) + "\n" + _line(1, **GOOD)[:40] + "\n", 3, "not closed"),
    (HEADER + "\n" + _line(1, **GOOD) + "\n" + _line(1, **GOOD)[:-3], 3, "not closed"),
    (HEADER + "\nX '\x01f\x02a' 1\n", 2, "coverage point line"),
    (HEADER + "\nC 'f\x02a' 1\n", 2, "must start with"),
    (HEADER + "\nC '\x01f\x02a\x01l' 1\n", 2, "has no value"),
    (HEADER + "\n" + _line(1, **{**GOOD, "l": "three"}) + "\n", 2, "integer line"),
    (HEADER + "\n" + _line(1, l="3", t="line") + "\n", 2, "'f'"),
    (HEADER + "\n" + _line(1, f="a", t="line") + "\n", 2, "'l'"),
    (HEADER + "\n" + _line(1, f="a", l="3") + "\n", 2, "'t'"),
])
def test_malformed_input_names_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(InputError) as info:
        parse_dat_text(text, source="run/coverage.dat")
    err = info.value
    assert err.file == "run/coverage.dat"
    assert err.line == line
    assert words in err.message
    assert str(err).startswith(f"run/coverage.dat:{line}: ")


def test_read_dat_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_dat(tmp_path / "nope.dat")


def test_read_dat_error_names_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.dat"
    bad.write_bytes(b"\x00\xff garbage")
    with pytest.raises(InputError) as info:
        read_dat(bad)
    assert info.value.file == str(bad) and info.value.line == 1


# -- round trip over generated points --------------------------------------------------------

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
_odd = st.sampled_from(["wr_data[3]:0->1", "(a==1 && b==0) => 1", "x' 5", "'", "' 7'",
                        "100%", '"q"', "a\x01b\x02c", "line\nbreak", " lead", "trail ",
                        "mem[2][3]:1->0", "st::A->B", "%41", "%FFFFFF41"])
_value = st.one_of(_text, _odd)
_extra_key = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=4).filter(
    lambda k: k not in ("f", "l", "n", "t", "o", "h", "S"))


@st.composite
def cover_points(draw: st.DrawFn) -> CoverPoint:
    return CoverPoint(
        kind=draw(st.sampled_from(KINDS)),
        file=draw(st.one_of(st.sampled_from(["/src/a.sv", "b c.sv"]), _value)),
        line=draw(st.integers(0, 10**6)),
        column=draw(st.integers(0, 500)),
        comment=draw(_value),
        hier=draw(_value),
        span=draw(st.one_of(st.just(""), st.sampled_from(["34-36,44", "7"]), _value)),
        count=draw(st.integers(0, 2**64)),
        extra=draw(st.dictionaries(_extra_key, _value, max_size=3)),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cover_points(), max_size=12))
def test_write_read_round_trip(tmp_path_factory: pytest.TempPathFactory,
                               points: list[CoverPoint]) -> None:
    cov = Coverage()
    for p in points:
        cov.add(p)
    path = tmp_path_factory.mktemp("rt") / "c.dat"
    write_dat(cov, path)
    back = read_dat(path)
    assert back == cov
    assert list(back.points) == list(cov.points)  # order kept too


# -- performance ---------------------------------------------------------------------------------

def test_parse_200k_points() -> None:
    """A large file parses completely (its speed is a benchmark's business, not a timed
    assertion: this one failed on a loaded machine)."""
    rows = [HEADER]
    for i in range(200_000):
        rows.append(
            f"C '\x01f\x02/src/rtl/top.sv\x01l\x02{i // 16 + 1}\x01n\x02{i % 7}\x01t\x02toggle"
            f"\x01page\x02v_toggle/top\x01o\x02sig{i // 16}[{i % 8}]:{i % 2}->{1 - i % 2}"
            f"\x01h\x02top.u{i % 3}' {i % 5}")
    text = "\n".join(rows) + "\n"
    cov = parse_dat_text(text, root="/src", test="perf")
    assert len(cov) == 200_000
