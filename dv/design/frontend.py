"""Read RTL with pyslang and build the :class:`~dv.design.model.Design` every later stage reads.

pyslang parses and elaborates the whole hierarchy below the top (parameters resolved, ``-G``
style overrides applied, widths recomputed). From the top module's elaborated body we take the
ports, parameters and signals; :mod:`dv.design.infer` finds clocks, resets, registers and FSMs;
:mod:`dv.design.sourcemap` records every statement with its guarding conditions.

Every problem the user can fix becomes an :class:`~dv.errors.InputError` naming file, line and
column, with slang's own message: a missing file, a syntax error, an elaboration error, an unknown
or ambiguous top, an override of a parameter that does not exist or is a localparam, a --clock or
--reset naming no input port. Warnings are ignored. A design with no clocked process is
combinational (no clock): the testbench drives it with a settle delay.

Limits: ``signals`` are the nets and variables declared directly in the top module (not in its
generate blocks or submodules); interface ports are listed apart (``interface_ports``) unless
``wrap_dir`` is given (then a generated wrapper exposes them as plain ports); registers and FSMs
come from the top's own processes only (clocks and resets also from submodules, see
:mod:`dv.design.infer`);
overrides apply to the top's parameters only; the source map covers every module instantiated
below the top (``Statement.module`` says which).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyslang
from pyslang import ast, parsing
from pyslang import syntax as sx

from dv.design import infer, roles
from dv.design.model import Clock, Design, Parameter, Port, Reset, Signal
from dv.design.paths import relative_path
from dv.design.sourcemap import SourceMapBuilder, SourceText
from dv.errors import InputError

_DIRECTIONS = {
    ast.ArgumentDirection.In: "input",
    ast.ArgumentDirection.Out: "output",
    ast.ArgumentDirection.InOut: "inout",
    ast.ArgumentDirection.Ref: "inout",
}


def load_design(
    files: Sequence[str | Path], *, top: str | None = None,
    defines: Mapping[str, str] | None = None, include_dirs: Sequence[str | Path] = (),
    overrides: Mapping[str, str] | None = None, root: Path | None = None,
    clock: str | None = None, resets: Sequence[str] | None = None,
    wrap_dir: str | Path | None = None,
) -> Design:
    """Parse and elaborate ``files`` and describe the ``top`` module.

    ``wrap_dir``: when the top has SystemVerilog interface ports, a wrapper module that
    instantiates each interface and exposes its modport's signals as plain ports (see
    :func:`interface_wrapper`) is written there and becomes the top (the design is its
    instance ``dut``; ``overrides`` are given to that instance). Without it such a top is
    described as it is (its interface ports listed in ``interface_ports``).

    ``defines`` are ``+define+`` macros (an empty value defines the name alone), ``overrides``
    are ``-G`` parameter overrides of the top (``{"DEPTH": "16"}``, values are SV expressions).
    File names in the result are relative POSIX paths to ``root`` (default: the current
    directory) when the file lies under it, else absolute. ``clock`` names the clock port and
    ``resets`` the reset ports (``"rst_n:low"``, ``"rst:high"``, ``"rst"``, or ``"none"``) when
    inference gets them wrong: see :func:`apply_timing`. Raises :class:`InputError`.
    """
    root = Path(root) if root is not None else Path.cwd()
    defines = dict(defines or {})
    overrides = {str(k): str(v) for k, v in (overrides or {}).items()}
    paths = _check_files(files, root)
    loader = _Loader(paths, root, defines, [str(d) for d in include_dirs])
    tree = loader.parse()
    top_name = loader.pick_top(tree, top)
    comp = loader.elaborate(tree, top_name, overrides)
    inst = next(i for i in comp.getRoot().topInstances if i.name == top_name)
    if wrap_dir is not None and any(isinstance(m, ast.InterfacePortSymbol) for m in inst.body):
        text, name = interface_wrapper(inst.body, loader.text, overrides)
        wrapper = Path(wrap_dir) / f"{name}.sv"
        wrapper.parent.mkdir(parents=True, exist_ok=True)
        if not wrapper.is_file() or wrapper.read_text() != text:
            wrapper.write_text(text)
        return load_design([*files, wrapper], top=name, defines=defines,
                           include_dirs=include_dirs, root=root, clock=clock, resets=resets)
    design = _describe(inst.body, loader.text, paths, root)
    design.constants = named_constants(inst.body, comp)
    design.defines = defines
    design.include_dirs = [relative_path(d, root) for d in include_dirs]
    design.overrides = overrides
    apply_timing(design, clock, resets)
    roles.assign_roles(design)
    return design


def apply_timing(design: Design, clock: str | None, resets: Sequence[str] | None) -> None:
    """Put the user's clock and resets in place of what inference found.

    ``clock``: an input port; it becomes the design's clock (other inferred clocks stay, after
    it). ``resets``: each ``NAME``, ``NAME:low`` or ``NAME:high`` an input port; together they
    replace every inferred reset (``["none"]``: the design has no reset). A reset given without
    a polarity takes the inferred one, else the name's (``_n``/``n`` suffix: active low).
    Synchronous unless inference saw it on an edge.
    """
    inputs = {p.name: p for p in design.ports if p.direction == "input"}

    def check(name: str, what: str) -> None:
        if name not in inputs:
            raise InputError(
                f"{what} {name!r} is not an input port of {design.top}; its inputs are: "
                f"{', '.join(inputs) or 'none'}.",
                hint=f"Pass {what} with the name of a 1-bit input port (names are case-sensitive).")

    if clock:
        check(clock, "--clock")
        old = next((c for c in design.clocks if c.name == clock), None)
        design.clocks = [Clock(clock, old.edge if old else "posedge", "given",
                               ("given by the user (--clock or dv.toml)",))] + [
            c for c in design.clocks if c.name != clock]
    if resets:
        given: list[Reset] = []
        for item in resets:
            name, _, pol = item.partition(":")
            name, pol = name.strip(), pol.strip().lower()
            if name.lower() == "none" and not pol:
                continue
            if pol not in ("", "low", "high"):
                raise InputError(f"--reset {item!r}: the polarity must be 'low' or 'high'.",
                                 hint="Write --reset NAME, --reset NAME:low or --reset NAME:high.")
            check(name, "--reset")
            old = next((r for r in design.resets if r.name == name), None)
            if pol:
                low = pol == "low"
            elif old is not None:
                low = old.active_low
            else:
                low = infer.active_low_by_name(name)
            why = "polarity given" if pol else ("polarity inferred" if old else
                                                "polarity from the name")
            given.append(Reset(name, low, old.asynchronous if old else False,
                               design.clock.name if design.clock else None, "given",
                               (f"given by the user (--reset or dv.toml), {why}",)))
        design.resets = given


def design_to_json(design: Design) -> dict[str, Any]:
    """A JSON-serialisable view of ``design`` (``asdict`` plus the derived facts a reader wants:
    each reset's asserted value and each FSM's legal values)."""
    data = asdict(design)
    for r, d in zip(design.resets, data["resets"], strict=True):
        d["asserted_value"] = r.asserted_value
    for f, d in zip(design.fsms, data["fsms"], strict=True):
        d["legal_values"] = list(f.legal_values)
    return data


# -- loading ---------------------------------------------------------------------------------


def read_file_list(path: str | Path, *, relative_to_list: bool = False, depth: int = 0
                   ) -> tuple[list[str], list[str], dict[str, str]]:
    """``(sources, include dirs, defines)`` from a simulator file list (``-f FILE``).

    One token per word; ``//`` and ``#`` start comments. Understood: source files,
    ``+incdir+A+B``, ``+define+X=1+Y``, ``-I DIR``/``-IDIR``, ``-D X[=V]``/``-DX[=V]``,
    ``-v FILE`` (a library file, read as a source), ``-f FILE`` (nested, paths relative to the
    current directory) and ``-F FILE`` (nested, paths relative to that list's directory). A
    relative path is read from the current directory when it exists there, else from the
    list's directory. ``-y DIR`` / ``-yDIR`` (a library directory) and ``+libext+.sv+.v``
    (the file endings searched there, default ``.sv`` and ``.v``): every module the design
    instantiates and no source defines is looked for as ``DIR/<module><ext>`` (see
    :func:`library_files`) and the file found joins the sources.
    """
    lst = Path(path)
    if not lst.is_file():
        raise InputError(f"the file list {path} does not exist.", file=str(path),
                         hint="Check the path given to -f.")
    base = lst.resolve().parent

    def where(p: str) -> str:
        q = Path(p)
        if q.is_absolute() or (not relative_to_list and q.exists()):
            return str(q)
        return str(base / q)

    words: list[tuple[int, str]] = []
    for n, raw in enumerate(lst.read_text(errors="replace").splitlines(), 1):
        line = re.split(r"(?:^|\s)#", raw.split("//", 1)[0], maxsplit=1)[0]
        words += [(n, w) for w in line.split()]
    sources: list[str] = []
    incs: list[str] = []
    defines: dict[str, str] = {}
    libdirs: list[str] = []
    lib_lines: dict[str, int] = {}
    libext: list[str] = []
    it = iter(words)
    for n, w in it:
        def arg(w: str = w, n: int = n) -> str:
            nxt = next(it, None)
            if nxt is None:
                raise InputError(f"{w} at the end of the file list has no argument.",
                                 file=str(path), line=n)
            return nxt[1]

        if w.startswith("+incdir+"):
            incs += [where(d) for d in w[len("+incdir+"):].split("+") if d]
        elif w.startswith("+define+"):
            for item in w[len("+define+"):].split("+"):
                if item:
                    k, _, v = item.partition("=")
                    defines[k] = v
        elif w in ("-I", "-D", "-v", "-f", "-F", "-y"):
            a = arg()
            if w == "-y":
                libdirs.append(where(a))
                lib_lines.setdefault(libdirs[-1], n)
            elif w == "-I":
                incs.append(where(a))
            elif w == "-D":
                k, _, v = a.partition("=")
                defines[k] = v
            elif w == "-v":
                sources.append(where(a))
            else:
                if depth > 16:
                    raise InputError("file lists nest more than 16 deep.", file=str(path), line=n)
                s2, i2, d2 = read_file_list(where(a) if w == "-f" else str(base / a),
                                            relative_to_list=w == "-F", depth=depth + 1)
                sources += s2
                incs += i2
                defines.update(d2)
        elif w.startswith("-I"):
            incs.append(where(w[2:]))
        elif w.startswith("-D"):
            k, _, v = w[2:].partition("=")
            defines[k] = v
        elif w.startswith("+libext+"):
            libext += [e for e in w[len("+libext+"):].split("+") if e]
        elif w.startswith("-y") and len(w) > 2:
            libdirs.append(where(w[2:]))
            lib_lines.setdefault(libdirs[-1], n)
        elif w.startswith(("+", "-")):
            continue  # simulator options (+timescale+, -sv, --timing, ...) do not name sources
        else:
            sources.append(where(w))
    for d in libdirs:
        if not Path(d).is_dir():
            raise InputError(f"the library directory {d} (-y) does not exist.", file=str(path),
                             line=lib_lines.get(d),
                             hint="Check the path after -y in the file list.")
    if libdirs:  # searched for what this list's sources (nested lists' included) use
        sources += library_files(sources, libdirs, tuple(libext) or LIBEXT,
                                 defines=defines, include_dirs=incs)
    return sources, incs, defines


LIBEXT = (".sv", ".v")


def _declared_and_used(path: str, defines: Mapping[str, str],
                       include_dirs: Sequence[str]) -> tuple[set[str], set[str]]:
    """Names of the modules, interfaces and packages ``path`` declares, and the names of the
    modules/interfaces it instantiates (read with the preprocessor, so `ifdef is followed)."""
    pp = parsing.PreprocessorOptions()
    pp.predefines = [f"{k}={v}" if v != "" else k for k, v in defines.items()]
    pp.additionalIncludePaths = list(include_dirs)
    tree = sx.SyntaxTree.fromFile(path, pyslang.SourceManager(), pyslang.Bag([pp]))
    declared: set[str] = set()
    used: set[str] = set()

    def visit(node: object) -> bool:
        k = getattr(node, "kind", None)
        if k in (sx.SyntaxKind.ModuleDeclaration, sx.SyntaxKind.InterfaceDeclaration,
                 sx.SyntaxKind.PackageDeclaration, sx.SyntaxKind.ProgramDeclaration):
            declared.add(node.header.name.valueText)
        elif k == sx.SyntaxKind.HierarchyInstantiation:
            used.add(node.type.valueText)
        elif k == sx.SyntaxKind.ScopedName:  # pkg::NAME: the package is used too
            left = getattr(node, "left", None)
            text = getattr(getattr(left, "identifier", None), "valueText", "")
            if text:
                used.add(text)
        return True

    tree.root.visit(visit)
    return declared, used


def library_files(sources: Sequence[str], library_dirs: Sequence[str | Path],
                  libext: Sequence[str] = LIBEXT, *, defines: Mapping[str, str] | None = None,
                  include_dirs: Sequence[str | Path] = ()) -> list[str]:
    """The library files (``-y DIR``) the design needs: every module (or package) the
    sources, and the files found so far, use and do not declare, looked for as
    ``DIR/<name><ext>`` in the order of ``library_dirs`` then ``libext``. A name found nowhere
    is left to the elaboration (which names it with file and line)."""
    defines = dict(defines or {})
    incs = [str(i) for i in include_dirs]
    declared: set[str] = set()
    used: set[str] = set()
    seen = {str(Path(f).resolve()) for f in sources}
    todo = [str(f) for f in sources if Path(f).is_file()]
    found: list[str] = []
    looked: set[str] = set()
    while todo:
        for f in todo:
            d, u = _declared_and_used(f, defines, incs)
            declared |= d
            used |= u
        todo = []
        for name in sorted(used - declared - looked):
            looked.add(name)
            for lib in library_dirs:
                hit = next((Path(lib) / f"{name}{e}" for e in libext
                            if (Path(lib) / f"{name}{e}").is_file()), None)
                if hit is not None:
                    if str(hit.resolve()) not in seen:
                        seen.add(str(hit.resolve()))
                        found.append(str(hit))
                        todo.append(str(hit))
                    break
    return found




def _check_files(files: Sequence[str | Path], root: Path) -> list[str]:
    if not files:
        raise InputError("no RTL files were given.",
                         hint="Pass one or more SystemVerilog files, e.g. 'dv inspect fifo.sv'.")
    out: list[str] = []
    for f in files:
        p = Path(f)
        if not p.is_absolute() and not p.exists() and (root / p).exists():
            p = root / p
        if not p.is_file():
            what = "is a directory, not a file" if p.is_dir() else "does not exist"
            raise InputError(
                f"the RTL file {f} {what}.", file=str(f),
                hint=f"Check the path (relative paths are read from {os.getcwd()}).",
            )
        out.append(str(p))
    return out


class _Loader:
    def __init__(self, paths: list[str], root: Path, defines: dict[str, str],
                 include_dirs: list[str]) -> None:
        self.paths = paths
        self.root = root
        self.sm = pyslang.SourceManager()
        self.text = SourceText(self.sm, root)
        self.pp = parsing.PreprocessorOptions()
        self.pp.predefines = [f"{k}={v}" if v != "" else k for k, v in defines.items()]
        self.pp.additionalIncludePaths = include_dirs
        self.engine = pyslang.DiagnosticEngine(self.sm)

    def _bag(self, top: str | None = None, overrides: Sequence[str] = ()) -> pyslang.Bag:
        co = ast.CompilationOptions()
        if top is not None:
            co.topModules = {top}
        co.paramOverrides = list(overrides)
        return pyslang.Bag([self.pp, co])

    def _compile(self, tree: sx.SyntaxTree, top: str | None = None,
                 overrides: Sequence[str] = ()) -> ast.Compilation:
        comp = ast.Compilation(self._bag(top, overrides))
        comp.addSyntaxTree(tree)
        return comp

    def parse(self) -> sx.SyntaxTree:
        tree = sx.SyntaxTree.fromFiles(self.paths, self.sm, self._bag())
        self._raise_errors(tree.diagnostics)
        return tree

    def pick_top(self, tree: sx.SyntaxTree, top: str | None) -> str:
        comp = self._compile(tree)
        modules = sorted({d.name for d in comp.getDefinitions()
                          if isinstance(d, ast.DefinitionSymbol)
                          and d.definitionKind == ast.DefinitionKind.Module})
        if top is not None:
            if top not in modules:
                raise InputError(
                    f"there is no module named {top!r} in the RTL; the modules found are: "
                    f"{', '.join(modules) or 'none'}.",
                    hint="Pass --top with one of these names.",
                )
            return top
        instances = list(comp.getRoot().topInstances)
        tops = [i.name for i in instances]
        if len(tops) == 1:
            return tops[0]
        if not tops:
            raise InputError(
                "the RTL holds no module that could be the top (modules found: "
                f"{', '.join(modules) or 'none'}).",
                hint="Pass the files that define the design, and --top to name its top module.",
            )
        file, line, column = self.text.position(instances[1].location)
        raise InputError(
            f"the RTL has {len(tops)} top-level modules (modules no other module instantiates): "
            f"{', '.join(tops)}; dv cannot tell which one is the design.",
            file=file, line=line, column=column,
            hint=f"Pass --top to name it, e.g. --top {tops[0]}.",
        )

    def elaborate(self, tree: sx.SyntaxTree, top: str,
                  overrides: dict[str, str]) -> ast.Compilation:
        comp = self._compile(tree, top, [f"{k}={v}" for k, v in overrides.items()])
        inst = next((i for i in comp.getRoot().topInstances if i.name == top), None)
        if inst is None:  # slang does not make a top of a module with parameters to be set
            defn = next((d for d in comp.getDefinitions() if d.name == top), None)
            file, line, column = (self.text.position(defn.location) if defn is not None
                                  else (None, None, None))
            raise InputError(
                f"module {top!r} cannot be elaborated as the top as it stands: it has "
                "parameters without a usable default value.", file=file, line=line,
                column=column,
                hint="Give each of them a value with -G NAME=VALUE (the module's parameter "
                     "list says which need one).")
        if overrides:
            self._check_overrides(inst.body, overrides)
        diags = comp.getAllDiagnostics()
        self._raise_errors(diags, overrides=overrides)
        return comp

    def _check_overrides(self, body: ast.InstanceBodySymbol, overrides: dict[str, str]) -> None:
        params = {p.name: p for p in body
                  if isinstance(p, ast.ParameterSymbol | ast.TypeParameterSymbol)}
        settable = [n for n, p in params.items() if not p.isLocalParam]
        file, line, column = self.text.position(body.parentInstance.location) \
            if body.parentInstance is not None else (None, None, None)
        for name in overrides:
            p = params.get(name)
            if p is None:
                raise InputError(
                    f"the override {name}={overrides[name]} names no parameter of module "
                    f"{body.definition.name!r}; its parameters are: "
                    f"{', '.join(settable) or 'none'}.",
                    file=file, line=line, column=column,
                    hint="Check the spelling of the -G/--param name (names are case-sensitive).",
                )
            if p.isLocalParam:
                pf, pl, pc = self.text.position(p.location)
                raise InputError(
                    f"the override {name}={overrides[name]} names a localparam of module "
                    f"{body.definition.name!r}, which cannot be overridden.",
                    file=pf, line=pl, column=pc,
                    hint="Override one of the parameters it is computed from instead: "
                    f"{', '.join(settable) or 'none'}.",
                )

    def _raise_errors(self, diags: pyslang.Diagnostics,
                      overrides: Mapping[str, str] | None = None) -> None:
        """Raise the first error among ``diags`` (warnings are ignored)."""
        errors = [d for d in diags if d.isError()]
        if not errors:
            return
        first = errors[0]
        message = self.engine.formatMessage(first)
        if not message.endswith((".", "?", "!")):
            message += "."
        hint = _HINTS.get(first.code.getSubsystem(), _ELAB_HINT)
        loc = first.location
        file: str | None = None
        line: int | None = None
        column: int | None = None
        if loc.buffer.id != 0 and self.sm.getFileName(loc) not in ("", "<command-line>"):
            file, line, column = self.text.position(loc)
        elif overrides:
            given = ", ".join(f"{k}={v}" for k, v in overrides.items())
            hint = (f"This comes from the parameter overrides ({given}): each value must be a "
                    "constant SystemVerilog expression, e.g. -G DEPTH=16.")
        more = len(errors) - 1
        if more:
            hint += f" ({more} more error{'s' if more > 1 else ''} after this one.)"
        raise InputError(message, file=file, line=line, column=column, hint=hint)


_SYNTAX_HINT = ("This is a syntax error: fix the source at this point (dv reads SystemVerilog "
                "IEEE 1800-2017 with slang).")
_PREPROC_HINT = ("The preprocessor stopped here: check the include directories (-I) and the "
                 "macro definitions (-D) passed to dv.")
_ELAB_HINT = ("The design does not elaborate: fix it so that a simulator would accept it "
              "(dv elaborates with slang, IEEE 1800-2017).")
_HINTS = {
    pyslang.DiagSubsystem.Lexer: _SYNTAX_HINT,
    pyslang.DiagSubsystem.Numeric: _SYNTAX_HINT,
    pyslang.DiagSubsystem.Parser: _SYNTAX_HINT,
    pyslang.DiagSubsystem.Preprocessor: _PREPROC_HINT,
}


# -- interface ports at the top ---------------------------------------------------------------


def _port_decl(direction: str, width: int, signed: bool, name: str, depth: int = 1) -> str:
    rng = f" [{width - 1}:0]" if width > 1 else ""
    mem = f" [{depth}]" if depth > 1 else ""
    return f"{direction} logic{' signed' if signed else ''}{rng} {name}{mem}"


def interface_wrapper(body: ast.InstanceBodySymbol, text: SourceText,
                      overrides: Mapping[str, str]) -> tuple[str, str]:
    """``(SystemVerilog text, module name)`` of a wrapper around the top ``body`` whose
    interface ports become plain ports: for each interface port ``bus`` (with a modport), an
    instance ``bus`` of the interface (its parameters as elaborated, its own ports connected
    to the top's port of the same name or exposed as ``bus_<port>``), and for each signal of
    the modport a port ``bus_<signal>`` (the modport's direction) assigned to or from it. The
    design is instantiated as ``dut`` with ``overrides``. Raises :class:`InputError` naming
    the port, file and line when a port has no modport, an ``inout``/``ref`` signal, or an
    interface array."""
    top = body.definition.name
    name = f"{top}_dv_wrap"
    taken = {m.name for m in body if m.name}
    ports: list[str] = []
    conns: list[str] = []
    inner: list[str] = []
    plain: dict[str, ast.PortSymbol] = {}

    def fresh(base: str) -> str:
        out, i = base, 1
        while out in taken:
            out, i = f"{base}_{i}", i + 1
        taken.add(out)
        return out

    for m in body:
        if isinstance(m, ast.PortSymbol):
            width, depth = infer.unpacked_shape(m.type)
            ports.append(_port_decl(_DIRECTIONS[m.direction], width, m.type.isSigned, m.name,
                                    depth))
            conns.append(f".{m.name}({m.name})")
            plain[m.name] = m
    for m in body:
        if not isinstance(m, ast.InterfacePortSymbol):
            continue
        file, line, column = text.position(m.location)

        def refuse(why: str, m: ast.InterfacePortSymbol = m, file: str | None = file,
                   line: int | None = line, column: int | None = column) -> InputError:
            return InputError(
                f"the top module {top} has the interface port {m.name} ({why}): dv cannot "
                "expose it as plain ports.", file=file, line=line, column=column,
                hint="Write a wrapper module that instantiates the interface and the design "
                     "and exposes the signals as plain ports, and pass it with --top.")

        conn = m.connection
        if not conn or not isinstance(conn, tuple) or len(conn) != 2 or conn[1] is None:
            raise refuse("no modport: the direction of its signals is not declared")
        iinst, modport = conn
        if not isinstance(iinst, ast.InstanceSymbol):
            raise refuse("an array of interfaces")
        ibody = iinst.body
        params = []
        for x in ibody:
            if isinstance(x, ast.ParameterSymbol) and not x.isLocalParam:
                lit = _literal(x.value, x.type.bitWidth, x.type.isSigned)
                if lit is not None:
                    params.append(f".{x.name}({lit})")
        iports = []
        for x in ibody:
            if isinstance(x, ast.PortSymbol):
                if x.name in plain and plain[x.name].direction == ast.ArgumentDirection.In:
                    iports.append(f".{x.name}({x.name})")
                else:
                    w, _d = infer.unpacked_shape(x.type)
                    pn = fresh(f"{m.name}_{x.name}")
                    ports.append(_port_decl(_DIRECTIONS[x.direction], w, x.type.isSigned, pn))
                    iports.append(f".{x.name}({pn})")
        inst_name = fresh(f"{m.name}_if")
        inner.append(f"  {ibody.definition.name}" + (f" #({', '.join(params)})" if params else "")
                     + f" {inst_name} ({', '.join(iports)});")
        for x in modport:
            if not isinstance(x, ast.ModportPortSymbol):
                continue
            if x.direction not in (ast.ArgumentDirection.In, ast.ArgumentDirection.Out):
                raise refuse(f"modport {modport.name} signal {x.name} is "
                             f"{_DIRECTIONS[x.direction]}")
            w, depth = infer.unpacked_shape(x.type)
            pn = fresh(f"{m.name}_{x.name}")
            d = _DIRECTIONS[x.direction]
            ports.append(_port_decl(d, w, x.type.isSigned, pn, depth))
            inner.append(f"  assign {inst_name}.{x.name} = {pn};" if d == "input" else
                         f"  assign {pn} = {inst_name}.{x.name};")
        conns.append(f".{m.name}({inst_name}.{modport.name})")
    params = ", ".join(f".{k}({v})" for k, v in overrides.items())
    lines = [f"// Generated by dv (dv/design/frontend.py): {top} with its interface port(s) as",
             "// plain ports, so that a testbench can drive and read them. Do not edit.",
             f"module {name} (", ",\n".join(f"  {p}" for p in ports), ");", *inner,
             f"  {top}" + (f" #({params})" if params else "") + f" dut ({', '.join(conns)});",
             "endmodule", ""]
    return "\n".join(lines), name


# -- named constants (for formal targets) ----------------------------------------------------


def _literal(value: object, width: int, signed: bool) -> str | None:
    """A sized SV literal for an elaborated constant, None when it is not a known integer."""
    v = getattr(value, "value", value)
    if not isinstance(v, pyslang.SVInt) or v.hasUnknown:
        return None
    n = int(v)
    w = max(int(width or v.bitWidth or 32), 1)
    if n < 0:
        return f"(-{w}'sd{-n})"
    return f"{w}'{'s' if signed else ''}d{n}"


def _constants_of(sym: ast.Symbol, out: dict[str, str], qualify: str = "") -> None:
    """Add ``sym``'s name and value to ``out`` when it is an enum literal or a parameter."""
    if sym.kind == ast.SymbolKind.TransparentMember:
        sym = sym.wrapped
    lit = None
    if isinstance(sym, ast.EnumValueSymbol):
        lit = _literal(sym.value, sym.type.bitWidth, sym.type.isSigned)
    elif isinstance(sym, ast.ParameterSymbol):
        try:
            lit = _literal(sym.value, sym.type.bitWidth, sym.type.isSigned)
        except Exception:  # noqa: BLE001 - a parameter without an integer value is left out
            lit = None
    if lit is not None and sym.name:
        out.setdefault(f"{qualify}{sym.name}", lit)


def named_constants(top: ast.InstanceBodySymbol, comp: ast.Compilation
                    ) -> dict[str, dict[str, str]]:
    """The named constants a statement of each instance may read, as sized SV literals:
    ``{instance path ("" for the top): {name: literal}}``. For every instance: enum literals
    declared in it or imported from a package (wildcard or explicit), package parameters it
    imports; below the top also its own parameters (the top's stay parameters: the formal
    lowering reads them). ``"pkg::NAME"`` entries of every package sit under ``"::"``. Formal
    targets built from coverage holes substitute these, so a condition such as
    ``state == FILL`` or ``count == DEPTH - 1`` reads as plain bit-vector logic."""
    out: dict[str, dict[str, str]] = {}
    qualified: dict[str, str] = {}
    for pkg in comp.getPackages():
        if pkg.name == "std":
            continue
        for m in pkg:
            _constants_of(m, qualified, f"{pkg.name}::")
    if qualified:
        out["::"] = qualified

    def scope(body: ast.Symbol, path: str, own_params: bool, consts: dict[str, str]) -> None:
        local: set[str] = set()
        for m in body:
            if isinstance(m, ast.WildcardImportSymbol) and m.package is not None:
                imported: dict[str, str] = {}
                for x in m.package:
                    _constants_of(x, imported)
                for k, v in imported.items():
                    consts.setdefault(k, v)
            elif isinstance(m, ast.ExplicitImportSymbol) and m.importedSymbol is not None:
                _constants_of(m.importedSymbol, consts)
            elif m.kind == ast.SymbolKind.TransparentMember or (
                    own_params and isinstance(m, ast.ParameterSymbol)):
                _constants_of(m, consts)
            elif m.name:
                local.add(m.name)
            if isinstance(m, ast.InstanceSymbol) and m.isModule:
                sub = f"{path}.{m.name}" if path else m.name
                child: dict[str, str] = {}
                scope(m.body, sub, True, child)
                out[sub] = child
            elif isinstance(m, ast.GenerateBlockSymbol) and not m.isUninstantiated:
                name = m.name or m.externalName
                scope(m, f"{path}.{name}" if path else name, own_params, dict(consts))
            elif isinstance(m, ast.GenerateBlockArraySymbol):
                for blk in m:
                    if isinstance(blk, ast.GenerateBlockSymbol) and not blk.isUninstantiated:
                        name = f"{m.name or m.externalName}[{blk.arrayIndex}]"
                        scope(blk, f"{path}.{name}" if path else name, own_params,
                              dict(consts))
        for name in local:  # a local declaration hides an imported name
            if name in consts and not name.startswith("::"):
                consts.pop(name, None)

    top_consts: dict[str, str] = {}
    scope(top, "", False, top_consts)
    out[""] = top_consts
    return {k: v for k, v in out.items() if v}


# -- describing the top ----------------------------------------------------------------------


def _unpacked_dims(t: ast.Type) -> str:
    """A memory's unpacked dimensions as declared, ``[0:15]`` or ``[7:0][0:3]``."""
    out = ""
    t = t.canonicalType
    while t.isUnpackedArray and t.hasFixedRange:
        r = t.fixedRange
        out += f"[{r.left}:{r.right}]"
        t = t.arrayElementType.canonicalType
    return out


def _value(p: ast.Symbol) -> int | str:
    if isinstance(p, ast.TypeParameterSymbol):
        return str(p.targetType.type)
    value = p.value.value
    if isinstance(value, pyslang.SVInt):
        return str(value) if value.hasUnknown else int(value)
    if isinstance(value, str):
        return value
    return str(p.value)


def _describe(body: ast.InstanceBodySymbol, text: SourceText, paths: list[str],
              root: Path) -> Design:
    def line(sym: ast.Symbol) -> int:
        return text.position(sym.location)[1]

    design = Design(top=body.definition.name, files=[relative_path(p, root) for p in paths])
    variables: dict[str, ast.Symbol] = {}
    decls: list[ast.Symbol] = []
    for m in body:
        if isinstance(m, ast.ParameterSymbol | ast.TypeParameterSymbol):
            design.parameters.append(
                Parameter(m.name, _value(m), overridable=not m.isLocalParam, line=line(m)))
        elif isinstance(m, ast.PortSymbol):
            width, depth = infer.unpacked_shape(m.type)
            design.ports.append(Port(m.name, _DIRECTIONS[m.direction], width * depth,
                                     signed=m.type.isSigned, line=line(m), depth=depth))
        elif isinstance(m, ast.InterfacePortSymbol):
            design.interface_ports.append(Port(m.name, "inout", 0, line=line(m)))
        elif isinstance(m, ast.VariableSymbol | ast.NetSymbol) and m.kind in (
                ast.SymbolKind.Variable, ast.SymbolKind.Net):
            decls.append(m)
            if m.kind == ast.SymbolKind.Variable:
                variables[m.name] = m
    line_of = {m.name: line(m) for m in decls}
    for p in design.ports:
        line_of.setdefault(p.name, p.line)

    ports = infer.input_port_widths(body)

    def where(node: object) -> str:
        file, ln, _col = text.position(getattr(node, "location", None)
                                       or node.sourceRange.start)  # type: ignore[attr-defined]
        return f"{file}:{ln}"

    ctx = infer.Context(ports, infer.Resolver(body, ports), where)
    infos = [infer.analyse_process(p, ctx) for p in infer.processes(body)]
    clocks, resets = infer.timing(body, infos, ctx=ctx)
    # a clock or reset the testbench can drive (a port) first: Design.clock/.reset pick it
    port_names = {p.name for p in design.ports}
    design.clocks = sorted(clocks, key=lambda c: c.name not in port_names)
    design.resets = sorted(resets, key=lambda r: r.name not in port_names)
    design.registers = infer.registers(infos, line_of)
    registered = {r.name for r in design.registers}
    seen: set[str] = set()
    for m in decls:
        if m.name in seen:
            continue
        seen.add(m.name)
        width, depth = infer.unpacked_shape(m.type)
        if m.name in port_names:
            kind = "port"
        elif m.type.isUnpackedArray:
            kind = "memory"
        elif m.name in registered:
            kind = "reg"
        else:
            kind = "wire"
        design.signals.append(Signal(m.name, width, kind, line=line_of[m.name], depth=depth,
                                     signed=m.type.isSigned,
                                     dims=_unpacked_dims(m.type) if kind == "memory" else ""))
    design.fsms = infer.fsms(infos, variables, line_of)

    builder = SourceMapBuilder(text)
    builder.add_body(body)
    design.source_map = builder.source_map(design.files)
    return design
