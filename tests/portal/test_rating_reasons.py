"""The subject's report page says why a rating is not rated, in the reader's language."""

from __future__ import annotations

from credo.catalog.loader import load_catalogue
from credo.ratings.banding import reason_text
from credo.settings import DEMO_CATALOG
from credo.web.portal.i18n import Translator
from credo.web.portal.views import _rating


def test_a_not_rated_rating_shows_its_reason_in_both_languages() -> None:
    catalogue = load_catalogue(DEMO_CATALOG)
    row = {"rating": "tax_credit_grade", "band": "not_rated", "reason": "stale_assessment",
           "as_of": "2026-03-01", "explanation": {}}  # fmt: skip
    text = reason_text("stale_assessment")
    assert text is not None
    for lang, words in (("en", "Not rated"), ("zh", "未评级")):  # the catalogue's labels
        shown = _rating(catalogue, Translator(lang), row)["band"]
        assert shown == f"{words} ({text[lang]})"
    rated = _rating(catalogue, Translator("en"), {**row, "band": "A", "reason": None})
    assert rated["band"] == "A"
