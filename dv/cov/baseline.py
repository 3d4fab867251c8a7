"""Compare a coverage run with a stored baseline (regression detection), and the baseline file.

Points are matched by :attr:`~dv.cov.model.CoverPoint.key`.  Waived points never count as
lost or gained (they are outside the goal), but do appear in ``new``/``removed`` when the
design changed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dv.cov.model import Coverage, CoverPoint, KindSummary, total_of, waiver_index
from dv.design.spec import Waiver
from dv.errors import InputError

_EPS = 1e-9


@dataclass
class CoverageDiff:
    kinds: dict[str, tuple[KindSummary, KindSummary]]  # kind -> (before, after)
    total: tuple[KindSummary, KindSummary]  # (before, after)
    lost: list[CoverPoint] = field(default_factory=list)  # hit in baseline, not hit now
    gained: list[CoverPoint] = field(default_factory=list)  # in both, hit now, not before
    new: list[CoverPoint] = field(default_factory=list)  # only in the current run
    removed: list[CoverPoint] = field(default_factory=list)  # only in the baseline
    tolerance: float = 0.0  # percentage points
    # kind -> (before, after) over the points present in both runs only: the design growing
    # (new points) or shrinking (removed points) does not move these figures
    common: dict[str, tuple[KindSummary, KindSummary]] = field(default_factory=dict)

    @property
    def regressed_kinds(self) -> list[str]:
        """Kinds whose percentage over the points both runs have fell by more than
        ``tolerance`` percentage points (new and removed points are reported, not counted)."""
        return [k for k, (before, after) in self.common.items()
                if after.percent < before.percent - self.tolerance - _EPS]

    @property
    def dropped_kinds(self) -> list[str]:
        """Kinds whose percentage fell by more than ``tolerance`` percentage points."""
        return [k for k, (before, after) in self.kinds.items()
                if after.percent < before.percent - self.tolerance - _EPS]

    @property
    def dropped(self) -> bool:
        """Any kind's percentage, or the total percentage, fell by more than ``tolerance``."""
        before, after = self.total
        return bool(self.dropped_kinds) or after.percent < before.percent - self.tolerance - _EPS

    def describe(self) -> list[str]:
        """Human-readable lines: one per kind that has points, then lost points."""
        lines = []
        for kind, (b, a) in self.kinds.items():
            if b.total or a.total:
                lines.append(f"{kind}: {b.percent:.1f}% ({b.hit}/{b.total}) -> "
                             f"{a.percent:.1f}% ({a.hit}/{a.total})")
        b, a = self.total
        lines.append(f"total: {b.percent:.1f}% -> {a.percent:.1f}%")
        lines.extend(f"lost: {p.file}:{p.line} {p.kind} {p.comment}".rstrip() for p in self.lost)
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "kinds": {k: {"before": b.to_json(), "after": a.to_json()}
                      for k, (b, a) in self.kinds.items()},
            "total": {"before": self.total[0].to_json(), "after": self.total[1].to_json()},
            "lost": [p.to_json() for p in self.lost],
            "gained": [p.to_json() for p in self.gained],
            "new": [p.to_json() for p in self.new],
            "removed": [p.to_json() for p in self.removed],
            "tolerance": self.tolerance,
            "dropped": self.dropped,
            "common": {k: {"before": b.to_json(), "after": a.to_json()}
                       for k, (b, a) in self.common.items()},
            "regressed_kinds": self.regressed_kinds,
        }


def compare(current: Coverage, baseline: Coverage, *, waivers: Sequence[Waiver] = (),
            tolerance: float = 0.0) -> CoverageDiff:
    """How ``current`` differs from ``baseline``; ``tolerance`` is in percentage points."""
    before = baseline.summary(waivers)
    after = current.summary(waivers)
    empty = {k: KindSummary(k, 0, 0, 0) for k in (*before, *after)}
    kinds = {k: (before.get(k, empty[k]), after.get(k, empty[k])) for k in empty}
    diff = CoverageDiff(
        kinds=kinds,
        total=(total_of(before.values()), total_of(after.values())),
        tolerance=tolerance,
    )
    index = waiver_index(waivers)
    for key, now in current.points.items():
        then = baseline.points.get(key)
        if then is None:
            diff.new.append(now)
        elif index.match(now) is None:
            if then.count > 0 and now.count == 0:
                diff.lost.append(now)
            elif then.count == 0 and now.count > 0:
                diff.gained.append(now)
    diff.removed = [p for k, p in baseline.points.items() if k not in current.points]
    shared = [k for k in current.points if k in baseline.points]
    before_c = Coverage({k: baseline.points[k] for k in shared}).summary(waivers)
    after_c = Coverage({k: current.points[k] for k in shared}).summary(waivers)
    diff.common = {k: (before_c[k], after_c[k]) for k in before_c}
    return diff


# --- the baseline file of dv regress: coverage/<top>/baseline.json -----------------------------

BASELINE_FORMAT = "dv-regress-baseline"
BASELINE_VERSION = 1


@dataclass
class Baseline:
    """What ``dv regress --update-baseline`` recorded for one design: the tests with their
    seeds and statuses, the merged coverage of the recorded seeds (counts clipped to 0/1, so a
    refresh changes the file only where a point's hit status changed), the RTL content hashes,
    and per test an output trace summary (:mod:`dv.regress._golden`)."""

    top: str
    tests: dict[str, dict[str, Any]]  # name -> {"module", "seed", "status"}
    coverage: Coverage
    rtl: dict[str, str] = field(default_factory=dict)  # file -> sha256[:16]
    traces: dict[str, dict[str, Any]] = field(default_factory=dict)  # test name -> summary
    dv_version: str = ""

    def to_text(self, waivers: Sequence[Waiver] = ()) -> str:
        """JSON with one entry per line: a test, a kind's summary (``waivers`` applied, for
        the reader only), a trace, a coverage point (readable diffs in review)."""
        summary = {k: v.to_json() for k, v in self.coverage.summary(waivers).items()}
        points = [_clipped(p) for p in sorted(self.coverage, key=lambda p: p.key)]
        parts = [f' "format": {json.dumps(BASELINE_FORMAT)}',
                 f' "version": {BASELINE_VERSION}', f' "top": {json.dumps(self.top)}',
                 f' "dv": {json.dumps(self.dv_version)}',
                 ' "rtl": ' + _lines(self.rtl), ' "tests": ' + _lines(self.tests),
                 ' "summary": ' + _lines(summary), ' "traces": ' + _lines(self.traces),
                 ' "points": ' + _lines(points)]
        return "{\n" + ",\n".join(parts) + "\n}\n"


def _lines(value: dict[str, Any] | list[Any]) -> str:
    """A dict or list with one compact JSON entry per line."""
    if isinstance(value, dict):
        items = [f"  {json.dumps(k)}: {json.dumps(v, sort_keys=True)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n }" if items else "{}"
    items = [f"  {json.dumps(v, sort_keys=True)}" for v in value]
    return "[\n" + ",\n".join(items) + "\n ]" if items else "[]"


def _clipped(p: CoverPoint) -> dict[str, Any]:
    data = p.to_json()
    data["count"] = 1 if p.count > 0 else 0
    return data


def load_baseline(path: Path) -> Baseline:
    """Read a baseline; :class:`~dv.errors.InputError` when it is missing or corrupt."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no coverage baseline at {path}.",
                         hint="Record one with 'dv regress --update-baseline'.")
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"the baseline {path} is not readable JSON ({exc}).", file=path,
                         hint="Restore it from version control, or record a new one with "
                              "'dv regress --update-baseline'.") from exc
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise InputError(f"{path} is not a dv regress baseline (no \"format\": "
                         f"\"{BASELINE_FORMAT}\").", file=path)
    if data.get("version") != BASELINE_VERSION:
        raise InputError(f"{path} has baseline version {data.get('version')!r}; this dv reads "
                         f"version {BASELINE_VERSION}.", file=path,
                         hint="Record a new one with 'dv regress --update-baseline'.")
    try:
        tests = data["tests"]
        traces = data.get("traces", {})
        rtl = data.get("rtl", {})
        if not (isinstance(tests, dict) and isinstance(traces, dict) and isinstance(rtl, dict)
                and isinstance(data["top"], str) and isinstance(data["points"], list)):
            raise TypeError("'top', 'tests', 'traces', 'rtl' or 'points' has the wrong type")
        for name, t in tests.items():
            if not isinstance(t, dict) or not isinstance(t.get("seed"), int) \
                    or not isinstance(t.get("status"), str):
                raise TypeError(f"test {name!r} needs an integer 'seed' and a 'status'")
        cov = Coverage.from_json({"format": "dv-coverage", "version": 1,
                                  "points": data["points"]}, source=str(path))
    except (KeyError, TypeError) as exc:
        raise InputError(f"the baseline {path} is malformed: {exc}.", file=path,
                         hint="Record a new one with 'dv regress --update-baseline'.") from exc
    return Baseline(top=data["top"], tests=tests, coverage=cov, rtl=rtl, traces=traces,
                    dv_version=str(data.get("dv", "")))
