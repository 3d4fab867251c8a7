"""``dv qualify``: the command (registered by :mod:`dv.cli`; pyslang is imported when it runs)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from dv.errors import VerificationFailure

console = Console(highlight=False)
if not console.is_terminal:  # CI logs: do not squeeze the table into 80 columns
    console = Console(highlight=False, width=160)

_VERDICT_STYLE = {"killed": "green", "survived": "red", "hang": "yellow", "error": "yellow",
                  "equivalent": "cyan"}


def _equiv_cell(m) -> str:
    e = m.equivalence
    if e is None:
        return "-"
    if e.verdict == "equivalent":
        return f"equivalent (k={e.k})"
    if e.verdict == "bounded":
        return f"bounded ({e.depth} cycles)"
    if e.verdict == "differs":
        return f"differs (cycle {e.step})"
    return "no verdict"


def _progress(kind: str, data: object) -> None:
    if kind == "sites":
        total, chosen = data  # type: ignore[misc]
        console.print(f"  {total} mutation site(s), {chosen} sampled")
    elif kind == "built":
        b = data
        what = "cached" if b.cached else f"built in {b.seconds:.1f} s"  # type: ignore[attr-defined]
        console.print(f"  schema model (every sampled mutant, one build) {what}")
    elif kind == "rejected":
        for s in data:  # type: ignore[attr-defined]
            console.print(f"  [yellow]dropped[/yellow] {s.id}: Verilator rejected it",
                          markup=True, soft_wrap=True)
    elif kind == "equiv-start":
        console.print(f"  formal miter on {data} survivor(s) (BMC, then k-induction)")
    elif kind == "test":
        r = data
        if r.job.name.startswith("m0."):  # type: ignore[attr-defined]
            what = r.job.testcase or f"{r.job.module} (its tests in one process)"  # type: ignore[attr-defined]
            console.print(f"    reference {what}: {r.status} "
                          f"({r.seconds:.1f} s)")  # type: ignore[attr-defined]
    elif kind == "ungrouped":
        console.print(f"  not every test passes when a module's tests share one process "
                      f"({', '.join(data)}): one process per test")  # type: ignore[arg-type]


def print_table(outcome) -> None:
    rec = outcome.record
    table = Table(title=f"dv qualify {rec['top']}: {len(outcome.mutants)} mutant(s) of "
                        f"{rec['sites_total']} site(s), seed {rec['options']['seed']}")
    for col in ("K", "mutant", "file:line", "description", "verdict", "killing test",
                "behaviour", "miter"):
        table.add_column(col, overflow="fold")
    for m in outcome.mutants:
        s = m.site
        style = _VERDICT_STYLE.get(m.verdict, "")
        table.add_row(str(m.k), f"{s.kind}{':' + s.detail if s.detail else ''}",
                      f"{s.file}:{s.line}", s.description,
                      f"[{style}]{m.verdict}[/{style}]" if style else m.verdict,
                      m.killer or "-", m.behaviour, _equiv_cell(m))
    console.print(table)
    sm = rec["summary"]
    eq = sm.get("equivalent")
    console.print(
        f"killed by checks: {sm['killed']}/{sm['score_denominator']} ({sm['score_checks']}%"
        + (f"; {eq} proven equivalent set aside" if eq else "") + "); "
        f"hang: {sm['hang']}; error: {sm['error']}; survived: {sm['survived']}", soft_wrap=True)
    if sm.get("equivalence") is not None:
        e = sm["equivalence"]
        console.print(f"formal miter on {e['checked']} survivor(s) of the tests: equivalent "
                      f"(proven by k-induction) {e['equivalent']}; no difference within "
                      f"{rec['equivalence']['depth']} cycles (bounded, still survivors) "
                      f"{e['bounded']}; differs (input trace in the record) {e['differs']}; "
                      f"no verdict {e['no_verdict']}", soft_wrap=True)
        for m in outcome.mutants:
            if m.equivalence is not None and m.equivalence.verdict in ("equivalent",
                                                                       "no verdict"):
                console.print(f"  K={m.k} {m.site.id}: {m.equivalence.text}", soft_wrap=True,
                              markup=False)
    else:
        console.print("formal miter: not run (--no-equiv); a survivor may be equivalent",
                      soft_wrap=True)
    if sm["behaviour_compared"]:
        console.print(f"behaviour (output traces vs the unmutated run): changed in "
                      f"{sm['behaviour_changed']} of {sm['behaviour_compared']} compared; "
                      f"detected only by behaviour (no check failed): "
                      f"{sm['detected_only_by_behaviour']}", soft_wrap=True)
    elif rec["behaviour_oracle"].startswith("not available"):
        console.print("behaviour oracle: " + rec["behaviour_oracle"], soft_wrap=True)
    else:
        console.print("behaviour oracle: no mutant run left an output trace to compare (a run "
                      "stopped by an HDL assertion writes none)", soft_wrap=True)
    from dv.qualify.feedback import not_built

    unbuilt = not_built(rec["not_built"])
    if unbuilt:
        console.print("not built: " + "; ".join(unbuilt), soft_wrap=True)


def _record_survivors(outcome, tb_dir: Path) -> None:
    """The survivors (and the figures) into the closure record's ``qualify`` section, for
    ``dv report`` and the next ``dv generate`` (:mod:`dv.qualify.feedback`)."""
    from dv.manifest import load
    from dv.qualify.feedback import cov_dir_of, read_closure, section_of, write_section

    m = load(tb_dir.resolve())
    path = cov_dir_of(tb_dir, outcome.top) / "closure.json"
    section = section_of(outcome.record, m.root_dir(tb_dir.resolve()), read_closure(path),
                         record_path=outcome.out, rtl=list(m.rtl))
    n = len(section["survivors"])
    if write_section(path, section):
        console.print(f"{n} surviving mutant(s) recorded in {path} (section 'qualify'): "
                      "'dv report' shows them, the next 'dv generate' aims at them",
                      soft_wrap=True)
    else:
        console.print(f"no closure record at {path} ('dv generate' writes it): the survivors "
                      f"are in {outcome.out} only", soft_wrap=True)


@click.command("qualify")
@click.argument("testbench", type=click.Path())
@click.option("--mutants", default=20, show_default=True, type=click.IntRange(0, 100000),
              help="How many mutation sites to sample (0: every site).")
@click.option("--seed", default=1, show_default=True, type=int,
              help="Seed of the sample (the same seed picks the same mutants).")
@click.option("--site", "sites", multiple=True, metavar="ID",
              help="Exactly this site (file:line:column:kind[:detail]); repeatable.")
@click.option("--jobs", "-j", default=None, type=click.IntRange(1, 256))
@click.option("--out", default=None, type=click.Path(), metavar="FILE",
              help="The JSON record (default: coverage/<top>/qualify.json).")
@click.option("--test-timeout", default=None, type=click.FloatRange(min=1),
              help="Seconds per mutant test run before it counts as a hang "
                   "(default: 5x the slowest reference run, at least 30).")
@click.option("--min-score", default=None, type=click.FloatRange(0, 100), metavar="P",
              help="Exit 1 when fewer than P percent of the mutants are killed by checks.")
@click.option("--all-tests", is_flag=True,
              help="Run every test on every mutant (default: a killed mutant is not run by "
                   "the remaining tests).")
@click.option("--per-test-runs", is_flag=True,
              help="One simulator process per test (default: a module's tests share one "
                   "process when they all passed and have one seed).")
@click.option("--equiv/--no-equiv", default=True, show_default=True,
              help="Check every survivor of the tests with a formal miter (original vs "
                   "mutant: BMC, then k-induction); proven equivalent ones are set aside.")
@click.option("--equiv-depth", default=20, show_default=True, type=click.IntRange(1, 1000),
              help="Cycles of the miter's bounded check.")
@click.option("--equiv-timeout", default=60.0, show_default=True,
              type=click.FloatRange(min=1), help="Solver seconds per survivor.")
@click.option("--build-root", default=None, type=click.Path(), envvar="DV_BUILD_ROOT")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local",
              show_default=True)
@click.option("--scheduler", default=None, metavar="ADDR")
@click.option("--sandbox/--no-sandbox", "sandbox", default=None,
              help="Run the tests in the OS sandbox. Default: on when a model wrote the "
                   "testbench.")
def qualify_command(testbench, mutants, seed, sites, jobs, out, test_timeout, min_score,
                    all_tests, per_test_runs, equiv, equiv_depth, equiv_timeout, build_root,
                    executor, scheduler, sandbox):
    """Plant sampled mutants in the RTL (one Verilator build, a run-time selector) and count
    how many the committed testbench TESTBENCH (testbenches/<top>) kills."""
    from dv.qualify import QualifyOptions, qualify

    opts = QualifyOptions(
        Path(testbench), mutants=mutants or None, seed=seed, parallel=jobs,
        out=Path(out) if out else None, build_root=Path(build_root) if build_root else None,
        test_timeout=test_timeout, executor="dask" if scheduler else executor,
        scheduler=scheduler, sandbox=sandbox, sites=tuple(sites), all_tests=all_tests,
        equiv=equiv, equiv_depth=equiv_depth, equiv_timeout=equiv_timeout,
        group_tests=not per_test_runs)
    outcome = qualify(opts, progress=_progress)
    print_table(outcome)
    console.print(f"record: {outcome.out}", soft_wrap=True)
    _record_survivors(outcome, Path(testbench))
    score = outcome.record["summary"]["score_checks"]
    if min_score is not None and (score or 0.0) < min_score:
        raise VerificationFailure(f"mutation score {score}% is below --min-score {min_score:g}%.")
