"""The ``dv`` command line."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from dv import __version__
from dv.errors import EXIT_INPUT, DvError, VerificationFailure
from dv.gen.llm import generator_options, llm_cli_options
from dv.redact import redact

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def _kv(pairs: tuple[str, ...], what: str) -> dict[str, str]:
    out = {}
    for item in pairs:
        name, eq, value = item.partition("=")
        if not eq or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint=what)
        out[name.strip()] = value.strip()
    return out


_DESIGN_EXTRA = ("file_lists", "clock", "resets", "holds", "interfaces", "library_dirs")


def _design_options(command):
    # options that only _load reads travel in the click context, not through every command
    @functools.wraps(command)
    def wrapper(*args, **kw):
        click.get_current_context().meta["dv.design"] = {k: kw.pop(k) for k in _DESIGN_EXTRA}
        return command(*args, **kw)

    f = wrapper
    f = click.option("--rtl", "rtl", multiple=True, type=click.Path(),
                     help="SystemVerilog source file (repeat for several).")(f)
    f = click.option("-f", "--file-list", "file_lists", multiple=True, type=click.Path(),
                     help="Simulator file list: sources, +incdir+, +define+, -I, -D, -v, -y, "
                     "+libext+, -f.")(f)
    f = click.option("-y", "--library-dir", "library_dirs", multiple=True, type=click.Path(),
                     help="Library directory: a module the sources use and do not define is "
                     "read from DIR/<module>.sv or .v (repeat for several).")(f)
    f = click.option("--clock", default=None, metavar="NAME",
                     help="The clock input, when inference picks the wrong one.")(f)
    f = click.option("--reset", "resets", multiple=True, metavar="NAME[:low|high]",
                     help="A reset input (repeat for several; replaces the inferred resets; "
                     "'none' for no reset).")(f)
    f = click.option("--hold", "holds", multiple=True, metavar="NAME=VALUE",
                     help="Hold an input at VALUE in every test (a configuration input).")(f)
    f = click.option("--interface", "interfaces", multiple=True, metavar="LINE",
                     help="Correct interface recognition: 'none', 'no NAME', or 'NAME = "
                     "PROTOCOL role=port ...' (repeat; after the spec's interfaces block).")(f)
    f = click.option("--top", default=None, help="Top module (needed when there are several).")(f)
    f = click.option("-D", "--define", "defines", multiple=True, metavar="NAME[=VALUE]",
                     help="Preprocessor define (NAME alone defines it empty).")(f)
    f = click.option("-I", "--include", "includes", multiple=True, type=click.Path(),
                     help="Include directory.")(f)
    f = click.option("-G", "--param", "params", multiple=True, metavar="NAME=VALUE",
                     help="Override a top-level parameter.")(f)
    return f


def _load(rtl, top, defines, includes, params):
    from dv.design.frontend import load_design, read_file_list

    extra = click.get_current_context().meta.get("dv.design", {})
    files, incs, defs = list(rtl), list(includes), {}
    for fl in extra.get("file_lists") or ():
        s, i, d = read_file_list(fl)
        files, incs = files + s, incs + i
        defs.update(d)
    if not files:
        raise click.UsageError("no RTL given: pass --rtl FILE (repeat for several) or -f LIST.")
    defs.update({k: v for k, v in (d.partition("=")[::2] for d in defines)})
    if any(not k for k in defs):
        raise click.BadParameter("expected NAME or NAME=VALUE", param_hint="-D")
    libdirs = list(extra.get("library_dirs") or ())
    if libdirs:
        from dv.design.frontend import library_files

        for d in libdirs:
            if not Path(d).is_dir():
                raise click.BadParameter(f"{d} is not a directory", param_hint="-y")
        files += library_files(files, libdirs, defines=defs, include_dirs=incs)
    # a top with interface ports is wrapped: its modports' signals become plain ports
    design = load_design(files, top=top, defines=defs, include_dirs=incs,
                         overrides=_kv(params, "-G"), root=Path.cwd(),
                         clock=extra.get("clock"), resets=list(extra.get("resets") or ()),
                         wrap_dir=Path("build") / "dv_wrappers")
    holds = _kv(tuple(extra.get("holds") or ()), "--hold")
    if holds:
        from dv.design.roles import apply_holds

        apply_holds(design, holds)
    _attach_interfaces(design, None)
    return design


def _attach_interfaces(design, spec) -> None:
    """Standard interfaces: recognised, then corrected by the spec and --interface."""
    from dv.design import attach_interfaces

    extra = click.get_current_context().meta.get("dv.design", {})
    attach_interfaces(design, spec, tuple(extra.get("interfaces") or ()))


@click.group()
@click.version_option(__version__, prog_name="dv")
def cli() -> None:
    """dv: generate testbenches, close coverage and prove properties for SystemVerilog designs."""


@cli.command()
@_design_options
@click.option("--json", "as_json", is_flag=True, help="Print the design model as JSON.")
@click.option("--protocol-props", "protocol_props", type=click.Path(dir_okay=False),
              default=None, help="Also write the recognised interfaces' protocol rules "
              "(assertions and assumptions) as a props file for dv prove --props.")
def inspect(rtl, top, defines, includes, params, as_json, protocol_props):
    """Print what dv understood of a design: ports, parameters, clocks, resets, FSMs,
    standard interfaces."""
    design = _load(rtl, top, defines, includes, params)
    if protocol_props:
        _write_protocol_props(design, Path(protocol_props))
    if as_json:
        from dv.design.frontend import design_to_json

        data = design_to_json(design)
        data["interfaces"] = [i.to_json() for i in design.interfaces or []]
        click.echo(json.dumps(data, indent=1))
        return
    console.print(f"[bold]{design.top}[/bold]  ({', '.join(design.files)})")
    t = Table("port", "dir", "width", "signed", "stimulus role", title="Ports")
    special = {c.name: "clock" for c in design.clocks} | {r.name: "reset" for r in design.resets}
    for p in design.ports:
        width = f"{p.width // p.depth}x{p.depth}" if p.depth > 1 else str(p.width)
        role = special.get(p.name, p.role)
        if p.name in design.held:
            role += f" (held at {design.held[p.name]})"
        if p.role_evidence and p.name not in special:
            role += ": " + "; ".join(p.role_evidence)
        t.add_row(p.name, p.direction, width, "yes" if p.signed else "", role)
    console.print(t)
    if design.parameters:
        t = Table("parameter", "value", "kind", title="Parameters")
        for p in design.parameters:
            t.add_row(p.name, str(p.value), "parameter" if p.overridable else "localparam")
        console.print(t)
    for p in design.interface_ports:
        console.print(f"interface port  {p.name} (line {p.line}): dv cannot drive it; "
                      "wrap the design to expose its signals as plain ports")
    if not design.clocks:
        console.print("clock  none: combinational, driven with a settle delay "
                      "(--clock NAME if it has one)")
    for c in design.clocks:
        console.print(f"clock  {c.name} ({c.edge}) — {c.confidence}")
        for e in c.evidence:
            console.print(f"         · {e}")
    for r in design.resets:
        console.print(f"reset  {r.name} (active {'low' if r.active_low else 'high'}, "
                      f"{'async' if r.asynchronous else 'sync'}) — {r.confidence}")
        for e in r.evidence:
            console.print(f"         · {e}")
    if design.clocks and not design.resets:
        console.print("reset  none found (--reset NAME[:low|high] if it has one)")
    if design.registers:
        console.print("registers  " + ", ".join(
            f"{r.name}[{r.width}]" + (f"x{r.depth}" if r.depth > 1 else "")
            for r in design.registers))
    for f in design.fsms:
        states = ", ".join(f"{s.name}={s.value}" for s in f.states)
        console.print(f"fsm  {f.state_var}: {states}")
    _print_interfaces(design)


def _write_protocol_props(design, path: Path) -> None:
    from dv.files import write_atomic
    from dv.gen.harness import props_module
    from dv.protocols import ORIGIN, protocol_properties

    props = protocol_properties(design, simulation=False)
    text = (f"// Protocol rules of {design.top}'s standard interfaces, written by dv inspect "
            f"--protocol-props: check them with dv prove --props {path.name}.\n"
            + props_module(design, props, ORIGIN))
    write_atomic(path, text)
    err_console.print(f"protocol rules: {len(props)} written to {path}")


def _print_interfaces(design) -> None:
    from dv.protocols import rules_for

    if not design.interfaces:
        console.print("interfaces  none recognised (--interface 'NAME = PROTOCOL role=port ...' "
                      "to declare one)")
        return
    rules = rules_for(design)
    for itf in design.interfaces:
        n = [r for r in rules if r.interface == itf.name]
        checks = (f"{sum(r.kind == 'assert' for r in n)} assertion(s), "
                  f"{sum(r.kind == 'assume' for r in n)} assumption(s)") if n else "no rules"
        console.print(f"interface  {itf.name}: {itf.protocol}, the design is the "
                      f"{itf.direction} — {checks}")
        console.print("         · " + ", ".join(f"{r}={p}" for r, p in itf.signals))
        for e in itf.evidence:
            console.print(f"         · {e}")
    from dv.protocols.transport import transport_pairs

    for pair in transport_pairs(design):  # offered, not assumed: the spec turns them on
        fields = ", ".join(pair["in"]["fields"])
        console.print(f"transport  {pair['name']} ({fields}): in_order_delivery offered — turn "
                      "it on with a line 'checks: \\[in_order_delivery]' in the spec")


@cli.command()
@_design_options
@click.option("--spec", type=click.Path(), default=None, help="Markdown spec of the design.")
@click.option("--model", default="builtin", show_default=True,
              help="Generator: 'builtin' (offline) or a litellm model string.")
@click.option("--rounds", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option("--goal", default=95.0, show_default=True, type=click.FloatRange(0, 100),
              help="Coverage goal in percent, on each of the --goal-on kinds.")
@click.option("--goal-on", default="line,branch,toggle", show_default=True,
              help="Coverage kinds the goal applies to (comma-separated).")
@click.option("--time-budget", default=None, type=click.FloatRange(min=1),
              help="Stop starting new rounds after this many seconds.")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--out", default=".", show_default=True, type=click.Path(),
              help="Where testbenches/<top>, coverage/<top> and build/ go.")
@click.option("--jobs", "-j", default=None, type=click.IntRange(1, 256),
              help="Simulations in parallel (default: the core count).")
@click.option("--test-timeout", default=300.0, show_default=True, type=float,
              help="Wall-clock limit of one simulation, in seconds.")
@click.option("--formal/--no-formal", default=True, show_default=True,
              help="Search the holes simulation left (and the waived points) with Z3.")
@click.option("--formal-budget", default="25%", show_default=True, metavar="SECONDS|PCT%",
              help="Time for the formal pass on the holes: seconds, or a percentage of "
                   "--time-budget (without one, of the rounds' time, so that formal is that "
                   "share of the run). Holes not searched in it stay open, with that reason.")
@click.option("--sandbox/--no-sandbox", "sandbox", default=None,
              help="Run the simulations in the OS sandbox (bubblewrap). Default: on when a "
                   "model writes code, off for the built-in generator. --no-sandbox runs model "
                   "code unconfined (warned on every run, recorded in closure.json).")
@click.option("--learn/--no-learn", default=True, show_default=True,
              help="Learn a stimulus constraint from a design assertion that the stimulus "
                   "fired (recorded unconfirmed in closure.json and summary.md); --no-learn: "
                   "such failures are the design's.")
@llm_cli_options()
def generate(rtl, top, defines, includes, params, spec, model, rounds, goal, goal_on,
             time_budget, seed, out, jobs, test_timeout, formal, formal_budget, sandbox,
             learn, **llm):
    """Generate a testbench, simulate it, and iterate on coverage holes."""
    from dv.design.spec import parse_spec
    from dv.gen.base import get_generator
    from dv.loop import ClosureOptions, run_closure

    f_secs, f_frac = _formal_budget(formal_budget)
    kinds = tuple(k.strip() for k in goal_on.split(",") if k.strip())
    known = {"line", "branch", "expr", "toggle", "user", "fsm_state", "fsm_arc"}
    bad = [k for k in kinds if k not in known]
    if bad or not kinds:
        raise click.BadParameter(f"unknown coverage kind(s) {bad}; use some of {sorted(known)}",
                                 param_hint="--goal-on")
    from dv.sim.sandbox import sandbox_policy

    sandbox_policy(model != "builtin", sandbox)  # refuse before any model is asked anything
    options = {} if model == "builtin" else generator_options(out=out, root=Path.cwd(), **llm)
    generator = get_generator(model, **options)
    design = _load(rtl, top, defines, includes, params)
    spec_obj = parse_spec(spec) if spec else None
    _attach_interfaces(design, spec_obj)
    opts = ClosureOptions(rounds=rounds, goal=goal, goal_kinds=kinds, time_budget=time_budget,
                          seed=seed, out=Path(out), parallel=jobs, test_timeout=test_timeout,
                          root=Path.cwd(), formal=formal, sandbox=sandbox, learn=learn,
                          formal_budget=f_secs, formal_fraction=f_frac)
    console.print(f"dv {__version__}: [bold]{design.top}[/bold] with the {generator.name} "
                  f"generator, goal {goal:g}% on {', '.join(kinds)}, up to {rounds} rounds")
    run = run_closure(design, spec_obj, generator, opts, progress=_progress)
    _print_summary(run)
    if run.failed_tests():
        illegal = sum(1 for t in run.failed_tests() if t.get("cause", "").startswith("illegal"))
        raise VerificationFailure(
            f"{len(run.failed_tests())} test(s) failed"
            + (f" ({illegal} on illegal stimulus: confirm the learned constraint(s) in "
               "summary.md by writing them into the spec as assumptions)" if illegal else "")
            + f"; see coverage/{design.top}/summary.md and the logs it names.")


def _formal_budget(text: str) -> tuple[float | None, float]:
    """``--formal-budget``: ``(seconds, None-fraction)`` or ``(None, fraction)``."""
    t = text.strip()
    try:
        if t.endswith("%"):
            pct = float(t[:-1])
            if 0 < pct < 100:
                return None, pct / 100
        elif float(t) > 0:
            return float(t), 0.25
    except ValueError:
        pass
    raise click.BadParameter(f"{text!r}: give seconds (e.g. 60) or a percentage between 0 and "
                             "100 (e.g. 25%)", param_hint="--formal-budget")


def _progress(kind: str, data: object) -> None:
    if kind == "build-start":
        console.print("  building the model with Verilator (coverage, assertions) …")
    elif kind == "build-done":
        b = data
        what = "reused cached build" if b.cached else f"built in {b.seconds:.1f} s"
        console.print(f"  {what}: {b.build_dir}")
    elif kind == "test":
        r = data
        mark = {"passed": "[green]pass[/green]", "failed": "[red]FAIL[/red]"}.get(
            r.status, f"[red]{r.status.upper()}[/red]")
        console.print(f"    {mark} {r.job.name} ({r.seconds:.1f} s)"
                      + (f" — {redact(r.message.splitlines()[0][:160])}" if r.message else ""))
    elif kind == "sandbox":
        state = data
        if state.get("model_code") and not state.get("enabled"):
            err_console.print(f"[yellow]warning:[/yellow] {state.get('reason')}: what the model "
                              "wrote runs with your network, files and environment.",
                              soft_wrap=True)
    elif kind == "formal-start":
        console.print(f"  Z3: searching {data} hole(s) simulation left …")
        from dv.yosys_warm import FIRST_RUN_NOTE, yosys_compiled

        if not yosys_compiled():
            console.print(f"  Yosys: {FIRST_RUN_NOTE}")
    elif kind == "kept":
        console.print(f"  [yellow]kept:[/yellow] {data}", soft_wrap=True)
    elif kind == "formal-done":
        counts: dict[str, int] = {}
        for v in data:
            counts[v.status] = counts.get(v.status, 0) + 1
        console.print("  Z3: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    elif kind == "round":
        r = data
        figs = "  ".join(f"{k} {v['percent']:.1f}%" for k, v in r.summary.items()
                         if v["total"] > 0)
        how = f" ({r.strategy})" if getattr(r, "strategy", "") else ""
        console.print(f"  round {r.index}{how}: {figs}  (+{r.new_points} points, "
                      f"{r.open_holes} open)")
        fallback = (getattr(r, "llm", None) or {}).get("fallback")
        if fallback:
            console.print(f"  [yellow]round {r.index} made by the built-in generator:[/yellow] "
                          f"{redact(fallback)}", soft_wrap=True)


def _print_summary(run) -> None:
    from dv.report.closure import kind_label, percent_text

    t = Table("kind", "hit", "total", "waived", "%", title=f"Coverage of {run.design.top}")
    for kind, s in run.coverage.summary(run.waivers).items():
        if s.total == 0 and s.waived == 0:
            continue
        t.add_row(kind_label(kind), str(s.hit), str(s.total), str(s.waived),
                  percent_text(s.hit, s.total, s.percent))
    tot = run.coverage.total(run.waivers)
    t.add_row("total", str(tot.hit), str(tot.total), str(tot.waived),
              percent_text(tot.hit, tot.total, tot.percent), style="bold")
    console.print(t)
    console.print(f"stopped: {run.stop_reason}")
    secs = run.seconds
    budget = secs.get("formal_budget")
    console.print(f"time: {secs.get('total', 0):.1f} s — build {secs.get('build', 0):.1f} s, "
                  f"simulation {secs.get('simulation', 0):.1f} s, generation "
                  f"{secs.get('generation', 0):.1f} s, formal {secs.get('formal', 0):.1f} s"
                  + (f" (budget {budget:.0f} s)" if budget else ""))
    console.print(f"testbench: {run.tb_dir}   report: {run.cov_dir / 'summary.md'}")


@cli.command()
@click.argument("testbenches", nargs=-1, type=click.Path(), metavar="[TB_DIR]...")
@click.option("--extra-seeds", default=0, show_default=True, type=click.IntRange(0, 100000),
              help="Also run every test with N fresh random seeds (recorded in the results).")
@click.option("--tolerance", default=0.0, show_default=True, type=click.FloatRange(0, 100),
              metavar="PCT", help="Allowed drop per coverage kind, in percentage points.")
@click.option("--update-baseline", is_flag=True,
              help="Record this run as coverage/<top>/baseline.json (the only way one is "
                   "written): accepts coverage and behaviour changes.")
@click.option("--golden", is_flag=True,
              help="Compare each recorded seed's outputs per cycle with the baseline's trace.")
@click.option("--junit", default=None, type=click.Path(), metavar="FILE",
              help="Also write the JUnit XML here.")
@click.option("--summary", default=None, type=click.Path(), metavar="FILE",
              help="Also write the Markdown summary here (e.g. $GITHUB_STEP_SUMMARY).")
@click.option("--jobs", "-j", default=None, type=click.IntRange(1, 256),
              help="Simulations in parallel (default: the core count; Dask: local workers).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Where simulations run: this machine's process pool, or "
                                      "Dask (a LocalCluster, or --scheduler).")
@click.option("--scheduler", default=None, metavar="ADDR",
              help="A running Dask scheduler (tcp://host:8786); implies --executor dask.")
@click.option("--dask-local", default=None, type=click.IntRange(1, 256), metavar="N",
              help="Start a Dask LocalCluster of N worker processes (--executor dask -j N).")
@click.option("--test", "tests", multiple=True, metavar="NAME",
              help="Run only this test (repeat for several): a reproduce run, coverage is not "
                   "compared.")
@click.option("--seed", default=None, type=int,
              help="Run the tests with this seed instead of the recorded one (reproduce a "
                   "fresh-seed failure).")
@click.option("--out", default=None, type=click.Path(),
              help="Where regress.json, junit.xml, summary.md, <top>/coverage.info and the "
                   "runs go (default: build/regress).")
@click.option("--build-root", default=None, type=click.Path(), envvar="DV_BUILD_ROOT",
              help="Where the models are built (default: build/).")
@click.option("--test-timeout", default=300.0, show_default=True, type=float,
              help="Wall-clock limit of one simulation, in seconds.")
@click.option("--sandbox/--no-sandbox", "sandbox", default=None,
              help="Run the tests in the OS sandbox. Default: on for a testbench a model wrote.")
def regress(testbenches, extra_seeds, tolerance, update_baseline, golden, junit, summary, jobs,
            executor, scheduler, dask_local, tests, seed, out, build_root, test_timeout,
            sandbox):
    """Rerun committed testbenches and compare with their baselines (exit 1 on a regression).

    Without TB_DIR, every testbenches/<top>/dv.toml under the current directory. Each design is
    built once; every test runs with its recorded seed (plus --extra-seeds fresh ones); tests
    that newly fail, coverage points newly missed, per-kind drops beyond --tolerance and, with
    --golden, changed outputs are regressions.
    """
    from dv.regress import RegressOptions, run_regression

    if dask_local:
        executor, jobs = "dask", dask_local
    if scheduler:
        executor = "dask"
    opts = RegressOptions(
        tb_dirs=[Path(t) for t in testbenches], project=Path.cwd(),
        out=Path(out) if out else None, build_root=Path(build_root) if build_root else None,
        extra_seeds=extra_seeds, tolerance=tolerance, update_baseline=update_baseline,
        golden=golden, tests=tuple(tests), seed=seed, junit=Path(junit) if junit else None,
        summary=Path(summary) if summary else None, parallel=jobs, executor=executor,
        scheduler=scheduler, test_timeout=test_timeout, sandbox=sandbox)
    outcome = run_regression(opts, progress=_regress_progress)
    _print_regress(outcome)
    if outcome.regressed:
        bad = [d["top"] for d in outcome.record["designs"] if d["regressed"]]
        raise VerificationFailure(f"regression in {', '.join(bad)}: see "
                                  f"{outcome.out / 'summary.md'}.")


def _regress_progress(kind: str, data: object) -> None:
    if kind == "build-done":
        top, b = data
        what = "cached" if b.cached else f"built in {b.seconds:.1f} s"
        console.print(f"  {top}: model {what} ({b.key[:12]})")
    elif kind == "executor":
        console.print(f"  running on {data}")
    elif kind == "test":
        r = data
        mark = {"passed": "[green]pass[/green]", "failed": "[red]FAIL[/red]"}.get(
            r.status, f"[red]{r.status.upper()}[/red]")
        console.print(f"    {mark} {r.run_dir.parent.name}: {r.job.name} seed {r.job.seed} "
                      f"({r.seconds:.1f} s)")


def _print_regress(outcome) -> None:
    for d in outcome.record["designs"]:
        verdict = ("[red]REGRESSION[/red]" if d["regressed"] else
                   "[green]pass[/green]" if d["verdict"] == "pass" else d["verdict"])
        runs = d["runs"]
        passed = sum(1 for r in runs if r["status"] == "passed")
        console.print(f"[bold]{d['top']}[/bold]: {verdict} — {passed}/{len(runs)} run(s) "
                      "passed", soft_wrap=True)
        for r in d["new_failures"]:
            console.print(f"  check failed: {r['test']} seed {r['seed']}: "
                          f"{redact(r['message'].splitlines()[0][:200] if r['message'] else '')}"
                          f"\n    reproduce: {r['reproduce']}", soft_wrap=True, markup=False)
        for r in d["behaviour_changes"]:
            b = r["behaviour"]
            console.print(f"  behaviour changed: {r['test']} seed {r['seed']}: {b['detail']}"
                          f"\n    reproduce: {b['reproduce']}", soft_wrap=True, markup=False)
        for kind, c in d["coverage"].items():
            if c.get("regressed"):
                console.print(f"  coverage dropped: {kind} {c['baseline']['percent']:.1f}% -> "
                              f"{c['now']['percent']:.1f}% (tolerance {d['tolerance']:g})")
        for p in d["lost"][:20]:
            src = f" — {p['source']}" if p.get("source") else ""
            console.print(f"  newly missed: {p['file']}:{p['line']} {p['kind']} "
                          f"{p['comment']}{src}", soft_wrap=True, markup=False)
        if len(d["lost"]) > 20:
            console.print(f"  … and {len(d['lost']) - 20} more newly missed point(s)")
        for n in d["notes"]:
            console.print(f"  note: {n}", soft_wrap=True, markup=False)
        if d["baseline_written"]:
            console.print(f"  baseline written: {d['baseline']}")
            failing = [r for r in runs if r["status"] != "passed"]
            if failing:
                console.print("  [yellow]recorded as failing:[/yellow] "
                              + ", ".join(f"{r['test']} (seed {r['seed']})" for r in failing))
    console.print(f"results: {outcome.out / 'summary.md'}, {outcome.out / 'junit.xml'}, "
                  f"{outcome.out / 'regress.json'}", soft_wrap=True)


@cli.command()
@click.argument("testbench", type=click.Path())
@click.option("--jobs", "-j", default=None, type=click.IntRange(1, 256))
@click.option("--build-root", default=None, type=click.Path(), envvar="DV_BUILD_ROOT",
              help="Where the model is built and the tests run (default: the build/ beside "
                   "testbenches/, where 'dv generate --out' built it).")
@click.option("--sandbox/--no-sandbox", "sandbox", default=None,
              help="Run the tests in the OS sandbox (bubblewrap). Default: on when a model "
                   "wrote the testbench.")
def rerun(testbench, jobs, build_root, sandbox):
    """Rebuild and rerun a committed testbench (testbenches/<top>) with its recorded seeds."""
    from dv.regress import rerun_testbench

    if build_root is None:
        tb = Path(testbench).absolute()
        out = tb.parent.parent if tb.parent.name == "testbenches" else Path.cwd()
        build_root = out / "build"
    outcome = rerun_testbench(Path(testbench), build_root=Path(build_root), parallel=jobs,
                              sandbox=sandbox)
    _progress("sandbox", outcome.sandbox)  # the warning when model code ran unconfined
    console.print(outcome.describe())
    if outcome.failed_tests or not outcome.matches_recorded:
        raise VerificationFailure("the rerun differs from the recorded results (see above).")


@cli.command()
@click.argument("coverage_dir", metavar="COVERAGE_DIR", type=click.Path())
@click.option("--out", "out", default=None, type=click.Path(),
              help="File to write (default: report.html or report.md beside closure.json).")
@click.option("--format", "fmt", type=click.Choice(["html", "md"]), default="html",
              show_default=True, help="One self-contained HTML page, or Markdown.")
@click.option("--formal", "formal", default=None, type=click.Path(),
              help="dv prove's formal.json (or its directory); default: "
                   "COVERAGE_DIR/formal/formal.json when it exists.")
@click.option("--regress", "regress", default=None, type=click.Path(),
              help="dv regress's regress.json (or its directory); default: "
                   "build/regress/regress.json when it exists.")
def report(coverage_dir, out, fmt, formal, regress):
    """Render a closure record (coverage/<top>) for a reviewer: verdict, every point, proofs."""
    from dv.report.render import write_report

    path, view = write_report(Path(coverage_dir), out=Path(out) if out else None, fmt=fmt,
                              formal=Path(formal) if formal else None,
                              regress=Path(regress) if regress else None)
    console.print(f"{view.headline}: {view.top} — " + "; ".join(view.reasons[:3]), soft_wrap=True)
    console.print(f"report: {path}")


def _register_prove() -> None:
    from dv.formal.cli import prove_command

    cli.add_command(prove_command, "prove")


_register_prove()


def _register_qualify() -> None:
    from dv.qualify.cli import qualify_command

    cli.add_command(qualify_command, "qualify")


_register_qualify()


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="dv", standalone_mode=False)
    except click.exceptions.Abort:
        err_console.print("interrupted")
        return 130
    except click.ClickException as exc:
        exc.show()
        return EXIT_INPUT
    except DvError as exc:
        err_console.print(f"[red]error:[/red] {exc.render()}", soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())



