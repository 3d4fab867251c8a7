"""The coverage model: points read from Verilator's ``coverage.dat``, merged across runs.

A :class:`CoverPoint` is one Verilator coverage point (a line block, a branch arm, an expression
row, a toggle bit, a ``cover property``, an FSM state or arc) with its hit count.  A
:class:`Coverage` is a set of points keyed by :attr:`CoverPoint.key`; merging two coverages sums
the counts of equal keys.

Waivers (``dv.design.spec.Waiver``, from the spec's ``unreachable`` block) remove points from
both the hit and the total counts of a summary; they are counted separately as ``waived``.

The JSON form (:meth:`Coverage.to_json`) is the source of truth for dv: it keeps every point
kind, whereas the lcov export (:mod:`dv.cov.lcov`) can only express line and branch points.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from dv.design.spec import Waiver
from dv.errors import InputError

KINDS = ("line", "branch", "expr", "toggle", "user", "fsm_state", "fsm_arc")

JSON_FORMAT = "dv-coverage"
JSON_VERSION = 1


@dataclass(slots=True)
class CoverPoint:
    """One coverage point.  ``extra`` keeps every record key dv does not model (``page``,
    ``Fv``/``Ff``/``Ft``/``Fg`` for FSM points, ``w``, ``s``, ...) so it can be written back."""

    kind: str  # one of KINDS (unknown kinds from newer Verilators are kept as they are)
    file: str  # path as normalised by the loader (relative to root when under it)
    line: int
    column: int
    comment: str  # the 'o' value
    hier: str  # the 'h' value
    span: str = ""  # the 'S' value: lines of the block, e.g. "34-36,44"
    count: int = 0
    first_test: str | None = None  # name of the first test/run that hit it (count > 0)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Stable identity: ``kind|file|line|column|hier|comment``."""
        return f"{self.kind}|{self.file}|{self.line}|{self.column}|{self.hier}|{self.comment}"

    @property
    def hit(self) -> bool:
        return self.count > 0

    def span_lines(self) -> list[int]:
        """The lines listed in :attr:`span` (``"34-36,44"`` -> ``[34, 35, 36, 44]``), in order,
        without duplicates; malformed pieces are skipped."""
        return parse_span(self.span)

    def copy(self) -> CoverPoint:
        return CoverPoint(self.kind, self.file, self.line, self.column, self.comment, self.hier,
                          self.span, self.count, self.first_test, dict(self.extra))

    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        """A compact dict: ``span``, ``first_test`` and ``extra`` are left out when empty."""
        data: dict[str, Any] = {
            "kind": self.kind, "file": self.file, "line": self.line, "column": self.column,
            "comment": self.comment, "hier": self.hier, "count": self.count,
        }
        if self.span:
            data["span"] = self.span
        if self.first_test is not None:
            data["first_test"] = self.first_test
        if self.extra:
            data["extra"] = dict(self.extra)
        return data

    @classmethod
    def from_json(cls, data: Any) -> CoverPoint:
        if not isinstance(data, dict):
            raise TypeError(f"a coverage point must be an object, not {type(data).__name__}")
        extra = data.get("extra", {})
        if not isinstance(extra, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in extra.items()):
            raise TypeError("'extra' must map strings to strings")
        point = cls(
            kind=_typed(data, "kind", str), file=_typed(data, "file", str),
            line=_typed(data, "line", int), column=_typed(data, "column", int),
            comment=_typed(data, "comment", str), hier=_typed(data, "hier", str),
            span=_typed(data, "span", str, ""), count=_typed(data, "count", int, 0),
            first_test=_typed(data, "first_test", str, None), extra=dict(extra),
        )
        if point.count < 0:
            raise TypeError(f"'count' must not be negative, got {point.count}")
        return point


def _typed(data: dict[str, Any], name: str, typ: type, default: Any = ...) -> Any:
    if name not in data:
        if default is ...:
            raise TypeError(f"missing '{name}'")
        return default
    value = data[name]
    if value is None and default is None:
        return None
    # bool is an int subclass: refuse it where an int is expected
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        raise TypeError(f"'{name}' must be {typ.__name__}, got {value!r}")
    return value


def parse_span(span: str) -> list[int]:
    """``"34-36,44"`` -> ``[34, 35, 36, 44]`` (ordered, unique; malformed pieces ignored)."""
    if not span:
        return []
    out: list[int] = []
    seen: set[int] = set()
    for piece in span.split(","):
        lo, dash, hi = piece.strip().partition("-")
        try:
            start = int(lo)
            end = int(hi) if dash else start
        except ValueError:
            continue
        if end < start or end - start > 100_000:
            continue
        for n in range(start, end + 1):
            if n not in seen:
                seen.add(n)
                out.append(n)
    return out


@dataclass(frozen=True)
class KindSummary:
    """Hit/total for one kind (or ``"total"``).  Waived points are in neither hit nor total."""

    kind: str
    hit: int
    total: int
    waived: int = 0

    @property
    def percent(self) -> float:
        """Percentage of non-waived points hit; 100.0 when there is nothing to hit."""
        return 100.0 if self.total == 0 else 100.0 * self.hit / self.total

    @property
    def missed(self) -> int:
        return self.total - self.hit

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "hit": self.hit, "total": self.total, "waived": self.waived,
                "percent": round(self.percent, 2)}


class _WaiverIndex:
    """Waivers by line number, so matching points against them is not O(points * waivers)."""

    def __init__(self, waivers: Sequence[Waiver]) -> None:
        self.by_line: dict[int, list[Waiver]] = {}
        for w in waivers:
            self.by_line.setdefault(w.line, []).append(w)

    def match(self, point: CoverPoint) -> Waiver | None:
        candidates = self.by_line.get(point.line)
        if not candidates:
            return None
        for w in candidates:
            if w.matches(point.kind, point.file, point.line, point.comment):
                return w
        return None


def waiver_index(waivers: Sequence[Waiver]) -> _WaiverIndex:
    return _WaiverIndex(waivers)


@dataclass
class Coverage:
    """A set of coverage points keyed by :attr:`CoverPoint.key`."""

    points: dict[str, CoverPoint] = field(default_factory=dict)

    # -- building ----------------------------------------------------------------------------
    def add(self, point: CoverPoint) -> CoverPoint:
        """Add ``point`` (taken over, not copied).  If a point with the same key exists, its
        count grows by ``point.count`` instead (a file may list one key twice when hierarchy
        collapsing makes two instances' points equal) and the existing point is returned."""
        key = point.key
        old = self.points.get(key)
        if old is None:
            self.points[key] = point
            return point
        was_hit = old.count > 0
        old.count += point.count
        if not was_hit and old.count > 0:
            old.first_test = point.first_test
        _fill_missing(old, point)
        return old

    def merge(self, other: Coverage, test: str | None = None) -> None:
        """Add ``other``'s counts into this coverage (``other`` is not modified).

        A point first hit by this merge (not hit here before, hit in ``other``) records ``test``
        as its ``first_test``, or ``other``'s ``first_test`` when ``test`` is None.  Points hit
        before keep their ``first_test``.  Counts are summed, so merging is associative and
        commutative on counts, and merging into an empty Coverage copies ``other``.
        """
        points = self.points
        for key, theirs in other.points.items():
            mine = points.get(key)
            if mine is None:
                mine = theirs.copy()
                if mine.count > 0 and test is not None:
                    mine.first_test = test
                elif mine.count == 0:
                    mine.first_test = None
                points[key] = mine
                continue
            was_hit = mine.count > 0
            mine.count += theirs.count
            if not was_hit and mine.count > 0:
                mine.first_test = test if test is not None else theirs.first_test
            _fill_missing(mine, theirs)

    def copy(self) -> Coverage:
        return Coverage({k: p.copy() for k, p in self.points.items()})

    # -- queries -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self) -> Iterator[CoverPoint]:
        return iter(self.points.values())

    def __contains__(self, key: object) -> bool:
        return key in self.points

    def get(self, key: str) -> CoverPoint | None:
        return self.points.get(key)

    def of_kind(self, kind: str) -> list[CoverPoint]:
        return [p for p in self.points.values() if p.kind == kind]

    def kinds(self) -> list[str]:
        """Every kind in :data:`KINDS` order, then any unknown kind present, in order seen."""
        seen = dict.fromkeys(KINDS)
        for p in self.points.values():
            if p.kind not in seen:
                seen[p.kind] = None
        return list(seen)

    def files(self) -> list[str]:
        return sorted({p.file for p in self.points.values()})

    def waived(self, point: CoverPoint, waivers: Sequence[Waiver]) -> Waiver | None:
        """The first waiver that matches ``point`` (by its kind, file, line, comment), if any."""
        for w in waivers:
            if w.matches(point.kind, point.file, point.line, point.comment):
                return w
        return None

    def summary(self, waivers: Sequence[Waiver] = ()) -> dict[str, KindSummary]:
        """Per kind: hit, total and waived counts.  Every kind in :data:`KINDS` is present (with
        zeros when the run has none, e.g. no FSM), in that order, followed by unknown kinds."""
        hit: dict[str, int] = dict.fromkeys(self.kinds(), 0)
        total = dict(hit)
        waived = dict(hit)
        index = _WaiverIndex(waivers) if waivers else None
        for p in self.points.values():
            if index is not None and index.match(p) is not None:
                waived[p.kind] += 1
                continue
            total[p.kind] += 1
            if p.count > 0:
                hit[p.kind] += 1
        return {k: KindSummary(k, hit[k], total[k], waived[k]) for k in hit}

    def total(self, waivers: Sequence[Waiver] = ()) -> KindSummary:
        """All kinds together, as a :class:`KindSummary` with kind ``"total"``."""
        return total_of(self.summary(waivers).values())

    # -- serialisation -----------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """``{"format": "dv-coverage", "version": 1, "points": [...]}``, points in order."""
        return {"format": JSON_FORMAT, "version": JSON_VERSION,
                "points": [p.to_json() for p in self.points.values()]}

    @classmethod
    def from_json(cls, data: Any, *, source: str = "<coverage json>") -> Coverage:
        """Inverse of :meth:`to_json`.  Raises :class:`InputError` on anything else."""
        if not isinstance(data, dict) or data.get("format") != JSON_FORMAT:
            raise InputError(f"this is not dv coverage JSON (expected an object with "
                             f"\"format\": \"{JSON_FORMAT}\").", file=source)
        if data.get("version") != JSON_VERSION:
            raise InputError(f"unsupported dv coverage JSON version {data.get('version')!r} "
                             f"(this dv reads version {JSON_VERSION}).", file=source)
        raw = data.get("points")
        if not isinstance(raw, list):
            raise InputError("dv coverage JSON has no \"points\" list.", file=source)
        cov = cls()
        for i, item in enumerate(raw):
            try:
                point = CoverPoint.from_json(item)
            except TypeError as exc:
                raise InputError(f"coverage point #{i} in the JSON is malformed: {exc}.",
                                 file=source) from exc
            cov.add(point)
        return cov


def total_of(summaries: Iterable[KindSummary], kind: str = "total") -> KindSummary:
    hit = total = waived = 0
    for s in summaries:
        hit += s.hit
        total += s.total
        waived += s.waived
    return KindSummary(kind, hit, total, waived)


def _fill_missing(mine: CoverPoint, theirs: CoverPoint) -> None:
    """Keep attributes outside the key that one side lacks (span, extra keys)."""
    if not mine.span and theirs.span:
        mine.span = theirs.span
    if theirs.extra:
        for k, v in theirs.extra.items():
            mine.extra.setdefault(k, v)
