"""Charts as inline SVG, rendered on the server: no JavaScript, no external assets, and each
chart carries a text alternative (role="img" with a title) for screen readers. Counts of
people go through ``aggregate_chart``: small cells are suppressed there as everywhere (G-50)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape as html_escape

from markupsafe import Markup

from credo.statistics import aggregate

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 240
VALUE_WIDTH = 80


def bar_chart(
    title: str,
    items: Sequence[tuple[str, int | float]],
    format_value: Callable[[int | float], str] = str,
    width: int = 600,
) -> Markup:
    """A horizontal bar chart; bars scale to the largest value."""
    return _chart(title, [(label, value, format_value(value)) for label, value in items], width)


def aggregate_chart(
    title: str,
    items: Sequence[tuple[str, int]],
    minimum: int,
    format_value: Callable[[int | float], str] = str,
    width: int = 600,
) -> Markup:
    """A bar chart of counts of people, through ``credo.statistics.aggregate`` (G-50): a cell
    below ``minimum`` has no bar and reads "<minimum", in the chart and in its text
    alternative alike."""
    counted = aggregate({index: count for index, (_, count) in enumerate(items)}, minimum)
    rows: list[tuple[str, int | float | None, str]] = [
        (
            label,
            cell.count,
            f"<{format_value(minimum)}" if cell.count is None else format_value(cell.count),
        )
        for (label, _), cell in zip(items, counted.cells, strict=True)
    ]
    return _chart(title, rows, width)


def _chart(title: str, rows: Sequence[tuple[str, int | float | None, str]], width: int) -> Markup:
    """Rows of (label, value or None for a suppressed cell, the value as text)."""
    if not rows:
        return Markup("")
    largest = max((value for _, value, _ in rows if value is not None), default=0) or 1
    span = width - LABEL_WIDTH - VALUE_WIDTH
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    summary = "; ".join(f"{label}: {text}" for label, _, text in rows)
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="{_id(title)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{_id(title)}">{escape(title)}: {escape(summary)}</title>',
    ]
    for row, (label, value, text) in enumerate(rows):
        y = GAP + row * (BAR_HEIGHT + GAP)
        bar = _bar_width(value, largest, span)
        text_y = y + BAR_HEIGHT * 0.7
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{text_y:.0f}" text-anchor="end" '
            f'class="chart-label">{escape(_shorten(label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar}" height="{BAR_HEIGHT}" '
            f'class="chart-bar"/>'
            f'<text x="{LABEL_WIDTH + bar + 6}" y="{text_y:.0f}" class="chart-value">'
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _bar_width(value: int | float | None, largest: int | float, span: int) -> int:
    """Pixels for ``value``: none for zero or a suppressed cell, at least one otherwise, and
    the full span for the largest value only (a smaller value never looks equal to it)."""
    if not value:
        return 0
    if value >= largest:
        return span
    return min(span - 1, max(1, round(span * value / largest)))


def escape(text: str) -> str:
    """Escaped for SVG text; control characters (not allowed in XML) are dropped."""
    return html_escape("".join(c for c in text if c.isprintable()))


def _shorten(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _id(title: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())[:40]
