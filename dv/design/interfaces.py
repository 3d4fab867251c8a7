"""Standard interfaces on a design, recognised from its ports (names, directions, widths).

Found (each with the evidence: which port plays which role, and why the direction is what it
is):

- ``axis``: AXI-Stream, ``<prefix>tvalid`` + ``<prefix>tdata`` (``tready``, ``tlast``, ``tkeep``,
  ``tstrb``, ``tuser``, ``tid``, ``tdest`` when present), any prefix (``s_axis_``, ``m_axis_``,
  ``in_``, none);
- ``axi4lite`` / ``axi4``: the five AXI channels (``aw``, ``w``, ``b``, ``ar``, ``r``) by their
  valid/ready handshakes, ``axi4`` when bursts (``awlen``/``arlen``) are present;
- ``apb``: ``psel`` + ``penable`` + ``paddr``/``pwrite``;
- ``wishbone``: ``cyc`` + ``stb`` + ``ack`` (pipelined when ``stall`` is present);
- ``valid_ready``: ``<x>_valid`` with ``<x>_ready`` in the opposite direction (also ``vld``/
  ``rdy``, ``valid_i``/``ready_o``), payload = the other ports of the stem in valid's direction;
- ``valid``: a valid-only handshake (``in_valid`` + data, no ready);
- ``req_ack``: ``<x>req`` with ``<x>ack`` in the opposite direction (listed, no rules: two- and
  four-phase protocols differ);
- ``uart`` / ``spi`` / ``i2c``: serial lines (listed, no rules).

The design's direction on an interface: ``source`` when it drives the valid (or is the AXI/APB/
Wishbone manager), ``sink`` when the environment does. A handshake's ``driver`` says who drives
its valid: ``design`` (rules become assertions) or ``env`` (rules become assumptions, and the
stimulus must obey them).

Recognition is conservative: a handshake needs 1-bit valid/ready of opposite directions, AXI
needs whole channels, and nothing is claimed on near-miss names (``invalid``, ``valid_cnt``,
an 8-bit ``valid``). The spec (a fenced ``interfaces`` block) and ``--interface`` can refuse
(``none``, ``no NAME``) or declare an interface (``NAME = valid_ready valid=P ready=P data=P``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dv.design.model import Design, Port
from dv.errors import InputError

PROTOCOLS = ("axis", "axi4lite", "axi4", "apb", "wishbone", "valid_ready", "valid", "req_ack",
             "uart", "spi", "i2c")


@dataclass(frozen=True)
class Handshake:
    """One valid/ready transfer channel: ``valid`` is driven by ``driver``, ``ready`` (a port,
    or None for valid-only) by the other side; ``payload`` must hold while stalled."""

    name: str
    valid: str
    ready: str | None
    payload: tuple[str, ...] = ()
    driver: str = "env"  # "design" | "env": who drives valid
    ready_inverted: bool = False  # ready is ``!ready`` (a Wishbone ``stall``)


@dataclass(frozen=True)
class Interface:
    name: str  # the prefix or stem (``s_axis``, ``m``, ``in``), or the name the user gave
    protocol: str  # one of PROTOCOLS
    direction: str  # "source" | "sink" (the design's side)
    signals: tuple[tuple[str, str], ...]  # (role, port), e.g. ("tvalid", "s_axis_tvalid")
    handshakes: tuple[Handshake, ...] = ()
    evidence: tuple[str, ...] = ()
    clock: str | None = None
    reset: str | None = None  # the disable condition, as SV text (``!rst_n``), or None
    given: bool = False  # declared by the user (spec or --interface)

    def port(self, role: str) -> str | None:
        return next((p for r, p in self.signals if r == role), None)

    def ports(self) -> list[str]:
        return [p for _, p in self.signals]

    def to_json(self) -> dict:
        """``asdict`` with ``signals`` as role -> port (a list when a role repeats, as
        ``data`` does for a payload of several ports)."""
        sig: dict[str, str | list[str]] = {}
        for role, port in self.signals:
            old = sig.get(role)
            sig[role] = port if old is None else [*(old if isinstance(old, list) else [old]),
                                                   port]
        return dataclasses.asdict(self) | {"signals": sig}


@dataclass
class InterfaceChoice:
    """What the user said about interfaces: refuse all, refuse some, declare some."""

    none: bool = False
    refused: set[str] = field(default_factory=set)
    declared: list[tuple[str, str, dict[str, str], str]] = field(default_factory=list)
    # (name, protocol, role -> port, where)


# -- helpers ----------------------------------------------------------------------------------

_DIR_SUFFIX = re.compile(r"_(i|o|in|out)$", re.I)
_DIR_PREFIX = re.compile(r"^(i|o)_", re.I)  # ZipCPU style: i_wb_stb, o_wb_ack, i_valid


def _norm(name: str) -> str:
    """``name`` lower-cased, less a direction suffix (``_i``/``_o``/``_in``/``_out``) or
    prefix (``i_``/``o_``)."""
    return _DIR_PREFIX.sub("", _DIR_SUFFIX.sub("", name.lower()))


def _split(name: str, keys: Iterable[str]) -> tuple[str, str] | None:
    """``(stem, key)`` when ``name`` (less an ``_i``/``_o`` suffix) ends with one of ``keys``
    at a word boundary (``s_axis_tvalid`` -> ``("s_axis", "tvalid")``, ``valid`` -> ``("",
    "valid")``, ``invalid`` -> None)."""
    low = _norm(name)
    for key in sorted(keys, key=len, reverse=True):
        if low == key:
            return "", key
        if low.endswith("_" + key):
            return low[: -len(key) - 1], key
    return None


def _disable(design: Design) -> str | None:
    r = design.reset
    if r is None or design.port(r.name) is None:
        return None
    return f"!{r.name}" if r.active_low else r.name


def _opposite(a: Port, b: Port) -> bool:
    return {a.direction, b.direction} == {"input", "output"}


def _side(port: Port) -> str:
    return "design" if port.direction == "output" else "env"


# -- recognisers ------------------------------------------------------------------------------

_AXIS_KEYS = ("tvalid", "tready", "tdata", "tlast", "tkeep", "tstrb", "tuser", "tid", "tdest")


def _axis(design: Design, used: set[str]) -> list[Interface]:
    groups: dict[str, dict[str, Port]] = {}
    for p in design.ports:
        if p.name in used:
            continue
        m = re.fullmatch(r"(.*?)_?(tvalid|tready|tdata|tlast|tkeep|tstrb|tuser|tid|tdest)",
                         _DIR_SUFFIX.sub("", p.name.lower()))
        if m:
            groups.setdefault(m.group(1), {})[m.group(2)] = p
    out = []
    for stem, g in groups.items():
        valid, data = g.get("tvalid"), g.get("tdata")
        if valid is None or data is None or valid.width != 1:
            continue
        if data.direction != valid.direction:
            continue
        ready = g.get("tready")
        if ready is not None and (ready.width != 1 or not _opposite(valid, ready)):
            continue
        payload = [g[k] for k in ("tdata", "tlast", "tkeep", "tstrb", "tuser", "tid", "tdest")
                   if k in g and g[k].direction == valid.direction]
        if any(k in g for k in ("tlast",)) and g["tlast"].width != 1:
            continue
        direction = "source" if valid.direction == "output" else "sink"
        ev = [f"{valid.name}: 1-bit {valid.direction}, the AXI-Stream valid",
              f"{data.name}: {data.width}-bit {data.direction}, the AXI-Stream data"]
        if ready is not None:
            ev.append(f"{ready.name}: 1-bit {ready.direction}, the ready (opposite direction)")
        ev.append(f"the design is the {direction}: {valid.name} is an {valid.direction}")
        signals = tuple((k, g[k].name) for k in _AXIS_KEYS if k in g)
        hs = Handshake(stem or "axis", valid.name, ready.name if ready else None,
                       tuple(p.name for p in payload), _side(valid))
        out.append(Interface(stem or "axis", "axis", direction, signals, (hs,), tuple(ev)))
        used.update(p for _, p in signals)
    return out


_AXI_CHANNELS = {  # channel -> payload keys; the manager drives aw, w, ar; the subordinate b, r
    "aw": ("awaddr", "awprot", "awlen", "awsize", "awburst", "awid", "awlock", "awcache",
           "awqos", "awuser", "awregion"),
    "w": ("wdata", "wstrb", "wlast", "wuser", "wid"),
    "b": ("bresp", "bid", "buser"),
    "ar": ("araddr", "arprot", "arlen", "arsize", "arburst", "arid", "arlock", "arcache",
           "arqos", "aruser", "arregion"),
    "r": ("rdata", "rresp", "rlast", "rid", "ruser"),
}


def _axi(design: Design, used: set[str]) -> list[Interface]:
    keys = {f"{c}{s}" for c in _AXI_CHANNELS for s in ("valid", "ready")}
    keys |= {k for v in _AXI_CHANNELS.values() for k in v}
    groups: dict[str, dict[str, Port]] = {}
    for p in design.ports:
        if p.name in used:
            continue
        low = _DIR_SUFFIX.sub("", p.name.lower())
        for key in sorted(keys, key=len, reverse=True):
            if low == key or low.endswith("_" + key) or (low.endswith(key) and
                                                         low[: -len(key)].endswith("axi")):
                stem = low[: -len(key)].rstrip("_")
                groups.setdefault(stem, {})[key] = p
                break
    out = []
    for stem, g in groups.items():
        chans = []
        for ch in _AXI_CHANNELS:
            v, r = g.get(ch + "valid"), g.get(ch + "ready")
            if v is not None and r is not None and v.width == 1 and r.width == 1 \
                    and _opposite(v, r):
                chans.append(ch)
        write = all(c in chans for c in ("aw", "w", "b"))
        read = all(c in chans for c in ("ar", "r"))
        if not (write or read):
            continue
        first = g["awvalid"] if write else g["arvalid"]
        # the manager drives aw/ar valid; the design is the manager ("source") if it does
        direction = "source" if first.direction == "output" else "sink"
        # channel directions must agree with one manager
        ok = all((g[c + "valid"].direction == first.direction) == (c in ("aw", "w", "ar"))
                 for c in chans)
        if not ok:
            continue
        burst = "awlen" in g or "arlen" in g
        proto = "axi4" if burst else "axi4lite"
        hss, signals = [], []
        for ch in chans:
            v, r = g[ch + "valid"], g[ch + "ready"]
            payload = tuple(g[k].name for k in _AXI_CHANNELS[ch]
                            if k in g and g[k].direction == v.direction)
            hss.append(Handshake(f"{stem or 'axi'}_{ch}", v.name, r.name, payload, _side(v)))
            signals += [(ch + "valid", v.name), (ch + "ready", r.name)]
            signals += [(k, g[k].name) for k in _AXI_CHANNELS[ch] if k in g]
        role = "manager" if direction == "source" else "subordinate"
        ev = [f"channels {', '.join(chans)} each with a 1-bit valid/ready pair of opposite "
              "directions",
              f"the design is the {role}: {first.name} is an {first.direction}"]
        if burst:
            ev.append("burst fields present (" + ", ".join(
                g[k].name for k in ("awlen", "arlen") if k in g) + "): AXI4")
        out.append(Interface(stem or "axi", proto, direction, tuple(signals), tuple(hss),
                             tuple(ev)))
        used.update(p for _, p in signals)
    return out


def _apb(design: Design, used: set[str]) -> list[Interface]:
    keys = ("psel", "penable", "paddr", "pwrite", "pwdata", "prdata", "pready", "pslverr",
            "pprot", "pstrb")
    groups: dict[str, dict[str, Port]] = {}
    for p in design.ports:
        if p.name in used:
            continue
        s = _split(p.name, keys)
        if s is None:
            low = _DIR_SUFFIX.sub("", p.name.lower())
            s = next(((low[: -len(k)].rstrip("_"), k) for k in keys
                      if low.endswith(k) and low[: -len(k)].endswith("apb")), None)
        if s:
            groups.setdefault(s[0], {})[s[1]] = p
    out = []
    for stem, g in groups.items():
        sel, en = g.get("psel"), g.get("penable")
        if sel is None or en is None or en.width != 1 or sel.direction != en.direction:
            continue
        if "paddr" not in g and "pwrite" not in g:
            continue
        direction = "source" if sel.direction == "output" else "sink"
        signals = tuple((k, g[k].name) for k in keys if k in g)
        addr = g.get("paddr") or g["pwrite"]
        side = "requester" if direction == "source" else "completer"
        ev = (f"{sel.name}, {en.name} and {addr.name}: APB select, enable and address/write",
              f"the design is the {side}: {sel.name} is an {sel.direction}")
        out.append(Interface(stem or "apb", "apb", direction, signals, (), ev))
        used.update(p for _, p in signals)
    return out


def _wishbone(design: Design, used: set[str]) -> list[Interface]:
    groups: dict[str, dict[str, Port]] = {}
    for p in design.ports:
        if p.name in used:
            continue
        low = _DIR_PREFIX.sub("", p.name.lower())
        m = re.fullmatch(r"(.*?)_?(cyc|stb|ack|we|adr|addr|dat|data|sel|stall|err|rty)(_(i|o))?",
                         low)
        if m:
            key = {"addr": "adr", "data": "dat"}.get(m.group(2), m.group(2))
            k = key + (("_i" if p.direction == "input" else "_o") if key == "dat" else "")
            groups.setdefault(m.group(1), {})[k] = p
    out = []
    for stem, g in groups.items():
        cyc, stb, ack = g.get("cyc"), g.get("stb"), g.get("ack")
        if cyc is None or stb is None or ack is None:
            continue
        if not (cyc.width == stb.width == ack.width == 1 and cyc.direction == stb.direction
                and _opposite(stb, ack)):
            continue
        if "wb" not in stem and "adr" not in g:
            continue  # cyc/stb/ack alone with no wb prefix and no address: too weak
        direction = "source" if stb.direction == "output" else "sink"
        stall = g.get("stall")
        payload = tuple(p.name for k, p in g.items() if k in ("we", "adr", "sel") or
                        (k.startswith("dat") and p.direction == stb.direction))
        if stall is not None and stall.width == 1 and _opposite(stb, stall):
            hs = Handshake(stem or "wb", stb.name, stall.name, payload, _side(stb),
                           ready_inverted=True)
            kind = "pipelined (stall present)"
        else:
            hs = Handshake(stem or "wb", stb.name, ack.name, payload, _side(stb))
            kind = "classic"
        signals = tuple((k, p.name) for k, p in g.items())
        ev = (f"{cyc.name}, {stb.name}, {ack.name}: Wishbone cycle, strobe, acknowledge "
              f"({kind})", f"the design is the {'master' if direction == 'source' else 'slave'}"
              f": {stb.name} is an {stb.direction}")
        out.append(Interface(stem or "wb", "wishbone", direction, signals, (hs,), ev))
        used.update(p for _, p in signals)
    return out


_VALID = ("valid", "vld", "tvalid")
_READY = ("ready", "rdy", "tready")
_PAYLOAD_NAMES = re.compile(
    r"^(data|din|dout|dat|last|keep|user|id|dest|strb|sof|eof|addr|address|wdata|wstrb|be)$")


def _handshakes(design: Design, used: set[str]) -> list[Interface]:
    by_stem: dict[str, dict[str, list[Port]]] = {}
    for p in design.ports:
        if p.name in used or p.width != 1:
            continue
        s = _split(p.name, _VALID + _READY)
        if s is None:
            continue
        kind = "valid" if s[1] in _VALID else "ready"
        by_stem.setdefault(s[0], {}).setdefault(kind, []).append(p)
    out = []
    for stem, g in by_stem.items():
        for valid in g.get("valid", []):
            ready = next((r for r in g.get("ready", []) if _opposite(valid, r)), None)
            if ready is None and g.get("ready"):
                continue  # a ready of the same direction: not a handshake dv understands
            payload = []
            for p in design.ports:
                if p.name in used or p is valid or p is ready or p.direction != valid.direction:
                    continue
                if design.clock and p.name == design.clock.name:
                    continue
                if design.reset and p.name == design.reset.name:
                    continue
                low = _norm(p.name)
                if stem:
                    # <stem>_<word> only: <stem>_la_addr belongs to another (look-ahead) group
                    rest = low[len(stem) + 1:] if low.startswith(stem + "_") else ""
                    if rest and "_" not in rest and _split(p.name, _VALID + _READY) is None:
                        payload.append(p)
                elif _PAYLOAD_NAMES.match(low):
                    payload.append(p)
            direction = "source" if valid.direction == "output" else "sink"
            name = stem or ("in" if direction == "sink" else "out")
            ev = [f"{valid.name}: 1-bit {valid.direction}, named like a valid"]
            if ready is not None:
                ev.append(f"{ready.name}: 1-bit {ready.direction}, named like its ready "
                          "(opposite direction)")
            if payload:
                ev.append("payload (same stem and direction as the valid): "
                          + ", ".join(p.name for p in payload))
            ev.append(f"the design is the {direction}: {valid.name} is an {valid.direction}")
            signals = [("valid", valid.name)] + ([("ready", ready.name)] if ready else [])
            signals += [("data", p.name) for p in payload]
            hs = Handshake(name, valid.name, ready.name if ready else None,
                           tuple(p.name for p in payload), _side(valid))
            out.append(Interface(name, "valid_ready" if ready else "valid", direction,
                                 tuple(signals), (hs,), tuple(ev)))
            used.update(p for _, p in signals)
    return out


def _req_ack(design: Design, used: set[str]) -> list[Interface]:
    ports = [p for p in design.ports if p.name not in used and p.width == 1]
    out = []
    for req in ports:
        s = _split(req.name, ("req", "request"))
        if s is None:
            continue
        ack = next((p for p in ports if _split(p.name, ("ack", "acknowledge")) == (s[0], "ack")
                    and _opposite(req, p)), None)
        if ack is None:
            continue
        direction = "source" if req.direction == "output" else "sink"
        ev = (f"{req.name} ({req.direction}) and {ack.name} ({ack.direction}): request and "
              "acknowledge of opposite directions", "no protocol rules: two- and four-phase "
              "request/acknowledge differ")
        out.append(Interface(s[0] or "req", "req_ack", direction,
                             (("req", req.name), ("ack", ack.name)), (), ev))
        used.update((req.name, ack.name))
    return out


_SERIAL = {
    "uart": {"tx": ("tx", "txd", "uart_tx", "serial_out"), "rx": ("rx", "rxd", "uart_rx",
                                                                  "serial_in")},
    "spi": {"sclk": ("sclk", "sck", "spi_clk", "spi_sclk"), "mosi": ("mosi", "spi_mosi", "sdo"),
            "miso": ("miso", "spi_miso", "sdi"), "cs": ("cs_n", "csn", "ss_n", "ssn", "spi_cs_n",
                                                         "nss")},
    "i2c": {"scl": ("scl", "i2c_scl", "scl_i", "scl_o", "scl_t"),
            "sda": ("sda", "i2c_sda", "sda_i", "sda_o", "sda_t")},
}


def _serial(design: Design, used: set[str]) -> list[Interface]:
    out = []
    ports = {_DIR_PREFIX.sub("", p.name.lower()): p for p in design.ports
             if p.name not in used and p.width == 1}
    for proto, roles in _SERIAL.items():
        found = [(role, ports[n]) for role, names in roles.items() for n in names if n in ports]
        need = {"uart": 1, "spi": 3, "i2c": 2}[proto]
        if len({r for r, _ in found}) < need:
            continue
        if proto == "uart":
            found = [(r, p) for r, p in found
                     if p.direction == ("output" if r == "tx" else "input")]
            if not found:
                continue
        direction = "source" if any(p.direction == "output" for _, p in found) else "sink"
        if proto in ("spi", "i2c"):  # the controller drives the serial clock
            clk = "sclk" if proto == "spi" else "scl"
            direction = "source" if any(p.direction == "output" for r, p in found
                                        if r == clk) else "sink"
        ev = (", ".join(f"{p.name} ({p.direction}): {proto.upper()} {r}" for r, p in found),
              "serial lines: listed, no protocol rules yet")
        out.append(Interface(proto, proto, direction, tuple((r, p.name) for r, p in found),
                             (), ev))
        used.update(p.name for _, p in found)
    return out


def recognise(design: Design) -> list[Interface]:
    """Every standard interface found on ``design``'s ports (no user choices applied)."""
    used = {c.name for c in design.clocks} | {r.name for r in design.resets}
    found: list[Interface] = []
    for finder in (_axis, _axi, _apb, _wishbone, _handshakes, _req_ack, _serial):
        found += finder(design, used)
    seen: dict[str, int] = {}
    out = []
    for itf in found:  # names unique: a second "in" becomes "in_2"
        n = seen.get(itf.name, 0) + 1
        seen[itf.name] = n
        name = itf.name if n == 1 else f"{itf.name}_{n}"
        clock, reset, note = _domain(design, itf)
        out.append(dataclasses.replace(itf, name=name, clock=clock, reset=reset,
                                       evidence=itf.evidence + ((note,) if note else ())))
    return out


def _domain(design: Design, itf: Interface) -> tuple[str | None, str | None, str]:
    """The clock and the disable condition of ``itf``'s rules, and a note when the clock is
    not the design's only one: with several clocks, the clock of the registers that drive the
    interface's outputs; no clock (so no rules) when they do not name exactly one."""
    if len(design.clocks) <= 1:
        return (design.clock.name if design.clock else None), _disable(design), ""
    regs = {r.name: r.clock for r in design.registers}
    clocks = {regs[p] for p in itf.ports() if regs.get(p)}
    if len(clocks) != 1:
        return None, None, ("several clocks and the interface's registers do not name one: "
                            "no protocol rules (declare it in the spec to get them)")
    clock = clocks.pop()
    reset = next((r for r in design.resets if r.clock == clock and design.port(r.name)), None)
    dis = None if reset is None else (f"!{reset.name}" if reset.active_low else reset.name)
    return clock, dis, f"clocked by {clock} (the clock of the registers driving its outputs)"


# -- user choices -----------------------------------------------------------------------------

def parse_choices(lines: Iterable[tuple[str, str]]) -> InterfaceChoice:
    """``(text, where)`` pairs (one spec line or one ``--interface`` value each) into a choice:
    ``none`` | ``no NAME`` | ``NAME = PROTOCOL role=port ...``; ``#`` starts a comment."""
    choice = InterfaceChoice()
    for text, where in lines:
        text = text.split("#", 1)[0].strip()
        if not text:
            continue
        if text.lower() == "none":
            choice.none = True
            continue
        m = re.fullmatch(r"(?:no|refuse)\s+([A-Za-z_]\w*)", text)
        if m:
            choice.refused.add(m.group(1))
            continue
        m = re.fullmatch(r"([A-Za-z_]\w*)\s*=\s*([a-z0-9_]+)((?:\s+\w+=\w+)*)", text)
        if m and m.group(2) in PROTOCOLS:
            roles = dict(kv.split("=", 1) for kv in m.group(3).split())
            choice.declared.append((m.group(1), m.group(2), roles, where))
            continue
        raise InputError(
            f"{where}: cannot read the interface line {text!r}.",
            hint="Write 'none' (no interfaces), 'no NAME' (refuse one dv found), or 'NAME = "
                 f"PROTOCOL role=port ...' with PROTOCOL one of {', '.join(PROTOCOLS)}, e.g. "
                 "'in = valid_ready valid=a_vld ready=a_rdy data=a_bits'.")
    return choice


def _declared(design: Design, name: str, proto: str, roles: dict[str, str],
              where: str) -> Interface:
    for role, port in roles.items():
        if design.port(port) is None:
            raise InputError(f"{where}: interface {name}: {role}={port} names no port of "
                             f"{design.top}.", hint="Name a port `dv inspect` lists.")
    if proto in ("valid_ready", "valid", "axis"):
        vk, rk = ("tvalid", "tready") if proto == "axis" else ("valid", "ready")
        if vk not in roles:
            raise InputError(f"{where}: interface {name}: a {proto} interface needs {vk}=PORT.",
                             hint=f"e.g. '{name} = {proto} {vk}=x_valid {rk}=x_ready data=x'.")
        valid = design.port(roles[vk])
        assert valid is not None
        payload = tuple(p for r, p in roles.items() if r not in (vk, rk))
        hs = (Handshake(name, valid.name, roles.get(rk), payload, _side(valid)),)
    else:
        hs = ()
        valid = design.port(next(iter(roles.values()))) if roles else None
    direction = "source" if valid is not None and valid.direction == "output" else "sink"
    return Interface(name, proto, direction, tuple(roles.items()), hs,
                     (f"declared at {where}",), design.clock.name if design.clock else None,
                     _disable(design), given=True)


def choose(design: Design, choice: InterfaceChoice | None) -> list[Interface]:
    """The recognised interfaces with the user's choice applied."""
    found = recognise(design)
    if choice is None:
        return found
    if choice.none:
        found = []
    known = {i.name for i in found}
    for name in choice.refused:
        if name not in known and not choice.none:
            raise InputError(f"'no {name}': dv found no interface named {name!r} on "
                             f"{design.top}; it found: {', '.join(sorted(known)) or 'none'}.",
                             hint="Use a name `dv inspect` lists under Interfaces.")
    found = [i for i in found if i.name not in choice.refused]
    for name, proto, roles, where in choice.declared:
        new = _declared(design, name, proto, roles, where)
        taken = set(new.ports())
        found = [i for i in found if i.name != name and not taken & set(i.ports())]
        found.append(new)
    return found


def spec_source(spec) -> tuple[str, str]:
    """A parsed spec's path and full text (read again from its file, else the text it kept),
    for readers of fenced blocks the spec parser does not interpret."""
    path = getattr(spec, "path", "spec")
    try:
        return path, Path(path).read_text()
    except (OSError, TypeError):
        return path, getattr(spec, "text", "") or ""


def spec_choice_lines(spec) -> list[tuple[str, str]]:
    """The lines of the spec's fenced ``interfaces`` blocks, with ``file:line``."""
    if spec is None:
        return []
    path, text = spec_source(spec)
    out, inside, lang = [], False, ""
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s.startswith("```"):
            if inside:
                inside = False
            else:
                inside, lang = True, s[3:].strip().lower()
            continue
        if inside and lang == "interfaces":
            out.append((s, f"{path}:{i}"))
    return out


def attach_interfaces(design: Design, spec=None, given: Iterable[str] = ()) -> list[Interface]:
    """Set ``design.interfaces`` from recognition, the spec's ``interfaces`` block and the
    ``--interface`` values (which come last and win)."""
    lines = spec_choice_lines(spec) + [(g, "--interface") for g in given]
    design.interfaces = choose(design, parse_choices(lines) if lines else None)
    from dv.protocols.transport import attach_checks  # the spec's checks: [...] on the pairs

    attach_checks(design, spec)
    return design.interfaces


def interfaces_of(design: Design) -> list[Interface]:
    """``design.interfaces``, recognised now when nobody attached them yet."""
    if getattr(design, "interfaces", None) is None:
        design.interfaces = recognise(design)
    return design.interfaces


# -- request/acknowledge pairs the stimulus drives --------------------------------------------

@dataclass(frozen=True)
class RequestPair:
    """A request the environment drives and the design's answer, for reactive stimulus
    (``transactions`` segments): ``req`` is a 1-bit data input, ``ack`` a 1-bit output whose
    value ``ack_value`` ends the operation; ``hold_req`` keeps the request high until then
    (four-phase req/ack), else it is a one-cycle pulse (start/done, cmd/busy)."""

    req: str
    ack: str
    ack_value: int = 1
    hold_req: bool = False
    evidence: str = ""


_REQUEST_KEYS = ("start", "go", "cmd", "trigger", "kick", "launch")
_ANSWER_KEYS = (("done", 1), ("finish", 1), ("finished", 1), ("complete", 1), ("busy", 0))


def request_pairs(design: Design) -> list[RequestPair]:
    """Request/acknowledge pairs whose request the environment drives: each ``req_ack``
    interface the design sinks (four-phase: the request is held until the acknowledge), and
    1-bit ``<stem>start``/``go``/``cmd``/... inputs with a ``<stem>done``/``finish``/
    ``complete`` output (done high ends the operation) or else a ``<stem>busy`` output (busy
    low ends it), the request being a pulse. Ports of other recognised interfaces are left
    alone, and so are configuration inputs."""
    itfs = interfaces_of(design)
    out = [RequestPair(i.port("req") or "", i.port("ack") or "", 1, True,
                       f"{i.port('req')}/{i.port('ack')}: req_ack interface the design sinks")
           for i in itfs if i.protocol == "req_ack" and i.direction == "sink"
           and i.port("req") and i.port("ack")]
    used = {p for i in itfs for p in i.ports()}
    outs = [p for p in design.outputs() if p.width == 1 and p.name not in used]
    for req in design.data_inputs():
        if req.width != 1 or req.name in used or req.role == "config" or req.name in \
                design.held:
            continue
        s = _split(req.name, _REQUEST_KEYS)
        if s is None:
            continue
        for key, value in _ANSWER_KEYS:
            ack = next((p for p in outs if _split(p.name, (key,)) == (s[0], key)), None)
            if ack is not None:
                out.append(RequestPair(req.name, ack.name, value, False,
                                       f"{req.name} (input) starts an operation, {ack.name} "
                                       f"(output) {'high' if value else 'low'} ends it"))
                break
    return out
