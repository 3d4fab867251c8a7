"""``dv report``: load the records, build the view, write one HTML page or Markdown file."""

from __future__ import annotations

from pathlib import Path

from dv.files import write_atomic
from dv.report.html import render_html
from dv.report.markdown import render_markdown
from dv.report.view import ReportView, closure_path, load_view

FORMATS = ("html", "md")


def write_report(target: Path, *, out: Path | None = None, fmt: str = "html",
                 formal: Path | None = None,
                 regress: Path | None = None) -> tuple[Path, ReportView]:
    """Render ``coverage/<top>`` (or a closure.json) to ``out`` (default: ``report.html`` or
    ``report.md`` beside the record). Bad or missing records raise :class:`InputError` before
    anything is written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    src = closure_path(Path(target))
    view = load_view(Path(target), formal, regress)
    if out is None:
        out = src.parent / f"report.{fmt}"
    out = Path(out)
    if fmt == "html":
        text = render_html(view, out_dir=out.absolute().parent, source=str(src))
    else:
        text = render_markdown(view)
    write_atomic(out, text)
    return out, view
