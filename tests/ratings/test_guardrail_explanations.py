"""G-36: explanations are intelligible and counterfactual. For every result worse than the best
band, the explanation (``credo rating eval``, the ratings API and the subject's report all
print ``credo.ratings.explain``) gives the main factors most costly first, each with a text in
both languages, and a counterfactual that is true: making the change it names gives a better
band."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from credo.catalog.loader import load_catalogue
from credo.ratings.explain import band_of, counterfactual, reasons
from credo.settings import DEMO_CATALOG

RATING = load_catalogue(DEMO_CATALOG).ratings["tax_credit_grade"]
assert RATING.bands is not None
LABELS = RATING.bands.labels

features = st.fixed_dictionaries(
    {
        "arrears_count": st.integers(0, 6).map(float),
        "long_overdue": st.integers(0, 3).map(float),
        "arrears_amount": st.floats(0, 300_000, allow_nan=False).map(lambda x: round(x, 2)),
        "recent_d_grades": st.integers(0, 2).map(float),
    }
)
TWO_ARREARS = {"arrears_count": 2.0, "long_overdue": 0.0, "arrears_amount": 0.0,
               "recent_d_grades": 0.0}  # fmt: skip


@given(features)
@example(TWO_ARREARS)
@example({**TWO_ARREARS, "arrears_count": 5.0, "long_overdue": 2.0, "arrears_amount": 2e5})
def test_g36_an_adverse_rating_is_explained_by_its_factors_and_a_true_counterfactual(
    values: dict[str, Any],
) -> None:
    band = band_of(RATING, values).band
    if band == LABELS[0]:
        return  # the best band: nothing adverse to explain
    given_reasons = reasons(RATING, values, band)
    assert given_reasons, f"band {band} without a reason"
    for reason in given_reasons:
        assert reason["text"]["en"] and reason["text"]["zh"]  # words, never only a code
    costs = [r["points"] for r in given_reasons if r["points"] is not None]
    assert costs == sorted(costs), "the most costly factor comes first"
    change = counterfactual(RATING, dict(values), band)
    if change is None:
        return
    changed = {**values, change["feature"]: change["to"]}
    assert LABELS.index(band_of(RATING, changed).band) < LABELS.index(band), change


def test_g36_the_counterfactual_names_the_smallest_change_in_words() -> None:
    """Two arrears in a year cost 11 points (89: B); one fewer gives 95: A."""
    assert band_of(RATING, TWO_ARREARS).band == "B"
    [reason] = reasons(RATING, TWO_ARREARS, "B")
    assert reason["code"] == "TAX_ARREARS_COUNT" and reason["points"] == -11
    change = counterfactual(RATING, dict(TWO_ARREARS), "B")
    assert change is not None
    assert (change["feature"], change["to"], change["change"]) == ("arrears_count", 1.0, -1.0)
    assert change["text"] == {
        "en": "fewer tax arrears in the last 12 months",
        "zh": "近12个月欠税记录减少",
    }
