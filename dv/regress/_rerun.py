"""Rerun a committed testbench from its manifest and compare with what was recorded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from dv.cov.datfile import read_dat
from dv.cov.model import Coverage
from dv.design.spec import parse_spec
from dv.manifest import load
from dv.sim.build import BuildConfig, build
from dv.sim.run import SimResult, TestJob, run_tests


@dataclass
class RerunOutcome:
    top: str
    results: list[SimResult]
    summary: dict[str, list[int]]
    expected: dict[str, list[int]]
    recorded_status: dict[str, str]
    failed_tests: list[str] = field(default_factory=list)
    sandbox: dict = field(default_factory=dict)  # dv.sim.sandbox.sandbox_policy of the rerun

    @property
    def status_changes(self) -> list[str]:
        return [f"{r.job.name}: recorded {self.recorded_status.get(r.job.name)}, now {r.status}"
                for r in self.results if self.recorded_status.get(r.job.name) != r.status]

    @property
    def matches_recorded(self) -> bool:
        return not self.status_changes and self.summary == self.expected

    def describe(self) -> str:
        lines = [f"{self.top}: {len(self.results)} test(s), {len(self.failed_tests)} failed"]
        for kind in sorted(set(self.summary) | set(self.expected)):
            now, rec = self.summary.get(kind), self.expected.get(kind)
            mark = "" if now == rec else "   <-- differs"
            lines.append(f"  {kind:10s} now {now}  recorded {rec}{mark}")
        lines += [f"  {c}" for c in self.status_changes]
        for r in self.results:
            if r.status != "passed":
                lines.append(f"  {r.job.name}: {r.status} — {r.message[:300]}")
        return "\n".join(lines)


def rerun_testbench(tb_dir: Path, *, build_root: Path, parallel: int | None = None,
                    sandbox: bool | None = None) -> RerunOutcome:
    """``sandbox``: None runs a testbench a model wrote (the manifest's ``model`` is not
    ``builtin``) in the OS sandbox, and raises if there is none; True/False force it."""
    from dv.loop import functional_coverage
    from dv.sim.sandbox import testbench_sandbox_policy

    tb_dir = tb_dir.resolve()
    m = load(tb_dir)
    policy = testbench_sandbox_policy(m.model, tb_dir, sandbox)
    root = m.root_dir(tb_dir)
    sources = [str(root / f) for f in m.rtl] + ([str(tb_dir / m.props)] if m.props else [])
    props_text = (tb_dir / m.props).read_text() if m.props else ""
    cfg = BuildConfig(top=m.top, sources=sources, parameters=dict(m.parameters),
                      defines=dict(m.defines), includes=[str(root / i) for i in m.include_dirs],
                      timing="##" in props_text)
    b = build(cfg, build_root)
    jobs = [TestJob(name=t.name, module=t.module, testcase=t.name, seed=t.seed,
                    python_path=(str(tb_dir),), sandbox=bool(policy["enabled"]))
            for t in m.tests]
    results = run_tests(b, jobs, build_root / "runs" / m.top, parallel=parallel)
    waivers = parse_spec(root / m.spec).waivers if m.spec else []
    cov = Coverage()
    design = _design(m, root, tb_dir)
    for r in results:
        if r.coverage_file.is_file():
            cov.merge(read_dat(r.coverage_file, root=root, test=r.job.name), test=r.job.name)
        func = r.run_dir / "functional.json"
        if func.is_file():
            cov.merge(functional_coverage(json.loads(func.read_text()), design, r.job.name))
    summary = {k: [v.hit, v.total] for k, v in cov.summary(waivers).items()}
    return RerunOutcome(
        top=m.top, results=results, summary=summary, expected=m.expected,
        recorded_status={t.name: t.status for t in m.tests},
        failed_tests=[r.job.name for r in results if r.status != "passed"], sandbox=policy)


def _design(m, root: Path, tb_dir: Path | None = None):
    """The design as the manifest names it: functional points are named after its signals.
    The ``[timing]`` table (clock, resets, held inputs as generated) is applied when present."""
    import tomllib

    from dv.design.frontend import load_design
    from dv.manifest import MANIFEST

    timing: dict = {}
    if tb_dir is not None and (tb_dir / MANIFEST).is_file():
        timing = tomllib.loads((tb_dir / MANIFEST).read_text()).get("timing", {})
    design = load_design([root / f for f in m.rtl], top=m.top, defines=m.defines,
                         include_dirs=[root / i for i in m.include_dirs],
                         overrides=m.parameters, root=root, clock=timing.get("clock"),
                         resets=timing.get("resets"))
    if timing.get("hold"):
        from dv.design.roles import apply_holds

        apply_holds(design, {k: str(v) for k, v in timing["hold"].items()})
    return design
