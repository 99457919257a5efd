"""The built-in jurisdiction profiles (CN, EU, US-FCRA) and the rule that a catalogue may only
tighten the one it selects (G-01; GUARDRAILS.md part 4: "a profile may tighten a value but never
loosen the statutory limit it cites").

The profiles ship as package data, one YAML file each (``cn.yaml``, ``eu.yaml``,
``us-fcra.yaml``), versioned and with a source for every value. A catalogue names one in
``registry.profile`` and may give, in a ``profiles`` section (``profiles.yaml``), stricter values
for that profile only. :data:`RULES` says per key which direction is stricter; it is the table in
docs/catalogue.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from credo.catalog.models import PROFILE_META_KEYS, Duration, Profile
from credo.catalog.problems import Problem
from credo.catalog.vocab import SeverityTier

Direction = Literal["lower", "higher", "false", "order"]

CROSS_DOMAIN_ORDER = ("forbidden", "statute_named", "law_or_policy_named")


@dataclass(frozen=True)
class Rule:
    """Which way a profile value may move, and the guardrail the value serves."""

    stricter: Direction
    guardrail: str
    why: str
    null_means: str | None = None  # what ``null`` stands for, where a value may be null


RULES: dict[str, Rule] = {
    "dispute_deadline_days": Rule("lower", "G-27", "the registry's own deadline"),
    "dispute_extension_days": Rule("lower", "G-27", "the registry's own deadline"),
    "furnisher_notice_business_days": Rule("lower", "G-27", "the registry's own deadline"),
    "result_notice_business_days": Rule("lower", "G-27", "the registry's own deadline"),
    "objection_window_days": Rule("higher", "G-22", "the subject's window before a listing"),
    "catalogue_comment_days": Rule("higher", "G-08", "the public's comment period"),
    "inquiry_retention_days": Rule(
        "higher", "G-24", "how long the subject can see who looked them up"
    ),
    "quarantine_retention_days": Rule(
        "lower", "G-41", "how long refused input rows (raw personal data) are kept"
    ),
    "correction_lookback_days": Rule(
        "higher", "G-30", "how far back corrections reach recipients", "every recipient"
    ),
    "decision_validity_hours": Rule("lower", "G-39", "how long a decision may be relied on"),
    "cross_domain_measures": Rule(
        "order", "G-10", "forbidden < statute_named < law_or_policy_named"
    ),
    "effect_ceiling.max": Rule("lower", "G-01", "the longest a record has effect"),
    "effect_ceiling.min": Rule(
        "lower", "G-42", "the earliest a subject may apply for repair", "no minimum"
    ),
    "consumer_credit_max": Rule("lower", "G-41", "how long consumer-credit items are kept"),
    "minors_on_negative_lists": Rule("false", "G-21", "false: minors are never listed"),
    "repair_decision_days": Rule("lower", "G-42", "the registry's own deadline"),
    "free_reports_per_year": Rule("higher", "G-23", "the subject's free reports", "no limit"),
    "assessment_validity": Rule("lower", "G-41", "how long an assessment speaks"),
}

OVERRIDABLE = frozenset(k for k in Profile.model_fields if k not in PROFILE_META_KEYS)


def builtin_profiles() -> dict[str, Profile]:
    """Every built-in profile by id (validated; an invalid one is a packaging error)."""
    profiles, problems = _load_builtins()
    if problems:
        raise RuntimeError("; ".join(str(p) for p in problems))
    return dict(profiles)


@cache
def _load_builtins() -> tuple[dict[str, Profile], tuple[Problem, ...]]:
    profiles: dict[str, Profile] = {}
    problems: list[Problem] = []
    folder = resources.files(__name__)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        where = f"credo/catalog/profiles/{entry.name}"
        try:
            profile = Profile.model_validate(yaml.safe_load(entry.read_text(encoding="utf-8")))
        except (yaml.YAMLError, ValidationError) as exc:
            problems.append(Problem(where, "-", f"built-in profile is invalid: {exc}"))
            continue
        profiles[profile.id] = profile
    return profiles, tuple(problems)


def builtin_problems() -> list[Problem]:
    return list(_load_builtins()[1])


def tighten(
    base: Profile, raw: dict[str, Any], file: str, key: str
) -> tuple[Profile | None, list[Problem]]:
    """The built-in ``base`` with a catalogue's stricter values ``raw`` applied, or the problems:
    unknown or fixed keys, invalid values, and every value looser than the built-in one."""
    problems: list[Problem] = []
    given = {k: v for k, v in raw.items() if k != "id"}
    for name in sorted(given):
        if name in ("name", "version"):
            problems.append(
                Problem(file, f"{key}.{name}", f"is set by the built-in {base.id} profile")
            )
        elif name not in OVERRIDABLE and name != "sources":
            problems.append(Problem(file, f"{key}.{name}", "unknown field (not allowed)"))
    ceiling = given.get("effect_ceiling")
    if ceiling is not None and not _is_ceiling_override(ceiling):
        problems.append(
            Problem(
                file,
                f"{key}.effect_ceiling",
                "must map tiers (minor, general, serious) to {min, max}",
            )
        )
    sources = given.get("sources") or {}
    if not isinstance(sources, dict):
        problems.append(Problem(file, f"{key}.sources", "must map keys to citations"))
    if problems:
        return None, problems
    changed = _changed_keys(given)
    for source_key in sorted(set(sources) - set(changed)):
        problems.append(
            Problem(
                file,
                f"{key}.sources.{source_key}",
                "a catalogue gives a source only for a value it tightens",
            )
        )
    if problems:
        return None, problems

    merged = base.model_dump(mode="json")
    for name, value in given.items():
        if name == "effect_ceiling":
            for tier, bounds in value.items():
                merged["effect_ceiling"].setdefault(tier, {}).update(bounds)
        elif name != "sources":
            merged[name] = value
    for changed_key in changed:
        merged["sources"][changed_key] = sources.get(changed_key) or (
            f"tightened by the catalogue ({file}); built-in: {base.sources[changed_key]}"
        )
    try:
        profile = Profile.model_validate(merged)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            problems.append(Problem(file, f"{key}.{where}" if where else key, error["msg"]))
        return None, problems

    for path, new, old, rule in _compared(profile, base, given):
        if _looser(rule, new, old):
            problems.append(
                Problem(
                    file,
                    f"{key}.{path}",
                    f"{_show(new, rule)} is looser than the built-in {base.id} profile's "
                    f"{_show(old, rule)} (G-01: a catalogue may only tighten its profile"
                    + ("" if rule.guardrail == "G-01" else f"; this value serves {rule.guardrail}")
                    + ")",
                )
            )
    return (None if problems else profile), problems


def _is_ceiling_override(value: Any) -> bool:
    tiers = {t.value for t in SeverityTier}
    return isinstance(value, dict) and all(
        tier in tiers and isinstance(bounds, dict) and set(bounds) <= {"min", "max"}
        for tier, bounds in value.items()
    )


def _changed_keys(given: dict[str, Any]) -> list[str]:
    """The source keys of the values a catalogue gives (effect ceilings per tier)."""
    keys: list[str] = []
    for name in given:
        if name == "effect_ceiling":
            keys += [f"effect_ceiling.{tier}" for tier in given[name]]
        elif name != "sources":
            keys.append(name)
    return keys


def _compared(
    profile: Profile, base: Profile, given: dict[str, Any]
) -> list[tuple[str, Any, Any, Rule]]:
    pairs: list[tuple[str, Any, Any, Rule]] = []
    for name in given:
        if name == "effect_ceiling":
            for tier_name, bounds in given[name].items():
                tier = SeverityTier(tier_name)
                for bound in bounds:
                    new = getattr(profile.effect_ceiling[tier], bound)
                    old = getattr(base.effect_ceiling[tier], bound)
                    rule = RULES[f"effect_ceiling.{bound}"]
                    pairs.append((f"effect_ceiling.{tier_name}.{bound}", new, old, rule))
        elif name in RULES:
            pairs.append((name, getattr(profile, name), getattr(base, name), RULES[name]))
    return pairs


def _looser(rule: Rule, new: Any, old: Any) -> bool:
    """Whether ``new`` loosens ``old`` under ``rule`` (equal is not looser)."""
    if rule.stricter == "false":
        return bool(new) and not bool(old)
    if rule.stricter == "order":
        return CROSS_DOMAIN_ORDER.index(new) > CROSS_DOMAIN_ORDER.index(old)
    if rule.stricter == "lower":
        # null is "no minimum" (zero), the strictest a lower-is-stricter value can be
        if new is None:
            return False
        if old is None:
            return True
        return not at_most(new, old)
    # higher is stricter; null is "no limit", the strictest
    if new is None:
        return False
    if old is None:
        return True
    return not at_most(old, new)


def at_most(a: int | Duration, b: int | Duration) -> bool:
    """``a <= b`` for numbers; for periods, ``a`` is no longer than ``b`` whatever the start
    date (``12m`` = ``1y``, ``365d`` <= ``1y``, but ``30d`` is not <= ``1m``: February)."""
    if isinstance(a, Duration) and isinstance(b, Duration):
        if a.unit != "d" and b.unit != "d":
            return _months(a) <= _months(b)
        return _span(a)[1] <= _span(b)[0]
    return bool(a <= b)  # type: ignore[operator]


def _months(period: Duration) -> int:
    return period.amount * (12 if period.unit == "y" else 1)


@cache
def _span(period: Duration) -> tuple[int, int]:
    """The fewest and most days ``period`` can last, over every start date of a leap cycle."""
    if period.unit == "d":
        return period.amount, period.amount
    first = date(2024, 1, 1)
    lengths = [
        (period.add_to(start) - start).days
        for start in (first + timedelta(days=n) for n in range(4 * 365 + 1))
    ]
    return min(lengths), max(lengths)


def _show(value: Any, rule: Rule) -> str:
    if value is None:
        return f"null ({rule.null_means})" if rule.null_means else "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
