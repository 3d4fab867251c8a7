"""The Markdown spec parser: sections, designer properties (sva blocks) and waivers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dv.design.spec import WAIVER_KINDS, Spec, parse_spec, parse_spec_text
from dv.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
FIFO_SPEC = ROOT / "rtl_examples" / "fifo" / "fifo.md"


def errors(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        parse_spec_text(text, "spec.md")
    assert info.value.file == "spec.md"
    return info.value


# -- the FIFO spec ----------------------------------------------------------------------------


def test_fifo_spec() -> None:
    spec = parse_spec(FIFO_SPEC)
    assert spec.path == str(FIFO_SPEC)
    assert spec.title == "Synchronous FIFO"
    assert [(s.heading, s.level, s.line) for s in spec.sections] == [
        ("Synchronous FIFO", 1, 1), ("Overview", 2, 3), ("Interface", 2, 7),
        ("Behaviour", 2, 17), ("Properties", 2, 22)]
    assert [(p.label, p.kind, p.line) for p in spec.properties] == [
        ("never_both", "assert", 24), ("count_bound", "assert", 25), ("fill_up", "cover", 26)]
    assert spec.properties[2].text == (
        "fill_up: cover property (@(posedge clk) disable iff (!rst_n) full);")
    assert spec.waivers == []
    overview = spec.sections[1].text
    assert overview.startswith("`fifo` is a single-clock")
    assert "## Overview" in spec.text and "```sva" in spec.text


def test_missing_spec_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        parse_spec(tmp_path / "nope.md")


def test_spec_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(b"# Title\n\xff\xfe\n")
    with pytest.raises(InputError, match="not UTF-8"):
        parse_spec(path)


# -- sections ---------------------------------------------------------------------------------


def test_preamble_and_levels() -> None:
    spec = parse_spec_text("intro text\n\n# Top\nbody\n### Deep\nmore\n")
    assert [(s.heading, s.level, s.line, s.text) for s in spec.sections] == [
        ("", 0, 1, "intro text"), ("Top", 1, 3, "body"), ("Deep", 3, 5, "more")]
    assert spec.title == "Top"


def test_heading_with_hash_inside_and_closing_hashes() -> None:
    spec = parse_spec_text("# Title ##\n## Notes on C#\n#hashtag is text\n")
    assert [s.heading for s in spec.sections] == ["Title", "Notes on C#"]
    assert spec.sections[1].text == "#hashtag is text"


def test_heading_inside_a_fence_is_not_a_heading() -> None:
    spec = parse_spec_text("# A\n```\n# not a heading\n```\n")
    assert [s.heading for s in spec.sections] == ["A"]
    assert "# not a heading" in spec.sections[0].text


# -- fenced blocks ----------------------------------------------------------------------------


def test_fence_with_info_string_after_the_tag() -> None:
    spec = parse_spec_text("# T\n```sva  designer properties\nassert property (a);\n```\nafter\n")
    assert [p.text for p in spec.properties] == ["assert property (a);"]
    assert spec.sections[0].text.endswith("after")


def test_tilde_fence_and_longer_closing_fence() -> None:
    # a shorter fence does not close a longer one
    spec = parse_spec_text("~~~sva\ncover property (x);\n~~~~\n````text\n```\n````\n"
                           "```SVA\nassume property (y);\n```\n")
    assert [(p.kind, p.line) for p in spec.properties] == [("cover", 2), ("assume", 8)]


def test_unclosed_fence() -> None:
    err = errors("# T\n\n```sva\nassert property (a);\n")
    assert err.line == 3
    assert "never closed" in err.message


def test_other_fences_are_ignored() -> None:
    spec = parse_spec_text("```systemverilog\nmodule m; endmodule\n```\n")
    assert spec.properties == [] and spec.waivers == []


# -- sva --------------------------------------------------------------------------------------


def test_several_statements_on_one_line() -> None:
    spec = parse_spec_text("```sva\na: assert property (p); b: cover property (q);\n```\n")
    assert [(p.label, p.kind, p.text, p.line) for p in spec.properties] == [
        ("a", "assert", "a: assert property (p);", 2),
        ("b", "cover", "b: cover property (q);", 2)]


def test_statement_over_several_lines_with_comments() -> None:
    text = """\
```sva
// a comment; with a semicolon
req_ack: assert property (   /* spans
   lines; */
    @(posedge clk) req |-> ##[1:3] ack  // trailing; comment
  ) else $error("no ack; (timeout");
assume property (@(posedge clk) !(a && b));
```
"""
    spec = parse_spec_text(text)
    assert [(p.label, p.kind, p.line) for p in spec.properties] == [
        ("req_ack", "assert", 3), (None, "assume", 7)]
    assert spec.properties[0].text == (
        'req_ack: assert property ( @(posedge clk) req |-> ##[1:3] ack ) else '
        '$error("no ack; (timeout");')


def test_non_property_statement() -> None:
    err = errors("# P\n```sva\nassert property (a);\n\nwire x = 1;\n```\n")
    assert err.line == 5
    assert "'wire'" in err.message


def test_unterminated_statement() -> None:
    err = errors("```sva\nassert property (a);\ncover property (\n  b)\n```\n")
    assert err.line == 3
    assert "not terminated" in err.message


def test_unbalanced_close_paren() -> None:
    err = errors("```sva\nassert property (a));\n```\n")
    assert err.line == 2


# -- waivers ----------------------------------------------------------------------------------


def test_waivers() -> None:
    text = """\
# Waivers
```unreachable
# comments and blank lines are skipped

fifo.sv:47 branch default is unreachable: the case is full
rtl/alu.sv:12 toggle:flags[3] bit 3 is tied off
alu.sv:9 * the whole line is debug only
```
"""
    spec = parse_spec_text(text)
    assert [(w.file, w.line, w.kind, w.target, w.reason, w.spec_line) for w in spec.waivers] == [
        ("fifo.sv", 47, "branch", None, "default is unreachable: the case is full", 5),
        ("rtl/alu.sv", 12, "toggle", "flags[3]", "bit 3 is tied off", 6),
        ("alu.sv", 9, "*", None, "the whole line is debug only", 7),
    ]
    branch, toggle, star = spec.waivers
    assert branch.matches("branch", "rtl_examples/fifo/fifo.sv", 47)
    assert branch.matches("branch", "fifo.sv", 47)
    assert not branch.matches("branch", "myfifo.sv", 47)
    assert not branch.matches("line", "fifo.sv", 47)
    assert not branch.matches("branch", "fifo.sv", 48)
    assert toggle.matches("toggle", "rtl/alu.sv", 12, "flags[3]:0->1")
    assert toggle.matches("toggle", "x/rtl/alu.sv", 12, "flags[3][0]:0->1")
    assert not toggle.matches("toggle", "rtl/alu.sv", 12, "flags[2]:0->1")
    assert star.matches("expr", "alu.sv", 9) and star.matches("line", "alu.sv", 9)


@pytest.mark.parametrize("line", [
    "fifo.sv:47 branch",  # no reason
    "fifo.sv branch reason",  # no line number
    "fifo.sv:47 bogus reason",  # unknown kind
    "fifo.sv:47 branch:sig reason",  # a signal on a non-toggle waiver
    "fifo.sv:0 line reason",  # line numbers start at 1
])
def test_bad_waiver(line: str) -> None:
    err = errors(f"# W\n```unreachable\n{line}\n```\n")
    assert err.line == 3


# -- properties of the parser -----------------------------------------------------------------

IDENT = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda s: s not in {"assert", "assume", "cover"})


@st.composite
def bodies(draw: st.DrawFn, depth: int = 0) -> str:
    """A property body: identifiers and operators with balanced parentheses."""
    parts = [draw(IDENT)]
    for _ in range(draw(st.integers(0, 3))):
        parts.append(draw(st.sampled_from(["&&", "||", "|->", "##1", "==", "!="])))
        if depth < 2 and draw(st.booleans()):
            parts.append(f"({draw(bodies(depth + 1))})")
        else:
            parts.append(draw(IDENT))
    return " ".join(parts)


@st.composite
def properties(draw: st.DrawFn) -> tuple[str | None, str, str]:
    label = draw(st.one_of(st.none(), IDENT))
    kind = draw(st.sampled_from(["assert", "assume", "cover"]))
    return label, kind, draw(bodies())


@given(props=st.lists(properties(), min_size=1, max_size=5),
       layout=st.lists(st.sampled_from(["same", "newline", "split", "blank"]), min_size=5,
                       max_size=5))
def test_sva_blocks_round_trip(props: list[tuple[str | None, str, str]],
                               layout: list[str]) -> None:
    lines: list[str] = ["# Props", "```sva"]
    expected: list[tuple[str | None, str, str, int]] = []
    for (label, kind, body), how in zip(props, layout, strict=False):
        head = f"{label}: " if label else ""
        stmt = f"{head}{kind} property (@(posedge clk) {body});"
        if how == "same" and expected:
            lines[-1] += " " + stmt
            expected.append((label, kind, stmt, len(lines)))
            continue
        if how == "blank":
            lines.append("")
        if how == "split":
            lines.append(f"{head}{kind} property (")
            expected.append((label, kind, f"{head}{kind} property ( @(posedge clk) {body});",
                             len(lines)))
            lines.append(f"    @(posedge clk) {body});")
            continue
        lines.append(stmt)
        expected.append((label, kind, stmt, len(lines)))
    lines.append("```")
    spec = parse_spec_text("\n".join(lines) + "\n")
    assert [(p.label, p.kind, p.text, p.line) for p in spec.properties] == expected


@given(st.lists(st.tuples(st.integers(1, 4), IDENT, st.lists(IDENT, max_size=3)), max_size=6))
def test_sections_round_trip(items: list[tuple[int, str, list[str]]]) -> None:
    lines: list[str] = []
    expected = []
    for level, heading, body in items:
        lines.append(f"{'#' * level} {heading}")
        expected.append((heading, level, len(lines), "\n".join(body)))
        lines.extend(body)
    spec: Spec = parse_spec_text("\n".join(lines))
    assert [(s.heading, s.level, s.line, s.text) for s in spec.sections] == expected
    assert spec.title == next((h for lv, h, _ in items if lv == 1), "")


def test_waiver_kinds_are_documented() -> None:
    assert set(WAIVER_KINDS) == {"line", "branch", "expr", "toggle", "user", "fsm", "*"}


# -- input that is not a spec, waivers that name nothing (issue 14, item 7) -------------------


def test_json_file_as_spec_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "fifo.json"
    p.write_text('{"title": "FIFO", "properties": []}\n')
    with pytest.raises(InputError) as info:
        parse_spec(p)
    assert "JSON" in info.value.message and "Markdown" in info.value.message
    assert info.value.file == str(p)


def test_markdown_that_starts_like_json_is_a_spec(tmp_path: Path) -> None:
    p = tmp_path / "fifo.md"
    p.write_text("[FIFO](fifo.sv) keeps order.\n\n# Behaviour\nFirst in, first out.\n")
    assert [s.heading for s in parse_spec(p).sections] == ["", "Behaviour"]


def _design(tmp_path: Path):
    from dv.design.model import Design

    rtl = tmp_path / "rtl"
    rtl.mkdir()
    (rtl / "fifo.sv").write_text("module fifo;\n" + "\n" * 8 + "endmodule\n")  # 10 lines
    return Design(top="fifo", files=["rtl/fifo.sv"])


def _waiver_spec(line: str) -> Spec:
    return parse_spec_text(f"# W\n\n```unreachable\n{line}\n```\n", "spec.md")


@pytest.mark.parametrize("line", ["fifo.sv:10 line last line", "rtl/fifo.sv:1 * first line"])
def test_waiver_on_an_existing_line_is_accepted(tmp_path: Path, line: str) -> None:
    from dv.design.spec import check_waivers

    check_waivers(_waiver_spec(line), _design(tmp_path), tmp_path)


@pytest.mark.parametrize(("line", "words"), [
    ("fifo.sv:11 line past the end", ["fifo.sv:11", "10 lines"]),
    ("ffo.sv:3 line a typo in the name", ["ffo.sv", "not a file of the design", "fifo.sv"]),
    ("myfifo.sv:3 line another file", ["myfifo.sv", "not a file of the design"]),
])
def test_waiver_naming_nothing_is_refused_at_its_spec_line(tmp_path: Path, line: str,
                                                           words: list[str]) -> None:
    from dv.design.spec import check_waivers

    with pytest.raises(InputError) as info:
        check_waivers(_waiver_spec(line), _design(tmp_path), tmp_path)
    assert (info.value.file, info.value.line) == ("spec.md", 4)
    for w in words:
        assert w in info.value.message
