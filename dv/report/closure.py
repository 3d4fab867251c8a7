"""``closure.json``, the one record of a closure run, and its Markdown rendering."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from dv import __version__
from dv.manifest import relpath

if TYPE_CHECKING:
    from dv.loop import ClosureRun

KIND_ORDER = ("line", "branch", "expr", "toggle", "user", "fsm_state", "fsm_arc")

# what one point of each kind is, in the units the reader should count in
KIND_UNITS: dict[str, tuple[str, str]] = {
    "line": ("blocks", "statement blocks: Verilator's line coverage counts blocks, not lines"),
    "branch": ("branch arms", "if/else and case arms, and ?: selects"),
    "expr": ("expression rows", "rows of the truth tables of conditions"),
    "toggle": ("bit transitions", "0->1 and 1->0 of every signal bit (memories excluded)"),
    "user": ("cover points", "cover property statements and the testbench's functional bins"),
    "fsm_state": ("FSM states", "states of FSMs Verilator recognised"),
    "fsm_arc": ("FSM arcs", "transitions of FSMs Verilator recognised"),
}


def kind_label(kind: str) -> str:
    """A coverage kind with the unit its numbers count in (``line (blocks)``)."""
    unit = KIND_UNITS.get(kind)
    return f"{kind} ({unit[0]})" if unit else kind


def percent_text(hit: int, total: int, percent: float) -> str:
    """A kind with no points reads "n/a", never 100%."""
    return "n/a" if total == 0 else f"{percent:.1f}"


def closure_record(run: ClosureRun) -> dict[str, Any]:
    d = run.design
    waivers = run.waivers
    summ = run.coverage.summary(waivers)
    total = run.coverage.total(waivers)
    formal = {v.hole.point.key: v for v in run.formal}
    points = []
    closure: dict[str, dict[str, int]] = {}
    for p in sorted(run.coverage, key=lambda p: (p.file, p.line, p.kind, p.column, p.comment)):
        w = run.coverage.waived(p, waivers)
        entry = p.to_json()
        v = formal.get(p.key)
        if p.hit and w is None:
            status = "hit"
        elif w is not None:
            status = "waived"
        elif v is not None and v.status == "unreachable":
            status = "unreachable"
        else:
            status = "open"
        entry["status"] = status
        if w is not None:
            entry["waiver"] = {"reason": w.reason, "spec_line": w.spec_line}
            if p.hit:
                entry["note"] = "waived as unreachable, yet hit: the waiver is wrong"
        if v is not None:
            entry["formal"] = v.to_json()["status"]
            if w is not None and v.status == "unreachable":
                entry["note"] = "waiver confirmed: Z3 proved the point unreachable"
            elif w is not None and v.status == "covered":
                entry["note"] = f"waiver is wrong: Z3 reached the point at step {v.step}"
        counts = closure.setdefault(p.kind, {"points": 0, "hit": 0, "waived": 0,
                                             "unreachable": 0, "open": 0})
        counts["points"] += 1
        counts[status] += 1
        points.append(entry)
    sim_secs = run.sim_wall
    return {
        "format": "dv-closure", "version": 1, "dv": __version__,
        "status": run.status, "stop_reason": run.stop_reason,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(run.started)),
        "design": {"top": d.top, "files": d.files,
                   "parameters": {p.name: p.value for p in d.parameters},
                   "overrides": d.overrides, "clocks": [c.name for c in d.clocks],
                   "resets": [{"name": r.name, "active_low": r.active_low,
                               "asynchronous": r.asynchronous} for r in d.resets]},
        "spec": run.spec.path if run.spec else None,
        "generator": run.generator,
        "sandbox": run.sandbox or {"enabled": False, "reason": "not recorded"},
        "options": {"rounds": run.options.rounds, "goal": run.options.goal,
                    "goal_kinds": list(run.options.goal_kinds), "seed": run.options.seed,
                    "time_budget": run.options.time_budget},
        "build": None if run.build is None else {
            "key": run.build.key, "dir": relpath(run.build.build_dir, run.options.root),
            "cached": run.build.cached,
            "seconds": round(run.build.seconds, 3),
            # coverage kinds left out because Verilator crashed with them (kind, reason)
            "dropped_coverage": list(getattr(run.build, "dropped", []))},
        "seconds": {k: round(v, 3) for k, v in run.seconds.items()},
        "simulation": {"cycles": run.sim_cycles, "wall_seconds": round(sim_secs, 3),
                       "cycles_per_second": round(run.sim_cycles / sim_secs, 1) if sim_secs else 0,
                       **_transport(run)},
        "summary": {k: summ[k].to_json() for k in _ordered(summ)},
        "total": total.to_json(),
        "goal_met": run.goal_met(),
        **(run.stimulus.to_json() if getattr(run, "stimulus", None) is not None else {}),
        "rounds": [{"index": r.index, "generator": r.generator, "tests": r.tests,
                    "new_points": r.new_points, "open_holes": r.open_holes,
                    "summary": r.summary, "seconds": r.seconds, "notes": r.notes,
                    "weakened": r.weakened, "llm": r.llm, "strategy": r.strategy}
                   for r in run.rounds],
        "waivers": [{"file": w.file, "line": w.line, "kind": w.kind, "reason": w.reason,
                     "spec_line": w.spec_line} for w in waivers],
        "closure": closure,
        "holes": [{"kind": h.point.kind, "file": h.point.file, "line": h.point.line,
                   "comment": h.point.comment, "source": h.source,
                   "conditions": list(h.conditions), "signals": list(h.signals),
                   "waived": h.waiver is not None,
                   **({"formal": formal[h.point.key].to_json()} if h.point.key in formal else {})}
                  for h in run.holes],
        "points": points,
        **_qualify_keys(run),
    }


def _qualify_keys(run: ClosureRun) -> dict[str, Any]:
    """The last ``dv qualify``'s section, carried over from the previous record and marked
    stale (it measured the testbench this run replaces), and the survivors this run was given
    as targets. Neither key is written when no ``dv qualify`` was recorded."""
    prev = getattr(run, "qualify", None)
    if not prev:
        return {}
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(run.started))
    section = dict(prev)
    section["stale"] = (f"measured {prev.get('measured', '?')} on the testbench that the "
                        f"dv generate run started {started} replaced: run dv qualify again to "
                        "measure this one")
    targets = list(getattr(run, "mutation_targets", []))
    return {"qualify": section,
            "mutation_targets": {"survivors": [t.get("id") for t in targets],
                                 "notes": list(getattr(run, "mutation_notes", []))}}


def _transport(run: ClosureRun) -> dict[str, Any]:
    """``simulation.transport``: the transport checks the tests enforced or observed (none
    when the design has no stream-in/stream-out pair)."""
    from dv.protocols.transport import observed_record

    acc = getattr(run, "transport", None)
    return {"transport": observed_record(acc)} if acc else {}


def constraint_lines(rec: dict[str, Any]) -> list[str]:
    """summary.md's sections on stimulus constraints (learned ones first: they need a human)."""
    from dv.report.markdown import md_code, md_text

    lines: list[str] = []
    learned = rec.get("learned_constraints") or []
    clock = ((rec.get("design") or {}).get("clocks") or ["<clock>"])[0]
    if learned:
        lines += ["", f"## Learned stimulus constraints — confirm them ({len(learned)})", "",
                  "A test failed on an assertion of the design that the stimulus could have "
                  "avoided; dv took the assertion's condition as a rule of the design's inputs "
                  "and the driver kept it from the next round on. The failed tests stay failed "
                  "(cause: illegal stimulus). Confirm each rule by writing it into the spec as "
                  f"an assumption (an `sva` block: `assume property (@(posedge {clock}) "
                  "<constraint>);`): it is then applied from round 0 and nothing fails on it. "
                  "If the stimulus was legal (the design is wrong), rerun with `--no-learn`: "
                  "the failures are then the design's.", ""]
        for c in learned:
            drv = c.get("driver") or {}
            tests = ", ".join(md_code(t) for t in c.get("tests", [])[:6])
            lines.append(f"- **{md_text(c.get('id'))}** {md_code(c.get('constraint'))} from "
                         f"{md_code(c.get('from'))} (round {c.get('round')}): "
                         f"{md_text(c.get('status'))}; driver repaired "
                         f"{drv.get('cycles_fixed', 0)} cycle(s), "
                         f"{drv.get('cycles_unsatisfiable', 0)} unsatisfiable; failed tests: "
                         f"{tests or 'none'}")
    assumed = rec.get("assumptions") or []
    if assumed:
        lines += ["", f"## Stimulus assumptions ({len(assumed)})", ""]
        for c in assumed:
            drv = c.get("driver") or {}
            why = f" — {md_text(c['reason'])}" if c.get("reason") else ""
            lines.append(f"- {md_text(c.get('origin'))} {md_code(c.get('from'))}: "
                         f"{md_text(c.get('status'))}{why}; driver repaired "
                         f"{drv.get('cycles_fixed', 0)} cycle(s), "
                         f"{drv.get('cycles_unsatisfiable', 0)} unsatisfiable")
    for n in rec.get("constraint_notes") or []:
        lines.append(f"- {md_text(n)}")
    return lines


def _ordered(summ: dict) -> list[str]:
    return [k for k in KIND_ORDER if k in summ] + sorted(k for k in summ if k not in KIND_ORDER)


def summary_markdown(rec: dict[str, Any]) -> str:
    d = rec["design"]
    secs = rec["seconds"]
    lines = [f"# Coverage closure: `{d['top']}`", "",
             f"- RTL: {', '.join(f'`{f}`' for f in d['files'])}",
             f"- Spec: `{rec['spec']}`" if rec["spec"] else "- Spec: none",
             f"- Generator: `{rec['generator']}`, seed {rec['options']['seed']}",
             f"- Status: {rec['status']} — {rec['stop_reason']}",
             f"- Goal: {rec['options']['goal']:g}% on {', '.join(rec['options']['goal_kinds'])}"
             f" — {'met' if rec['goal_met'] else 'not met'}",
             f"- Time: {secs.get('total', 0):.1f} s (build {secs.get('build', 0):.1f} s, "
             f"simulation {secs.get('simulation', 0):.1f} s, generation "
             f"{secs.get('generation', 0):.2f} s, formal {secs.get('formal', 0):.1f} s"
             + (f" of a {secs['formal_budget']:.0f} s budget" if secs.get("formal_budget")
                else "") + "); "
             f"{rec['simulation']['cycles']} cycles simulated", "",
             "## Coverage", "", "| kind | hit | total | waived | % |", "|---|---:|---:|---:|---:|"]
    for drop in (rec.get("build") or {}).get("dropped_coverage", []):
        lines.insert(4, f"- Build: **{drop['kind']} coverage left out** — {drop['reason']}")
    sandbox = rec.get("sandbox") or {}
    if sandbox.get("model_code"):  # where model-written code ran
        lines.insert(4, "- Sandbox: " + ("on" if sandbox.get("enabled") else "**off** — ")
                     + ("" if sandbox.get("enabled") else str(sandbox.get("reason", ""))))
    for kind, s in rec["summary"].items():
        lines.append(f"| {kind_label(kind)} | {s['hit']} | {s['total']} | {s['waived']} | "
                     f"{percent_text(s['hit'], s['total'], s['percent'])} |")
    t = rec["total"]
    lines.append(f"| **total** | {t['hit']} | {t['total']} | {t['waived']} | "
                 f"{percent_text(t['hit'], t['total'], t['percent'])} |")
    lines += ["", "## Rounds", "",
              "| round | strategy | tests | failed | new points | open holes |",
              "|---:|---|---:|---:|---:|---:|"]
    for r in rec["rounds"]:
        failed = sum(1 for t in r["tests"] if t["status"] != "passed")
        lines.append(f"| {r['index']} | {r.get('strategy') or '-'} | {len(r['tests'])} | "
                     f"{failed} | {r['new_points']} | {r['open_holes']} |")
    # sections dv report's Markdown shares (dv.report.markdown)
    from dv.report.markdown import failure_lines, fallback_lines, usage_lines, weakened_lines

    lines += fallback_lines(rec) + weakened_lines(rec) + usage_lines(rec) + failure_lines(rec)
    from dv.protocols.transport import summary_lines as transport_lines

    lines += transport_lines(rec)  # transport checks: enforced by the spec, or proposed
    lines += constraint_lines(rec)
    lines += ["", "## Closure", "", "| kind | points | hit | waived | proven unreachable | open |",
              "|---|---:|---:|---:|---:|---:|"]
    for kind, c in rec.get("closure", {}).items():
        lines.append(f"| {kind} | {c['points']} | {c['hit']} | {c['waived']} | "
                     f"{c['unreachable']} | {c['open']} |")
    open_holes = [h for h in rec["holes"] if not h["waived"]
                  and h.get("formal", {}).get("status") != "unreachable"]
    lines += ["", f"## Open holes ({len(open_holes)})", ""]
    for h in open_holes[:60]:
        cond = " && ".join(h["conditions"])
        z3 = h.get("formal", {})
        lines.append(f"- `{h['file']}:{h['line']}` {h['kind']} `{h['comment']}` — "
                     f"`{h['source']}`" + (f" when `{cond}`" if cond else "")
                     + (f" — Z3: {z3['status']}" + (f" ({z3['detail']})" if z3.get("detail")
                                                     else "") if z3 else ""))
    proven = [h for h in rec["holes"] if h.get("formal", {}).get("status") == "unreachable"]
    if proven:
        lines += ["", f"## Proven unreachable by Z3 ({len(proven)})", ""]
        for h in proven:
            mark = " (waived; the proof confirms the waiver)" if h["waived"] else ""
            lines.append(f"- `{h['file']}:{h['line']}` {h['kind']} `{h['comment']}` — "
                         f"`{h['source']}`{mark}")
    if len(open_holes) > 60:
        lines.append(f"- … and {len(open_holes) - 60} more (see closure.json)")
    if rec["waivers"]:
        lines += ["", "## Waived (unreachable by design)", ""]
        for w in rec["waivers"]:
            lines.append(f"- `{w['file']}:{w['line']}` {w['kind']}: {w['reason']}")
    return "\n".join(lines) + "\n"
