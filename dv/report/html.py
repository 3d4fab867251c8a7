"""``dv report``: the closure record (and ``dv prove``'s record) as one self-contained HTML page.

No external CSS, JS, fonts or images: the page opens offline from a file. Every string from the
records (source lines, test messages, waiver reasons, model notes: any of them may come from a
model or third-party RTL) goes through :func:`esc`; the only markup is this module's. A small
inline script adds filters by kind and status; without it the page reads the same.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable
from pathlib import Path

from dv import __version__
from dv.report.view import (
    KIND_UNITS,
    POINT_STATUSES,
    POINT_WORDS,
    PROP_WORDS,
    FormalView,
    MutationView,
    PointView,
    PropView,
    ReportView,
    dispositions,
    mutation_figures,
    usage_cost,
)


def esc(value: object) -> str:
    """Text for HTML content and attribute values: nothing in it is markup."""
    return html.escape("" if value is None else str(value), quote=True)


def _href(target: Path, out_dir: Path) -> str:
    """A relative link from the page to a local file; never a URL scheme (a file named
    ``javascript:x`` stays a path)."""
    rel = Path(os.path.relpath(target.resolve(), out_dir.resolve())).as_posix()
    if not rel.startswith(("/", ".")):
        rel = "./" + rel
    return esc(rel)


def _chip(status: str, text: str | None = None) -> str:
    return f'<span class="chip s-{esc(status)}">{esc(text or status)}</span>'


def _table(head: Iterable[str], rows: Iterable[str], cls: str = "", tid: str = "") -> str:
    h = "".join(f"<th>{esc(c)}</th>" for c in head)
    attrs = (f' class="{cls}"' if cls else "") + (f' id="{tid}"' if tid else "")
    return f"<table{attrs}><thead><tr>{h}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _num(v: object) -> str:
    return f'<td class="n">{esc(v)}</td>'


def _secs(v: object) -> str:
    return f"{v:.1f} s" if isinstance(v, (int, float)) else "?"


CSS = """
:root{--fg:#1b1f24;--mut:#57606a;--bd:#d0d7de;--bg2:#f6f8fa;--red:#b42318;--grn:#1a7f37;
--amb:#9a6700;--pur:#6f42c1;--blu:#0969da}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--fg);margin:0 auto;max-width:1280px;padding:16px 24px 48px}
h1{font-size:22px;margin:4px 0}h1 code{font-size:21px}
section,tr{scroll-margin-top:44px}#props td:nth-child(4){min-width:140px}
h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid
var(--bd);padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
code,pre,.src{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;
font-size:12.5px}
pre{white-space:pre-wrap;word-break:break-word;background:var(--bg2);padding:6px 8px;margin:4px 0}
.meta{color:var(--mut);margin:0 0 8px}
table{border-collapse:collapse;margin:6px 0 10px;width:100%}
th,td{border:1px solid var(--bd);padding:3px 7px;text-align:left;vertical-align:top}
th{background:var(--bg2);font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.src{white-space:pre-wrap;word-break:break-word;max-width:520px}
.verdict{border:2px solid var(--bd);border-radius:8px;padding:10px 16px;margin:10px 0 6px}
.verdict h2{border:0;margin:2px 0 6px;font-size:21px}
.v-closed{border-color:var(--grn)}.v-closed h2{color:var(--grn)}
.v-closed-with-flags{border-color:var(--amb)}.v-closed-with-flags h2{color:var(--amb)}
.v-not-closed{border-color:var(--red)}.v-not-closed h2{color:var(--red)}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:4px 24px}
.grid ul{margin:2px 0;padding-left:20px}
.chip{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;
white-space:nowrap;color:#fff;background:var(--mut)}
.s-open,.s-refuted,.s-failed,.s-error,.s-contradicted,.s-covered-hole{background:var(--red)}
.s-not_reached,.s-holds,.s-unchecked,.s-unknown,.s-unsupported,.s-interrupted,.s-timeout{
background:var(--amb)}
.s-waived{background:#57606a}.s-unreachable{background:var(--pur)}
.s-hit,.s-proven,.s-passed,.s-confirmed,.s-covered{background:var(--grn)}
.s-skipped{background:#8c959f}
.zero{color:#8c959f}.bad{color:var(--red);font-weight:600}
nav{position:sticky;top:0;background:#fff;border-bottom:1px solid var(--bd);padding:6px 0;
z-index:1}nav a{margin-right:14px;color:var(--blu);text-decoration:none}
details>summary{cursor:pointer;color:var(--blu);margin:4px 0}
.note{color:var(--mut);font-size:13px}
#filters{margin:6px 0}#filters label{margin-right:16px}
tr.hole td{background:#ffebe9}tr.hole-ok td{background:#f3f0fa}
table.srcfile td{padding:0 6px;border-color:#eaeef2}table.srcfile td.src{max-width:none}
table.cex td,table.cex th{padding:1px 5px;font-family:ui-monospace,monospace;font-size:12px}
.chart text{font-size:11px;fill:#57606a}
td.rerun{min-width:250px}
footer{margin-top:36px;color:var(--mut);font-size:12px}
@media (max-width:900px){.grid{grid-template-columns:1fr}}
"""

SCRIPT = """
(function(){var f=document.getElementById('filters');if(!f)return;f.hidden=false;
var k=document.getElementById('f-kind'),s=document.getElementById('f-status');
function apply(){var rows=document.querySelectorAll('tr.pt');for(var i=0;i<rows.length;i++){
var r=rows[i],ok=(!k.value||r.dataset.kind===k.value)&&(!s.value||r.dataset.status===s.value);
r.style.display=ok?'':'none';}
var d=document.querySelectorAll('details.hits');for(var j=0;j<d.length;j++){
if(s.value==='hit')d[j].open=true;}}
k.addEventListener('change',apply);s.addEventListener('change',apply);})();
"""


# -- sections ------------------------------------------------------------------------------------

def _verdict(v: ReportView) -> str:
    reasons = "".join(f'<li><a href="#{esc(v.links[r])}">{esc(r)}</a></li>' if r in v.links
                      else f"<li>{esc(r)}</li>" for r in v.reasons)
    flags = "".join(f'<li><a href="#{esc(f.anchor)}">{esc(f.text)}</a></li>' for f in v.flags)
    right = (f"<div><b>Review</b><ul class=\"flags\">{flags}</ul></div>" if flags
             else "<div><b>Review</b><ul><li>nothing flagged</li></ul></div>")
    return (f'<section id="verdict" class="verdict v-{esc(v.verdict)}" data-verdict="'
            f'{esc(v.verdict)}"><h2>Verdict: {esc(v.headline)}</h2>'
            f'<div class="grid"><div><b>Why</b><ul class="reasons">{reasons}</ul></div>{right}'
            f"</div>{_coverage_summary(v)}{_mutation_summary(v)}{_formal_summary(v.formal)}"
            "</section>")


def _cell(kind: str, col: str, n: int) -> str:
    cls = "n" + (" zero" if n == 0 else (" bad" if col in ("open", "not_reached") else ""))
    return f'<td class="{cls}" data-kind="{esc(kind)}" data-col="{col}">{n}</td>'


def _coverage_summary(v: ReportView) -> str:
    rows = []
    tot = {c: 0 for c in ("points", "hit", "unreachable", "waived", "not_reached", "open")}
    for c in v.kinds:
        pct = "n/a" if c.percent is None else f"{c.percent:.1f}%"
        goal = " (goal)" if c.kind in v.goal_kinds else ""
        cov = (f"{pct} <span class=\"note\">({c.goal_hit}/{c.goal_total})</span>"
               if c.percent is not None else "n/a <span class=\"note\">(no points)</span>")
        rows.append(f"<tr><td><b>{esc(c.kind)}</b>{esc(goal)}</td><td>{esc(c.unit)}</td>"
                    + "".join(_cell(c.kind, col, getattr(c, col)) for col in tot)
                    + f'<td class="n" data-kind="{esc(c.kind)}" data-col="percent">{cov}</td>'
                    "</tr>")
        for col in tot:
            tot[col] += getattr(c, col)
    rows.append("<tr><td><b>all kinds</b></td><td>points</td>"
                + "".join(_cell("total", col, n) for col, n in tot.items()) + "<td></td></tr>")
    units = "; ".join(f"<b>{esc(k)}</b>: {esc(KIND_UNITS[k][1])}" for k in
                      (c.kind for c in v.kinds) if k in KIND_UNITS)
    return ("<h3>Coverage</h3>"
            + _table(["kind", "counted in", "points", "hit", "proven unreachable", "waived",
                      "not reached within bound", "open", "coverage (hit / counted)"], rows,
                     tid="coverage-summary")
            + f'<p class="note">Units — {units}. Coverage counts hit points against all '
            "points but the waived ones.</p>" + _dispositions(v))


def _dispositions(v: ReportView) -> str:
    items = "".join(f'<li data-status="{esc(st)}">{_chip(st, POINT_WORDS[st])} <b>{n}</b>: '
                    f"{esc(text)}</li>" for st, n, text in dispositions(v.points))
    return f'<ul id="dispositions">{items}</ul>' if items else ""


def _formal_summary(f: FormalView | None) -> str:
    if f is None:
        return ('<h3>Assertions</h3><p id="assertion-summary" class="note">No formal record: '
                "<code>dv prove</code> has not been run for this design (or pass "
                "<code>--formal FILE</code>). Only what simulation checked is known.</p>")
    items = []
    asserts = [p for p in f.props if p.kind != "cover"]
    covers = [p for p in f.props if p.kind == "cover"]

    def group(ps: list[PropView], status: str) -> list[PropView]:
        return [p for p in ps if p.status == status]

    pr = group(asserts, "proven")
    if pr:
        frames = sorted({p.frame or "frame not recorded" for p in pr})
        ks = sorted({p.k for p in pr if isinstance(p.k, int)})
        kt = f", k = {', '.join(map(str, ks))}" if ks else ""
        items.append(f"<li data-status=\"proven\">{_chip('proven')} <b>{len(pr)}</b> proven "
                     f"({esc('; '.join(frames))}{esc(kt)})</li>")
    for p in group(asserts, "refuted"):
        items.append(f"<li data-status=\"refuted\">{_chip('refuted')} {esc(p.instance)}: "
                     f"{esc(p.verdict)} — <a href=\"#prop-{esc(_anchor(p))}\">trace and "
                     "replay</a></li>")
    hd = group(asserts, "holds")
    if hd:
        depths = sorted({str(p.depth) for p in hd if p.depth is not None})
        items.append(f"<li data-status=\"holds\">{_chip('holds')} <b>{len(hd)}</b> hold to "
                     f"depth {esc(', '.join(depths) or '?')} only (not proven)</li>")
    un = group(asserts, "unknown") + group(asserts, "unsupported")
    if un:
        why = "; ".join(sorted({(p.detail or p.verdict)[:120] for p in un}))
        items.append(f"<li data-status=\"unknown\">{_chip('unknown')} <b>{len(un)}</b> unknown "
                     f"— {esc(why)}</li>")
    sk = group(asserts, "skipped")
    if sk:
        items.append(f"<li>{_chip('skipped')} <b>{len(sk)}</b> skipped</li>")
    if covers:
        parts = []
        for st in ("covered", "unreachable", "not_reached", "unknown", "unsupported", "skipped"):
            n = len(group(covers, st))
            if n:
                parts.append(f"{_chip(st, PROP_WORDS.get(st, st))} <b>{n}</b>")
        items.append("<li>covers: " + " ".join(parts) + "</li>")
    if f.disagreements:
        items.append(f"<li class=\"bad\">engine disagreement (simulation did not reproduce the "
                     f"solver): {esc(', '.join(f.disagreements))}</li>")
    n_a = len(asserts)
    return (f"<h3>Assertions ({n_a} assertion instance(s), {len(covers)} cover(s); "
            f"{esc(f.frame or 'frame not recorded')}, depth {esc(f.depth)})</h3>"
            f'<ul id="assertion-summary">{"".join(items) or "<li>no properties</li>"}</ul>')


def _anchor(p: PropView) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in p.name)


def _point_row(p: PointView) -> str:
    if p.status == "hit" and p.hit_by is not None:
        by = p.hit_by
        who = (f"{esc(by.test)} <span class=\"note\">(round "
               f"{esc('?' if by.round is None else by.round)}, {esc(by.generator or '?')})</span>")
    elif p.status == "hit":
        who = '<span class="note">first test not recorded</span>'
    else:
        who = ""
    detail = esc(p.detail)
    if p.waiver_check:
        detail += f"<br>{_chip(p.waiver_check)} {esc(p.waiver_check_text)}"
    if p.note and not p.waiver_check:  # the record's notes are about waivers: said above
        detail += f'<br><span class="note">{esc(p.note)}</span>'
    src = esc(p.source) if p.source is not None else '<span class="note">(not available)</span>'
    return (f'<tr class="pt" id="{esc(p.anchor)}" data-status="{esc(p.status)}" '
            f'data-kind="{esc(p.kind)}">'
            f"<td class=\"n\">{p.line}</td><td>{esc(p.kind)}</td><td><code>{esc(p.comment)}</code>"
            f"</td><td class=\"src\">{src}</td><td>{_chip(p.status, POINT_WORDS[p.status])}</td>"
            f"<td>{detail}</td><td>{who}</td><td class=\"n\">{p.count}</td></tr>")


POINT_HEAD = ["line", "kind", "point", "source", "status", "verdict", "first hit by", "count"]


def _points(v: ReportView) -> str:
    kinds = sorted({p.kind for p in v.points})
    opts_k = "".join(f'<option value="{esc(k)}">{esc(k)}</option>' for k in kinds)
    opts_s = "".join(f'<option value="{s}">{esc(POINT_WORDS[s])}</option>'
                     for s in POINT_STATUSES)
    out = [f'<section id="points"><h2>Coverage points by file ({len(v.points)})</h2>'
           f'<p class="note">{esc(v.source_note)} Open points first; the points hit are '
           "folded under each file.</p>"]
    filters = ('<div id="filters" hidden><label>kind <select id="f-kind"><option value="">all'
               f'</option>{opts_k}</select></label><label>status <select id="f-status">'
               f'<option value="">all</option>{opts_s}</select></label></div>')
    hiers = sorted({p.hier for p in v.points})
    if len(hiers) > 1:  # coverage by module instance
        rows = []
        for h in hiers:
            pts = [p for p in v.points if p.hier == h]
            rows.append(f"<tr><td><code>{esc(h or '(none)')}</code></td>{_num(len(pts))}"
                        + "".join(_num(sum(1 for p in pts if p.status == s))
                                  for s in reversed(POINT_STATUSES)) + "</tr>")
        out.append("<h3>By module instance</h3>" + _table(
            ["instance", "points"] + [POINT_WORDS[s] for s in reversed(POINT_STATUSES)], rows,
            tid="by-instance"))
    out.append(filters)
    for file, pts in v.files:
        counts = {s: sum(1 for p in pts if p.status == s) for s in POINT_STATUSES}
        summary = ", ".join(f"{n} {POINT_WORDS[s]}" for s, n in counts.items() if n)
        out.append(f"<h3><code>{esc(file)}</code> <span class=\"note\">{esc(summary)}</span>"
                   "</h3>")
        rest = [p for p in pts if p.status != "hit"]
        hits = [p for p in pts if p.status == "hit"]
        if rest:
            out.append(_table(POINT_HEAD, (_point_row(p) for p in rest), cls="points"))
        if hits:
            out.append(f'<details class="hits"><summary>{len(hits)} point(s) hit</summary>'
                       + _table(POINT_HEAD, (_point_row(p) for p in hits), cls="points")
                       + "</details>")
    out.append("</section>")
    return "".join(out)


def _waivers(v: ReportView) -> str:
    waived = [p for p in v.points if p.status == "waived"]
    rows = [f"<tr><td><code>{esc(p.where)}</code></td><td>{esc(p.kind)}</td>"
            f"<td><code>{esc(p.comment)}</code></td><td>{esc(p.waiver)}</td>"
            f"<td>{_chip(p.waiver_check)} {esc(p.waiver_check_text)}</td></tr>" for p in waived]
    recorded = v.rec.get("waivers") or []
    body = (_table(["where", "kind", "point", "reason", "checked"], rows, tid="waiver-table")
            if rows else "<p>No point is waived.</p>")
    return (f'<section id="waivers"><h2>Waivers ({len(waived)} point(s), {len(recorded)} '
            f"waiver line(s) in the spec)</h2>{body}</section>")


def _formal(v: ReportView, out_dir: Path) -> str:
    f = v.formal
    if f is None:
        return ('<section id="formal"><h2>Assertions and covers</h2><p>No formal record '
                "(<code>dv prove</code> writes <code>coverage/&lt;top&gt;/formal/formal.json"
                "</code>).</p></section>")
    rows = []
    for st in f.statements:
        if len(st.members) == 1:  # one instance: its own row says it all
            rows.append(_prop_row(st.members[0], out_dir, single=True))
            continue
        w = st.worst
        counts = ", ".join(f"{n} {PROP_WORDS.get(s, s)}" for s, n in st.counts.items())
        label = (f"{esc(st.name)} <span class=\"note\">({len(st.members)} instances: "
                 f"{esc(counts)})</span>")
        rows.append(f'<tr class="stmt" data-status="{esc(w.status)}"><td><b>{label}</b></td>'
                    f"<td>{esc(st.kind)}</td><td>{_chip(w.status, PROP_WORDS.get(w.status))}"
                    f"</td><td>{esc(w.verdict)}</td><td><code>{esc(st.location)}</code></td>"
                    "<td></td></tr>")
        for p in st.members:
            rows.append(_prop_row(p, out_dir, single=False))
    notes = "".join(f"<li>{esc(n)}</li>" for n in f.notes)
    return (f'<section id="formal"><h2>Assertions and covers ({len(f.props)} instance(s), '
            f"{len(f.statements)} statement(s))</h2>"
            f"<p class=\"note\">From <code>{esc(f.path)}</code>: mode {esc(f.mode or '?')}, "
            f"depth {esc(f.depth)}, {esc(f.frame or 'frame not recorded')}"
            f"{(': ' + esc(f.frame_how)) if f.frame_how else ''}; outcome "
            f"{esc(f.outcome or '?')}. A statement's line shows its worst instance.</p>"
            + _table(["property / instance", "kind", "status", "verdict (as recorded)",
                      "location", "frame, k, depth, trace and replay"], rows, tid="props")
            + (f"<ul>{notes}</ul>" if notes else "") + _cex_tables(f) + "</section>")


def _prop_row(p: PropView, out_dir: Path, single: bool) -> str:
    bits = [f"{esc(p.frame or 'frame not recorded')}"]
    if p.k is not None:
        bits.append(f"k={esc(p.k)}")
    if p.depth is not None:
        bits.append(f"depth {esc(p.depth)}")
    if p.step is not None:
        bits.append(f"step {esc(p.step)}")
    extra = ", ".join(bits)
    if p.recorded_status != p.status:
        extra += f"<br>recorded status {esc(p.recorded_status)} not known: shown as unknown"
    if p.detail:
        extra += f"<br><span class=\"note\">{esc(p.detail)}</span>"
    if p.vcd:
        if p.vcd_found is not None:
            extra += (f'<br>waveform: <a class="vcd" href="{_href(p.vcd_found, out_dir)}">'
                      f"{esc(Path(p.vcd).name)}</a>")
        else:
            extra += f"<br>waveform: <code>{esc(p.vcd)}</code> (not found)"
    if p.cex is not None:
        extra += (f'<br><a href="#cex-{esc(_anchor(p))}">counterexample: cycle table</a>')
    elif p.cex_error:
        extra += f"<br>counterexample: {esc(p.cex_error)}"
    if p.replay_status:
        extra += f"<br>replay in simulation: {_chip(p.replay_status)}"
        if p.replay_message:
            extra += (f"<details><summary>{esc(p.replay_message[:80])}…</summary><pre>"
                      f"{esc(p.replay_message)}</pre></details>" if len(p.replay_message) > 80
                      else f" <span class=\"note\">{esc(p.replay_message)}</span>")
    if p.replay_command:
        extra += (f"<br>rerun the replay (dv's Python, where dv prove ran; reuses its build):"
                  f"<pre>{esc(p.replay_command)}</pre>")
    text = f"<br><code>{esc(p.text)}</code>" if p.text else ""
    name = f"<b>{esc(p.name.split('@')[0])}</b>" if single else esc(p.instance)
    if single and p.instance not in (p.name, p.name.split("@")[0]):
        name += f' <span class="note">{esc(p.instance)}</span>'
    return (f'<tr class="inst" id="prop-{esc(_anchor(p))}" data-status="{esc(p.status)}">'
            f"<td>{'' if single else '&nbsp;&nbsp;'}{name}{text}</td><td>{esc(p.kind)}</td>"
            f"<td>{_chip(p.status, PROP_WORDS.get(p.status))}</td><td>{esc(p.verdict)}</td>"
            f"<td><code>{esc(p.location)}</code></td><td>{extra}</td></tr>")


def _rounds(v: ReportView) -> str:
    rows = []
    for r in v.rounds:
        gen = esc(r.generator) + (f"<br>{_chip('fallback', 'built-in instead')} "
                                  f"{esc(r.fallback)}" if r.fallback else "")
        failed = f'<span class="bad">{r.failed}</span>' if r.failed else "0"
        rows.append(f"<tr><td class=\"n\">{esc(r.index)}</td><td>{gen}</td>"
                    f"<td class=\"n\">{r.tests}</td><td class=\"n\">{failed}</td>"
                    f"{_num(r.new_points)}{_num(r.open_holes)}"
                    f"<td class=\"n\">{esc(_secs(r.seconds))}</td></tr>")
    return (f'<section id="rounds"><h2>Rounds ({len(v.rounds)})</h2>' + _chart(v)
            + _table(["round", "generator", "tests", "failed", "new points", "open holes after",
                      "time"], rows, tid="rounds-table") + "</section>")


def _tests(v: ReportView) -> str:
    rows = []
    for t in v.tests:
        first, _, more = t.message.partition("\n")
        msg = esc(first[:300])
        if more or len(first) > 300:
            msg += f"<details><summary>full message</summary><pre>{esc(t.message)}</pre></details>"
        rows.append(f"<tr data-status=\"{esc(t.status)}\"><td>{esc(t.name)}<br><span "
                    f"class=\"note\">{esc(t.purpose)}</span></td>{_num(t.round)}"
                    f"<td>{esc(t.generator)}</td><td>{_chip(t.status)}</td>{_num(t.seed)}"
                    f"{_num(t.cycles)}<td class=\"n\">{esc(_secs(t.seconds))}</td>"
                    f"<td>{msg}</td><td><code>{esc(t.log)}</code></td>"
                    f"<td class=\"rerun\"><code>{esc(t.rerun)}</code></td></tr>")
    return (f'<section id="tests"><h2>Tests ({len(v.tests)})</h2><p>Rerun them all with '
            f"their recorded seeds: <code>dv rerun testbenches/{esc(v.top)}</code></p>"
            + _table(["test", "round", "generator", "status", "seed", "cycles", "time",
                      "message", "log", "rerun this test"], rows, tid="tests-table")
            + "</section>")


def _provenance(v: ReportView) -> str:
    rec = v.rec
    out = [f'<section id="provenance"><h2>Generator provenance</h2><p>Generator: '
           f"<code>{esc(rec.get('generator'))}</code>; per round: "
           + esc(", ".join(f"{r.index}: {r.generator}" for r in v.rounds)) + "</p>"]
    if v.fallbacks:
        out.append("<h3>Rounds made by the built-in generator instead of the model</h3><ul>"
                   + "".join(f"<li>round {esc(i)}: {esc(why)}</li>" for i, why in v.fallbacks)
                   + "</ul>")
    out.append(f'<h3 id="weakened">Checks removed or loosened ({len(v.weakened)})</h3>')
    out.append("<ul>" + "".join(f"<li>{esc(w)}</li>" for w in v.weakened) + "</ul>"
               if v.weakened else "<p>None recorded.</p>")
    if v.usage:
        rows = [f"<tr>{_num(u.get('round'))}<td>{esc(u.get('generator'))}</td>"
                f"{_num(u.get('turns'))}{_num(u.get('repairs'))}"
                f"{_num(u.get('prompt_tokens') or '-')}{_num(u.get('completion_tokens') or '-')}"
                f"{_num(usage_cost(u))}</tr>" for u in v.usage]
        out.append("<h3>Model usage</h3>" + _table(
            ["round", "generator", "calls", "repairs", "prompt tokens", "completion tokens",
             "cost"], rows))
    notes = [(r.index, n) for r in v.rounds for n in r.notes]
    if notes:
        out.append(f"<details><summary>Round notes ({len(notes)})</summary><ul>"
                   + "".join(f"<li>round {esc(i)}: {esc(n)}</li>" for i, n in notes)
                   + "</ul></details>")
    out.append("</section>")
    return "".join(out)


def _assumptions(v: ReportView) -> str:
    items = "".join(f"<li>{esc(a)}</li>" for a in v.assumptions)
    inputs = "".join(f"<tr><th>{esc(k)}</th><td><code>{esc(val)}</code></td></tr>"
                     for k, val in v.inputs)
    return (f'<section id="assumptions"><h2>Stated assumptions</h2><ul>{items}</ul>'
            f'<h3 id="inputs">Inputs (to reproduce the run)</h3><table>{inputs}</table>'
            "</section>")


def render_html(v: ReportView, *, out_dir: Path, source: str = "") -> str:
    """The whole page. ``out_dir``: where it will be written (links are relative to it)."""
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in (
        ("verdict", "Verdict"), ("points", "Points"), ("waivers", "Waivers"),
        ("source", "Source"), ("formal", "Assertions"), ("mutation", "Mutation"),
        ("regress", "Regression"),
        ("rounds", "Rounds"), ("tests", "Tests"),
        ("provenance", "Provenance"), ("assumptions", "Assumptions")))
    rec = v.rec
    meta = (f"generator <code>{esc(rec.get('generator'))}</code> · started "
            f"{esc(rec.get('started', '?'))} · record written by dv {esc(rec.get('dv', '?'))}"
            f" · status {esc(rec.get('status', '?'))}")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>dv closure report: {esc(v.top)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>Closure of <code>{esc(v.top)}</code></h1><p class=\"meta\">{meta}"
            f"</p></header>{_verdict(v)}<nav>{nav}</nav>{_points(v)}{_waivers(v)}"
            f"{_source(v)}{_formal(v, out_dir)}{_mutation(v)}{_regress(v)}{_rounds(v)}"
            f"{_tests(v)}"
            f"{_provenance(v)}{_assumptions(v)}"
            f"<footer>Rendered by dv {esc(__version__)} <code>dv report</code> from "
            f"<code>{esc(source)}</code>; self-contained, no network.</footer>"
            f"<script>{SCRIPT}</script></body></html>\n")


# -- annotated source, counterexamples, regression, progress ---------------------------------

def line_marks(v: ReportView) -> dict[tuple[str, int], list[PointView]]:
    """The points of each (file, line)."""
    out: dict[tuple[str, int], list[PointView]] = {}
    for p in v.points:
        out.setdefault((p.file, p.line), []).append(p)
    return out


def _source(v: ReportView) -> str:
    marks = line_marks(v)
    out = ['<section id="source"><h2>Annotated source</h2><p class="note">Per line: the hit '
           "count of its statement blocks (line coverage), its branch arms hit / all with the "
           "count of each, and the points not hit, each linked to its verdict. Lines with an "
           "open point are red; with only waived or proven unreachable ones, purple.</p>"]
    for fi, (file, lines) in enumerate(v.sources):
        pts = [p for p in v.points if p.file == file]
        holes = sum(1 for p in pts if p.status != "hit")
        out.append(f'<h3 id="src-{fi}"><code>{esc(file)}</code> <span class="note">'
                   f"{len(pts)} point(s), {holes} not hit</span></h3>")
        if lines is None:
            out.append(f'<p class="missing" data-file="{esc(file)}">Source file not found: '
                       f"<code>{esc(file)}</code> (looked for it relative to the working "
                       "directory and the record's root).</p>")
            continue
        rows = []
        for n, text in enumerate(lines, start=1):
            here = marks.get((file, n), [])
            ln = [p for p in here if p.kind == "line"]
            br = [p for p in here if p.kind == "branch"]
            open_ = [p for p in here if p.status != "hit"]
            cls = "srcl"
            if any(p.status in ("open", "not_reached") for p in open_):
                cls += " hole"
            elif open_:
                cls += " hole-ok"
            line_hits = str(sum(p.count for p in ln)) if ln else ""
            branch = (f"{sum(1 for p in br if p.count > 0)}/{len(br)}" if br else "")
            bcounts = (" (" + ", ".join(str(p.count) for p in br) + ")") if br else ""
            links = "<br>".join(
                f'<a href="#{esc(p.anchor)}">{esc(p.kind)} <code>{esc(p.comment)}</code>: '
                f"{esc(POINT_WORDS[p.status])}</a>" for p in open_)
            rows.append(f'<tr class="{cls}" id="src-{fi}-{n}" data-file="{esc(file)}" '
                        f'data-line="{n}" data-line-hits="{line_hits}" '
                        f'data-branch="{branch}" data-holes="{len(open_)}">'
                        f'<td class="n">{n}</td><td class="n">{line_hits}</td>'
                        f'<td class="n">{branch}{esc(bcounts)}</td><td>{links}</td>'
                        f'<td class="src">{esc(text)}</td></tr>')
        out.append(_table(["line", "line hits", "branches hit (counts)", "not hit",
                           "source"], rows, cls="srcfile"))
    out.append("</section>")
    return "".join(out)


def _cex_tables(f: FormalView) -> str:
    out = []
    for p in f.props:
        t = p.cex
        if t is None:
            continue
        head = ["signal"] + [f"step {c} (t={tm})" for c, tm in zip(t.cycles, t.times, strict=True)]
        rows = [f"<tr><th><code>{esc(sig)}</code></th>"
                + "".join(f"<td class=\"n\">{esc(r[j])}</td>" for r in t.rows) + "</tr>"
                for j, sig in enumerate(t.signals)]
        how = (f"sampled at each active edge of <code>{esc(t.clock)}</code> (the values the "
               "design sees at the edge)" if t.clock else "one column per VCD time step")
        notes = "".join(f"; {esc(n)}" for n in t.notes)
        out.append(f'<h3 id="cex-{esc(_anchor(p))}">Counterexample of {esc(p.instance)} '
                   f'<span class="note">({esc(p.verdict)})</span></h3><p class="note">From '
                   f"<code>{esc(p.vcd)}</code>: top-level signals, {how}{notes}.</p>"
                   + _table(head, rows, cls="cex"))
    return "".join(out)


def _mutation_summary(v: ReportView) -> str:
    """The mutation figures in the verdict box, beside coverage (or "not run")."""
    m = v.mutation
    if m is None:
        return ('<h3>Planted bugs (dv qualify)</h3><p class="note" id="mutation-summary">'
                "not run (<code>dv qualify testbenches/&lt;top&gt;</code> measures how many "
                '<a href="#mutation">planted bugs</a> the tests catch)</p>')
    figs = " · ".join(f'{esc(label)}: <b data-fig="{esc(fid)}">{esc(val)}</b>'
                      for fid, label, val in mutation_figures(m))
    stale = (f' <span class="bad">(of an earlier testbench: {esc(m.stale)})</span>'
             if m.stale else "")
    return (f'<h3>Planted bugs (dv qualify)</h3><p id="mutation-summary">{figs}{stale} — '
            '<a href="#mutation">details</a></p>')


def _mutation(v: ReportView) -> str:
    m: MutationView | None = v.mutation
    if m is None:
        return ('<section id="mutation"><h2>Mutation analysis</h2><p class="note">Not run: no '
                "<code>dv qualify</code> is recorded in this closure record (<code>dv qualify "
                "testbenches/&lt;top&gt;</code> plants small bugs in the RTL and counts the ones "
                "the tests catch).</p></section>")
    rows = [f'<tr><td>{esc(label)}</td><td class="n" data-fig="{esc(fid)}">{esc(val)}</td></tr>'
            for fid, label, val in mutation_figures(m)]
    srows = []
    for s in m.survivors:
        other = "".join(f"<br><span class=\"note\">{esc(k)}: {esc(val)}</span>"
                        for k, val in s.other)
        if s.equivalence:
            other += f'<br><span class="note">miter: {esc(s.equivalence)}</span>'

        beh = esc(s.behaviour) + (f'<br><span class="note">{esc(s.behaviour_detail)}</span>'
                                  if s.behaviour_detail else "")
        test = (f"<code>{esc(s.closest_test)}</code>" if s.closest_test else "none")
        srows.append(
            f'<tr class="survivor" data-id="{esc(s.id)}"><td><code>{esc(s.where)}</code></td>'
            f'<td class="src">{esc(s.source)}</td><td>{esc(s.description)}{other}</td>'
            f"<td><code>{esc(s.original)}</code> → <code>{esc(s.mutant)}</code></td>"
            f'<td>{beh}</td><td>{test}<br><span class="note">{esc(s.closest_how)}</span></td>'
            "</tr>")
    eq = "".join(f"<li><code>{esc(e.get('id'))}</code> {esc(e.get('description') or '')}"
                 + (f" — {esc((e.get('equivalence') or {}).get('text'))}"
                    if isinstance(e.get("equivalence"), dict)
                    and e["equivalence"].get("text") else "") + "</li>"
                 for e in m.equivalent_list)
    head = (f"Measured {esc(m.measured)} on <code>{esc(m.testbench or '?')}</code> "
            f"({m.tests} test(s), seed {esc(m.seed)}; {esc(m.mutants)} mutant(s) of "
            f"{esc(m.sites_total)} site(s))" + (f"; record <code>{esc(m.record)}</code>"
                                                if m.record else "") + ".")
    return (f'<section id="mutation"><h2>Mutation analysis ({m.surviving} surviving of '
            f"{m.mutants})</h2><p>{head}</p>"
            + (f'<p class="bad" id="mutation-stale">Stale: {esc(m.stale)}.</p>' if m.stale
               else "")
            + _table(["planted bugs", "count"], rows, tid="mutation-figures")
            + (f'<p class="note">Behaviour oracle: {esc(m.behaviour_oracle)}.</p>'
               if m.behaviour_oracle else "")
            + (f'<p class="note">Closest test: {esc(m.closest_rule)}.</p>'
               if m.closest_rule else "")
            + f"<h3>Surviving mutants ({len(m.survivors)}): a bug here would not be caught</h3>"
            + (_table(["where", "source line", "mutation", "original → mutant", "behaviour",
                       "closest test"], srows, tid="survivors") if srows else "<p>None.</p>")
            + (f"<h3>Equivalent (proven) ({len(m.equivalent_list)})</h3><ul>{eq}</ul>"
               if eq else "")
            + (f'<p class="note">Not built in dv qualify: {esc("; ".join(m.not_built))}.</p>'
               if m.not_built else "")
            + "</section>")


def _regress(v: ReportView) -> str:
    r = v.regress
    if r is None:
        why = (esc(v.regress_note) if v.regress_note else
               "No regression record for this design (<code>dv regress</code> writes "
               "<code>build/regress/regress.json</code>; or pass <code>--regress FILE</code>).")
        return ('<section id="regress"><h2>Latest regression</h2><p class="note">'
                f"{why}</p></section>")
    failed = len(r.runs) - r.passed
    rows = []
    for kind, c in r.coverage.items():
        now, base = c.get("now") or {}, c.get("baseline") or {}
        pct = (f"{now.get('percent', 0):.1f}% ({now.get('hit')}/{now.get('total')})"
               if now.get("total") else "n/a")
        bpct = (f"{base.get('percent', 0):.1f}%" if base.get("total") else
                "n/a" if base else "no baseline")
        d = c.get("delta")
        delta = "" if d is None else (f"{d:+.2f}" if d else "±0")
        cls = ' class="bad"' if c.get("regressed") else ""
        rows.append(f'<tr data-kind="{esc(kind)}"><td>{esc(kind)}</td><td>{esc(pct)}</td>'
                    f"<td>{esc(bpct)}</td><td{cls} data-col=\"delta\" data-kind="
                    f"\"{esc(kind)}\">{esc(delta)}</td></tr>")
    beh = "".join(
        f"<li>{esc(b.get('test'))} (seed {esc(b.get('seed'))}): "
        f"{esc((b.get('behaviour') or {}).get('detail') or (b.get('behaviour') or {}))}"
        f"<br><code>{esc(b.get('reproduce'))}</code></li>" for b in r.behaviour_changes)
    nf = "".join(f"<li>{esc(b.get('test'))} (seed {esc(b.get('seed'))}): "
                 f"<code>{esc(b.get('reproduce'))}</code></li>" for b in r.new_failures)
    lost = "".join(f"<li><code>{esc(p.get('file'))}:{esc(p.get('line'))}</code> "
                   f"{esc(p.get('kind'))} <code>{esc(p.get('comment'))}</code> "
                   f"{esc(p.get('source') or '')}</li>" for p in r.lost)
    chip = "passed" if r.verdict == "pass" else "failed" if r.verdict == "regression" else "?"
    return (f'<section id="regress"><h2>Latest regression</h2><p>From <code>{esc(r.path)}'
            f'</code>: {_chip(chip, r.verdict)} <span id="regress-tests">{r.passed} of '
            f"{len(r.runs)} test run(s) passed, {failed} did not</span> "
            f"(testbench <code>{esc(r.testbench or '?')}</code>, baseline "
            f"<code>{esc(r.baseline or '?')}</code>).</p>"
            + (f'<p class="bad" id="regress-mismatch">Check: {esc(r.mismatch)}.</p>'
               if r.mismatch else "")
            + _table(["kind", "now", "baseline", "delta (points of %)"], rows,
                     tid="regress-coverage")
            + f"<h3>Behaviour changes ({len(r.behaviour_changes)})</h3>"
            + (f'<ul id="behaviour-changes">{beh}</ul>' if beh else "<p>None.</p>")
            + (f"<h3>Tests that newly fail ({len(r.new_failures)})</h3><ul>{nf}</ul>"
               if nf else "")
            + (f"<h3>Points newly missed ({len(r.lost)})</h3><ul>{lost}</ul>" if lost else "")
            + "".join(f'<p class="note">{esc(n)}</p>' for n in r.notes) + "</section>")


def progress(v: ReportView) -> list[tuple[str, list[tuple[int, float, float]]]]:
    """Per kind with points: (round index, coverage %, cumulative seconds) after each round,
    from the rounds' own summaries."""
    series: dict[str, list[tuple[int, float, float]]] = {}
    elapsed = 0.0
    for i, (r, rv) in enumerate(zip(v.rec.get("rounds") or [], v.rounds, strict=False)):
        elapsed += rv.seconds or 0.0
        idx = r.get("index") if isinstance(r.get("index"), int) else i
        for kind, s in (r.get("summary") or {}).items():
            if isinstance(s, dict) and s.get("total"):
                series.setdefault(kind, []).append(
                    (idx, 100.0 * s.get("hit", 0) / s["total"], elapsed))
    return list(series.items())


COLOURS = ["#0969da", "#1a7f37", "#b42318", "#9a6700", "#6f42c1", "#57606a", "#bf3989"]


def _chart(v: ReportView) -> str:
    data = progress(v)
    if not data:
        return '<p class="note">No per-round coverage recorded: no progress chart.</p>'
    xs = sorted({x for _, pts in data for x, _, _ in pts})
    w, h, left, right, top, bottom = 720, 230, 44, 110, 10, 44
    span = max(1, xs[-1] - xs[0])

    def px(x: int) -> float:
        return left + (w - left - right) * ((x - xs[0]) / span if len(xs) > 1 else 0.5)

    def py(y: float) -> float:
        return top + (h - top - bottom) * (1 - y / 100)

    el = [f'<svg class="chart" id="progress-chart" width="{w}" height="{h}" viewBox="0 0 {w} '
          f'{h}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="coverage by round">']
    for y in (0, 25, 50, 75, 100):
        el.append(f'<line x1="{left}" x2="{w - right}" y1="{py(y):.1f}" y2="{py(y):.1f}" '
                  f'stroke="#eaeef2"/><text x="{left - 4}" y="{py(y) + 4:.1f}" '
                  f'text-anchor="end">{y}%</text>')
    times = {x: t for _, pts in data for x, _, t in pts}
    gens = {r.index: r.generator for r in v.rounds}
    for x in xs:
        gen = gens.get(x) or ""
        gen = gen if len(gen) <= 18 else gen[:17] + "…"
        el.append(f'<text x="{px(x):.1f}" y="{h - bottom + 14}" text-anchor="middle">round '
                  f'{x}</text><text x="{px(x):.1f}" y="{h - bottom + 28}" '
                  f'text-anchor="middle">{times[x]:.0f} s · {esc(gen)}</text>')
    for i, (kind, pts) in enumerate(data):
        col = COLOURS[i % len(COLOURS)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y, _ in pts)
        if len(pts) > 1:
            el.append(f'<polyline fill="none" stroke="{col}" stroke-width="2" '
                      f'points="{path}"/>')
        for x, y, _ in pts:
            el.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{col}" '
                      f'data-kind="{esc(kind)}" data-round="{x}" data-percent="{y:.2f}">'
                      f"<title>{esc(kind)} round {x}: {y:.1f}%</title></circle>")
        el.append(f'<text x="{w - right + 8}" y="{top + 14 * i + 10}" fill="{col}" '
                  f'style="fill:{col}">■ {esc(kind)}</text>')
    el.append("</svg>")
    return ("<h3>Coverage against round</h3>" + "".join(el)
            + '<p class="note">Coverage of each kind with points after each round (hit / '
            "counted, from the round's own summary), and the run's elapsed time below each "
            "round.</p>")
