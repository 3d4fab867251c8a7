"""Reports: ``closure.json`` is the source of truth; HTML and Markdown are renderings of it.

The names other stages may use, by the module they come from.
"""

from dv.report.closure import KIND_ORDER, closure_record, summary_markdown
from dv.report.html import render_html
from dv.report.markdown import render_markdown
from dv.report.render import FORMATS, write_report
from dv.report.view import ReportView, build_view, load_closure, load_formal, load_view

__all__ = [
    # closure: the record and summary.md
    "KIND_ORDER", "closure_record", "summary_markdown",
    # view: what a reviewer reads, computed once for every rendering
    "ReportView", "build_view", "load_closure", "load_formal", "load_view",
    # html, markdown, render: dv report
    "render_html", "render_markdown", "FORMATS", "write_report",
]
