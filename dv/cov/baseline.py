"""Compare a coverage run with a stored baseline (regression detection).

Points are matched by :attr:`~dv.cov.model.CoverPoint.key`.  Waived points never count as
lost or gained (they are outside the goal), but do appear in ``new``/``removed`` when the
design changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dv.cov.model import Coverage, CoverPoint, KindSummary, total_of, waiver_index
from dv.design.spec import Waiver

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
    return diff
