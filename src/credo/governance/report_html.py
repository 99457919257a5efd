"""The simulation as HTML: a self-contained file to share (no external asset, no script, its
style inline) and the same body for the operator console, which wraps it in the portal's page
(whose policy allows no inline style). Subject ids are never in it: ``operator_only`` stays
in the JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
GROUPS_SHOWN = 15  # per dimension in the HTML; the JSON has every group


def _shared(document: dict[str, Any]) -> dict[str, Any]:
    public = {k: v for k, v in document.items() if k != "operator_only"}
    return {"d": public, "groups_shown": GROUPS_SHOWN}


def render_body(document: dict[str, Any]) -> Markup:
    """The report's content, for a page that brings its own style (the operator console)."""
    return Markup(_ENV.get_template("report_body.html").render(**_shared(document)))


def render_report(document: dict[str, Any]) -> str:
    """The whole report as one HTML file."""
    return _ENV.get_template("report.html").render(body=render_body(document), **_shared(document))
