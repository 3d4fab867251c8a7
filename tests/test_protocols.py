"""Standard interfaces recognised from ports, their protocol rules as SVA, legal stimulus on
the handshakes the design sinks, and planted protocol bugs caught in simulation without a spec."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dv.design.interfaces import choose, parse_choices, recognise
from dv.design.model import Clock, Design, Port, Reset
from dv.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
PIPE = ROOT / "tests" / "designs" / "proto_pipe.sv"
AXIS = ROOT / "tests" / "designs" / "proto_axis.sv"
DV = str(Path(sys.executable).parent / "dv")


def design(*ports: tuple[str, str, int], reset: str = "rst_n") -> Design:
    ps = [Port("clk", "input", 1), Port(reset, "input", 1)]
    ps += [Port(n, d, w) for n, d, w in ports]
    return Design("t", ["t.sv"], ports=ps, clocks=[Clock("clk")],
                  resets=[Reset(reset, active_low=reset.endswith("_n"), asynchronous=False)])


def I(name: str, w: int = 1) -> tuple[str, str, int]:  # noqa: E743
    return (name, "input", w)


def O(name: str, w: int = 1) -> tuple[str, str, int]:  # noqa: E743
    return (name, "output", w)


def found(d: Design) -> dict[str, tuple[str, str]]:
    return {i.name: (i.protocol, i.direction) for i in recognise(d)}


# -- recognition: positive cases, with direction ---------------------------------------------

def test_axi_stream_sink_and_source_with_prefixes():
    d = design(I("s_axis_tdata", 32), I("s_axis_tvalid"), O("s_axis_tready"), I("s_axis_tlast"),
               I("s_axis_tkeep", 4), O("m_axis_tdata", 32), O("m_axis_tvalid"),
               I("m_axis_tready"), O("m_axis_tlast"))
    itfs = {i.name: i for i in recognise(d)}
    assert found(d) == {"s_axis": ("axis", "sink"), "m_axis": ("axis", "source")}
    s = itfs["s_axis"].handshakes[0]
    assert (s.valid, s.ready, s.driver) == ("s_axis_tvalid", "s_axis_tready", "env")
    assert set(s.payload) == {"s_axis_tdata", "s_axis_tlast", "s_axis_tkeep"}
    m = itfs["m_axis"].handshakes[0]
    assert (m.valid, m.ready, m.driver) == ("m_axis_tvalid", "m_axis_tready", "design")
    assert itfs["s_axis"].reset == "!rst_n" and itfs["s_axis"].clock == "clk"
    assert any("s_axis_tvalid" in e for e in itfs["s_axis"].evidence)


def test_generic_valid_ready_and_valid_only():
    d = design(I("in_valid"), O("in_ready"), I("in_data", 8), I("in_last"),
               O("out_valid"), I("out_ready"), O("out_data", 8), I("cfg_valid"), I("cfg_word", 4))
    itfs = {i.name: i for i in recognise(d)}
    assert found(d) == {"in": ("valid_ready", "sink"), "out": ("valid_ready", "source"),
                        "cfg": ("valid", "sink")}
    assert itfs["in"].handshakes[0].payload == ("in_data", "in_last")
    assert itfs["cfg"].handshakes[0].ready is None


def test_suffix_style_and_vld_rdy():
    d = design(I("valid_i"), O("ready_o"), I("data_i", 16), O("res_vld"), I("res_rdy"),
               O("res_bits", 3))
    assert found(d) == {"in": ("valid_ready", "sink"), "res": ("valid_ready", "source")}
    hs = {i.name: i.handshakes[0] for i in recognise(d)}
    assert hs["in"].payload == ("data_i",) and hs["res"].payload == ("res_bits",)


def _axil(prefix: str, manager: bool, burst: bool = False) -> list[tuple[str, str, int]]:
    out_, in_ = (O, I) if manager else (I, O)
    ports = [out_(f"{prefix}awvalid"), in_(f"{prefix}awready"), out_(f"{prefix}awaddr", 12),
             out_(f"{prefix}wvalid"), in_(f"{prefix}wready"), out_(f"{prefix}wdata", 32),
             out_(f"{prefix}wstrb", 4), in_(f"{prefix}bvalid"), out_(f"{prefix}bready"),
             in_(f"{prefix}bresp", 2), out_(f"{prefix}arvalid"), in_(f"{prefix}arready"),
             out_(f"{prefix}araddr", 12), in_(f"{prefix}rvalid"), out_(f"{prefix}rready"),
             in_(f"{prefix}rdata", 32), in_(f"{prefix}rresp", 2)]
    if burst:
        ports += [out_(f"{prefix}awlen", 8), out_(f"{prefix}arlen", 8), out_(f"{prefix}wlast"),
                  in_(f"{prefix}rlast")]
    return ports


def test_axi4_lite_subordinate_channels_by_handshake():
    d = design(*_axil("s_axil_", manager=False))
    (itf,) = recognise(d)
    assert (itf.protocol, itf.direction) == ("axi4lite", "sink")
    drivers = {h.name.rsplit("_", 1)[1]: h.driver for h in itf.handshakes}
    assert drivers == {"aw": "env", "w": "env", "b": "design", "ar": "env", "r": "design"}
    r = next(h for h in itf.handshakes if h.name.endswith("_r"))
    assert set(r.payload) == {"s_axil_rdata", "s_axil_rresp"}


def test_axi4_manager_with_bursts():
    (itf,) = recognise(design(*_axil("m_axi_", manager=True, burst=True)))
    assert (itf.protocol, itf.direction) == ("axi4", "source")
    assert any("AXI4" in e for e in itf.evidence)


def test_apb_wishbone_req_ack_and_serial_lines():
    apb = design(I("psel"), I("penable"), I("paddr", 8), I("pwrite"), I("pwdata", 32),
                 O("prdata", 32), O("pready"))
    assert found(apb) == {"apb": ("apb", "sink")}
    wb = design(I("wb_cyc_i"), I("wb_stb_i"), O("wb_ack_o"), I("wb_we_i"), I("wb_adr_i", 8),
                I("wb_dat_i", 32), O("wb_dat_o", 32))
    (w,) = recognise(wb)
    assert (w.protocol, w.direction) == ("wishbone", "sink")
    assert (w.handshakes[0].valid, w.handshakes[0].ready) == ("wb_stb_i", "wb_ack_o")
    wbp = design(O("wbm_cyc_o"), O("wbm_stb_o"), I("wbm_ack_i"), I("wbm_stall_i"),
                 O("wbm_adr_o", 8))
    (p,) = recognise(wbp)
    assert p.direction == "source" and p.handshakes[0].ready_inverted
    assert found(design(O("mem_req"), I("mem_ack"))) == {"mem": ("req_ack", "source")}
    assert found(design(O("tx"), I("rx"))) == {"uart": ("uart", "source")}
    assert found(design(O("sclk"), O("mosi"), I("miso"), O("cs_n"))) == {"spi": ("spi", "source")}
    assert found(design(I("scl"), I("sda_i"), O("sda_o"))) == {"i2c": ("i2c", "sink")}


# -- recognition: near misses claim nothing --------------------------------------------------

@pytest.mark.parametrize("ports", [
    [I("valid", 8), O("ready"), I("data", 8)],              # a bus named valid
    [I("invalid"), O("unready"), I("data", 8)],             # words that end like the keys
    [I("valid_cnt", 4), O("ready_cnt", 4)],
    [I("in_valid"), I("in_ready"), I("in_data", 8)],        # ready in the valid's direction
    [I("s_axis_tvalid", 2), O("s_axis_tready"), I("s_axis_tdata", 8)],
    [I("awvalid"), O("awready"), I("awaddr", 8)],           # one AXI channel, not an interface
    [I("psel"), I("penable", 2), I("paddr", 8)],            # APB enable must be one bit
    [I("cyc"), I("stb"), O("ack")],                         # no wb prefix, no address
    [I("tx"), I("txt"), O("rxd_cnt", 3)],                   # a UART tx must be an output
    [I("req"), I("ack")],                                   # same direction
    [I("clk_valid", 3), O("tready")],
])
def test_near_miss_port_names_claim_nothing(ports):
    assert recognise(design(*ports)) == []


def test_clock_and_reset_are_never_interface_signals():
    d = design(I("valid"), O("ready"), reset="ready_rst")
    itfs = recognise(d)
    assert all("clk" not in i.ports() and "ready_rst" not in i.ports() for i in itfs)


# -- user choices ----------------------------------------------------------------------------

def test_choices_refuse_declare_and_reject():
    d = design(I("in_valid"), O("in_ready"), I("in_data", 8), O("out_valid"), I("out_ready"),
               O("out_data", 8), I("a_go"), O("a_busy"), I("a_bits", 4))
    assert choose(d, parse_choices([("none", "--interface")])) == []
    kept = choose(d, parse_choices([("no out", "spec.md:3")]))
    assert [i.name for i in kept] == ["in"]
    decl = choose(d, parse_choices([("cmd = valid_ready valid=a_go ready=a_busy data=a_bits",
                                     "--interface")]))
    cmd = next(i for i in decl if i.name == "cmd")
    assert cmd.given and cmd.direction == "sink"
    assert cmd.handshakes[0].payload == ("a_bits",)
    with pytest.raises(InputError, match="no interface named 'bogus'"):
        choose(d, parse_choices([("no bogus", "--interface")]))
    with pytest.raises(InputError, match="names no port"):
        choose(d, parse_choices([("x = valid_ready valid=nope", "--interface")]))
    with pytest.raises(InputError, match="cannot read the interface line"):
        parse_choices([("in is axis please", "spec.md:9")])


def test_spec_interfaces_block_and_cli(tmp_path):
    spec = tmp_path / "pipe.md"
    spec.write_text("# pipe\n\n```interfaces\nno out   # its ready is advisory\n```\n")
    out = subprocess.run([DV, "inspect", "--rtl", str(PIPE), "--json"], capture_output=True,
                         text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    names = {i["name"]: i for i in json.loads(out.stdout)["interfaces"]}
    assert set(names) == {"in", "out"}
    assert names["in"]["signals"] == {"valid": "in_valid", "ready": "in_ready",
                                      "data": "in_data"}
    from dv.design import attach_interfaces, load_design
    from dv.design.spec import parse_spec

    d = load_design([str(PIPE)])
    assert [i.name for i in attach_interfaces(d, parse_spec(str(spec)))] == ["in"]
    assert attach_interfaces(d, parse_spec(str(spec)), ["none"]) == []
    text = subprocess.run([DV, "inspect", "--rtl", str(PIPE), "--interface", "no in"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path).stdout
    assert "interface  out: valid_ready, the design is the source" in text
    assert "interface  in:" not in text


# -- rules -----------------------------------------------------------------------------------

def test_rules_are_assertions_on_outputs_assumptions_on_inputs_and_parse():
    from dv.design import load_design
    from dv.formal.sva import parse_property
    from dv.protocols import protocol_properties, rules_for

    d = load_design([str(PIPE)])
    rules = {r.label: r for r in rules_for(d)}
    assert {k: r.kind for k, r in rules.items()} == {
        "proto_in_valid_held": "assume", "proto_in_data_stable": "assume",
        "proto_out_valid_held": "assert", "proto_out_data_stable": "assert"}
    assert rules["proto_out_valid_held"].text == (
        "assert property (@(posedge clk) disable iff (!rst_n) out_valid && !out_ready |=> "
        "out_valid);")
    for prop in protocol_properties(d):
        parse_property(prop.text, source_file="props", line=1, design=d, kind=prop.kind,
                       label=prop.label)


def test_apb_completer_assumptions_are_for_formal_only():
    from dv.protocols import protocol_properties, rules_for

    d = design(I("psel"), I("penable"), I("paddr", 8), I("pwrite"), O("pready"))
    rules = rules_for(d)
    assert rules and all(r.kind == "assume" and not r.simulate for r in rules)
    assert protocol_properties(d) == []  # dv does not drive APB legally yet
    assert len(protocol_properties(d, simulation=False)) == len(rules)


# -- simulation: planted bugs caught without a spec, legal stimulus ---------------------------

def _generate(tmp: Path, *extra: str, rtl: Path = PIPE, top: str = "") -> tuple[int, dict]:
    proc = subprocess.run([DV, "generate", "--rtl", str(rtl), "--rounds", "1", "--no-formal",
                           "--out", str(tmp), "-j", "2", *extra], capture_output=True,
                          text=True, timeout=900, cwd=tmp.parent)
    rec = json.loads((tmp / "coverage" / (top or rtl.stem) / "closure.json").read_text())
    return proc.returncode, rec


def _messages(rec: dict) -> list[str]:
    return [t.get("message", "") for r in rec["rounds"] for t in r["tests"]
            if t["status"] != "passed"]


@pytest.mark.slow
def test_correct_pipeline_passes_with_every_rule_bound(tmp_path):
    rc, rec = _generate(tmp_path / "good")
    assert rc == 0 and _messages(rec) == []
    props = (tmp_path / "good/testbenches/proto_pipe/proto_pipe_props.sv").read_text()
    for label in ("proto_in_valid_held", "proto_in_data_stable", "proto_out_valid_held",
                  "proto_out_data_stable"):
        assert f"{label}: " in props
    assert "proto_in_valid_held: assume property" in props
    env = (tmp_path / "good/testbenches/proto_pipe/proto_pipe_env.py").read_text()
    assert "'handshakes'" in env and "class HandshakeShaper" in env
    # negative control: without the shaper the random stimulus breaks the input rules, and
    # the bound assumptions say so (so their passing above means the stimulus was legal)
    tb = tmp_path / "good/testbenches/proto_pipe"
    env_path = tb / "proto_pipe_env.py"
    env_path.write_text(env.replace("self.shaper.shape(item)", "pass", 1))
    proc = subprocess.run([DV, "rerun", str(tb), "-j", "2"], capture_output=True, text=True,
                          timeout=900, cwd=tmp_path)
    assert proc.returncode == 1
    assert "proto_in_valid_held" in proc.stdout + proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize("bug,rule", [("PROTO_BUG_DROP", "proto_out_valid_held"),
                                      ("PROTO_BUG_DATA", "proto_out_data_stable")])
def test_planted_protocol_bug_fails_a_generated_test(tmp_path, bug, rule):
    rc, rec = _generate(tmp_path / "bug", "-D", bug)
    msgs = _messages(rec)
    assert rc == 1 and msgs
    assert all(f"dv-prop-fail {rule}" in m for m in msgs), msgs
    assert all("Assertion failed" in m for m in msgs)  # a failing check, not a timeout


@pytest.mark.slow
def test_axi_stream_slice_passes_and_a_tlast_change_under_stall_is_caught(tmp_path):
    rc, rec = _generate(tmp_path / "good", rtl=AXIS)
    assert rc == 0 and _messages(rec) == []
    # the handshake monitor's functional coverage: every protocol state was reached
    bins = {p["comment"]: p["count"] for p in rec["points"]
            if p["comment"].startswith("tb: handshake ")}
    kinds = ("transfer", "stall", "back-to-back", "transfer after stall", "frame end")
    assert set(bins) == {f"tb: handshake {v} {k}" for v in ("s_axis_tvalid", "m_axis_tvalid")
                         for k in kinds}
    assert all(n > 0 for n in bins.values()), bins
    props = (tmp_path / "good/testbenches/proto_axis/proto_axis_props.sv").read_text()
    for label in ("proto_s_axis_valid_held: assume", "proto_s_axis_tkeep_stable: assume",
                  "proto_m_axis_tlast_stable: assert", "proto_m_axis_tdata_stable: assert"):
        assert label in props
    rc, rec = _generate(tmp_path / "bug", "-D", "PROTO_BUG_LAST", rtl=AXIS)
    msgs = _messages(rec)
    assert rc == 1 and msgs
    assert all("dv-prop-fail proto_m_axis_tlast_stable" in m for m in msgs), msgs


# -- formal: the same rules in dv prove (assumptions constrain the inputs) ---------------------

def _props_file(tmp: Path) -> Path:
    path = tmp / "proto_pipe_protocol_props.sv"
    proc = subprocess.run([DV, "inspect", "--rtl", str(PIPE), "--protocol-props", str(path)],
                          capture_output=True, text=True, timeout=300, cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    assert "protocol rules: 4 written" in proc.stderr
    return path


@pytest.mark.parametrize("bug,refuted", [(None, None),
                                         ("PROTO_BUG_DROP", "proto_out_valid_held"),
                                         ("PROTO_BUG_DATA", "proto_out_data_stable")])
def test_dv_prove_takes_the_rules_proves_the_pipeline_and_refutes_planted_bugs(
        tmp_path, bug, refuted):
    props = _props_file(tmp_path)
    args = [DV, "prove", "--rtl", str(PIPE), "--props", str(props), "--out", str(tmp_path),
            "--depth", "10", "--no-replay"] + (["-D", bug] if bug else [])
    proc = subprocess.run(args, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    rec = json.loads(next((tmp_path / "coverage").glob("*/formal/formal.json")).read_text())
    text = json.dumps(rec)
    for label in ("proto_out_valid_held", "proto_out_data_stable"):
        assert label in text
    assert "proto_in_valid_held" in (props.read_text())
    assert proc.returncode == (1 if bug else 0), proc.stdout + proc.stderr
    verdicts = {label: next(ln for ln in proc.stdout.splitlines()
                            if label in ln and ("proven" in ln or "refuted" in ln))
                for label in ("proto_out_valid_held", "proto_out_data_stable")}
    for label, line in verdicts.items():
        assert ("refuted at step" if label == refuted else "proven") in line, line


def test_several_clocks_rules_follow_the_driving_registers_clock():
    from dv.design.model import Register
    from dv.protocols import driven_handshakes, rules_for

    d = design(I("in_valid"), O("in_ready"), I("in_data", 8), O("out_valid"), I("out_ready"),
               O("out_data", 8))
    d.clocks.append(Clock("rd_clk"))
    d.registers = [Register("in_ready", 1, "clk", None), Register("out_valid", 1, "rd_clk", None),
                   Register("out_data", 8, "rd_clk", None)]
    itfs = {i.name: i for i in recognise(d)}
    assert (itfs["in"].clock, itfs["out"].clock) == ("clk", "rd_clk")
    out_rules = [r for r in rules_for(d) if r.interface == "out"]
    assert out_rules and all("@(posedge rd_clk)" in r.text for r in out_rules)
    assert [h["valid"] for h in driven_handshakes(d)] == ["in_valid"]
    d.registers = []  # nothing says which clock: no rules rather than wrong ones
    d.interfaces = None
    assert rules_for(d) == [] and driven_handshakes(d) == []


SKID_BUGGY = ROOT / "rtl_examples" / "skid" / "skid_buggy.sv"


@pytest.mark.slow
def test_buggy_skid_example_without_a_spec_fails_a_generated_test(tmp_path):
    rc, rec = _generate(tmp_path / "bug", "-D", "SKID_BUGGY", rtl=SKID_BUGGY, top="skid")
    msgs = _messages(rec)
    assert rc == 1 and msgs
    assert all("dv-prop-fail proto_m_data_stable" in m for m in msgs), msgs


def test_buggy_skid_example_is_refuted_by_dv_prove_and_the_correct_one_proven(tmp_path):
    verdicts = {}
    for name, rtl, extra in (("good", ROOT / "rtl_examples/skid/skid.sv", []),
                             ("bug", SKID_BUGGY, ["-D", "SKID_BUGGY"])):
        props = tmp_path / f"{name}_props.sv"
        subprocess.run([DV, "inspect", "--rtl", str(rtl), *extra, "--protocol-props",
                        str(props)], capture_output=True, timeout=300, cwd=tmp_path, check=True)
        proc = subprocess.run([DV, "prove", "--rtl", str(rtl), *extra, "--props", str(props),
                               "--out", str(tmp_path / name), "--depth", "10", "--no-replay"],
                              capture_output=True, text=True, timeout=900, cwd=tmp_path)
        verdicts[name] = (proc.returncode, next(ln for ln in proc.stdout.splitlines()
                                                if "proto_m_data_stable" in ln))
    assert verdicts["good"][0] == 0 and "proven" in verdicts["good"][1]
    assert verdicts["bug"][0] == 1 and "refuted at step" in verdicts["bug"][1]


def test_axi_stream_tstrb_within_tkeep_rule_and_lone_tvalid_tready():
    from dv.protocols import rules_for

    d = design(O("m_axis_tdata", 16), O("m_axis_tvalid"), I("m_axis_tready"),
               O("m_axis_tkeep", 2), O("m_axis_tstrb", 2))
    rule = next(r for r in rules_for(d) if r.label == "proto_m_axis_tstrb_within_tkeep")
    assert rule.kind == "assert" and "(m_axis_tstrb & ~m_axis_tkeep) == '0" in rule.text
    d2 = design(I("s_axis_tvalid"), O("s_axis_tready"), I("s_axis_tlast"))  # no tdata
    assert found(d2) == {"s_axis": ("valid_ready", "sink")}


@pytest.mark.slow
def test_interface_refused_on_the_command_line_binds_no_rules(tmp_path):
    rc, rec = _generate(tmp_path / "bug", "-D", "PROTO_BUG_DROP", "--interface", "no out")
    assert rc == 0 and _messages(rec) == []  # the planted bug goes unseen, as asked
    props = (tmp_path / "bug/testbenches/proto_pipe/proto_pipe_props.sv").read_text()
    assert "proto_in_valid_held" in props and "proto_out_" not in props


def test_payload_is_the_stem_words_not_a_nested_group():
    # picorv32's native memory interface: mem_la_* is a look-ahead group valid a cycle early,
    # not payload that must hold while mem_valid waits for mem_ready
    d = design(O("mem_valid"), I("mem_ready"), O("mem_addr", 32), O("mem_wdata", 32),
               O("mem_wstrb", 4), O("mem_la_read"), O("mem_la_addr", 32), I("mem_rdata", 32))
    (itf,) = recognise(d)
    assert itf.handshakes[0].payload == ("mem_addr", "mem_wdata", "mem_wstrb")
    assert itf.to_json()["signals"] == {"valid": "mem_valid", "ready": "mem_ready",
                                        "data": ["mem_addr", "mem_wdata", "mem_wstrb"]}
    d2 = design(I("valid"), O("ready"), I("addr", 24), O("rdata", 32))
    (itf2,) = recognise(d2)
    assert itf2.handshakes[0].payload == ("addr",)


def test_zipcpu_style_direction_prefixes():
    skid = design(I("i_valid"), O("o_ready"), I("i_data", 8), O("o_valid"), I("i_ready"),
                  O("o_data", 8), reset="i_reset")
    hs = {i.name: i.handshakes[0] for i in recognise(skid)}
    assert {n: (h.valid, h.ready, h.payload) for n, h in hs.items()} == {
        "in": ("i_valid", "o_ready", ("i_data",)), "out": ("o_valid", "i_ready", ("o_data",))}
    wb = design(I("i_wb_cyc"), I("i_wb_stb"), I("i_wb_we"), I("i_wb_addr", 2),
                I("i_wb_data", 32), O("o_wb_stall"), O("o_wb_ack"), O("o_wb_data", 32),
                reset="i_reset")
    (w,) = recognise(wb)
    assert (w.protocol, w.direction, w.handshakes[0].ready_inverted) == ("wishbone", "sink",
                                                                         True)
    assert set(w.handshakes[0].payload) == {"i_wb_we", "i_wb_addr", "i_wb_data"}


# -- recognition invariants (hypothesis) -----------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_WORDS = ("s", "m", "in", "out", "axis", "axil", "wb", "apb", "mem", "i", "o", "x")
_KEYS = ("valid", "ready", "vld", "rdy", "data", "last", "tvalid", "tready", "tdata", "tlast",
         "tkeep", "psel", "penable", "paddr", "pwrite", "pready", "cyc", "stb", "ack", "adr",
         "stall", "awvalid", "awready", "awaddr", "wvalid", "wready", "wdata", "bvalid",
         "bready", "bresp", "arvalid", "arready", "araddr", "rvalid", "rready", "rdata", "req",
         "tx", "rx", "sclk", "mosi", "miso", "cs_n", "scl", "sda", "count", "en", "mode")
_port = st.tuples(
    st.builds(lambda a, k, s: "_".join(x for x in (a, k, s) if x),
              st.sampled_from(("",) + _WORDS), st.sampled_from(_KEYS),
              st.sampled_from(("", "", "i", "o"))),
    st.sampled_from(("input", "output")), st.sampled_from((1, 1, 1, 2, 8)))


@settings(max_examples=300, deadline=None)
@given(st.lists(_port, max_size=14, unique_by=lambda p: p[0]))
def test_recognised_interfaces_are_consistent_with_the_ports(ports):
    d = design(*[p for p in ports if p[0] not in ("clk", "rst_n")])
    by_name = {p.name: p for p in d.ports}
    seen: set[str] = set()
    for itf in recognise(d):
        names = itf.ports()
        assert all(n in by_name for n in names)
        assert not seen & set(names), "a port in two interfaces"
        assert "clk" not in names and "rst_n" not in names
        seen |= set(names)
        for hs in itf.handshakes:
            v = by_name[hs.valid]
            assert v.width == 1
            assert (v.direction == "output") == (hs.driver == "design")
            if hs.ready is not None:
                r = by_name[hs.ready]
                assert r.width == 1 and r.direction != v.direction
            assert all(by_name[p].direction == v.direction for p in hs.payload)


_PLAIN = st.text("abcdefghjkmnpquwxyz_0123456789", min_size=1, max_size=12).filter(
    lambda s: s[0].isalpha())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_PLAIN, st.sampled_from(("input", "output")),
                          st.sampled_from((1, 4))), max_size=10, unique_by=lambda p: p[0]))
def test_ports_without_interface_words_claim_nothing(ports):
    # the alphabet lacks i, l, o, r, s, t, v: no valid/ready/stb/psel/req/tx/rx/sda/sclk...,
    # so no interface can form (a lone ``ack`` or ``cyc`` has no partner)
    d = design(*[p for p in ports if p[0] not in ("clk", "rst_n")])
    assert recognise(d) == []


# -- AXI response, burst and reset rules; dv prove --protocols ---------------------------------

def test_axi_response_burst_and_reset_rules_by_side():
    from dv.formal.sva import parse_property
    from dv.protocols import protocol_properties, rules_for

    sub = design(*_axil("s_axil_", manager=False))
    rules = {r.label: r for r in rules_for(sub)}
    assert rules["proto_s_axil_b_no_exokay"].kind == "assert"  # the subordinate answers
    assert "s_axil_bvalid |-> s_axil_bresp != 2'b01" in rules["proto_s_axil_b_no_exokay"].text
    assert rules["proto_s_axil_r_no_exokay"].kind == "assert"
    low = rules["proto_s_axil_aw_valid_low_in_reset"]
    assert low.kind == "assume" and low.simulate  # the stimulus idles every input in reset
    assert "disable iff" not in low.text and "(!rst_n) ##1 (!rst_n) |-> !s_axil_awvalid" in \
        low.text
    assert rules["proto_s_axil_b_valid_low_in_reset"].kind == "assert"
    mgr = design(*_axil("m_axi_", manager=True, burst=True), O("m_axi_awburst", 2),
                 O("m_axi_arburst", 2))
    rules = {r.label: r for r in rules_for(mgr)}
    assert rules["proto_m_axi_aw_burst_not_reserved"].kind == "assert"
    assert "m_axi_arburst == 2'b10 |-> (m_axi_arlen == 1 || m_axi_arlen == 3 || " \
        "m_axi_arlen == 7 || m_axi_arlen == 15)" in rules["proto_m_axi_ar_wrap_length"].text
    exo = rules["proto_m_axi_r_no_exokay"]  # no arlock: no exclusive access to answer
    assert exo.kind == "assume" and not exo.simulate  # dv's stimulus does not choose rresp
    for d in (sub, mgr):
        for p in protocol_properties(d, simulation=False):
            parse_property(p.text, source_file="props", line=1, design=d, kind=p.kind,
                           label=p.label)
    # a generic valid/ready pipeline gets no reset rule (its valid may pass through)
    assert not any("in_reset" in r.label for r in rules_for(design(
        I("in_valid"), O("in_ready"), I("in_data", 8), O("out_valid"), I("out_ready"),
        O("out_data", 8))))


AXIS_FIFO = ROOT / "rtl_examples" / "axis_fifo"


def test_dv_prove_protocols_proves_the_axis_fifo_and_refutes_its_planted_bug(tmp_path):
    runs = {}
    for name, rtl, extra in (("good", AXIS_FIFO / "axis_fifo.sv", []),
                             ("bug", AXIS_FIFO / "axis_fifo_buggy.sv", ["-D", "AXIS_FIFO_BUGGY"])):
        proc = subprocess.run([DV, "prove", "--rtl", str(rtl), *extra, "--protocols",
                               "--out", str(tmp_path / name), "--depth", "10", "--no-replay"],
                              capture_output=True, text=True, timeout=900, cwd=tmp_path)
        rec = json.loads((tmp_path / name / "coverage/axis_fifo/formal/formal.json").read_text())
        runs[name] = (proc.returncode, proc.stdout + proc.stderr, rec)
    rc, out, rec = runs["good"]
    assert rc == 0, out
    verdicts = {p["name"]: p["status"] for p in rec["properties"]}
    assert verdicts == {f"proto_m_axis_{n}": "proven" for n in
                        ("valid_held", "tdata_stable", "tlast_stable", "valid_low_in_reset")}
    assert rec["options"]["protocols"] is True
    assumed = {a["name"] for a in rec["assumptions"]}
    assert {"proto_s_axis_valid_held", "proto_s_axis_tdata_stable"} <= assumed
    # a verdict under assumptions says so
    assert len(assumed) == 4  # valid held, tdata and tlast stable, valid low in reset
    assert "every verdict above holds only under 4 assumption(s)" in " ".join(out.split())
    rc, out, rec = runs["bug"]
    assert rc == 1, out
    refuted = {p["name"]: p for p in rec["properties"] if p["status"] == "refuted"}
    assert "proto_m_axis_tdata_stable" in refuted or "proto_m_axis_tlast_stable" in refuted
    for p in refuted.values():  # a counterexample trace and a replay test for each
        assert Path(p["vcd"]).is_file() and Path(p["replay_module"]).is_file()


def test_dv_prove_protocols_without_rules_or_with_refused_interfaces(tmp_path):
    fifo = ROOT / "rtl_examples" / "fifo"
    proc = subprocess.run([DV, "prove", "--rtl", str(fifo / "fifo.sv"), "--protocols",
                           "--out", str(tmp_path), "--depth", "4", "--no-replay"],
                          capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert proc.returncode == 2  # no interface, no inline check: nothing to prove
    assert "no protocol rule applies" in " ".join((proc.stdout + proc.stderr).split()) or \
        "no property to check" in proc.stdout + proc.stderr
    proc = subprocess.run([DV, "prove", "--rtl", str(PIPE), "--interface", "none",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert proc.returncode == 2 and "--interface only matters with --protocols" in proc.stderr
