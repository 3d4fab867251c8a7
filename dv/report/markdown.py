"""``dv report --format md``: the reviewer's report as Markdown, and the pieces ``summary.md``
shares with it (fallback rounds, loosened checks, model usage, failing tests).

Record text may come from a model or third-party RTL: it goes into code spans (:func:`md_code`)
or through :func:`md_text`, so that no ``<tag>``, ``|`` or backtick in it becomes markup.
"""

from __future__ import annotations

import re
from typing import Any

from dv.report.view import (
    KIND_UNITS,
    POINT_STATUSES,
    POINT_WORDS,
    PROP_WORDS,
    PointView,
    ReportView,
    assertion_counts,
    dispositions,
    failing_tests,
    fallback_rounds,
    model_usage,
    mutation_figures,
    usage_cost,
    weakened_checks,
)


def md_text(value: object) -> str:
    """Plain text for a Markdown line or table cell: HTML characters and table pipes escaped,
    one line."""
    s = "" if value is None else str(value)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"\s*\n\s*", " ", s).replace("|", "\\|")


def md_code(value: object) -> str:
    """A code span holding ``value`` verbatim (a fence longer than any backtick run in it)."""
    s = re.sub(r"\s*\n\s*", " ", "" if value is None else str(value)).replace("|", "\\|")
    if not s:
        return ""
    run = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (run + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


# -- pieces summary.md shares ----------------------------------------------------------------------

def fallback_lines(rec: dict[str, Any]) -> list[str]:
    fb = fallback_rounds(rec)
    if not fb:
        return []
    return ["", "## Rounds made by the built-in generator instead of the model", ""] + \
        [f"- round {i}: {md_text(why)}" for i, why in fb]


def weakened_lines(rec: dict[str, Any]) -> list[str]:
    weakened = weakened_checks(rec)
    if not weakened:
        return []
    return ["", "## Checks the generator removed or loosened (review them)", ""] + \
        [f"- {md_text(w)}" for w in weakened]


def usage_lines(rec: dict[str, Any]) -> list[str]:
    usage = model_usage(rec)
    if not usage:
        return []
    lines = ["", "## Model usage", "",
             "| round | generator | calls | repairs | prompt tokens | completion tokens "
             "| cost | model s | dv s |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for u in usage:
        lines.append(f"| {u.get('round')} | {md_text(u.get('generator'))} | {u.get('turns')} | "
                     f"{u.get('repairs')} | {u.get('prompt_tokens') or '-'} | "
                     f"{u.get('completion_tokens') or '-'} | {usage_cost(u)} | "
                     f"{u.get('model_latency') or 0:.1f} | {u.get('overhead') or 0:.2f} |")
    return lines


def failure_lines(rec: dict[str, Any]) -> list[str]:
    failures = failing_tests(rec)
    if not failures:
        return []
    lines = ["", "## Failing tests", ""]
    for t in failures:
        msg = md_text(str(t.get("message", ""))[:300])
        who = f" [{md_text(t['generator'])}]" if t.get("generator") else ""
        cause = f" [cause: {md_text(t['cause'])}]" if t.get("cause") else ""
        lines.append(f"- {md_code(t.get('name'))}{who} (seed {t.get('seed')}): "
                     f"{md_text(t.get('status'))}{cause} — {msg}")
    return lines


# -- the report ------------------------------------------------------------------------------------

def _point_row(p: PointView) -> str:
    who = ""
    if p.hit_by is not None:
        rnd = "?" if p.hit_by.round is None else p.hit_by.round
        who = f"{md_code(p.hit_by.test)} (round {rnd}, {md_text(p.hit_by.generator or '?')})"
    detail = md_text(p.detail)
    if p.waiver_check:
        detail += f"; **{p.waiver_check}**: {md_text(p.waiver_check_text)}"
    return (f"| {p.line} | {p.kind} | {md_code(p.comment)} | "
            f"{md_code(p.source) if p.source is not None else '(not available)'} | "
            f"{POINT_WORDS[p.status]} | {detail} | {who} | {p.count} |")


POINT_HEAD = ["| line | kind | point | source | status | verdict | first hit by | count |",
              "|---:|---|---|---|---|---|---|---:|"]


def mutation_lines(v: ReportView) -> list[str]:
    """The last ``dv qualify``: the figures and the surviving mutants (or "not run")."""
    m = v.mutation
    lines = ["", "## Mutation analysis (dv qualify)", ""]
    if m is None:
        return lines + ["Not run: no `dv qualify` is recorded in this closure record."]
    lines.append(f"Measured {md_text(m.measured)} on {md_code(m.testbench or '?')} "
                 f"({m.tests} test(s), seed {md_text(m.seed)}; {m.mutants} mutant(s) of "
                 f"{md_text(m.sites_total)} site(s)).")
    if m.stale:
        lines += ["", f"**Stale:** {md_text(m.stale)}."]
    lines += ["", "| planted bugs | count |", "|---|---:|"]
    lines += [f"| {md_text(label)} | {md_text(val)} |" for _i, label, val in mutation_figures(m)]
    if m.behaviour_oracle:
        lines += ["", f"Behaviour oracle: {md_text(m.behaviour_oracle)}."]
    if m.closest_rule:
        lines += ["", f"Closest test: {md_text(m.closest_rule)}."]
    lines += ["", f"### Surviving mutants ({len(m.survivors)}): a bug here would not be caught", ""]
    if not m.survivors:
        lines.append("None.")
    else:
        lines += ["| where | source line | mutation | original → mutant | behaviour | "
                  "closest test |", "|---|---|---|---|---|---|"]
        for s in m.survivors:
            other = "".join(f"; {md_text(k)}: {md_text(val)}" for k, val in s.other)
            if s.equivalence:
                other += f"; miter: {md_text(s.equivalence)}"
            lines.append(f"| {md_code(s.where)} | {md_code(s.source)} | "
                         f"{md_text(s.description)}{other} | {md_code(s.original)} → "
                         f"{md_code(s.mutant)} | {md_text(s.behaviour)} | "
                         f"{md_code(s.closest_test) if s.closest_test else 'none'} "
                         f"({md_text(s.closest_how)}) |")
    if m.equivalent_list:
        lines += ["", f"### Equivalent (proven) ({len(m.equivalent_list)})", ""]
        lines += [f"- {md_code(e.get('id'))} {md_text(e.get('description') or '')}"
                  + (f" — {md_text(e['equivalence'].get('text'))}"
                     if isinstance(e.get("equivalence"), dict)
                     and e["equivalence"].get("text") else "")
                  for e in m.equivalent_list]
    if m.not_built:
        lines += ["", f"Not built in dv qualify: {md_text('; '.join(m.not_built))}."]
    return lines


def render_markdown(v: ReportView) -> str:
    rec = v.rec
    lines = [f"# Closure report: {md_code(v.top)}", "",
             f"**Verdict: {v.headline}**", ""]
    lines += [f"- {md_text(r)}" for r in v.reasons]
    if v.flags:
        lines += ["", "Review:", ""] + [f"- {md_text(f.text)}" for f in v.flags]
    lines += ["", "## Coverage", "",
              "| kind | counted in | points | hit | proven unreachable | waived | "
              "not reached within bound | open | coverage (hit / counted) |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for c in v.kinds:
        cov = "n/a (no points)" if c.percent is None else \
            f"{c.percent:.1f}% ({c.goal_hit}/{c.goal_total})"
        goal = " (goal)" if c.kind in v.goal_kinds else ""
        lines.append(f"| {c.kind}{goal} | {c.unit} | {c.points} | {c.hit} | {c.unreachable} | "
                     f"{c.waived} | {c.not_reached} | {c.open} | {cov} |")
    lines += ["", "Units: " + "; ".join(f"{c.kind}: {KIND_UNITS[c.kind][1]}"
                                        for c in v.kinds if c.kind in KIND_UNITS) + "."]
    disp = dispositions(v.points)
    if disp:
        lines += [""] + [f"- **{POINT_WORDS[st]}** ({n}): {md_text(text)}"
                         for st, n, text in disp]
    f = v.formal
    lines += ["", "## Assertions", ""]
    if f is None:
        lines.append("No formal record (`dv prove` writes `coverage/<top>/formal/formal.json`).")
    else:
        counts = ", ".join(f"{n} {kind} {PROP_WORDS.get(st, st)}"
                           for kind, st, n in assertion_counts(f))
        lines += [f"**{counts or 'no properties'}**", "",
                  f"From {md_code(f.path)}: mode {md_text(f.mode)}, depth {f.depth}, "
                  f"{md_text(f.frame or 'frame not recorded')}; outcome {md_text(f.outcome)}.",
                  "", "| property | kind | status | verdict (as recorded) | frame | k | depth "
                  "| location | trace / replay |", "|---|---|---|---|---|---:|---:|---|---|"]
        for st in f.statements:
            single = len(st.members) == 1
            if not single:
                counts = ", ".join(f"{n} {PROP_WORDS.get(s, s)}" for s, n in st.counts.items())
                w = st.worst
                lines.append(f"| **{md_text(st.name)}** ({len(st.members)} instances: {counts})"
                             f" | {st.kind} | {PROP_WORDS.get(w.status, w.status)} | "
                             f"{md_text(w.verdict)} | | | | {md_code(st.location)} | |")
            for p in st.members:
                trace = []
                if p.vcd:
                    trace.append(f"VCD {md_code(p.vcd)}" + ("" if p.vcd_found else
                                                            " (not found)"))
                if p.replay_status:
                    trace.append(f"replay {md_text(p.replay_status)}")
                if p.replay_command:
                    trace.append(f"rerun {md_code(p.replay_command)}")
                name = p.name if single else f"↳ {p.instance}"
                lines.append(f"| {md_code(name)} | {p.kind} | "
                             f"{PROP_WORDS.get(p.status, p.status)} | {md_text(p.verdict)} | "
                             f"{md_text(p.frame or 'not recorded')} | "
                             f"{'' if p.k is None else p.k} | "
                             f"{'' if p.depth is None else p.depth} | {md_code(p.location)} | "
                             f"{'; '.join(trace)} |")
    lines += mutation_lines(v)
    lines += ["", f"## Coverage points by file ({len(v.points)})", "", md_text(v.source_note)]
    for file, pts in v.files:
        counts = {s: sum(1 for p in pts if p.status == s) for s in POINT_STATUSES}
        lines += ["", f"### {md_code(file)}", "",
                  ", ".join(f"{n} {POINT_WORDS[s]}" for s, n in counts.items() if n), ""]
        rest = [p for p in pts if p.status != "hit"]
        hits = [p for p in pts if p.status == "hit"]
        if rest:
            lines += POINT_HEAD + [_point_row(p) for p in rest] + [""]
        if hits:
            lines += [f"<details><summary>{len(hits)} point(s) hit</summary>", ""]
            lines += POINT_HEAD + [_point_row(p) for p in hits] + ["", "</details>"]
    waived = [p for p in v.points if p.status == "waived"]
    lines += ["", f"## Waivers ({len(waived)})", ""]
    lines += [f"- {md_code(p.where)} {p.kind} {md_code(p.comment)}: {md_text(p.waiver)} — "
              f"**{p.waiver_check}**: {md_text(p.waiver_check_text)}" for p in waived] or \
        ["No point is waived."]
    lines += ["", "## Rounds", "", "| round | generator | tests | failed | new points | "
              "open holes after | time |", "|---:|---|---:|---:|---:|---:|---:|"]
    for r in v.rounds:
        secs = f"{r.seconds:.1f} s" if isinstance(r.seconds, (int, float)) else "?"
        lines.append(f"| {r.index} | {md_text(r.generator)} | {r.tests} | {r.failed} | "
                     f"{r.new_points} | {r.open_holes} | {secs} |")
    lines += ["", f"## Tests ({len(v.tests)})", "",
              f"Rerun with the recorded seeds: `dv rerun testbenches/{md_text(v.top)}`", "",
              "| test | round | generator | status | seed | cycles | message | rerun |",
              "|---|---:|---|---|---:|---:|---|---|"]
    for t in sorted(v.tests, key=lambda t: t.status == "passed"):
        lines.append(f"| {md_code(t.name)} | {t.round} | {md_text(t.generator)} | "
                     f"{md_text(t.status)} | {t.seed} | {t.cycles} | "
                     f"{md_text(t.message.splitlines()[0][:200] if t.message else '')} | "
                     f"{md_code(t.rerun) if t.rerun else ''} |")
    r = v.regress
    lines += ["", "## Latest regression", ""]
    if r is None:
        lines.append(md_text(v.regress_note) if v.regress_note else
                     "No regression record for this design.")
    else:
        lines.append(f"{md_text(r.verdict)}: {r.passed} of {len(r.runs)} test run(s) passed "
                     f"(from {md_code(r.path)}).")
        if r.mismatch:
            lines.append(f"\n**Check:** {md_text(r.mismatch)}.")
        lines += ["", "| kind | now | baseline | delta |", "|---|---:|---:|---:|"]
        for kind, c in r.coverage.items():
            now, base = c.get("now") or {}, c.get("baseline") or {}
            d = c.get("delta")
            lines.append(f"| {md_text(kind)} | "
                         + (f"{now.get('percent', 0):.1f}%" if now.get("total") else "n/a")
                         + " | " + (f"{base.get('percent', 0):.1f}%" if base.get("total")
                                    else "n/a")
                         + " | " + ("" if d is None else f"{d:+.2f}" if d else "±0") + " |")
        for b in r.behaviour_changes:
            lines.append(f"- behaviour changed: {md_code(b.get('test'))} seed "
                         f"{md_text(b.get('seed'))}: "
                         f"{md_text((b.get('behaviour') or {}).get('detail', ''))} — "
                         f"{md_code(b.get('reproduce') or '')}")
    lines += ["", "## Generator provenance", "",
              f"Generator {md_code(rec.get('generator'))}; per round: "
              + ", ".join(f"{r.index}: {md_text(r.generator)}" for r in v.rounds)]
    lines += fallback_lines(rec)
    lines += weakened_lines(rec) or ["", "## Checks the generator removed or loosened", "",
                                     "None recorded."]
    lines += usage_lines(rec)
    lines += ["", "## Stated assumptions", ""] + [f"- {md_text(a)}" for a in v.assumptions]
    lines += ["", "## Inputs", ""] + [f"- {k}: {md_code(val)}" for k, val in v.inputs]
    return "\n".join(lines) + "\n"
