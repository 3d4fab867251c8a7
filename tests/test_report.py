"""``dv report``: the reviewer's page, checked as a reader would check it.

The numbers on the page are compared with counts computed here straight from the record; record
text that looks like markup must render as text; bad records exit 2 and write nothing; and the
page is opened in a real headless browser (Debian's chromium) when it is installed.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from dv.cli import main
from dv.errors import InputError
from dv.report import build_view, load_view, render_html, render_markdown, write_report

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.parent for p in (ROOT / "coverage").glob("*/closure.json"))
FIXTURE = ROOT / "tests" / "data" / "report" / "fifo_buggy" / "coverage" / "fifo"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NO_CHROMIUM = "chromium not installed: apt-get install chromium"


# -- a small reader of the page ------------------------------------------------------------------

class Page(HTMLParser):
    """Collects what the tests read: the summary cells by (kind, column), point rows by status,
    script blocks, ids, and the visible text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.cells: dict[tuple[str, str], str] = {}
        self.rows: list[dict[str, str]] = []
        self.scripts: list[str] = []
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self._cell: tuple[str, str] | None = None
        self._buf: list[str] = []
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"] or "")
        if tag == "td" and "data-col" in a:
            self._cell, self._buf = (a["data-kind"] or "", a["data-col"] or ""), []
        if tag == "tr" and "pt" in (a.get("class") or "").split():
            self.rows.append({"status": a.get("data-status") or "",
                              "kind": a.get("data-kind") or ""})
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"] or "")
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells[self._cell] = "".join(self._buf).strip()
            self._cell = None
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
            return
        self.text.append(data)
        if self._cell is not None:
            self._buf.append(data)

    @property
    def visible(self) -> str:
        return "".join(self.text)


def expected_counts(rec: dict) -> dict[str, Counter]:
    """Per kind, the dispositions straight from the record's points (not through dv.report):
    a point the record calls open and whose Z3 verdict is not_reached is 'not reached within
    bound'; every other status is the record's own."""
    out: dict[str, Counter] = {}
    for p in rec["points"]:
        st = p.get("status", "hit" if p.get("count", 0) > 0 else "open")
        if st == "open" and p.get("formal") == "not_reached":
            st = "not_reached"
        c = out.setdefault(p["kind"], Counter())
        c["points"] += 1
        c[st] += 1
    return out


def render(target: Path, tmp_path: Path, name: str = "report.html", **kw) -> tuple[str, Page]:
    out, _ = write_report(target, out=tmp_path / name, **kw)
    text = out.read_text()
    return text, Page(text)


# -- the committed examples ----------------------------------------------------------------------

@pytest.mark.parametrize("cov", EXAMPLES + [FIXTURE], ids=lambda p: p.name)
def test_numbers_on_the_page_equal_the_record(cov, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    rec = json.loads((cov / "closure.json").read_text())
    text, page = render(cov, tmp_path)
    assert text.startswith("<!DOCTYPE html>")
    assert "verdict" in page.ids and "coverage-summary" in page.ids
    exp = expected_counts(rec)
    total: Counter = Counter()
    for kind, c in exp.items():
        for col in ("points", "hit", "unreachable", "waived", "not_reached", "open"):
            assert page.cells[(kind, col)] == str(c[col]), (kind, col)
            total[col] += c[col]
        s = rec["summary"][kind]
        pct = page.cells[(kind, "percent")]
        if s["total"]:
            assert pct.startswith(f"{100 * s['hit'] / s['total']:.1f}%"), (kind, pct)
            assert f"({s['hit']}/{s['total']})" in pct
        else:
            assert pct.startswith("n/a"), (kind, pct)  # never "100%" for a kind with no points
    for col, n in total.items():
        assert page.cells[("total", col)] == str(n)
    # every point is on the page once, with the record's disposition
    assert len(page.rows) == len(rec["points"])
    got = Counter(r["status"] for r in page.rows)
    want = Counter()
    for c in exp.values():
        want.update({k: v for k, v in c.items() if k != "points"})
    assert got == +want


@pytest.mark.parametrize("cov", EXAMPLES, ids=lambda p: p.name)
def test_markdown_of_the_examples(cov, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    rec = json.loads((cov / "closure.json").read_text())
    out, view = write_report(cov, out=tmp_path / "r.md", fmt="md")
    md = out.read_text()
    assert md.startswith(f"# Closure report: `{rec['design']['top']}`")
    assert f"**Verdict: {view.headline}**" in md
    for kind, c in expected_counts(rec).items():
        row = next(ln for ln in md.splitlines() if ln.startswith(f"| {kind}"))
        cells = [x.strip() for x in row.strip("|").split("|")]
        assert cells[2:8] == [str(c[k]) for k in ("points", "hit", "unreachable", "waived",
                                                  "not_reached", "open")], row
    # summary.md and the report share their provenance sections: same lines in both
    from dv.report import summary_markdown

    summ = summary_markdown(rec)
    for head in ("## Checks the generator removed or loosened (review them)",
                 "## Model usage"):
        if head in summ:
            assert head in md
            block = summ.split(head)[1].split("\n## ")[0]
            assert block in md


def test_closed_example_says_closed_and_units(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    text, page = render(ROOT / "coverage" / "alu", tmp_path)
    assert "Verdict: CLOSED" in page.visible
    assert "NOT CLOSED" not in page.visible
    # Verilator's line coverage counts blocks: the page says so
    assert "Verilator's line coverage counts blocks, not lines" in page.visible
    assert page.cells[("line", "waived")] == "1"
    # the ALU's waiver is confirmed by Z3 (the record says formal: unreachable)
    assert "confirmed: Z3 proved the point unreachable" in page.visible
    # no formal.json for the ALU: the page says what is missing instead of inventing verdicts
    assert "No formal record" in page.visible


def test_llm_example_flags_loosened_checks_and_earlier_failures(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    rec = json.loads((ROOT / "coverage/fifo_llm_example/closure.json").read_text())
    _, page = render(ROOT / "coverage" / "fifo_llm_example", tmp_path)
    weakened = [w for r in rec["rounds"] for w in r["weakened"]]
    assert weakened
    assert "Verdict: CLOSED — REVIEW THE FLAGS" in page.visible
    assert f"{len(weakened)} check(s) removed or loosened" in page.visible
    assert f"Checks removed or loosened ({len(weakened)})" in page.visible
    assert "failed in earlier rounds" in page.visible
    for w in weakened:
        assert w in page.visible


# -- a closure that did not close, with dv prove's record ----------------------------------------

def test_open_closure_with_formal_record(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    frec = json.loads((FIXTURE / "formal" / "formal.json").read_text())
    text, page = render(FIXTURE, tmp_path)
    vis = page.visible
    assert "Verdict: NOT CLOSED" in vis
    refuted = [p for p in frec["properties"] if p["status"] == "refuted"]
    assert len(refuted) == 2
    assert f"{len(refuted)} assertion instance(s) refuted" in vis
    # a refuted instance links its VCD (a relative link that reaches the file) and its replay
    for p in refuted:
        assert f"prop-{re.sub(r'[^0-9A-Za-z]', '-', p['name'])}" in page.ids
        assert f"python -m dv.sim.worker {Path(p['replay']['run_dir']) / 'job.json'}" in vis
    vcd_links = [h for h in page.hrefs if h.endswith(".vcd")]
    assert len(vcd_links) == 2
    for h in vcd_links:
        assert (tmp_path / h).resolve().is_file()
    # cover witnesses whose VCD is not there say so instead of linking nothing
    assert "(not found)" in vis
    # a bound is never called a proof
    holds = [p for p in frec["properties"] if p["status"] == "holds"]
    assert holds and "hold to depth 20 only (not proven)" in vis
    proven = [p for p in frec["properties"] if p["status"] == "proven"]
    assert f"{len(proven)} proven (from reset, k = 1, 2)" in vis
    # the open points name Z3's witness: reachable, simulation missed them
    assert "reachable: Z3 found a witness" in vis
    # open points come first in every file's list
    assert page.rows[0]["status"] == "open"
    # the frame is stated
    assert "from reset: rst_n held asserted (low) in step 0, then free" in vis


def test_nothing_is_upgraded(tmp_path):
    """Statuses the record does not give are never shown as proven/unreachable."""
    orig = json.loads((FIXTURE / "closure.json").read_text())
    frec = json.loads((FIXTURE / "formal" / "formal.json").read_text())
    rec = copy.deepcopy(orig)
    p = next(p for p in rec["points"] if p["status"] == "open")
    p["formal"] = "unreachable"  # inconsistent: the status says open
    q = next(q for q in rec["points"] if q["status"] == "hit")
    q["status"] = "maybe-proven"  # a status dv does not know
    r = next(r for r in rec["points"] if r["status"] == "hit")
    del r["status"]  # an older record: no status at all, and never hit
    r["count"] = 0
    frec["properties"][1]["status"] = "proven-ish"
    frec["properties"][1]["verdict"] = "proven-ish"
    v = build_view(rec, formal=frec, bases=[ROOT])
    page = Page(render_html(v, out_dir=tmp_path))
    rows = Counter(r["status"] for r in page.rows)
    want = Counter(pt["status"] for pt in orig["points"])
    assert rows["unreachable"] == want["unreachable"]  # not one more
    assert rows["hit"] == want["hit"] - 2
    assert rows["open"] == want["open"] + 2
    assert "record status 'maybe-proven' is not one dv knows: counted as open" in page.visible
    assert "recorded status proven-ish not known: shown as unknown" in page.visible
    pv = next(p for p in v.formal.props if p.recorded_status == "proven-ish")
    assert pv.status == "unknown"


# -- hostile record text --------------------------------------------------------------------------

EVIL = "<script>document.title='PWNED'</script><img src=x onerror=\"document.title='PWNED'\">"


def _evil_records() -> tuple[dict, dict]:
    rec = json.loads((FIXTURE / "closure.json").read_text())
    frec = json.loads((FIXTURE / "formal" / "formal.json").read_text())
    rec["design"]["top"] = "fifo" + EVIL
    rec["generator"] = "openai/" + EVIL
    rec["stop_reason"] = EVIL
    h = rec["holes"][0]
    h["source"] = EVIL
    for p in rec["points"]:
        if (p["kind"], p["file"], p["line"], p["comment"]) == \
                (h["kind"], h["file"], h["line"], h["comment"]):
            p["file"] = h["file"] = "evil" + EVIL + ".sv"  # file unknown: the hole's text shows
    p = next(p for p in rec["points"] if p["status"] == "open")
    p["comment"] = EVIL
    p["status"], p["waiver"] = "waived", {"reason": EVIL, "spec_line": 1}
    t = rec["rounds"][0]["tests"][0]
    t["name"], t["message"], t["purpose"] = EVIL, EVIL + "\nline two " + EVIL, EVIL
    rec["rounds"][0]["weakened"] = [EVIL]
    rec["rounds"][0]["notes"] = [EVIL]
    rec["rounds"][0]["llm"] = {"round": 0, "generator": EVIL, "turns": 1, "repairs": 0,
                               "fallback": EVIL, "cost": None}
    pr = frec["properties"][0]
    pr["text"], pr["verdict"], pr["detail"] = EVIL, EVIL, EVIL
    pr["replay"]["message"] = EVIL * 3
    pr["vcd"] = "javascript:alert(1).vcd"
    frec["notes"] = [EVIL]
    frec["top"] = rec["design"]["top"]
    return rec, frec


def test_record_text_renders_as_text(tmp_path):
    rec, frec = _evil_records()
    (tmp_path / "javascript:alert(1).vcd").write_text("$end\n")  # a VCD with a scheme-like name
    v = build_view(rec, formal=frec, bases=[tmp_path, ROOT])
    text = render_html(v, out_dir=tmp_path)
    page = Page(text)
    assert len(page.scripts) == 1 and "PWNED" not in page.scripts[0]  # only dv's own script
    assert "<img" not in text and "<script>document" not in text
    assert "&lt;script&gt;document.title=&#x27;PWNED&#x27;&lt;/script&gt;" in text
    assert EVIL in page.visible  # the reader sees the text as it was
    assert "./javascript:alert(1).vcd" in page.hrefs  # a path, never a URL scheme
    assert not any(h.lower().startswith("javascript:") for h in page.hrefs)
    md = render_markdown(v)
    # in Markdown, record text is either in a code span (shown verbatim, never markup) or escaped
    outside = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", md)
    assert "<script" not in outside and "<img" not in outside
    assert "&lt;script&gt;" in outside  # escaped where it is plain text (a test message)
    assert "`fifo<script>" in md  # verbatim in a code span


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_hostile_text_does_not_run_in_a_browser(tmp_path):
    rec, frec = _evil_records()
    page = tmp_path / "evil.html"
    page.write_text(render_html(build_view(rec, formal=frec, bases=[ROOT]), out_dir=tmp_path))
    dom, errors = _chromium_dom(page, tmp_path)
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    as_text = ("fifo" + EVIL).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert title and title.group(1) == "dv closure report: " + as_text  # no script set it
    assert "&lt;img src=x onerror=" in dom and "<img" not in dom
    assert errors == []


# -- bad input ------------------------------------------------------------------------------------

def _cli(args: list[str], capsys) -> tuple[int, str]:
    rc = main(["report", *args])
    cap = capsys.readouterr()
    return rc, cap.out + cap.err


@pytest.mark.parametrize("content, what", [
    (None, "does not exist"),
    ('{"format": "dv-closure", "points": [', "not valid JSON"),
    ("[1, 2]", "must hold a JSON object"),
    ('{"format": "dv-closure", "design": {"top": "x"}, "rounds": [], "summary": {}}',
     "no 'points' field"),
    ('{"format": "dv-closure", "design": {"top": "x"}, "rounds": [], "summary": {}, '
     '"points": [{"kind": "line"}]}', "point 0 lacks kind/file/line"),
    ('{"format": "something-else"}', "not a closure record"),
    ('{"format": "dv-closure", "design": {"top": "x"}, "rounds": {}, "summary": {}, '
     '"points": []}', "'rounds' should be list"),
])
def test_bad_closure_record_exits_2_and_writes_nothing(content, what, tmp_path, capsys):
    cov = tmp_path / "coverage" / "x"
    cov.mkdir(parents=True)
    if content is not None:
        (cov / "closure.json").write_text(content)
    rc, out = _cli([str(cov), "--out", str(tmp_path / "r.html")], capsys)
    assert rc == 2, out
    assert what in out and "closure" in out
    assert str(cov / "closure.json") in out.replace("\n", "")
    assert not (tmp_path / "r.html").exists()


def test_bad_formal_record_exits_2(tmp_path, capsys):
    bad = tmp_path / "formal.json"
    bad.write_text('{"top": "fifo", "properties": [{"name": "a"}]}')
    rc, out = _cli([str(FIXTURE), "--formal", str(bad), "--out", str(tmp_path / "r.html")],
                   capsys)
    assert rc == 2 and "property 0 has no status" in out
    bad.write_text(json.dumps({"top": "other", "properties": []}))
    rc, out = _cli([str(FIXTURE), "--formal", str(bad), "--out", str(tmp_path / "r.html")],
                   capsys)
    assert rc == 2 and "for top 'other'" in out
    rc, out = _cli([str(FIXTURE), "--formal", str(tmp_path / "none.json")], capsys)
    assert rc == 2 and "no formal record" in out
    assert not (tmp_path / "r.html").exists()


def test_cli_writes_html_and_markdown(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    rc, out = _cli([str(FIXTURE), "--out", str(tmp_path / "r.html")], capsys)
    assert rc == 0 and "NOT CLOSED: fifo" in out
    assert Page((tmp_path / "r.html").read_text()).cells
    rc, out = _cli([str(FIXTURE / "closure.json"), "--format", "md", "--out",
                    str(tmp_path / "r.md")], capsys)
    assert rc == 0
    md = (tmp_path / "r.md").read_text()
    assert "**Verdict: NOT CLOSED**" in md and "## Assertions" in md
    assert "holds to depth" in md and "refuted" in md


def test_load_view_finds_formal_record_beside_closure():
    v = load_view(FIXTURE)
    assert v.formal is not None and v.formal.path == FIXTURE / "formal" / "formal.json"
    v = load_view(ROOT / "coverage" / "alu")
    assert v.formal is None


# -- a real browser -------------------------------------------------------------------------------

def _chromium_dom(page: Path, tmp: Path) -> tuple[str, list[str]]:
    """The DOM after scripts ran, and the console messages (errors included) chromium logged."""
    res = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={tmp / 'chromium-profile'}", "--enable-logging=stderr", "--v=0",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr[-2000:]
    console = [ln for ln in res.stderr.splitlines() if ":CONSOLE" in ln]
    return res.stdout, console


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_console_check_catches_a_script_error(tmp_path):
    """The browser check below can fail: a page with a script error is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><p>x</p><script>noSuchFunction();</script>"
                   "</body></html>")
    _, console = _chromium_dom(bad, tmp_path)
    assert any("noSuchFunction" in ln for ln in console)


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_report_renders_in_headless_chromium(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out, view = write_report(FIXTURE, out=tmp_path / "report.html")
    dom, console = _chromium_dom(out, tmp_path)
    assert console == []  # no script errors, nothing logged
    assert 'id="verdict"' in dom and "Verdict: NOT CLOSED" in dom
    assert 'id="coverage-summary"' in dom and 'id="assertion-summary"' in dom
    # the inline script ran: the filters it shows are no longer hidden
    assert re.search(r'<div id="filters">', dom), "the page's script did not run"
    shot = tmp_path / "report.png"
    res = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", f"--screenshot={shot}",
         "--window-size=1280,2000", out.as_uri()],
        capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_statement_shows_its_worst_instance_and_minimal_formal_records_render(tmp_path):
    rec = json.loads((FIXTURE / "closure.json").read_text())
    props = [{"name": f"g_lane[{i}].a_bound", "instance": f"g_lane[{i}].a_bound",
              "kind": "assert", "statement": "assert:a_bound:lanes.sv:9", "status": st,
              "verdict": st, "frame": {"text": "from initial values"}, "depth": 12}
             for i, st in enumerate(("proven", "refuted", "holds"))]
    props.append({"name": "bare", "status": "unknown"})  # nothing but a name and a status
    v = build_view(rec, formal={"properties": props}, bases=[ROOT])
    page = Page(render_html(v, out_dir=tmp_path))
    st = v.formal.statements[0]
    assert st.worst.status == "refuted" and len(st.members) == 3
    assert "3 instances: 1 refuted, 1 holds to depth, 1 proven" in page.visible
    for i in range(3):
        assert f"g_lane[{i}].a_bound" in page.visible
    assert "from initial values" in page.visible and "frame not recorded" in page.visible
    assert "Verdict: NOT CLOSED" in page.visible
    md = render_markdown(v)
    assert "3 instances: 1 refuted, 1 holds to depth, 1 proven" in md


def test_not_reached_is_a_bound_and_waivers_are_judged(tmp_path):
    orig = json.loads((FIXTURE / "closure.json").read_text())
    rec = copy.deepcopy(orig)
    opens = [p for p in rec["points"] if p["status"] == "open"]
    a, b = opens[0], opens[1]
    a["formal"] = "not_reached"  # open, and Z3 searched 20 steps without a witness
    for h in rec["holes"]:
        if (h["kind"], h["file"], h["line"], h["comment"]) == \
                (a["kind"], a["file"], a["line"], a["comment"]):
            h["formal"] = {"status": "not_reached",
                           "detail": "not reached within 20 steps from reset"}
    b["status"] = "waived"  # waived, but Z3 reached it (the fixture's hole says covered)
    b["waiver"] = {"reason": "cannot happen, says the designer", "spec_line": 3}
    c = next(p for p in rec["points"] if p["status"] == "hit")
    c["status"], c["waiver"] = "waived", {"reason": "also impossible", "spec_line": 4}
    v = build_view(rec, bases=[ROOT])
    page = Page(render_html(v, out_dir=tmp_path))
    exp = expected_counts(rec)
    assert page.cells[(a["kind"], "not_reached")] == str(exp[a["kind"]]["not_reached"]) == "1"
    assert sum(int(page.cells[(k, "not_reached")]) for k in exp) == 1
    assert sum(int(page.cells[(k, "waived")]) for k in exp) == 2
    assert "not reached within 20 steps from reset (a bound, not a proof)" in page.visible
    # neither is called unreachable; both waivers are contradicted (Z3 reached one, simulation
    # hit the other)
    assert sum(int(page.cells[(k, "unreachable")]) for k in exp) == \
        sum(1 for p in orig["points"] if p["status"] == "unreachable")
    assert "contradicted: Z3 reached the point (covered at step" in page.visible
    assert "the waiver is wrong" in page.visible
    assert "2 waiver(s) contradicted (the point is reachable)" in page.visible
    assert "cannot happen, says the designer" in page.visible


def test_coverage_by_module_instance(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    rec = json.loads((ROOT / "coverage/uart_tx/closure.json").read_text())
    text, page = render(ROOT / "coverage" / "uart_tx", tmp_path)
    assert "by-instance" in page.ids
    table = text.split('id="by-instance"')[1].split("</table>")[0]
    for hier, n in Counter(p["hier"] for p in rec["points"]).items():
        row = table.split(f"<code>{hier}</code>")[1].split("</tr>")[0]
        cells = re.findall(r'<td class="n">(\d+)</td>', row)
        statuses = Counter(p["status"] for p in rec["points"] if p["hier"] == hier)
        assert cells[0] == str(n), hier
        assert cells[1] == str(statuses["hit"]) and cells[-1] == str(statuses["open"]), hier


def test_page_is_self_contained_and_renderers_never_import_the_loop(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    text, _ = render(FIXTURE, tmp_path)
    assert not re.search(r'\b(src|href)\s*=\s*"(https?:|//)', text)
    assert "<link" not in text and "@import" not in text and "url(" not in text
    res = subprocess.run(
        [sys.executable, "-c",
         "import sys, dv.report; print('dv.loop' in sys.modules, 'z3' in sys.modules)"],
        capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.stdout.split() == ["False", "False"], res.stderr


# -- annotated source, rerun commands, counterexamples, regression, progress ---------------------

class Elements(HTMLParser):
    """Every element's attributes and its text (to the matching end tag, nested tags included),
    for the elements whose class or tag the test asks about."""

    def __init__(self, text: str, want):
        super().__init__(convert_charrefs=True)
        self.want = want
        self.found: list[tuple[str, dict, list[str]]] = []
        self._open: list[tuple[str, list[str]]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if self.want(tag, a):
            buf: list[str] = []
            self.found.append((tag, a, buf))
            self._open.append((tag, buf))

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data):
        for _, buf in self._open:
            buf.append(data)


def _src_rows(text: str) -> list[dict]:
    return [a for _, a, _ in Elements(text, lambda t, a: t == "tr" and "srcl" in
                                      a.get("class", "").split()).found]


def test_annotated_source_shows_the_records_counts(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    rec = json.loads((FIXTURE / "closure.json").read_text())
    text, page = render(FIXTURE, tmp_path)
    rows = _src_rows(text)
    # every RTL file of the record, every line of it (read here from the files themselves)
    files = list(rec["design"]["files"]) + sorted({p["file"] for p in rec["points"]}
                                                  - set(rec["design"]["files"]))
    roots = {f: next(r / f for r in (ROOT, FIXTURE.parent.parent) if (r / f).is_file())
             for f in files}
    by_file = Counter(r["data-file"] for r in rows)
    for f in files:
        assert by_file[f] == len(roots[f].read_text().splitlines()), f
    _check_source_rows(rec, rows)
    # a record where a branch arm is missed and a line holds two blocks: the same holds
    rec2 = copy.deepcopy(rec)
    br = next(p for p in rec2["points"] if p["kind"] == "branch")
    br["count"], br["status"] = 0, "open"
    ln = next(p for p in rec2["points"] if p["kind"] == "line")
    rec2["points"].append(dict(ln, comment=ln["comment"] + "_2", count=ln["count"] + 7))
    rows2 = _src_rows(render_html(build_view(rec2, bases=[ROOT, FIXTURE.parent.parent]),
                                  out_dir=tmp_path))
    _check_source_rows(rec2, rows2)
    r = next(r for r in rows2 if (r["data-file"], r["data-line"]) == (br["file"], str(br["line"])))
    assert r["data-branch"].split("/")[0] != r["data-branch"].split("/")[1]
    # every hole links to its point's row, whose verdict is there and is not "hit"
    holes = [r for r in rows if r["data-holes"] != "0"]
    assert sum(int(r["data-holes"]) for r in holes) == \
        sum(1 for p in rec["points"] if p["status"] != "hit")
    src = text.split('id="source"')[1].split("</section>")[0]
    links = re.findall(r'href="#(pt-\d+)"', src)
    assert len(links) == sum(1 for p in rec["points"] if p["status"] != "hit")
    for a in links:
        assert a in page.ids
        row = re.search(rf'<tr class="pt" id="{a}" data-status="([a-z_]+)"', text)
        assert row and row.group(1) != "hit"
    # a line a hole sits on says so in words: the fixture's proven-unreachable reset toggle
    assert "toggle rst_n:1->0: proven unreachable" in Page(src).visible


def _check_source_rows(rec: dict, rows: list[dict]) -> None:
    """Per line: line hits, branch arms hit/total, points not hit, straight from the points."""
    want: dict[tuple[str, int], dict] = {}
    for p in rec["points"]:
        w = want.setdefault((p["file"], p["line"]), {"line": [], "branch": [], "holes": 0})
        if p["kind"] in ("line", "branch"):
            w[p["kind"]].append(p["count"])
        w["holes"] += p["status"] != "hit"
    checked = 0
    for r in rows:
        w = want.get((r["data-file"], int(r["data-line"])),
                     {"line": [], "branch": [], "holes": 0})
        assert r["data-line-hits"] == (str(sum(w["line"])) if w["line"] else ""), r
        br = w["branch"]
        assert r["data-branch"] == (f"{sum(1 for c in br if c > 0)}/{len(br)}" if br else ""), r
        assert r["data-holes"] == str(w["holes"]), r
        assert ("hole" in r["class"].split() or "hole-ok" in r["class"].split()) == \
            bool(w["holes"]), r
        checked += bool(w["line"] or w["branch"] or w["holes"])
    assert checked >= 5


def test_annotated_source_escapes_rtl_text_and_says_when_a_file_is_missing(tmp_path):
    rec = json.loads((FIXTURE / "closure.json").read_text())
    rtl = tmp_path / "rtl" / "evil.sv"
    rtl.parent.mkdir()
    rtl.write_text("module evil;\n  // <script>document.title='PWNED'</script> & <b>x</b>\n"
                   "endmodule\n")
    rec["design"]["files"] = ["rtl/evil.sv", "rtl/gone.sv"]
    p = next(p for p in rec["points"] if p["status"] == "open")
    p["file"], p["line"] = "rtl/evil.sv", 2
    text = render_html(build_view(rec, bases=[tmp_path, ROOT]), out_dir=tmp_path)
    page = Page(text)
    assert len(page.scripts) == 1 and "PWNED" not in page.scripts[0]
    assert "<script>document" not in text and "<b>x</b>" not in text
    assert ("// &lt;script&gt;document.title=&#x27;PWNED&#x27;&lt;/script&gt; &amp; "
            "&lt;b&gt;x&lt;/b&gt;") in text
    rows = [r for r in _src_rows(text) if r["data-file"] == "rtl/evil.sv"]
    assert len(rows) == 3 and rows[1]["data-holes"] == "1" and "hole" in rows[1]["class"]
    assert "Source file not found: rtl/gone.sv" in page.visible
    assert not any(r["data-file"] == "rtl/gone.sv" for r in _src_rows(text))


def test_each_test_has_its_rerun_command(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    rec = json.loads((FIXTURE / "closure.json").read_text())
    text, _ = render(FIXTURE, tmp_path)
    cells = [" ".join(b).strip() for _, _, b in Elements(
        text, lambda t, a: t == "td" and a.get("class") == "rerun").found]
    want = [f"dv regress testbenches/{rec['design']['top']} --test {t['name']} "
            f"--seed {t['seed']}" for r in rec["rounds"] for t in r["tests"]]
    assert want and cells == want
    # the command exists: dv regress takes a testbench, --test NAME and --seed N
    from dv.cli import regress

    opts = {o for p in regress.params for o in getattr(p, "opts", [])}
    assert {"--test", "--seed"} <= opts


def _vcd_at_edges(path: Path, name: str) -> list[int]:
    """``name``'s value at each rising clock edge, read here from the VCD's text."""
    head, body = path.read_text().split("$enddefinitions", 1)
    top = head.split("$scope module", 2)[1]  # the top scope, up to its first sub-scope
    codes = dict(re.findall(r"\$var wire \d+ (\S+) (\w+)", top))
    clk = next(c for c, n in codes.items() if n == "clk")
    sig = next(c for c, n in codes.items() if n == name)
    val, out = 0, []
    for ln in body.splitlines():
        if ln == "1" + clk:
            out.append(val)
        m = re.fullmatch(r"b([01]+) (\S+)", ln)
        if m and m.group(2) == sig:
            val = int(m.group(1), 2)
    return out


def test_refuted_assertions_have_a_cycle_table_from_their_vcd(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    frec = json.loads((FIXTURE / "formal" / "formal.json").read_text())
    text, page = render(FIXTURE, tmp_path)
    refuted = [p for p in frec["properties"] if p["status"] == "refuted"]
    for p in refuted:
        anchor = "cex-" + re.sub(r"[^0-9A-Za-z]", "-", p["name"])
        assert anchor in page.ids and f'href="#{anchor}"' in text
        table = text.split(f'id="{anchor}"')[1].split("</table>")[0]
        row = table.split("<th><code>count</code></th>")[1].split("</tr>")[0]
        shown = [int(x) for x in re.findall(r'<td class="n">(\d+)</td>', row)]
        want = _vcd_at_edges(FIXTURE / "formal" / "traces" / Path(p["vcd"]).name, "count")
        assert shown == want and len(shown) > 5
        depth = json.loads((FIXTURE / "closure.json").read_text())["design"]["parameters"][
            "DEPTH"]
        assert max(shown) > depth  # the counterexample shows count over DEPTH
    # a long trace is cut, and the page says so
    from dv.report.vcd import read_vcd

    long = tmp_path / "long.vcd"
    long.write_text("$scope module t $end\n$var wire 1 ! clk $end\n$var wire 8 \" n $end\n"
                    "$upscope $end\n$enddefinitions $end\n"
                    + "".join(f"#{10 * i}\n0!\nb{i % 256:b} \"\n#{10 * i + 5}\n1!\n"
                              for i in range(1000)))
    t = read_vcd(long, max_cycles=64)
    assert len(t.rows) == 64 and t.signals == ["n"] and t.rows[3] == ["0x3"]
    assert "only the first 64 cycles are shown" in t.notes
    # a refuted assertion whose VCD is gone says so
    frec2 = copy.deepcopy(frec)
    for p in frec2["properties"]:
        if p["status"] == "refuted":
            p["vcd"] = "nowhere/x.vcd"
    rec = json.loads((FIXTURE / "closure.json").read_text())
    v = build_view(rec, formal=frec2, bases=[tmp_path])
    assert "the counterexample VCD nowhere/x.vcd was not found" in \
        Page(render_html(v, out_dir=tmp_path)).visible


def _regress_record(top: str) -> dict:
    def cov(hit, total, bhit, btotal, regressed=False):
        now = {"kind": "x", "hit": hit, "total": total, "waived": 0,
               "percent": round(100 * hit / total, 2)}
        base = {"kind": "x", "hit": bhit, "total": btotal, "waived": 0,
                "percent": round(100 * bhit / btotal, 2)}
        return {"now": now, "baseline": base,
                "delta": round(now["percent"] - base["percent"], 2), "regressed": regressed}

    runs = [{"test": f"t{i}", "seed": i, "status": st, "reproduce":
             f"dv regress testbenches/{top} --test t{i} --seed {i}"}
            for i, st in enumerate(("passed", "passed", "failed"))]
    beh = dict(runs[1], behaviour={"status": "changed",
                                   "detail": "cycle 7: dout 0x3 -> 0x4 <b>"})
    return {"format": "dv-regress", "version": 1, "designs": [
        {"top": "other", "verdict": "pass", "runs": []},
        {"top": top, "verdict": "regression", "runs": runs, "new_failures": [runs[2]],
         "behaviour_changes": [beh], "lost": [],
         "coverage": {"line": cov(9, 10, 10, 10, True), "toggle": cov(50, 80, 40, 80)},
         "notes": []}]}


def test_latest_regression_section(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    reg = _regress_record("fifo")
    f = tmp_path / "regress.json"
    f.write_text(json.dumps(reg))
    text, page = render(FIXTURE, tmp_path, regress=f)
    d = reg["designs"][1]
    passed = sum(1 for r in d["runs"] if r["status"] == "passed")
    assert f"{passed} of {len(d['runs'])} test run(s) passed, 1 did not" in page.visible
    for kind, c in d["coverage"].items():
        assert page.cells[(kind, "delta")] == f"{c['delta']:+.2f}", kind
    assert page.cells[("toggle", "delta")] == "+12.50"
    assert "cycle 7: dout 0x3 -&gt; 0x4 &lt;b&gt;" in text  # escaped
    assert "dv regress testbenches/fifo --test t1 --seed 1" in page.visible
    assert "Behaviour changes (1)" in page.visible
    # a regression that did not run this design: said, no numbers invented
    reg["designs"] = reg["designs"][:1]
    f.write_text(json.dumps(reg))
    _, page = render(FIXTURE, tmp_path, regress=f)
    assert "No regression record for this design" in page.visible
    # a corrupt one: exit 2, nothing written
    f.write_text("{not json")
    rc, out = _cli([str(FIXTURE), "--regress", str(f), "--out", str(tmp_path / "x.html")],
                   capsys)
    assert rc == 2 and "regression record" in out and not (tmp_path / "x.html").exists()


def test_progress_chart_plots_each_rounds_coverage(tmp_path):
    rec = json.loads((FIXTURE / "closure.json").read_text())
    r0 = rec["rounds"][0]
    rec["rounds"] = [copy.deepcopy(r0) for _ in range(3)]
    for i, r in enumerate(rec["rounds"]):
        r["index"] = i
        r["summary"]["toggle"]["hit"] = 150 + 20 * i
    text = render_html(build_view(rec, bases=[ROOT]), out_dir=tmp_path)
    assert "progress-chart" in Page(text).ids and "<svg" in text
    dots = [a for _, a, _ in Elements(text, lambda t, a: t == "circle").found]
    want = {(k, r["index"], f"{100 * s['hit'] / s['total']:.2f}")
            for r in rec["rounds"] for k, s in r["summary"].items() if s["total"]}
    got = {(a["data-kind"], int(a["data-round"]), a["data-percent"]) for a in dots}
    assert got == want and len(dots) == len(want)
    assert ("toggle", 2, "95.00") in got
    assert not any(a["data-kind"] in ("fsm_state", "fsm_arc") for a in dots)  # no points: no dot
    assert text.count("<polyline") == len({k for k, _, _ in want})


def test_regression_record_found_by_default_must_be_this_records(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "build" / "regress").mkdir(parents=True)
    reg = _regress_record("fifo")
    d = reg["designs"][1]
    d["testbench"] = "testbenches/fifo"
    # the regression compared with this record's baseline: shown, with nothing to check
    d["baseline"] = str(FIXTURE / "baseline.json")
    (tmp_path / "build" / "regress" / "regress.json").write_text(json.dumps(reg))
    v = load_view(FIXTURE)
    assert v.regress is not None and v.regress.mismatch == ""
    # another coverage/fifo's baseline (the committed example, say): not shown by default
    d["baseline"] = "coverage/fifo/baseline.json"
    (tmp_path / "build" / "regress" / "regress.json").write_text(json.dumps(reg))
    v = load_view(FIXTURE)
    assert v.regress is None
    page = Page(render_html(v, out_dir=tmp_path))
    assert "not for this record: not shown (pass --regress to show it anyway)" in page.visible
    assert "regress-tests" not in page.ids
    # named with --regress: shown, with the mismatch said
    v = load_view(FIXTURE, regress=tmp_path / "build" / "regress")
    page = Page(render_html(v, out_dir=tmp_path))
    assert "regress-tests" in page.ids and "regress-mismatch" in page.ids
    assert "may be of another record of top 'fifo'" in page.visible
    # a corrupt one found by default does not stop the report (it says so); named, it does
    (tmp_path / "build" / "regress" / "regress.json").write_text("{oops")
    v = load_view(FIXTURE)
    assert v.regress is None and "was not read" in v.regress_note
    with pytest.raises(InputError):
        load_view(FIXTURE, regress=tmp_path / "build" / "regress" / "regress.json")


def test_cycle_table_of_a_negedge_trace(tmp_path):
    """dv's traces of a negedge design start the clock high: its active edge is the fall."""
    from dv.formal.engine import Trace
    from dv.formal.trace import vcd_text
    from dv.report.vcd import read_vcd

    tr = Trace(steps=[{"n": i} for i in range(5)], widths={"n": 4, "clk": 1})
    for neg in (False, True):
        f = tmp_path / f"t{neg}.vcd"
        f.write_text(vcd_text(tr, top="t", clock="clk", negedge=neg))
        t = read_vcd(f)
        assert t.clock == "clk" and t.signals == ["n"]
        assert [r[0] for r in t.rows] == ["0", "1", "2", "3", "4"], (neg, t.rows)


def test_markdown_has_rerun_commands_and_the_regression(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    rec = json.loads((FIXTURE / "closure.json").read_text())
    f = tmp_path / "regress.json"
    reg = _regress_record("fifo")
    f.write_text(json.dumps(reg))
    out, _ = write_report(FIXTURE, out=tmp_path / "r.md", fmt="md", regress=f)
    md = out.read_text()
    for r in rec["rounds"]:
        for t in r["tests"]:
            row = next(ln for ln in md.splitlines() if ln.startswith(f"| `{t['name']}` |"))
            assert row.endswith(f"| `dv regress testbenches/fifo --test {t['name']} "
                                f"--seed {t['seed']}` |"), row
    assert "## Latest regression" in md and "regression: 2 of 3 test run(s) passed" in md
    assert "| toggle | 62.5% | 50.0% | +12.50 |" in md


def test_summary_md_states_units_and_never_shows_100_for_a_kind_without_points():
    import json
    from pathlib import Path

    from dv.report import summary_markdown

    rec = json.loads((Path(__file__).parents[1] / "coverage/fifo/closure.json").read_text())
    rec["summary"]["fsm_arc"] = {"hit": 0, "total": 0, "waived": 0, "percent": 100.0}
    md = summary_markdown(rec)
    assert "| fsm_arc (FSM arcs) | 0 | 0 | 0 | n/a |" in md
    line = rec["summary"]["line"]
    assert f"| line (blocks) | {line['hit']} | {line['total']} |" in md


# -- mutation analysis (dv qualify's section of the record) -------------------------------------

def _with_qualify(tmp_path: Path, equivalent=None, stale: str = "") -> Path:
    """A copy of the fixture's record with a ``qualify`` section as dv qualify writes it."""
    rec = json.loads((FIXTURE / "closure.json").read_text())
    surv = {"id": "rtl_examples/fifo/fifo_buggy.sv:45:26:drop-case:2'b10",
            "file": "rtl_examples/fifo/fifo_buggy.sv", "line": 45, "column": 26,
            "kind": "drop-case", "class": "", "description": "case arm 2'b10 <dropped>",
            "behaviour": "changed", "behaviour_detail": "t: count was 3, now 2",
            "original": "count <= count + 1'b1;", "mutant": "begin end",
            "source": "2'b10: count <= count + 1'b1;", "closest_test": "r0_random",
            "closest_test_how": "first test to hit the line block 'case' at x:45",
            "equivalence": {"verdict": "bounded", "depth": 20, "text": "no difference within "
                            "20 cycles (bounded); not proven for longer runs"}}
    rec["qualify"] = {
        "measured": "2026-12-02T10:00:00Z", "record": "coverage/fifo/qualify.json",
        "testbench": "testbenches/fifo", "tests": ["r0_random", "r0_phased"],
        "options": {"seed": 1}, "sites_total": 60,
        "summary": {"mutants": 5, "killed": 2, "error": 1, "hang": 1, "survived": 1,
                    "score_checks": 40.0, "detected_only_by_behaviour": 1,
                    "equivalent": equivalent},
        "behaviour_oracle": "output traces compared with the unmutated run (K=0)",
        "closest_test_rule": "a test that executed the mutant's line",
        "survivors": [surv], "not_built": [],
        "equivalent": [{"id": "rtl_examples/fifo/fifo_buggy.sv:53:22:binop:==->!=",
                        "description": "'==' -> '!='", "equivalence": {
                            "verdict": "equivalent", "k": 2, "text": "equivalent (proven by "
                            "k-induction, k=2; no difference within 20 cycles)"}}]
        if equivalent else []}
    if stale:
        rec["qualify"]["stale"] = stale
    d = tmp_path / "coverage" / "fifo"
    d.mkdir(parents=True)
    (d / "closure.json").write_text(json.dumps(rec))
    return d


def _figures(text: str) -> dict[str, str]:
    return {m.group(1): re.sub(r"<[^>]+>", "", m.group(2)) for m in
            re.finditer(r'<td class="n" data-fig="([^"]+)">(.*?)</td>', text)}


def test_mutation_section_shows_the_figures_and_survivors(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    cov = _with_qualify(tmp_path)
    text, page = render(cov, tmp_path)
    assert "mutation" in page.ids and "survivors" in page.ids and "mutation-figures" in page.ids
    assert _figures(text) == {"mut-killed": "2 of 5 (40.0%)", "mut-behaviour": "1",
                              "mut-hang": "1", "mut-error": "1",
                              "mut-equivalent": "not checked (no equivalence proof in the "
                                                "record)", "mut-surviving": "1"}
    assert "case arm 2&#x27;b10 &lt;dropped&gt;" in text  # record text is escaped
    assert "begin end" in page.visible and "r0_random" in page.visible
    # a bounded miter verdict is said as such, never called equivalent
    assert "miter: no difference within 20 cycles (bounded); not proven" in page.visible
    assert "Equivalent (proven)" not in text
    assert "1 planted bug(s) no check caught (dv qualify)" in page.visible  # flagged
    # the figures sit in the verdict box too, beside coverage
    assert 'id="mutation-summary"' in text and "killed by the testbench" in page.visible
    md = render_markdown(load_view(cov))
    assert "| killed by the testbench's checks | 2 of 5 (40.0%) |" in md
    assert "| equivalent (proven) | not checked (no equivalence proof in the record) |" in md
    assert "`rtl_examples/fifo/fifo_buggy.sv:45`" in md and "`begin end`" in md


def test_mutation_section_proven_count_stale_and_not_run(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    cov = _with_qualify(tmp_path, equivalent=1, stale="measured on an earlier testbench")
    text, page = render(cov, tmp_path)
    assert _figures(text)["mut-equivalent"] == "1"
    assert "Equivalent (proven) (1)" in page.visible and "proven by k-induction, k=2" in text
    assert "mutation-stale" in page.ids and "of an earlier testbench" in page.visible
    # no dv qualify recorded: said, no figures invented
    text, page = render(FIXTURE, tmp_path, name="plain.html")
    assert "mutation" in page.ids and _figures(text) == {}
    assert "Not run: no dv qualify is recorded" in page.visible
    assert "Not run: no `dv qualify` is recorded" in render_markdown(load_view(FIXTURE))


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_mutation_section_renders_in_headless_chromium(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out, view = write_report(_with_qualify(tmp_path), out=tmp_path / "report.html")
    dom, console = _chromium_dom(out, tmp_path)
    assert console == []
    section = dom[dom.index('<section id="mutation">'):]
    section = section[:section.index("</section>")]
    assert "Mutation analysis (1 surviving of 5)" in section
    assert 'data-fig="mut-killed">2 of 5 (40.0%)<' in section
    assert section.count('<tr class="survivor"') == 1 and "begin end" in section
    assert '<a href="#mutation">Mutation</a>' in dom
