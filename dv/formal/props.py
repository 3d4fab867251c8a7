"""Collecting the properties ``dv prove`` checks, and naming every check of the model.

Three sources:

- ``--props P.sv`` files: modules bound into (or wrapping) the design. Their immediate
  ``assert``/``assume``/``cover`` statements go to Yosys as written. Their concurrent
  ``assert|assume|cover property`` statements are lowered by :mod:`dv.formal.sva` into a
  monitor module, and Yosys reads a copy of the file with those statements blanked out (same
  line numbers). A concurrent property there is read against the top module's signals, so the
  props module must use the design's names (as a ``bind top props_module i (.*)`` does).
- immediate checks written inline in the RTL (read as they are);
- the spec's ``sva`` blocks (``--spec``), lowered by :mod:`dv.formal.sva`.

A concurrent property the lowering does not support becomes an ``unsupported`` verdict; the
others are still checked.

After Yosys, :func:`name_checks` gives each ``; yosys-smt2-assert|assume|cover`` of the model a
:class:`Property`: its name (the statement label, else ``<kind>@<file>:<line>``), its source
location and text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from dv.design.model import Design, Signal
from dv.design.spec import SvaProperty
from dv.errors import InputError
from dv.files import write_atomic
from dv.formal.model import SmtCheck, SmtModel

try:  # written in parallel by another engineer; absent in early checkouts
    from dv.formal import sva as _sva
except ImportError:  # pragma: no cover - exercised only without sva.py
    _sva = None  # type: ignore[assignment]


@dataclass
class Property:
    name: str
    kind: str  # assert | assume | cover
    file: str  # as shown to the user (relative to the root when under it)
    line: int
    text: str  # the statement as written
    origin: str  # "rtl" | "props" | "spec"
    label: str | None = None  # the statement label (used to find it in simulation)
    check: SmtCheck | None = None  # the model's check, once the model exists
    unsupported: str | None = None  # why the lowering refused it
    concurrent: bool = False
    instance: str = ""  # hierarchical name of this elaborated check ("g_lane[2].a_lane_bound")
    instances: int = 1  # how many elaborated checks the same source statement has

    @property
    def statement(self) -> str:
        """The source statement this check is an instance of (its grouping key)."""
        return f"{self.kind}:{self.label or ''}:{self.file}:{self.line}"

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class Collected:
    """What goes to Yosys, and the properties known before it runs."""

    yosys_files: list[Path] = field(default_factory=list)  # props files (or blanked copies)
    rtl_copies: dict[Path, Path] = field(default_factory=dict)  # RTL file -> blanked copy
    rename: dict[str, str] = field(default_factory=dict)  # blanked copy -> original path
    concurrent: list[Property] = field(default_factory=list)  # lowered or unsupported
    monitor: object | None = None  # sva.LoweredModule
    monitor_labels: dict[str, Property] = field(default_factory=dict)  # label in monitor -> prop
    monitor_instance: str = ""
    monitor_file: Path | None = None
    checker_monitors: list[CheckerMonitor] = field(default_factory=list)


@dataclass
class CheckerMonitor:
    """The lowered concurrent properties of one bound checker module, bound into it (so its
    own declarations, counters and shadow state are read, in every instance)."""

    module: str
    lowered: object  # sva.LoweredModule
    labels: dict[str, Property]  # label in the monitor -> property
    file: Path


_CONCURRENT_KINDS = ("AssertPropertyStatement", "AssumePropertyStatement",
                     "CoverPropertyStatement")


def concurrent_statements(text: str, defines: Mapping[str, str] | None = None,
                          include_dirs: Sequence[str | Path] = (), path: Path | None = None,
                          module: str | None = None, modules: dict | None = None
                          ) -> list[tuple[int, int, int, str, str | None, str]]:
    """Concurrent assertion statements of an SV text: (start, end, line, text, label, kind),
    read with ``FORMAL`` and ``defines`` defined (what Yosys will see).

    Assertion macros (```ASSERT(name, a |-> b, clk, rst)`` in the style of the large
    open-source IP libraries, defined in an include file) are expanded by pyslang's
    preprocessor with ``include_dirs``: the statement's text is the expansion, ``start``/``end``
    span the macro invocation in ``text`` (what a copy for Yosys blanks), ``line`` is the
    invocation's line. With ``module``, only the statements written directly in that
    module's body (not in a generate block or another module). ``modules``, when given, is
    filled with start -> the module whose body holds the statement directly (or None)."""
    import pyslang
    from pyslang import parsing
    from pyslang import syntax as sx

    pp = parsing.PreprocessorOptions()
    macros = {"FORMAL": "", **dict(defines or {})}
    pp.predefines = [f"{k}={v}" if v != "" else k for k, v in macros.items()]
    dirs = [str(d) for d in include_dirs]
    if path is not None:
        dirs.append(str(Path(path).resolve().parent))
    pp.additionalIncludePaths = dirs
    sm = pyslang.SourceManager()
    tree = sx.SyntaxTree.fromText(text, sm, Path(path).name if path else "props.sv",
                                  str(Path(path).resolve()) if path else "",
                                  pyslang.Bag([pp]))
    found: list[tuple[int, int, int, str, str | None, str]] = []

    def visit(node: object) -> bool:
        kind = str(getattr(node, "kind", ""))
        if kind.rsplit(".", 1)[-1] in _CONCURRENT_KINDS:
            if module is not None and _direct_module(node) != module:
                return True
            rng = node.sourceRange  # type: ignore[attr-defined]
            if sm.isMacroLoc(rng.start):
                span = _macro_span(text, sm.getFullyOriginalRange(rng).start.offset)
                if span is None:
                    return True  # e.g. inside an included file: Yosys reads it as written
                start, end = span
                printer = sx.SyntaxPrinter(sm)
                printer.setExpandMacros(True)
                printer.setIncludeComments(False)
                printer.setIncludeDirectives(False)
                stmt = " ".join(printer.print(node).str().split())  # type: ignore[arg-type]
            else:
                start, end = rng.start.offset, rng.end.offset
                stmt = text[start:end]
            if not _STMT_START.match(stmt):
                return True  # not from this file's text
            stmt = _without_action(stmt)
            label_node = getattr(node, "label", None)
            label = None
            if label_node is not None:
                try:
                    label = label_node.name.valueText or None
                except AttributeError:
                    label = None
            m = re.match(r"^\s*(?:\w+\s*:\s*)?(assert|assume|cover)\b", stmt)
            found.append((start, end, text.count("\n", 0, start) + 1, stmt, label,
                          m.group(1) if m else "assert"))
            if modules is not None:
                modules[start] = _direct_module(node)
        return True

    tree.root.visit(visit)
    return sorted(found)


def _direct_module(node: object) -> str | None:
    """The module whose body holds ``node`` directly (a concurrent assertion item)."""
    parent = getattr(node, "parent", None)
    if parent is not None and str(getattr(parent, "kind", "")).endswith(
            "ConcurrentAssertionMember"):
        parent = getattr(parent, "parent", None)
    if parent is None or not str(getattr(parent, "kind", "")).endswith("ModuleDeclaration"):
        return None
    try:
        return parent.header.name.valueText  # type: ignore[attr-defined]
    except AttributeError:
        return None


_STMT_START = re.compile(r"^\s*(?:\w+\s*:\s*)?(?:assert|assume|cover)\s+property\b")


def _without_action(stmt: str) -> str:
    """The statement without its action block (``else begin $error(...); end``, a pass
    statement): what a formal check means does not depend on it."""
    m = re.search(r"\b(?:property)\s*\(", stmt)
    if m is None:
        return stmt
    close = _closing_paren(stmt, m.end() - 1)
    if close is None:
        return stmt
    rest = stmt[close + 1:].strip()
    return stmt if rest in ("", ";") else stmt[:close + 1] + ";"


def _closing_paren(text: str, open_at: int) -> int | None:
    """The index of the ``)`` that closes the ``(`` at ``open_at`` (string literals skipped)."""
    depth, quote, i = 0, False, open_at
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == '"':
                quote = False
        elif c == '"':
            quote = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _macro_span(text: str, offset: int) -> tuple[int, int] | None:
    """The span of the macro invocation (```NAME(...)``, with a following ``;``) that
    contains ``offset``, the position of one of its arguments (or of its name)."""
    if not 0 <= offset <= len(text):
        return None
    line_start = text.rfind("\n", 0, offset) + 1
    calls = [m for m in re.finditer(r"`(\w+)", text[line_start:offset + 1])]
    if not calls:
        return None
    start = line_start + calls[-1].start()
    i = line_start + calls[-1].end()
    while i < len(text) and text[i] in " \t":
        i += 1
    if i >= len(text) or text[i] != "(":
        return start, i
    close = _closing_paren(text, i)
    i = len(text) if close is None else close + 1
    j = i
    while j < len(text) and text[j] in " \t":
        j += 1
    if j < len(text) and text[j] == ";":
        i = j + 1
    return start, i


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, min(end, len(chars))):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def collect(design: Design, *, props_files: Sequence[Path], spec_props: Sequence[SvaProperty],
            spec_path: str | None, work_dir: Path, root: Path,
            rtl_files: Sequence[Path] = ()) -> Collected:
    """Lower the concurrent properties, write the monitor and blanked copies into
    ``work_dir``, and list what Yosys must read besides the RTL.

    Concurrent SVA written inline in the top module's body (``rtl_files``) is lowered the
    same way (Yosys reads a copy of the file with it blanked); inline SVA elsewhere is left to
    Yosys, which reads the simple forms and rejects the rest with its file and line."""
    out = Collected()
    pending: list[tuple[SvaProperty, str, Property]] = []
    for n, rf in enumerate(rtl_files):
        try:
            text = rf.read_text(errors="replace")
        except OSError:
            continue
        if "property" not in text:
            continue
        stmts = concurrent_statements(text, design.defines, design.include_dirs, rf,
                                      module=design.top)
        if not stmts:
            continue
        shown = _show(rf, root)
        for _s, _e, line, stmt, label, kind in stmts:
            prop = Property(label or f"{kind}@{Path(shown).name}:{line}", kind, shown, line,
                            " ".join(stmt.split()), "rtl", label=label, concurrent=True)
            pending.append((SvaProperty(text=stmt, line=line, label=label, kind=kind),
                            shown, prop))
        copy = work_dir / "rtl" / f"{n}_{rf.name}"
        copy.parent.mkdir(parents=True, exist_ok=True)
        _write_if_changed(copy, _blank(text, [(s, e) for s, e, *_ in stmts]))
        out.rtl_copies[rf] = copy
        out.rename[str(copy.resolve())] = str(rf.resolve())
    checker_pending: dict[str, list[tuple[SvaProperty, str, Property]]] = {}
    copies: list[tuple[Path, str, dict[int, str | None]]] = []  # blanked copies to write
    for n, pf in enumerate(props_files):
        if not pf.is_file():
            raise InputError(f"the properties file {pf} does not exist.", file=str(pf),
                             hint="Pass --props with a SystemVerilog file.")
        text = pf.read_text(errors="replace")
        modules: dict[int, str | None] = {}
        stmts = concurrent_statements(text, design.defines, design.include_dirs, pf,
                                      modules=modules)
        shown = _show(pf, root)
        if not stmts:
            out.yosys_files.append(pf)
            continue
        for start, _e, line, stmt, label, kind in stmts:
            prop = Property(label or f"{kind}@{Path(shown).name}:{line}", kind, shown, line,
                            " ".join(stmt.split()), "props", label=label, concurrent=True)
            item = (SvaProperty(text=stmt, line=line, label=label, kind=kind), shown, prop)
            module = modules.get(start)
            if module is not None and module != design.top:  # a checker module: its names
                checker_pending.setdefault(module, []).append(item)
            else:
                pending.append(item)
        copy = work_dir / f"{n}_{pf.stem}.blanked{pf.suffix}"
        work_dir.mkdir(parents=True, exist_ok=True)
        blanked = _blank(text, [(s, e) for s, e, *_ in stmts])
        copies.append((copy, blanked, {s: modules.get(s) for s, *_ in stmts}))
        out.yosys_files.append(copy)
        out.rename[str(copy.resolve())] = str(pf.resolve())
    for sp in spec_props:
        shown = spec_path or "spec"
        prop = Property(sp.label or f"{sp.kind}@{Path(shown).name}:{sp.line}", sp.kind, shown,
                        sp.line, " ".join(sp.text.split()), "spec", label=sp.label,
                        concurrent=True)
        pending.append((sp, shown, prop))
    out.concurrent = [p for _sp, _f, p in pending] + \
        [p for group in checker_pending.values() for _sp, _f, p in group]
    if _sva is None:
        for prop in out.concurrent:
            prop.unsupported = ("concurrent properties need dv/formal/sva.py, which this "
                                "installation lacks")
        checker_pending = {}
    instances: dict[str, str] = {}  # checker module -> the monitor's instantiation
    for module, group in checker_pending.items():
        checker = _checker_design(design, module, props_files, root)
        if checker is None:  # cannot elaborate it alone: read against the top's names
            pending += group
            continue
        low = _lower_group(group, checker, work_dir)
        if low is not None:
            lowered, labels, mon = low
            # a bind into a bound module is illegal: the monitor is instantiated inside the
            # checker, on the line of its first (blanked) property
            bind = re.search(r"^\s*bind\s+\S+\s+(.*;)\s*$", lowered.text, re.M)
            if bind is not None:
                instances[module] = bind.group(1)
                text = lowered.text[:bind.start()] + lowered.text[bind.end():]
                _write_if_changed(mon, text)
            out.checker_monitors.append(CheckerMonitor(module, lowered, labels, mon))
            out.yosys_files.append(mon)
    for copy, blanked, starts in copies:
        inserts = {}
        for start, module in sorted(starts.items()):
            if module in instances and module not in inserts.values():
                inserts[start] = module
        for start, module in sorted(inserts.items(), reverse=True):
            blanked = blanked[:start] + instances[module] + blanked[start:]
        _write_if_changed(copy, blanked)
    if _sva is None:
        return out
    pending, top_design, aliases = _hierarchical_aliases(pending, design, root)
    low = _lower_group(pending, top_design, work_dir)
    if low is None:
        return out
    lowered, labels, mon = low
    if aliases:  # the monitor's ports read the hierarchical signals through its bind
        text = lowered.text
        for alias, path in aliases.items():
            text = text.replace(f".{alias}({alias})", f".{alias}({path})")
        _write_if_changed(mon, text)
    out.monitor = lowered
    out.monitor_labels = labels
    m = re.search(r"^\s*bind\s+\S+\s+\S+\s+(\w+)", lowered.text, re.M)
    out.monitor_instance = m.group(1) if m else "dv_mon_i"
    out.yosys_files.append(mon)
    out.monitor_file = mon
    return out


_HIER = re.compile(r"(?<![\w$.'])([A-Za-z_]\w*(?:\[\d+\])*(?:\.[A-Za-z_]\w*(?:\[\d+\])*)+)"
                   r"(?![\w(])")


def _hierarchical_aliases(pending: list[tuple[SvaProperty, str, Property]], design: Design,
                          root: Path) -> tuple[list[tuple[SvaProperty, str, Property]], Design,
                                     dict[str, str]]:
    """Hierarchical and generate-scoped names (``g_lane[1].cnt``, ``u0.q``) in properties
    read against the top: each becomes a flat alias the lowering knows (width from the
    elaborated design), connected to the real path in the monitor's bind. Names that are
    not signals of the design are left alone (the lowering then names them as unknown)."""
    found = {m.group(1) for sp, _f, _p in pending for m in _HIER.finditer(_code(sp.text))}
    found = {f for f in found if f.split(".", 1)[0].split("[", 1)[0] not in
             {x.name for x in design.signals} | {x.name for x in design.ports}}
    if not found:
        return pending, design, {}
    widths = _lookup_widths(design, sorted(found), root)
    if not widths:
        return pending, design, {}
    aliases = {path: "dv_h_" + re.sub(r"\W+", "_", path).strip("_") for path in widths}
    extra = [Signal(name=alias, width=widths[path][0], kind="wire", signed=widths[path][1])
             for path, alias in aliases.items()]
    new_design = replace(design, signals=[*design.signals, *extra])
    out = []
    for sp, file, prop in pending:
        text = sp.text
        for path in sorted(aliases, key=len, reverse=True):
            text = re.sub(r"(?<![\w$.])" + re.escape(path) + r"(?![\w\[])", aliases[path], text)
        out.append((replace(sp, text=text), file, prop))
    return out, new_design, {alias: path for path, alias in aliases.items()}


def _code(text: str) -> str:
    """``text`` without its label and string literals (no names there)."""
    text = re.sub(r'"[^"]*"', '""', text)
    return re.sub(r"^\s*\w+\s*:", "", text)


def _lookup_widths(design: Design, paths: Sequence[str], root: Path
                   ) -> dict[str, tuple[int, bool]]:
    import pyslang
    from pyslang import ast

    try:
        pp = pyslang.parsing.PreprocessorOptions()
        pp.predefines = [f"{k}={v}" if v != "" else k for k, v in
                         {"FORMAL": "", **design.defines}.items()]
        pp.additionalIncludePaths = [str(d) for d in design.include_dirs]
        opts = ast.CompilationOptions()
        opts.topModules = {design.top}
        # the top's -G values: a top with parameters lacking a default is not elaborated
        # without them, and none of its hierarchical names would be found
        opts.paramOverrides = [f"{k}={v}" for k, v in design.overrides.items()]
        bag = pyslang.Bag([pp, opts])
        comp = ast.Compilation(bag)
        sm = pyslang.SourceManager()
        for f in design.files:
            comp.addSyntaxTree(pyslang.syntax.SyntaxTree.fromFile(str(root / f), sm, bag))
        root = comp.getRoot()
    except Exception:  # noqa: BLE001 - no aliases: the lowering reports the names
        return {}
    out: dict[str, tuple[int, bool]] = {}
    for path in paths:
        try:
            sym = root.lookupName(f"{design.top}.{path}")
        except Exception:  # noqa: BLE001
            sym = None
        typ = getattr(sym, "type", None)
        if typ is not None and typ.isIntegral and not typ.isUnpackedArray:
            out[path] = (int(typ.bitWidth), bool(typ.isSigned))
    return out


def _checker_design(design: Design, module: str, props_files: Sequence[Path],
                    root: Path) -> Design | None:
    """The checker module elaborated on its own (its ports, its own declarations), to lower
    its concurrent properties against its own names; None if it cannot be."""
    from dv.design.frontend import load_design
    from dv.errors import DvError

    files = list(dict.fromkeys([*design.files, *[str(p) for p in props_files]]))
    try:
        return load_design(files, top=module, defines=dict(design.defines),
                           include_dirs=list(design.include_dirs), root=root)
    except DvError:
        return None


def _lower_group(pending: list[tuple[SvaProperty, str, Property]], design: Design,
                 work_dir: Path) -> tuple[object, dict[str, Property], Path] | None:
    """Lower ``pending`` into one monitor bound into ``design.top``; the unsupported ones
    get their reason. Returns (lowered module, label in monitor -> property, its file)."""
    supported: list[tuple[SvaProperty, str, Property]] = []
    for sp, file, prop in pending:  # one at a time: an unsupported one must not stop the rest
        try:
            _sva.lower_properties([sp], design, source_file=file)
        except _sva.UnsupportedSva as exc:
            prop.unsupported = exc.message
            continue
        supported.append((sp, file, prop))
    if not supported:
        return None
    files = {f for _sp, f, _p in supported}
    lowered = _sva.lower_properties(_unique_labels([sp for sp, _f, _p in supported]), design,
                                    source_file=files.pop() if len(files) == 1 else "properties")
    for lp, (_sp, file, _prop) in zip(lowered.properties, supported, strict=True):
        lp.source_file = file
    labels: dict[str, Property] = {}
    by_fail = {lp.fail_signal: prop for lp, (_sp, _f, prop) in
               zip(lowered.properties, supported, strict=True)}
    for label, fail in _monitor_labels(lowered.text).items():
        if fail in by_fail:
            labels[label] = by_fail[fail]
    mon = work_dir / f"{lowered.module_name}.sv"
    work_dir.mkdir(parents=True, exist_ok=True)
    _write_if_changed(mon, lowered.text)
    return lowered, labels, mon


def _unique_labels(props: list[SvaProperty]) -> list[SvaProperty]:
    """The same properties with a label used twice (e.g. in the spec and in a props file)
    made unique, so that they can share one monitor module."""
    used: set[str] = set()
    out = []
    for sp in props:
        label = sp.label
        if label is not None and label in used:
            n = 2
            while f"{label}_{n}" in used:
                n += 1
            new = f"{label}_{n}"
            text = re.sub(r"^(\s*)" + re.escape(label) + r"(\s*:)", r"\g<1>" + new + r"\g<2>",
                          sp.text, count=1)
            sp = SvaProperty(text=text, line=sp.line, label=new, kind=sp.kind)
            label = new
        if label is not None:
            used.add(label)
        out.append(sp)
    return out


def _write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text(errors="replace") != text:
        write_atomic(path, text)


_MON_CHECK = re.compile(r"^\s*(\w+)\s*:\s*(?:assert|assume|cover)\s*\(\s*!?\s*\(?\s*(\w+)\s*\)?\s*"
                        r"\)\s*;", re.M)


def _monitor_labels(text: str) -> dict[str, str]:
    """label -> fail/match signal of each immediate check in a lowered monitor."""
    return {m.group(1): m.group(2) for m in _MON_CHECK.finditer(text)}


def _show(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


# -- naming the model's checks -------------------------------------------------------------------


def name_checks(model: SmtModel, collected: Collected, *, rtl_files: Sequence[Path],
                props_files: Sequence[Path], root: Path) -> list[Property]:
    """One :class:`Property` per check of ``model`` plus the unsupported concurrent ones."""
    texts: dict[str, list[str]] = {}
    for src in [*props_files, *rtl_files]:
        try:
            texts[_show(src, root)] = src.read_text(errors="replace").splitlines()
        except OSError:
            continue
    props_shown = {_show(p, root) for p in props_files}
    props: list[Property] = []
    prefix = collected.monitor_instance + "." if collected.monitor_instance else None
    mon_lines: list[str] = []
    mon_shown = ""
    if collected.monitor_file is not None:
        mon_shown = _show(collected.monitor_file, root)
        mon_lines = collected.monitor_file.read_text(errors="replace").splitlines()
    for chk in model.checks:
        mon_label = None
        if prefix and chk.name.startswith(prefix):
            mon_label = chk.name[len(prefix):]
        elif chk.src and mon_shown and chk.src.rpartition(":")[0] == mon_shown:
            # Yosys names some labelled checks by location only: read the label there
            line = int(chk.src.rpartition(":")[2])
            m = re.match(r"^\s*(\w+)\s*:", mon_lines[line - 1] if line <= len(mon_lines) else "")
            mon_label = m.group(1) if m else None
        if mon_label is not None and mon_label in collected.monitor_labels:
            prop = collected.monitor_labels[mon_label]
            prop.check = chk
            props.append(prop)
            continue
        found = _checker_check(chk, collected, root)
        if found is not None:
            props.append(found)
            continue
        file, line = "", 0
        if chk.src:
            file, _, ln = chk.src.rpartition(":")
            line = int(ln) if ln.isdigit() else 0
        label = chk.label
        if label and not file:
            file, line = _find_label(label, chk.kind, texts)
        text = ""
        if file in texts and 1 <= line <= len(texts[file]):
            text = _statement(texts[file], line)
        origin = "props" if file in props_shown else "rtl"
        name = label or f"{chk.kind}@{Path(file).name or '?'}:{line}"
        props.append(Property(name, chk.kind, file or "?", line, text, origin, label=label,
                              check=chk, instance=chk.instance_name))
    _name_instances(props)
    props += [p for p in collected.concurrent if p.unsupported]
    _unique_names(props)
    return props


def _checker_check(chk: SmtCheck, collected: Collected, root: Path) -> Property | None:
    """The property of a check in a checker module's monitor (``u0.c_i.dv_mon_i.label``),
    one :class:`Property` per instance of the checker."""
    if not collected.checker_monitors:
        return None
    scope, sep, label = ("." + chk.name).rpartition(".dv_mon_i.")
    if not sep:
        return None
    scope = scope.lstrip(".")
    file = chk.src.rpartition(":")[0] if chk.src else ""
    mons = [m for m in collected.checker_monitors if label in m.labels]
    mon = next((m for m in mons if file and _show(m.file, root) == file), None) or \
        (mons[0] if mons else None)
    if mon is None:
        return None
    prop = mon.labels[label]
    if prop.check is not None:  # another instance of the same checker
        prop = replace(prop, check=chk)
    prop.check = chk
    prop.instance = f"{scope}.{prop.label or prop.name}" if scope else ""
    return prop


def _name_instances(props: list[Property]) -> None:
    """A statement elaborated several times (a module instantiated twice, a generate loop, a
    bind into a multiply-instantiated module) gives one check per instance: each is named by
    its hierarchical path (``g_lane[2].a_lane_bound``) and judged on its own."""
    groups: dict[str, list[Property]] = {}
    for p in props:
        groups.setdefault(p.statement, []).append(p)
    for members in groups.values():
        for p in members:
            p.instances = len(members)
        if len(members) == 1:
            continue
        seen: dict[str, int] = {}
        for p in members:
            base = p.instance or p.name
            seen[base] = seen.get(base, 0) + 1
        count: dict[str, int] = {}
        for p in members:
            base = p.instance or p.name
            if seen[base] > 1:  # unlabelled, scope unknown: number them
                count[base] = count.get(base, 0) + 1
                base = f"{base}#{count[base]}"
            p.name = p.instance = base


def _find_label(label: str, kind: str, texts: dict[str, list[str]]) -> tuple[str, int]:
    pat = re.compile(r"\b" + re.escape(label) + r"\s*:\s*" + kind + r"\b")
    for file, lines in texts.items():
        for i, text in enumerate(lines):
            if pat.search(text):
                return file, i + 1
    return "", 0


def _statement(lines: list[str], line: int) -> str:
    """The statement starting on ``line`` (up to its ';', at most 6 lines)."""
    out = []
    for text in lines[line - 1: line + 5]:
        out.append(text.split("//", 1)[0].strip())
        if ";" in text:
            break
    return " ".join(t for t in out if t)


def _unique_names(props: list[Property]) -> None:
    counts: dict[str, int] = {}
    for p in props:
        counts[p.name] = counts.get(p.name, 0) + 1
    for p in props:
        if counts[p.name] > 1:
            p.name = f"{p.name}@{Path(p.file).name}:{p.line}"
