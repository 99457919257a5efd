"""Server-side SVG charts, the dispute backlog buckets and the language formats."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from credo.web.portal.charts import bar_chart
from credo.web.portal.i18n import LANGUAGES, Translator, choose_language, load_messages
from credo.web.portal.views import dispute_backlog

SVG = "{http://www.w3.org/2000/svg}"


@given(
    st.lists(
        st.tuples(st.text(min_size=1, max_size=40), st.integers(0, 10**9)), min_size=1, max_size=12
    )
)
def test_bar_chart_is_well_formed_svg_with_a_text_alternative(items: list[tuple[str, int]]) -> None:
    svg = ET.fromstring(str(bar_chart("Records <by> type", items)))
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    assert title is not None and title.text is not None
    assert title.text.startswith("Records <by> type")
    bars = svg.findall(f"{SVG}rect")
    assert len(bars) == len(items)
    largest = max(value for _, value in items)
    widths = [float(bar.get("width", 0)) for bar in bars]
    for (_, value), width in zip(items, widths, strict=True):
        assert (width == max(widths)) == (value == largest) or largest == 0


def test_empty_chart_renders_nothing() -> None:
    assert str(bar_chart("Nothing", [])) == ""


def test_dispute_backlog_buckets() -> None:
    now = datetime(2026, 6, 30, 12, tzinfo=UTC)
    deadlines = [now - timedelta(days=1), now + timedelta(days=3), now + timedelta(days=20)]
    deadlines.append((now + timedelta(days=2)).replace(tzinfo=None))  # SQLite drops the zone
    assert dispute_backlog(Translator("en"), deadlines, now) == [
        ("overdue", 1),
        ("due within 7 days", 2),
        ("due later", 1),
    ]
    assert dispute_backlog(Translator("en"), [], now) == []


def test_language_choice_and_formats() -> None:
    assert choose_language("zh", "en", None) == "zh"
    assert choose_language(None, "zh", "en-GB") == "zh"
    assert choose_language("xx", None, "zh-CN,zh;q=0.9") == "zh"
    assert choose_language(None, None, None) == "en"
    english, chinese = Translator("en"), Translator("zh")
    assert english.date(date(2026, 3, 5)) == "5 Mar 2026"
    assert chinese.date(date(2026, 3, 5)) == "2026年3月5日"
    assert chinese.date("2026-03-05T10:00:00+00:00") == "2026年3月5日"
    assert english.money(1234567.5) == "CNY 1,234,567.50"
    assert chinese.money(1234567.5) == "1,234,567.50 元"
    assert english.number(1234567) == "1,234,567"
    assert english("nav.home") != chinese("nav.home")


def test_every_interface_text_is_package_data_in_each_portal_language() -> None:
    """The portal's texts are read from the package (messages.yaml, shipped in the wheel):
    each message id has a non-empty text in every language the portal speaks."""
    messages = load_messages()
    assert len(messages.texts) > 250
    for key, entry in messages.texts.items():
        assert set(entry) == set(LANGUAGES), key
        assert all(isinstance(text, str) and text for text in entry.values()), key
    assert Translator("zh", messages=messages)("nav.home") == "公示查询"
    assert Translator("zh", messages=messages)("changes.approve") == "批准"
    assert Translator("en", messages=messages)("no.such.message") == "no.such.message"
