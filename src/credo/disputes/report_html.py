"""The subject's report as a printable HTML page (the same data as the JSON report)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def render_report(report: dict[str, Any]) -> str:
    return _ENV.get_template("report.html").render(r=report)
