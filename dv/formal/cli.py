"""``dv prove``: the click command (registered by ``dv/cli.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from dv.errors import ToolError, VerificationFailure
from dv.formal import MODES

if TYPE_CHECKING:  # the engine (z3, pyslang) is imported when the command runs, not by `dv`
    from dv.formal.prove import PropertyResult, ProveRun

console = Console(highlight=False)
if not console.is_terminal:  # CI logs: do not squeeze the table into 80 columns
    console = Console(highlight=False, width=140)


def _kv(pairs: tuple[str, ...], what: str, bare: bool = False) -> dict[str, str]:
    out = {}
    for item in pairs:
        name, eq, value = item.partition("=")
        if (not eq and not bare) or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint=what)
        out[name.strip()] = value.strip()
    return out


_STYLE = {"proven": "green", "holds": "yellow", "refuted": "bold red", "covered": "green",
          "unreachable": "magenta", "not_reached": "yellow", "unknown": "red",
          "unsupported": "red", "skipped": "dim"}


def _progress(kind: str, data: object) -> None:
    if kind == "model-start":
        console.print(f"  Yosys: reading {data} and writing the SMT2 model …")
        from dv.yosys_warm import FIRST_RUN_NOTE, yosys_compiled
        if not yosys_compiled():
            console.print(f"  Yosys: {FIRST_RUN_NOTE}")
    elif kind == "model-done":
        m = data
        what = "cached model" if m.cached else "model written"  # type: ignore[attr-defined]
        console.print(f"  {what}: {m.path}  "  # type: ignore[attr-defined]
                      f"({len(m.asserts())} asserts, {len(m.covers())} covers, "  # type: ignore[attr-defined]
                      f"{len(m.assumes())} assumes)")  # type: ignore[attr-defined]
    elif kind == "result":
        r: PropertyResult = data  # type: ignore[assignment]
        style = _STYLE.get(r.status, "")
        console.print(f"    [{style}]{r.verdict}[/{style}]  {r.prop.name} ({r.seconds:.2f} s)")
    elif kind == "replay-start":
        console.print(f"  replaying {data} trace(s) on Verilator …")
    elif kind == "replay":
        r = data  # type: ignore[assignment]
        if r.replay is not None and r.replay.status == "disagreement":
            console.print(f"    [bold red]ENGINE DISAGREEMENT[/bold red] {r.prop.name}: "
                          f"solver says {r.verdict}, simulation: {r.replay.message}")


_REPLAY = {"confirmed": "[green]reproduced[/green]", "blocked": "blocked",
           "inconclusive": "[yellow]inconclusive[/yellow]",
           "disagreement": "[bold red]DISAGREES[/bold red]", "error": "[red]error[/red]",
           "not_built": "[yellow]not built[/yellow]"}
SHOW_INSTANCES = 8  # a statement with more instances lists only those not at its best verdict


def _styled(status: str, text: str) -> str:
    style = _STYLE.get(status, "")
    return f"[{style}]{text}[/{style}]" if style else text


def print_run(run: ProveRun) -> None:
    sts = run.statements
    n_inst = len(run.results)
    title = (f"dv prove {run.design.top} (depth {run.options.depth}, mode {run.options.mode}, "
             f"{run.frame}: {run.init_reason})")
    t = Table("property", "kind", "verdict", "time", "location", "replay", title=title,
              caption=f"{len(sts)} statement(s), {n_inst} elaborated check(s)")
    for st in sts:
        single = len(st.members) == 1
        r0 = st.worst
        replay = ""
        if single and r0.replay is not None:
            replay = _REPLAY.get(r0.replay.status, r0.replay.status)
        secs = sum(r.seconds for r in st.members)
        t.add_row(st.name if single else f"{st.name} ({len(st.members)} instances)",
                  st.kind, _styled(st.status, st.verdict), f"{secs:.2f} s", st.location,
                  replay)
        if single:
            continue
        best = max(r.rank for r in st.members)
        shown = st.members if len(st.members) <= SHOW_INSTANCES else \
            [r for r in st.members if r.rank < best]
        for r in shown:
            rp = _REPLAY.get(r.replay.status, r.replay.status) if r.replay else ""
            t.add_row(f"  {r.prop.name}", "", _styled(r.status, r.verdict),
                      f"{r.seconds:.2f} s", "", rp)
        if len(shown) < len(st.members):
            top = max(st.members, key=lambda r: r.rank)
            t.add_row(f"  … {len(st.members) - len(shown)} more", "",
                      _styled(top.status, f"each {top.verdict}"), "", "", "")
    console.print(t)
    for r in run.results:
        if r.status in ("unsupported", "unknown") and r.detail:
            console.print(f"  {r.prop.name}: {r.detail}")
        if r.status == "holds" and r.detail:
            console.print(f"  {r.prop.name}: {r.detail} (add a strengthening invariant, or "
                          "raise --depth)")
        if r.replay is not None and r.replay.status == "not_built":
            console.print(f"  {r.prop.name}: {r.replay.message}")
    for n in run.notes:
        console.print(f"  note: {n}")
    if run.assumptions:  # a verdict under an assumption must say so
        console.print(f"  [bold]assumed[/bold]: every verdict above holds only under "
                      f"{len(run.assumptions)} assumption(s): " + ", ".join(
                          f"{a.label or a.name} ({a.location})" for a in run.assumptions))
    for r in run.results:
        if r.vcd:
            console.print(f"  trace {r.prop.name}: {r.vcd}")
    if run.outcome == "inconclusive":
        console.print("[yellow]inconclusive[/yellow]: nothing was refuted, but nothing was "
                      "proven either (unknown, or holds only to a bound)")
    console.print(f"report: {run.formal_dir / 'formal.json'}   junit: "
                  f"{run.formal_dir / 'formal-junit.xml'}")


@click.command("prove")
@click.option("--rtl", "rtl", multiple=True, required=True, type=click.Path(),
              help="SystemVerilog source file (repeat for several).")
@click.option("--top", default=None, help="Top module (needed when there are several).")
@click.option("-D", "--define", "defines", multiple=True, metavar="NAME[=VALUE]",
              help="Preprocessor define.")
@click.option("-I", "--include", "includes", multiple=True, type=click.Path(),
              help="Include directory.")
@click.option("-G", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Override a top-level parameter.")
@click.option("--props", "props", multiple=True, type=click.Path(),
              help="SystemVerilog file with properties (a module bound into or wrapping "
                   "the design); "
                   "repeat for several.")
@click.option("--spec", type=click.Path(), default=None,
              help="Markdown spec whose sva blocks are proven too.")
@click.option("--depth", default=20, show_default=True, type=click.IntRange(1, 10000),
              help="BMC depth in steps (clock cycles), also the largest induction k.")
@click.option("--mode", type=click.Choice(MODES), default="all", show_default=True,
              help="bmc: asserts by BMC; prove: BMC + k-induction; cover: covers only; "
                   "all: prove + cover.")
@click.option("--timeout", default=60.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Time limit of one property's check, in seconds.")
@click.option("--out", default=".", show_default=True, type=click.Path(),
              help="Where coverage/<top>/formal and build/ go.")
@click.option("--jobs", "-j", default=None, type=click.IntRange(1, 256),
              help="Checks in parallel (default: the core count).")
@click.option("--no-replay", is_flag=True, help="Do not replay traces in simulation.")
@click.option("-U", "--undefine", "undefines", multiple=True, metavar="NAME",
              help="Undefine a macro (-U SYNTHESIS: Yosys' front end defines SYNTHESIS, which "
                   "compiles out checks behind `ifndef SYNTHESIS).")
@click.option("--init", "init", type=click.Choice(["auto", "reset", "initial", "any"]),
              default="auto", show_default=True,
              help="Where BMC starts: reset (initial values, reset held asserted in step 0), "
                   "initial (initial values only, as SymbiYosys), any (an arbitrary state). "
                   "auto: reset when a reset is inferred, else initial.")
@click.option("--allow-inconclusive", is_flag=True,
              help="Exit 0 when every verdict is inconclusive (unknown, holds to depth N, not "
                   "reached); the default exits 1.")
@click.option("--protocols", is_flag=True,
              help="Also check the protocol rules of the design's standard interfaces (as "
                   "`dv inspect` lists them): on its outputs as assertions, on its inputs as "
                   "assumptions (every verdict then holds under them).")
@click.option("--interface", "interfaces", multiple=True, metavar="LINE",
              help="With --protocols: correct the recognition ('none', 'no NAME', or 'NAME = "
                   "PROTOCOL role=port ...'); the spec's interfaces block is read too.")
@click.option("--no-reset-init", is_flag=True, hidden=True,
              help="The same as --init initial (older option).")
def prove_command(rtl, top, defines, includes, params, props, spec, depth, mode, timeout, out,
                  jobs, no_replay, undefines, init, allow_inconclusive, protocols, interfaces,
                  no_reset_init):
    """Prove, refute or cover the design's properties with Yosys and Z3."""
    from dv.files import check_writable_dir
    from dv.formal.prove import ProveOptions, run_prove

    check_writable_dir(Path(out))  # an uncreatable --out is bad input (exit 2), not a crash
    if no_reset_init and init == "auto":
        init = "initial"
    opts = ProveOptions(depth=depth, mode=mode, timeout=timeout, jobs=jobs, out=Path(out),
                        replay=not no_replay, init=init,
                        allow_inconclusive=allow_inconclusive, root=Path.cwd(),
                        protocols=protocols, interfaces=tuple(interfaces))
    if interfaces and not protocols:
        raise click.UsageError("--interface only matters with --protocols.")
    run = run_prove(list(rtl), top=top, defines=_kv(defines, "-D", bare=True),
                    includes=list(includes), params=_kv(params, "-G"), props=list(props),
                    undefines=list(undefines),
                    spec=spec, options=opts, progress=_progress)
    print_run(run)
    finish(run)


def finish(run: ProveRun) -> None:
    """Raise the error that gives the run's exit code: 1 when any instance is refuted, or when
    every verdict is inconclusive (unless allowed); 3 on an engine disagreement."""
    dis = run.disagreements
    dis_text = ""
    if dis:
        dis_text = (f" ENGINE DISAGREEMENT on {', '.join(r.prop.name for r in dis)}: "
                    "simulation did not reproduce the solver's trace (see formal.json).")
    if run.refuted:
        names = ", ".join(f"{r.prop.name} ({r.verdict})" for r in run.refuted)
        raise VerificationFailure(f"{len(run.refuted)} propert"
                                  f"{'y' if len(run.refuted) == 1 else 'ies'} refuted: {names}."
                                  + dis_text,
                                  hint=f"Counterexamples: {run.formal_dir / 'traces'}.")
    if dis:
        raise ToolError(dis_text.strip(), hint=f"See {run.formal_dir / 'formal.json'}.")
    if run.outcome == "inconclusive" and not run.options.allow_inconclusive:
        raise VerificationFailure(
            f"inconclusive: none of the {len(run.results)} check(s) was refuted, proven, "
            "covered or proven unreachable.",
            hint="Raise --depth or --timeout, add strengthening invariants, or pass "
                 "--allow-inconclusive to accept bounded results.")
