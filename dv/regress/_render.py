"""Renderings of a ``dv regress`` record (``regress.json``): JUnit XML and Markdown.

Both read only the record, never the live objects, so they can be rebuilt from the file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

_SHOWN_POINTS = 30  # newly missed points listed per design in Markdown


def _case_name(run: dict[str, Any]) -> str:
    return f"{run['test']}[seed={run['seed']}]"


def junit_xml(record: dict[str, Any]) -> str:
    """One JUnit file for every design: a testsuite per design, a testcase per run (test and
    seed), a ``behaviour`` testcase per run compared with its golden trace, and a ``coverage``
    testcase per design compared with its baseline."""
    suites = ET.Element("testsuites", name="dv regress")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for d in record["designs"]:
        suite = ET.SubElement(suites, "testsuite", name=d["top"])
        props = ET.SubElement(suite, "properties")
        for k, v in (("design", d["top"]), ("testbench", d["testbench"]),
                     ("baseline", d["baseline"]), ("build_key", d["build"]["key"])):
            ET.SubElement(props, "property", name=k, value=str(v))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        seconds = 0.0

        def case(name: str, time_s: float, run: dict[str, Any] | None,
                 suite=suite, counts=counts, d=d) -> ET.Element:
            el = ET.SubElement(suite, "testcase", classname=d["top"], name=name,
                               time=f"{time_s:.3f}")
            p = ET.SubElement(el, "properties")
            ET.SubElement(p, "property", name="design", value=d["top"])
            if run is not None:
                ET.SubElement(p, "property", name="test", value=run["test"])
                ET.SubElement(p, "property", name="seed", value=str(run["seed"]))
                ET.SubElement(p, "property", name="fresh_seed",
                              value="true" if run["fresh_seed"] else "false")
            counts["tests"] += 1
            return el

        for run in d["runs"]:
            seconds += run["seconds"]
            el = case(_case_name(run), run["seconds"], run)
            text = (f"{run['message']}\nlog: {run['log']}\n"
                    f"reproduce: {run['reproduce']}")
            if run["verdict"] in ("error", "timeout"):
                e = ET.SubElement(el, "error", type=run["verdict"],
                                  message=_first_line(run["message"]))
                e.text = text
                counts["errors"] += 1
            elif run["verdict"] == "check failed":
                e = ET.SubElement(el, "failure", type="check failed",
                                  message=_first_line(run["message"]))
                e.text = text
                counts["failures"] += 1
            elif run["verdict"] == "known failure":
                s = ET.SubElement(el, "skipped",
                                  message="known failure: it fails in the baseline too")
                s.text = text
                counts["skipped"] += 1
            b = run.get("behaviour")
            if b:
                el = case(f"behaviour {_case_name(run)}", 0.0, run)
                if b["status"] == "changed":
                    f = ET.SubElement(el, "failure", type="behaviour changed",
                                      message=b["detail"])
                    f.text = f"{b['detail']}\nreproduce: {b['reproduce']}"
                    counts["failures"] += 1
                elif b["status"] == "not compared":
                    ET.SubElement(el, "skipped", message=b["detail"])
                    counts["skipped"] += 1
        if d["baseline_found"] and d["tolerance"] is not None:
            el = case("coverage", 0.0, None)
            if d["coverage_regressed"]:
                f = ET.SubElement(el, "failure", type="coverage dropped",
                                  message="coverage dropped beyond the tolerance in "
                                          + ", ".join(d["regressed_kinds"]))
                f.text = "\n".join(_point_line(p) for p in d["lost"]) or None
                counts["failures"] += 1
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        suite.set("time", f"{seconds:.3f}")
    for k, v in totals.items():
        suites.set(k, str(v))
    suites.set("time", f"{record['seconds'].get('total', 0.0):.3f}")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites,
                                                                    encoding="unicode") + "\n"


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0][:300]


def _point_line(p: dict[str, Any]) -> str:
    src = f" — {p['source']}" if p.get("source") else ""
    comment = f" {p['comment']}" if p.get("comment") else ""
    return f"{p['file']}:{p['line']} {p['kind']}{comment}{src}"


def _md(text: str) -> str:
    """Text inside a Markdown table cell or list item: no pipes or line breaks."""
    return " ".join(str(text).replace("|", "\\|").split())


def _code(text: str) -> str:
    text = " ".join(str(text).split())
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}" if text else ""


def _pct(s: dict[str, Any] | None) -> str:
    if not s or not s["total"]:
        return "n/a"
    return f"{s['percent']:.1f}% ({s['hit']}/{s['total']})"


def summary_markdown(record: dict[str, Any]) -> str:
    """A job summary / pull-request comment: the verdict per design, then the details."""
    designs = record["designs"]
    bad = [d for d in designs if d["regressed"]]
    opts = record["options"]
    title = ("baselines recorded" if opts["update_baseline"] and not bad else
             f"{len(bad)} of {len(designs)} design(s) regressed" if bad else
             f"{len(designs)} design(s), no regression")
    out = [f"## dv regress: {title}", ""]
    extra = []
    if opts["extra_seeds"]:
        extra.append(f"{opts['extra_seeds']} fresh seed(s) per test")
    if opts["golden"]:
        extra.append("behaviour compared with the golden traces")
    extra.append(f"tolerance {opts['tolerance']:g} percentage points per kind")
    out += ["Settings: " + "; ".join(extra) + ".", ""]
    kinds = [k for k in ("line", "branch", "expr", "toggle", "user", "fsm_state", "fsm_arc")
             if any((d["coverage"].get(k) or {}).get("now", {}).get("total")
                    or ((d["coverage"].get(k) or {}).get("baseline") or {}).get("total")
                    for d in designs)]
    out.append("| design | result | tests | " + " | ".join(kinds) + " | behaviour |")
    out.append("|---|---|---|" + "---|" * len(kinds) + "---|")
    for d in designs:
        runs = d["runs"]
        passed = sum(1 for r in runs if r["status"] == "passed")
        cells = [d["top"], "**REGRESSION**" if d["regressed"] else d["verdict"],
                 f"{passed}/{len(runs)} passed"]
        for k in kinds:
            c = d["coverage"].get(k) or {}
            cell = _pct(c.get("now"))
            if c.get("delta") is not None and cell != "n/a":
                cell += f" {c['delta']:+.1f}" if c["delta"] else " ±0"
            if c.get("regressed"):
                cell = f"**{cell}**"
            cells.append(cell)
        beh = [r["behaviour"]["status"] for r in runs if r.get("behaviour")]
        cells.append("changed" if "changed" in beh else "same" if beh and all(
            b == "same" for b in beh) else "partly compared" if "same" in beh else
            "not compared" if beh else "—")
        out.append("| " + " | ".join(_md(c) for c in cells) + " |")
    out.append("")
    for d in designs:
        out += _design_section(d)
    s = record["seconds"]
    out.append(f"_dv {record['dv']}: build {s.get('build', 0):.1f} s, simulation "
               f"{s.get('simulation', 0):.1f} s, merge {s.get('merge', 0):.1f} s._")
    return "\n".join(out) + "\n"


def _design_section(d: dict[str, Any]) -> list[str]:
    verdict = "REGRESSION" if d["regressed"] else d["verdict"]
    out = [f"### {d['top']}: {verdict}", ""]
    if not d["baseline_found"] and not d["baseline_written"]:
        out += [f"No baseline ({_code(d['baseline'])}): tests ran, nothing was compared.", ""]
    if d["baseline_written"]:
        out += [f"Baseline written: {_code(d['baseline'])}.", ""]
    fails = [r for r in d["runs"] if r["verdict"] in ("check failed", "error", "timeout")]
    if fails:
        out.append("**Check failed:**")
        for r in fails:
            new = "" if r["new_failure"] else " (recorded in the baseline)"
            out.append(f"- {_code(r['test'])} seed {r['seed']}{new}: "
                       f"{_md(_first_line(r['message']))}  ")
            out.append(f"  reproduce: {_code(r['reproduce'])}")
        out.append("")
    known = [r for r in d["runs"] if r["verdict"] == "known failure"]
    if known:
        out.append("Known failures (failing in the baseline too): "
                   + ", ".join(_code(r["test"]) for r in known))
        out.append("")
    changed = [r for r in d["runs"] if (r.get("behaviour") or {}).get("status") == "changed"]
    if changed:
        out.append("**Behaviour changed** (same stimulus, different outputs):")
        for r in changed:
            b = r["behaviour"]
            out.append(f"- {_code(r['test'])} seed {r['seed']}: {_md(b['detail'])}  ")
            out.append(f"  reproduce: {_code(b['reproduce'])}")
        out.append("")
    cov = d["coverage"]
    rows = [(k, c) for k, c in cov.items()
            if (c.get("now") or {}).get("total") or (c.get("baseline") or {}).get("total")]
    if rows:
        out += ["| kind | baseline | now | delta |", "|---|---|---|---|"]
        for k, c in rows:
            delta = ("" if c.get("delta") is None else
                     f"{c['delta']:+.1f}" if c["delta"] else "±0")
            mark = " **dropped**" if c.get("regressed") else ""
            out.append(f"| {k} | {_pct(c.get('baseline'))} | {_pct(c.get('now'))} | "
                       f"{delta}{mark} |")
        out.append("")
    if d["lost"]:
        out.append(f"**Newly missed coverage points** ({len(d['lost'])}):")
        for p in d["lost"][:_SHOWN_POINTS]:
            comment = f" {_code(p['comment'])}" if p.get("comment") else ""
            src = f" — {_code(p['source'])}" if p.get("source") else ""
            out.append(f"- `{p['file']}:{p['line']}` {p['kind']}{comment}{src}")
        if len(d["lost"]) > _SHOWN_POINTS:
            out.append(f"- … and {len(d['lost']) - _SHOWN_POINTS} more (regress.json)")
        out.append("")
    if d["new_points"] or d["removed_points"]:
        out.append(f"Points not in the baseline (the design or the testbench changed): "
                   f"{d['new_points']} new ({d['new_points_hit']} hit), "
                   f"{d['removed_points']} removed; new points are not counted as drops.")
        out.append("")
    for n in d["notes"]:
        out.append(f"- {_md(n)}")
    if d["notes"]:
        out.append("")
    return out
