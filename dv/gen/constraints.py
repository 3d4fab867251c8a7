"""Stimulus constraints: what the driver must never drive (failure class 5 of issue 10).

Library RTL checks its own inputs: a FIFO asserts that it is never popped while empty. Random
stimulus breaks such rules at once, the design's assertion fires, and every test fails for a
reason that is the testbench's, not the design's. Two sources of constraints fix that:

- **Assumptions** (``assume property`` / immediate ``assume`` in the top module, and the spec's
  ``assume property`` statements): from round 0 on, the driver keeps each of them true.
- **Learned constraints**: a test that fails on an assertion of the top module whose condition
  reads at least one data input (after continuous assignments are followed back, so
  ``wire deq = yumi_i`` reads ``yumi_i``) and otherwise only signals the testbench can read
  becomes a constraint of the following rounds: the driver keeps that condition true. It is
  recorded in ``closure.json`` (``learned_constraints``, status "learned, unconfirmed") and
  shown in ``summary.md`` for a human to confirm; the tests that failed on it stay failures,
  attributed to "illegal stimulus (learned constraint)". If the same assertion fires again
  while its constraint is applied, the stimulus was legal under it: that failure is the
  design's, and the constraint is marked as not explaining it. An assertion that reads no data
  input (state only), or that cannot be read as a per-cycle condition, is never learned: it
  stays a design failure.

A constraint is a boolean over the cycle's inputs and the design's state. It is evaluated in
the generated testbench (``legalize`` in :mod:`dv.gen.tb_runtime`) at the falling edge where the
driver applies the cycle's inputs: the state signals are read from the DUT at that edge (the
values the next rising edge samples, with the new inputs). The expression travels as a small
JSON tree (no code: the testbench interprets it), built here from slang's elaborated AST with
the design's widths, parameters and generate choices resolved.

How the driver repairs a violating cycle (forcing, not resampling): it changes the fewest of
the constraint's free inputs (not reset, clock, ``--hold`` or configuration inputs), one at a
time in random order: a 1-bit input flipped, a wider one set to 0, all ones or a random value;
failing that, all of them to 0. The first change that makes every constraint hold is kept.
When none does, the cycle is driven as chosen and counted as unsatisfiable (the assertion may
then fire: with no legal input in that state it is not the stimulus's fault).

Supported conditions: immediate ``assert``/``assume`` in processes of the top module (their
enclosing ``if``/``case`` conditions fold in as guards), and concurrent properties that are a
boolean or ``a |-> b`` over booleans (``disable iff`` on the reset is dropped: the driver does
not constrain reset cycles). Booleans may use the usual operators, selects with constant
indices, concatenation and replication, and parameters. Anything else (history such as
``$past``, ``|=>``, sequences, function calls, memories, hierarchical names) is not a per-cycle
constraint: an assumption is then recorded as "not applied", an assertion as not learnable.
"""

from __future__ import annotations

import json
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dv.design.model import Design

LEARNED_STATUS = "learned, unconfirmed"
ILLEGAL_CAUSE = "illegal stimulus (learned constraint)"
STATS_FILE = "dv_constraints.json"  # written by the testbench in the run directory
STATS_LIMIT = 1 << 20

_ASSERT_MSG = re.compile(r"%Error: (?P<file>[^\s:]+):(?P<line>\d+): Assertion failed in "
                         r"(?P<scope>[\w.$\[\]]+)")


class NotAConstraint(Exception):
    """The condition cannot be a per-cycle stimulus constraint (the message says why)."""


@dataclass
class Check:
    """An assertion or assumption written in the top module."""

    file: str
    line: int
    kind: str  # assert | assume
    text: str  # the statement as written (one line)
    sv: str = ""  # the per-cycle condition, SV text (guards folded in)
    expr: list | None = None  # JSON tree of the condition; None: not a per-cycle constraint
    inputs: tuple[str, ...] = ()  # data inputs it reads (after following wires)
    reads: tuple[str, ...] = ()  # state signals it reads
    why_not: str = ""
    end_line: int = 0  # the statement's last line (a simulator may name any of its lines)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Constraint:
    id: str
    origin: str  # "spec" | "design" (assumptions) | "learned" (from a design assertion)
    source: str  # "file:line statement"
    sv: str
    expr: list | None
    inputs: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    round: int | None = None  # learned in this round (applied from the next)
    status: str = ""
    reason: str = ""  # assumptions not applied: why
    tests: list[str] = field(default_factory=list)  # failing tests attributed to it
    fixed: int = 0  # cycles the driver changed an input to keep it true
    unsatisfiable: int = 0  # cycles no such change existed
    check: Check | None = field(default=None, repr=False)

    @property
    def applied(self) -> bool:
        return self.expr is not None and bool(self.inputs)

    def runtime(self) -> dict:
        return {"id": self.id, "text": self.sv, "expr": self.expr, "inputs": list(self.inputs)}

    def to_json(self) -> dict:
        out: dict[str, Any] = {"id": self.id, "from": self.source, "constraint": self.sv,
                               "status": self.status}
        if self.origin == "learned":
            out["round"] = self.round
        else:
            out["origin"] = self.origin
        if self.reason:
            out["reason"] = self.reason
        out.update({"inputs": list(self.inputs), "reads": list(self.reads),
                    "tests": list(self.tests),
                    "driver": {"cycles_fixed": self.fixed,
                               "cycles_unsatisfiable": self.unsatisfiable}})
        return out


class StimulusConstraints:
    """The run's constraints: assumptions (always applied) and those learned round by round."""

    def __init__(self, design: Design, checks: list[Check], assumptions: list[Constraint],
                 learn: bool = True, notes: list[str] | None = None) -> None:
        self.design = design
        self.checks = checks
        self.assumptions = assumptions
        self.learned: list[Constraint] = []
        self.learn = learn
        self.notes = list(notes or [])

    # -- building --------------------------------------------------------------------------

    @classmethod
    def of(cls, design: Design, spec: Any, root: Path, learn: bool = True
           ) -> StimulusConstraints:
        """Read the top module's checks and the spec's assumptions. Never raises on odd RTL:
        what cannot be read is a note, and the run goes on without it."""
        notes: list[str] = []
        checks: list[Check] = []
        try:
            checks = design_checks(design, root)
        except Exception as exc:  # third-party RTL: a reading failure is a note, not a crash
            notes.append(f"design assertions not read as stimulus constraints: {exc}")
        assumptions: list[Constraint] = []
        for chk in checks:
            if chk.kind != "assume":
                continue
            assumptions.append(_assumption(f"a{len(assumptions) + 1}", "design", chk))
        for prop in (spec.properties if spec is not None else []):
            if prop.kind != "assume":
                continue
            where = f"{getattr(spec, 'path', 'spec')}:{prop.line}"
            try:
                chk = spec_check(prop.text, design, root, where)
            except Exception as exc:  # e.g. a construct slang rejects: the spec check says so
                chk = Check(where.rsplit(":", 1)[0], prop.line, "assume", _one_line(prop.text),
                            why_not=f"not read: {exc}")
            assumptions.append(_assumption(f"a{len(assumptions) + 1}", "spec", chk))
        return cls(design, checks, assumptions, learn, notes)

    def active(self) -> list[Constraint]:
        return [c for c in self.assumptions + self.learned if c.applied and
                not c.status.startswith("withdrawn")]

    def attach(self, tests: list) -> None:
        """Every test plan of a round carries the constraints in force (so a rerun of the
        committed testbench drives the same way)."""
        rt = [c.runtime() for c in self.active()]
        for t in tests:
            if rt:
                t.plan["constraints"] = rt
            else:
                t.plan.pop("constraints", None)

    # -- after a round ---------------------------------------------------------------------

    def add_stats(self, entry: dict, run_dir: Path) -> None:
        """The driver's counts of one test (``dv_constraints.json``, written by testbench
        code, so read as untrusted: bounded, a regular file, integers only)."""
        path = run_dir / STATS_FILE
        try:
            st = path.lstat()
            if not stat.S_ISREG(st.st_mode) or st.st_size > STATS_LIMIT:
                return
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return
        if not isinstance(data, dict):
            return
        by_id = {c.id: c for c in self.assumptions + self.learned}
        counts = {}
        for cid, d in data.items():
            c = by_id.get(cid)
            if c is None or not isinstance(d, dict):
                continue
            fixed, unsat = d.get("fixed"), d.get("unsatisfiable")
            if not (isinstance(fixed, int) and isinstance(unsat, int)) or fixed < 0 or unsat < 0:
                continue
            c.fixed += fixed
            c.unsatisfiable += unsat
            counts[cid] = {"fixed": fixed, "unsatisfiable": unsat}
        if counts:
            entry["constraints"] = counts

    def judge(self, tests: list[dict], plans: dict[str, dict], rnd: int) -> list[Constraint]:
        """Attribute each failed test that names an assertion of the top module: illegal
        stimulus (a constraint learned now), or the design's (state only, not a per-cycle
        condition, or it fired again with its constraint applied). Returns the constraints
        learned in this round. Test entries keep their status: only ``cause`` is added."""
        new: list[Constraint] = []
        for t in tests:
            if t["status"] == "passed":
                continue
            found = list(_ASSERT_MSG.finditer(str(t.get("message", ""))))
            hits = [h for h in (self._check_at(m.group("file"), int(m.group("line")))
                                for m in found) if h is not None]
            if not hits:
                rtl = [m for m in found if any(_same_file(f, m.group("file"))
                                               for f in self.design.files)]
                if rtl:
                    t["cause"] = (f"design assertion at {rtl[0].group('file')}:"
                                  f"{rtl[0].group('line')} (not in the top module's own "
                                  "processes: not read as a stimulus constraint)")
                continue
            chk = hits[0]
            applied = {c["id"] for c in plans.get(t["name"], {}).get("constraints", [])}
            known = next((c for c in self.learned if c.check is chk), None)
            if chk.expr is None or not chk.inputs:
                why = chk.why_not or "it reads no data input: no stimulus can be illegal for it"
                t["cause"] = f"design assertion at {chk.where} (not a stimulus constraint: {why})"
                continue
            if known is not None and known.id in applied:
                t["cause"] = (f"design assertion at {chk.where}: it fired with learned "
                              f"constraint {known.id} applied (stimulus legal under it)")
                known.status = "did not prevent the failure: the assertion fired with it " \
                               "applied (a design failure, or the constraint is not enough)"
                continue
            if not self.learn:
                t["cause"] = (f"design assertion at {chk.where} (a stimulus constraint could "
                              "be learned from it; learning is off: --no-learn)")
                continue
            if known is None:
                known = Constraint(f"l{len(self.learned) + 1}", "learned",
                                   f"{chk.where} {chk.text}", chk.sv, chk.expr, chk.inputs,
                                   chk.reads, rnd, LEARNED_STATUS, check=chk)
                self.learned.append(known)
                new.append(known)
            known.tests.append(t["name"])
            t["cause"] = ILLEGAL_CAUSE
            t["constraint"] = known.id
        return new

    def unapplied(self, reason: str) -> None:
        """The run ended before a learned constraint could be applied."""
        for c in self.learned:
            if c.status == LEARNED_STATUS and c.round is not None and c.fixed == 0 and \
                    c.unsatisfiable == 0:
                c.status = f"{LEARNED_STATUS} (not applied: {reason})"

    def _check_at(self, file: str, line: int) -> Check | None:
        for chk in self.checks:
            if chk.line <= line <= max(chk.line, chk.end_line) and _same_file(chk.file, file):
                return chk
        return None

    def to_json(self) -> dict:
        return {"assumptions": [c.to_json() for c in self.assumptions],
                "learned_constraints": [c.to_json() for c in self.learned],
                "constraint_notes": list(self.notes)}


def _assumption(cid: str, origin: str, chk: Check) -> Constraint:
    c = Constraint(cid, origin, f"{chk.where} {chk.text}", chk.sv or chk.text, chk.expr,
                   chk.inputs, chk.reads, status="applied by the driver", check=chk)
    if chk.expr is None:
        c.status, c.reason = "not applied by the driver", chk.why_not
    elif not chk.inputs:
        c.status = "not applied by the driver"
        c.reason = "it reads no data input (nothing the stimulus could change)"
    return c


_EVAL: dict = {}


def evaluate(node: list, values: dict) -> int:
    """A constraint tree's value, by the testbench's own evaluator (``cx`` in
    :mod:`dv.gen.tb_runtime`, read from its source: one definition, no copy to drift)."""
    if not _EVAL:
        import importlib.resources

        text = importlib.resources.files("dv.gen").joinpath("tb_runtime.py").read_text()
        start = text.index("def _sx(")
        end = text.index("# -- end of the constraint evaluator --")
        exec(compile(text[start:end], "tb_runtime.py", "exec"), _EVAL)  # dv's own code
    return _EVAL["cx"](node, values.get)


def _has_signal(node) -> bool:
    if not isinstance(node, list) or not node:
        return False
    if node[0] == "s":
        return True
    return any(_has_signal(x) for x in node[2:] if isinstance(x, list))


def fold(node: list) -> list:
    """A tree that reads no signal, as its constant."""
    if node[0] == "k" or _has_signal(node):
        return node
    try:
        return ["k", node[1], evaluate(node, {})]
    except (ValueError, KeyError, TypeError, IndexError):
        return node


def _same_file(a: str, b: str) -> bool:
    pa, pb = Path(a).parts, Path(b).parts
    n = min(len(pa), len(pb))
    return n > 0 and pa[-n:] == pb[-n:]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def failure_is_illegal_stimulus(entry: dict) -> bool:
    return entry.get("cause") == ILLEGAL_CAUSE


# -- reading the RTL ---------------------------------------------------------------------------

def _compile(design: Design, root: Path, extra: str | None = None):
    import pyslang
    from pyslang import ast, parsing
    from pyslang import syntax as sx

    sm = pyslang.SourceManager()
    pp = parsing.PreprocessorOptions()
    pp.predefines = [f"{k}={v}" if v != "" else k for k, v in design.defines.items()]
    pp.additionalIncludePaths = [str((root / d) if not Path(d).is_absolute() else d)
                                 for d in design.include_dirs]
    co = ast.CompilationOptions()
    co.topModules = {design.top}
    co.paramOverrides = [f"{k}={v}" for k, v in design.overrides.items()]
    bag = pyslang.Bag([pp, co])
    paths = [str(root / f) if not Path(f).is_absolute() else f for f in design.files]
    tree = sx.SyntaxTree.fromFiles(paths, sm, bag)
    comp = ast.Compilation(bag)
    comp.addSyntaxTree(tree)
    inst = next((i for i in comp.getRoot().topInstances if i.name == design.top), None)
    if inst is None:
        raise NotAConstraint(f"the top {design.top} did not elaborate")
    return comp, sm, inst


def _rel(sm, loc, root: Path) -> tuple[str, int]:
    name = sm.getFullPath(loc.buffer) if hasattr(sm, "getFullPath") else sm.getFileName(loc)
    path = Path(str(name) or sm.getFileName(loc))
    try:
        shown = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = str(path)
    return shown, sm.getLineNumber(loc)


def _scan(body) -> tuple[dict[str, Any], list]:
    """The top's continuously assigned wires (name -> driving expression) and its processes,
    generate blocks that were taken included."""
    from pyslang import ast

    wires: dict[str, Any] = {}
    procs: list = []

    def scan(scope) -> None:
        for m in scope:
            if isinstance(m, ast.NetSymbol) and m.initializer is not None:
                wires.setdefault(m.name, m.initializer)
            elif isinstance(m, ast.ContinuousAssignSymbol):
                a = m.assignment
                left = getattr(a, "left", None)
                sym = getattr(left, "symbol", None) if left is not None else None
                if left is not None and left.kind == ast.ExpressionKind.NamedValue and sym:
                    wires.setdefault(sym.name, a.right)
            elif isinstance(m, ast.GenerateBlockSymbol) and not m.isUninstantiated:
                scan(m)
            elif isinstance(m, ast.ProceduralBlockSymbol):
                procs.append(m)

    scan(body)
    return wires, procs


def design_checks(design: Design, root: Path) -> list[Check]:
    """The assertions and assumptions written in the top module (its processes, generate
    blocks taken, and concurrent statements), each with its per-cycle condition when it has
    one."""
    from pyslang import ast

    comp, sm, inst = _compile(design, root)
    wires, procs = _scan(inst.body)
    conv = _Converter(design, wires, comp)
    out: list[Check] = []
    for proc in procs:
        if proc.procedureKind in (ast.ProceduralBlockKind.Initial, ast.ProceduralBlockKind.Final):
            continue  # checked once, not every cycle
        for stmt, guards in _assertions(proc.body, ()):
            file, line = _rel(sm, stmt.sourceRange.start, root)
            text = _one_line(_source(sm, stmt))
            kind = "assume" if stmt.assertionKind == ast.AssertionKind.Assume else (
                "assert" if stmt.assertionKind == ast.AssertionKind.Assert else "")
            if not kind:
                continue
            chk = Check(file, line, kind, _short(text),
                        end_line=_rel(sm, stmt.sourceRange.end, root)[1])
            try:
                if isinstance(stmt, ast.ImmediateAssertionStatement):
                    cond, sv = conv.tree(stmt.cond), _source(sm, stmt.cond)
                else:
                    cond, sv = conv.property(stmt.propertySpec, sm)
                if guards is None:
                    raise NotAConstraint("it sits under a case or loop whose condition dv "
                                         "does not read")
                parts = [(conv.tree(g), _source(sm, g), neg) for g, neg in guards]
                chk.expr, chk.sv = _guarded(parts, cond, sv, conv)
                chk.expr = fold(chk.expr)
                chk.inputs, chk.reads = conv.leaves(chk.expr)
            except NotAConstraint as exc:
                chk.expr, chk.why_not = None, str(exc)
            out.append(chk)
    return out


def spec_check(text: str, design: Design, root: Path, where: str) -> Check:
    """A spec ``assume property`` as a per-cycle condition over the design's signals (wires
    of the top module followed back to what drives them)."""
    from pyslang import ast

    comp, sm, inst = _compile(design, root)
    wires, _procs = _scan(inst.body)
    # the statement is read in a module that declares the top's signals and parameters
    import pyslang
    from pyslang import syntax as sx

    decls = []
    for s in design.signals:
        if s.kind == "memory" or s.depth > 1:
            continue
        rng = f"[{max(s.width, 1) - 1}:0] " if s.width > 1 else ""
        decls.append(f"  logic {'signed ' if s.signed else ''}{rng}{s.name};")
    params = [f"  localparam {p.name} = {p.value};" for p in design.parameters
              if isinstance(p.value, int)]
    body = text.strip()
    wrapper = ("module __dv_assume;\n" + "\n".join(decls + params) + "\n" + body
               + ("" if body.endswith(";") else ";") + "\nendmodule\n")
    sm2 = pyslang.SourceManager()
    tree = sx.SyntaxTree.fromText(wrapper, sm2, "spec.sv")
    comp2 = ast.Compilation()
    comp2.addSyntaxTree(tree)
    winst = comp2.getRoot().topInstances[0]
    errors = [d for d in comp2.getAllDiagnostics() if d.isError()]
    file, _, line = where.rpartition(":")
    chk = Check(file, int(line) if line.isdigit() else 0, "assume", _short(_one_line(text)))
    if errors:
        chk.why_not = "the statement does not elaborate against the design's signals"
        return chk
    conv = _Converter(design, wires, comp)
    for m in winst.body:
        if isinstance(m, ast.ProceduralBlockSymbol):
            for stmt, _guards in _assertions(m.body, ()):
                try:
                    if isinstance(stmt, ast.ImmediateAssertionStatement):
                        cond, sv = conv.tree(stmt.cond), _source(sm2, stmt.cond)
                    else:
                        cond, sv = conv.property(stmt.propertySpec, sm2)
                    chk.expr, chk.sv = cond, sv
                    chk.inputs, chk.reads = conv.leaves(cond)
                except NotAConstraint as exc:
                    chk.why_not = str(exc)
                return chk
    chk.why_not = "no assume statement found"
    return chk


def _short(text: str, n: int = 200) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def _source(sm, node) -> str:
    r = node.sourceRange
    try:
        buf = sm.getSourceText(r.start.buffer)
        return _one_line(buf[r.start.offset:r.end.offset])
    except Exception:
        return str(node)


def _assertions(stmt, guards: tuple):
    """(assertion statement, guards) for each assertion inside a process body; a guard is
    (condition expression, negated)."""
    from pyslang import ast

    if stmt is None:
        return
    k = stmt.kind
    S = ast.StatementKind
    if k in (S.ImmediateAssertion, S.ConcurrentAssertion):
        yield stmt, guards
    elif k == S.Timed:
        yield from _assertions(stmt.stmt, guards)
    elif k == S.Block:
        yield from _assertions(stmt.body, guards)
    elif k == S.List:
        for s in stmt.list:
            yield from _assertions(s, guards)
    elif k == S.Conditional:
        conds = list(stmt.conditions)
        if len(conds) != 1 or conds[0].pattern is not None:
            yield from _poisoned(stmt)
            return
        c = conds[0].expr
        yield from _assertions(stmt.ifTrue, guards + ((c, False),))
        if stmt.ifFalse is not None:
            yield from _assertions(stmt.ifFalse, guards + ((c, True),))
    else:  # case, loops, ...: an assertion under them has a guard we do not read
        yield from _poisoned(stmt)


def _poisoned(stmt):
    """Assertions under a construct whose guard is not read: reported, never learned."""
    from pyslang import ast

    found: list = []

    def visit(node) -> bool:
        if getattr(node, "kind", None) in (ast.StatementKind.ImmediateAssertion,
                                           ast.StatementKind.ConcurrentAssertion):
            found.append(node)
        return True

    try:
        stmt.visit(visit)
    except Exception:
        return
    for s in found:
        yield s, None


def _guarded(parts: list, cond: list, sv: str, conv: _Converter) -> tuple[list, str]:
    """``guards -> cond`` as a tree and as SV text (guards on the reset only drop out)."""
    g_nodes, g_text = [], []
    for node, text, neg in parts:
        value = conv.constant_value(node)
        if value is not None and bool(value) != neg:
            continue  # always taken outside reset cycles (e.g. ``if (~reset_i)``)
        if value is not None:
            return ["k", 1, 1], "1"  # never checked outside reset
        g_nodes.append(["u", 1, "!", node] if neg else node)
        g_text.append(f"!({text})" if neg else f"({text})")
    if not g_nodes:
        return cond, sv
    guard = g_nodes[0]
    for n in g_nodes[1:]:
        guard = ["b", 1, "&&", guard, n, 0]
    return ["b", 1, "||", ["u", 1, "!", guard], cond, 0], \
        f"{' && '.join(g_text)} |-> ({sv})"


_BIN = {"Add": "+", "Subtract": "-", "Multiply": "*", "Divide": "/", "Mod": "%",
        "BinaryAnd": "&", "BinaryOr": "|", "BinaryXor": "^", "BinaryXnor": "~^",
        "Equality": "==", "Inequality": "!=", "CaseEquality": "==", "CaseInequality": "!=",
        "WildcardEquality": "==", "WildcardInequality": "!=",
        "GreaterThan": ">", "GreaterThanEqual": ">=", "LessThan": "<", "LessThanEqual": "<=",
        "LogicalAnd": "&&", "LogicalOr": "||", "LogicalImplication": "->",
        "LogicalEquivalence": "<->", "LogicalShiftLeft": "<<", "LogicalShiftRight": ">>",
        "ArithmeticShiftLeft": "<<", "ArithmeticShiftRight": ">>>"}
_UN = {"BitwiseNot": "~", "LogicalNot": "!", "Minus": "-", "Plus": "+", "BitwiseAnd": "&r",
       "BitwiseOr": "|r", "BitwiseXor": "^r", "BitwiseNand": "~&r", "BitwiseNor": "~|r",
       "BitwiseXnor": "~^r"}
MAX_DEPTH = 12  # wires followed back through at most this many assignments


class _Converter:
    """slang expression -> JSON tree the testbench evaluates (see tb_runtime ``cx``)."""

    def __init__(self, design: Design, wires: dict, comp) -> None:
        self.design = design
        self.wires = wires
        self.comp = comp
        self.inputs = {p.name for p in design.data_inputs() if p.depth == 1}
        self.array_inputs = {p.name for p in design.data_inputs() if p.depth > 1}
        self.resets = {r.name: r.asserted_value for r in design.resets}
        self.clocks = {c.name for c in design.clocks}
        self.signals = {s.name: s for s in design.signals}
        self.ports = {p.name: p for p in design.ports}
        self.following: list[str] = []

    def leaves(self, node: list) -> tuple[tuple[str, ...], tuple[str, ...]]:
        names: list[str] = []

        def walk(n) -> None:
            if n[0] == "s":
                if n[2] not in names:
                    names.append(n[2])
            elif n[0] != "k":
                for x in n[2:]:
                    if isinstance(x, list):
                        if x and isinstance(x[0], list):
                            for y in x:
                                walk(y)
                        elif x and isinstance(x[0], str):
                            walk(x)

        walk(node)
        return (tuple(n for n in names if n in self.inputs),
                tuple(n for n in names if n not in self.inputs))

    def constant_value(self, node: list) -> int | None:
        node = fold(node)
        return node[2] if node[0] == "k" else None

    def property(self, spec, sm) -> tuple[list, str]:
        from pyslang import ast

        x = spec
        if x.kind == ast.AssertionExprKind.Clocking:
            x = x.expr
        disable, dis_text = None, ""
        if x.kind == ast.AssertionExprKind.DisableIff:
            disable = self.tree(x.condition)  # the reset reads as inactive: drops out
            dis_text = _source(sm, x.condition)
            x = x.expr
        body, text = self._body(x, sm)
        if disable is None or fold(disable) == ["k", disable[1], 0]:
            return body, text
        return ["b", 1, "||", disable, body, 0], f"({dis_text}) || ({text})"

    def _body(self, x, sm) -> tuple[list, str]:
        from pyslang import ast

        if x.kind == ast.AssertionExprKind.Simple:
            if x.repetition is not None:
                raise NotAConstraint("a repetition is not a per-cycle condition")
            return self.tree(x.expr), _source(sm, x.expr)
        if x.kind == ast.AssertionExprKind.Binary and \
                x.op == ast.BinaryAssertionOperator.OverlappedImplication:
            a, b = x.left, x.right
            if a.kind != ast.AssertionExprKind.Simple or b.kind != ast.AssertionExprKind.Simple \
                    or a.repetition is not None or b.repetition is not None:
                raise NotAConstraint("an implication between sequences is not a per-cycle "
                                     "condition (only 'a |-> b' over booleans is)")
            ta, tb = self.tree(a.expr), self.tree(b.expr)
            return (["b", 1, "||", ["u", 1, "!", ta], tb, 0],
                    f"({_source(sm, a.expr)}) |-> ({_source(sm, b.expr)})")
        raise NotAConstraint("only a boolean or 'a |-> b' over booleans is a per-cycle "
                             "condition ('|=>', delays and sequences reach into other cycles)")

    def _const(self, e) -> int | None:
        import pyslang

        cv = e.constant
        if cv is not None and isinstance(cv.value, pyslang.SVInt) and not cv.value.hasUnknown:
            return int(cv.value)
        return None

    def tree(self, e) -> list:
        from pyslang import ast

        w = max(int(e.type.bitWidth or 1), 1) if e.type.isIntegral else 0
        if not e.type.isIntegral:
            raise NotAConstraint(f"a value of type {e.type} is not supported")
        k = self._const(e)
        if k is not None:
            return ["k", w, k & ((1 << w) - 1)]
        K = ast.ExpressionKind
        kind = e.kind
        if kind in (K.IntegerLiteral, K.UnbasedUnsizedIntegerLiteral):
            v = e.value if kind == K.IntegerLiteral else getattr(e, "literalValue", None)
            try:
                if v is not None and not v.hasUnknown:
                    return ["k", w, int(v) & ((1 << w) - 1)]
            except (AttributeError, TypeError, ValueError):
                pass
            raise NotAConstraint("a literal with x or z bits is not supported")
        if kind == K.NamedValue:
            return self.name(e, w)
        if kind == K.UnaryOp:
            op = _UN.get(e.op.name)
            if op is None:
                raise NotAConstraint(f"the operator {e.op.name} is not supported")
            return ["u", w, op, self.tree(e.operand)]
        if kind == K.BinaryOp:
            op = _BIN.get(e.op.name)
            if op is None:
                raise NotAConstraint(f"the operator {e.op.name} is not supported")
            signed = int(bool(e.left.type.isSigned and e.right.type.isSigned))
            return ["b", w, op, self.tree(e.left), self.tree(e.right), signed]
        if kind == K.ConditionalOp:
            conds = list(e.conditions)
            if len(conds) != 1 or conds[0].pattern is not None:
                raise NotAConstraint("a conditional with a pattern is not supported")
            return ["?", w, self.tree(conds[0].expr), self.tree(e.left), self.tree(e.right)]
        if kind == K.Concatenation:
            return ["{", w, [self.tree(o) for o in e.operands if o.type.bitWidth]]
        if kind == K.Replication:
            n = self._const(e.count)
            if n is None:
                raise NotAConstraint("a replication count that is not constant")
            part = self.tree(e.concat)
            return ["{", w, [part] * n]
        if kind == K.Conversion:
            op = e.operand
            return ["x", w, self.tree(op), int(bool(op.type.isSigned))]
        if kind == K.ElementSelect:
            idx = self._const(e.selector)
            if idx is None:
                raise NotAConstraint("a bit select with a variable index is not supported")
            return ["[", w, self.tree(e.value), idx - self._low(e.value)]
        if kind == K.RangeSelect:
            left, right = self._const(e.left), self._const(e.right)
            if left is None or right is None:
                raise NotAConstraint("a part select with a variable bound is not supported")
            sk = e.selectionKind.name
            if sk == "Simple":
                lo = min(left, right)
            elif sk == "IndexedUp":
                lo = left
            else:
                lo = left - right + 1
            return ["[", w, self.tree(e.value), lo - self._low(e.value)]
        raise NotAConstraint(f"the expression kind {kind.name} is not supported")

    def _low(self, value) -> int:
        t = value.type
        try:
            rng = t.getFixedRange() if hasattr(t, "getFixedRange") else t.fixedRange
            return min(rng.left, rng.right)
        except Exception:
            return 0

    def name(self, e, w: int) -> list:
        from pyslang import ast

        sym = e.symbol
        name = sym.name
        if sym.kind == ast.SymbolKind.Parameter:
            raise NotAConstraint(f"the parameter {name} has no integer value")
        if name in self.clocks:
            raise NotAConstraint(f"it reads the clock {name}")
        if name in self.resets:
            inactive = 1 - self.resets[name]
            return ["k", w, inactive & ((1 << w) - 1)]
        if name in self.array_inputs:
            raise NotAConstraint(f"it reads the unpacked-array input {name}")
        if name in self.inputs:
            return ["s", w, name]
        if name in self.wires and name not in self.following:
            if len(self.following) >= MAX_DEPTH:
                raise NotAConstraint(f"the wire {name} is driven through too many assignments")
            self.following.append(name)
            try:
                rhs = self.tree(self.wires[name])
            finally:
                self.following.pop()
            return ["x", w, rhs, 0] if rhs[1] != w else rhs
        s = self.signals.get(name)
        port = self.ports.get(name)
        if (s is None or s.kind == "memory" or s.depth > 1) and port is None:
            raise NotAConstraint(f"it reads {name}, which is not a signal of the top module "
                                 "the testbench can read")
        return ["s", w, name]


MAX_RECHECKS = 4


def recheck_tests(entries: list[dict], previous: list, rnd: int) -> list:
    """The tests of the last round that failed on illegal stimulus, again under the constraint
    learned from them (new names; the same plan), so the next round shows whether it helps."""
    import copy

    from dv.gen.base import TestPlan

    plans = {t.name: t for t in previous}
    out = []
    for e in entries:
        if len(out) >= MAX_RECHECKS:
            break
        if not failure_is_illegal_stimulus(e) or e["name"] not in plans:
            continue
        old = plans[e["name"]]
        plan = copy.deepcopy(old.plan)
        plan.pop("constraints", None)
        base = re.sub(r"^r\d+_", "", old.name)
        out.append(TestPlan(f"r{rnd}_legal_{base}", plan,
                            f"{old.name} again (it failed on illegal stimulus) under learned "
                            f"constraint {e.get('constraint')}", generator="dv"))
    return out

