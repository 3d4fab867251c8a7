"""Model extraction with Yosys: annotations, caching, restriction, bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dv.errors import InputError
from dv.formal.model import build_model
from dv.formal.prove import prepare

ROOT = Path(__file__).resolve().parent.parent
FIFO = ROOT / "rtl_examples" / "fifo" / "fifo.sv"
FIFO_PROPS = ROOT / "rtl_examples" / "fifo" / "fifo_props.sv"


@pytest.fixture(scope="module")
def fifo_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("model")
    prep = prepare([FIFO], props=[FIFO_PROPS], out=out, root=ROOT)
    return prep.model, out


def again(out: Path, rtl: Path = FIFO, **kw: object):
    return prepare([rtl], props=[FIFO_PROPS], out=out, root=ROOT, **kw).model  # type: ignore[arg-type]


def test_annotations_name_ports_wires_memories_and_checks(fifo_model):
    m, _build = fifo_model
    assert {i.name for i in m.inputs} >= {"clk", "rst_n", "wr_en", "rd_en", "wr_data"}
    assert {o.name for o in m.outputs} >= {"full", "empty", "count", "rd_data"}
    assert m.wire("count") is not None and m.wire("count").width == 4
    assert [(mem.name, mem.size, mem.width) for mem in m.memories] == [("mem", 8, 8)]
    labels = {c.label for c in m.checks}
    assert {"count_bound", "never_both", "empty_ptrs", "fill_up", "overflow_seen"} <= labels
    assert {c.kind for c in m.checks if c.label in ("fill_up", "overflow_seen")} == {"cover"}


def test_model_is_cached_by_content(fifo_model, tmp_path):
    m, out = fifo_model
    same = again(out)
    assert same.cached and same.path == m.path
    changed = tmp_path / "fifo.sv"
    changed.write_text(FIFO.read_text().replace("DEPTH = 8", "DEPTH = 4"))
    other = again(out, changed)
    assert not other.cached and other.key != m.key
    assert other.path.parent.parent == m.path.parent.parent  # <build>/formal/<top>-<hash>


def test_parameters_reach_yosys(fifo_model):
    m, out = fifo_model
    m16 = again(out, params={"DEPTH": "16"})
    assert m16.wire("count").width == 5 and m16.memories[0].size == 16
    assert m.key != m16.key


def test_concurrent_property_read_directly_is_reported(tmp_path):
    # Yosys cannot read |=>: dv lowers it (see prepare); given to Yosys as is, it is an error
    # at the property's line, not a crash
    with pytest.raises(InputError) as exc:
        build_model([FIFO, FIFO_PROPS], top="fifo", build_root=tmp_path, root=ROOT)
    assert exc.value.file == "rtl_examples/fifo/fifo_props.sv"
    assert "unsupported SVA" in exc.value.message


def test_restricted_model_keeps_one_check(fifo_model):
    m, _build = fifo_model
    keep = next(c for c in m.checks if c.label == "count_bound")
    text = m.restricted([keep])
    asserts = re.findall(r"^; yosys-smt2-assert (\d+)", text, re.M)
    assert asserts == [str(keep.index)]
    assert not re.findall(r"^; yosys-smt2-cover", text, re.M)
    top_a = next(ln for ln in text.splitlines() if ln.startswith("(define-fun |fifo_a| "))
    assert f"(|fifo_a {keep.index}| state)" in top_a
    assert text.count("(define-fun |fifo_a| ") == 1


def test_two_clocks_are_refused(tmp_path):
    src = tmp_path / "two.sv"
    src.write_text("module two(input logic clka, input logic clkb, input logic d,\n"
                   "           output logic qa, output logic qb);\n"
                   "  always_ff @(posedge clka) qa <= d;\n"
                   "  always_ff @(posedge clkb) qb <= d;\nendmodule\n")
    with pytest.raises(InputError) as exc:
        build_model([src], top="two", build_root=tmp_path / "b", root=tmp_path)
    assert "2 clocks (clka, clkb" in exc.value.message
    assert "one clock" in exc.value.message


def test_derived_clock_counts_as_a_second_clock(tmp_path):
    src = tmp_path / "div.sv"
    src.write_text("module div(input logic clk, input logic d, output logic q);\n"
                   "  logic half = 1'b0;\n"
                   "  always_ff @(posedge clk) half <= ~half;\n"
                   "  always_ff @(posedge half) q <= d;\nendmodule\n")
    with pytest.raises(InputError, match="2 clocks"):
        build_model([src], top="div", build_root=tmp_path / "b", root=tmp_path)


def test_undeclared_signal_in_a_property_names_file_and_line(tmp_path):
    props = tmp_path / "bad_props.sv"
    props.write_text("module fifo_bad_props(input logic clk, input logic full);\n"
                     "  always @(posedge clk) begin\n"
                     "    p: assert (full || no_such_signal);\n"
                     "  end\nendmodule\n"
                     "bind fifo fifo_bad_props b_i (.*);\n")
    with pytest.raises(InputError) as exc:
        build_model([FIFO, props], top="fifo", build_root=tmp_path / "b", root=tmp_path)
    err = exc.value
    assert err.file == "bad_props.sv" and err.line == 3
    assert "no_such_signal" in err.message
    assert "dvroot" not in err.render()


def test_syntax_error_names_file_and_line(tmp_path):
    src = tmp_path / "syn.sv"
    src.write_text("module syn(input logic clk, output logic q)\n"
                   "  always_ff @(posedge clk) q <= 1'b1;\nendmodule\n")
    with pytest.raises(InputError) as exc:
        build_model([src], top="syn", build_root=tmp_path / "b", root=tmp_path)
    assert (exc.value.file, exc.value.line) == ("syn.sv", 1)
    assert "expected ';'" in exc.value.message
