"""Static guardrails checked when the catalogue loads (GUARDRAILS.md G-01..G-08, G-13, G-19,
G-45). The built-in profiles and the only-tighten rule are in ``credo.catalog.profiles``.

Each check returns problems rather than raising, so one run reports everything wrong."""

from __future__ import annotations

import re
from importlib import import_module
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from credo.catalog.languages import text_problems
from credo.catalog.list_checks import list_problems
from credo.catalog.models import IdentifierScheme
from credo.catalog.problems import Problem
from credo.catalog.profiles import at_most
from credo.catalog.ratings import rating_messages
from credo.catalog.vocab import (
    BANNED_DOMAIN_CONCEPTS,
    BANNED_EVIDENCE_KINDS,
    SURVEILLANCE_TOKENS,
    Domain,
    SubjectKind,
    denied_field_reason,
)

if TYPE_CHECKING:
    from credo.catalog.catalogue import Catalogue

_DOMAIN_BEARING = ("record_types", "ratings", "lists", "measures")


def pre_validation_problems(
    section: str, item: dict[str, Any], file: str, key: str
) -> list[Problem]:
    """Checks that need the raw YAML, so that a forbidden value gets a message saying why it is
    forbidden instead of a generic "not a valid choice"."""
    problems: list[Problem] = []
    domain = item.get("domain")
    if section in _DOMAIN_BEARING and isinstance(domain, str) and domain not in set(Domain):
        problems.append(Problem(file, f"{key}.domain", _domain_message(domain)))
    if section == "purposes":
        for value in item.get("domains") or []:
            if isinstance(value, str) and value not in set(Domain):
                problems.append(Problem(file, f"{key}.domains", _domain_message(value)))
    if section == "record_types":
        problems.extend(_payload_problems(item.get("payload"), file, key))
        evidence = item.get("evidence_kind")
        for kind in [evidence] if isinstance(evidence, str) else (evidence or []):
            if kind in BANNED_EVIDENCE_KINDS:
                problems.append(
                    Problem(
                        file,
                        f"{key}.evidence_kind",
                        f"{kind!r} is not a legally effective decision; tips, signals and "
                        "suspicions are not evidence (G-05)",
                    )
                )
    if section == "schemes":
        problems.extend(_scheme_kind_problems(item, file, key))
        text = f"{item.get('id', '')} {item.get('name', '')}".lower()
        for banned in SURVEILLANCE_TOKENS:
            if banned in text:
                problems.append(
                    Problem(
                        file,
                        key,
                        f"identifier scheme mentions {banned!r}: no "
                        "biometric or surveillance identification (G-04)",
                    )
                )
                break
    return problems


def post_validation_problems(section: str, entry: BaseModel, file: str, key: str) -> list[Problem]:
    """Checks of one entry that need its typed form."""
    if section == "schemes" and isinstance(entry, IdentifierScheme):
        return scheme_pattern_problems(entry.pattern, entry.example, file, key)
    return []


# --- identifier schemes (G-19) --------------------------------------------------------------

BUILTIN_SCHEME_IDS = ("cn_ric", "cn_uscc", "lei")  # python-stdnum; catalogue.BUILTIN_SCHEMES
SCHEME_KINDS = ("issuer_reference",)
MAX_IDENTIFIER_LENGTH = 40
# Names and free text no identifier scheme may accept. The structural rules below already
# refuse every one of them (none contains a digit, or they hold a name next to a digit); the
# probes make the refusal concrete in the message.
NAME_PROBES: tuple[str, ...] = (
    "Acme Trading Co., Ltd.",
    "ACME TRADING",
    "Zhang Wei",
    "北京某某有限公司",
    "John Smith & Sons",
    "ACME",
    "Smith",
    "ZHANGWEI",
    "zhangwei",
    "张伟",
    "Müller GmbH",
    "O'Brien",
    "Jean-Luc",
    "ZHANGWEI1",
    "1ZHANGWEI",
    "Acme2024",
    "ACMETRADING01",
    "zhangwei88",
)
# A name with digits around it ("ZHANGWEI1", "1ZHANGWEI1", "ACME07"): a digit must not carry a
# name into an identifier.
DIGIT_NAME_PROBES: tuple[str, ...] = tuple(
    form.format(name=name, d=d)
    for name in ("ZHANGWEI", "ACME", "Smith", "zhangwei", "张伟")
    for d in "0123456789"
    for form in ("{name}{d}", "{d}{name}", "{d}{name}{d}", "{name}0{d}")
)
_PARSER: Any = import_module("re._parser")
# Every whitespace character there is (the last one is U+3000, the ideographic space).
_SPACES = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace())


def _scheme_kind_problems(item: dict[str, Any], file: str, key: str) -> list[Problem]:
    problems: list[Problem] = []
    kind = item.get("kind")
    if kind is not None and kind not in SCHEME_KINDS:
        problems.append(
            Problem(
                file,
                f"{key}.kind",
                f"unknown scheme kind {kind!r}: the kinds are closed (G-19): cn_ric, cn_uscc and "
                "lei are built in and validated by python-stdnum; a catalogue registers only "
                "issuer_reference schemes, an issuer's reference number with a declared structure",
            )
        )
    if item.get("id") in BUILTIN_SCHEME_IDS:
        problems.append(
            Problem(
                file,
                f"{key}.id",
                f"{item['id']!r} is built in and validated by python-stdnum; a catalogue cannot "
                "redefine it (G-19)",
            )
        )
    return problems


def scheme_pattern_problems(pattern: str, example: str, file: str, key: str) -> list[Problem]:
    """Why an issuer_reference pattern could take a name or free text for an identifier (G-19).

    The rule, decided on the parsed pattern rather than by trying inputs: the pattern is
    anchored (``^...$``); no value it accepts is longer than 40 characters; every value it
    accepts contains a digit (names have none); no value contains whitespace; and it accepts
    none of :data:`NAME_PROBES`. It must also accept its own ``example``."""
    problems: list[Problem] = []
    tree = _PARSER.parse(pattern)
    items = list(tree)
    icase = bool(tree.state.flags & re.IGNORECASE)
    reasons: list[str] = []
    unsupported = sorted(_unsupported(items))
    if unsupported:
        reasons.append(
            f"it uses {', '.join(unsupported)} (lookarounds, back-references and boundaries "
            "are not allowed: declare the structure)"
        )
    if not _anchored(items):
        reasons.append("it is not anchored as ^...$ (wrap alternatives: ^(?:A|B)$)")
    longest = tree.getwidth()[1]
    if longest > MAX_IDENTIFIER_LENGTH:
        reasons.append(
            f"values may be {longest} characters long"
            if longest < 10_000
            else "values have no maximum length"
        )
        reasons[-1] += f" (at most {MAX_IDENTIFIER_LENGTH})"
    # Matched by a position-set simulation, not by re: no catastrophic backtracking here.
    accepted = (
        []
        if unsupported
        else [p for p in (*NAME_PROBES, *DIGIT_NAME_PROBES) if _accepts(items, p, icase)]
    )
    if accepted:
        reasons.append("it accepts " + ", ".join(repr(p) for p in accepted[:3]))
    if _may_lack_digit(items):
        reasons.append("it accepts values without a digit (declare where the digits are)")
    if _may_contain(items, _SPACES):
        reasons.append("it accepts whitespace")
    if reasons:
        problems.append(
            Problem(
                file,
                f"{key}.pattern",
                f"{pattern!r} admits names or free text: {'; '.join(reasons)} (G-19: identity "
                "is matched on identifiers, never on a name; an issuer_reference is anchored, "
                f"at most {MAX_IDENTIFIER_LENGTH} characters, always has a digit and never "
                "whitespace)",
            )
        )
    if not unsupported and not _accepts(items, example, icase):
        problems.append(
            Problem(file, f"{key}.example", f"{example!r} does not match the pattern {pattern!r}")
        )
    return problems


_SUPPORTED = {
    "LITERAL", "NOT_LITERAL", "ANY", "IN", "MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT",
    "SUBPATTERN", "ATOMIC_GROUP", "BRANCH",
}  # fmt: skip
_SUPPORTED_AT = {"AT_BEGINNING", "AT_BEGINNING_STRING", "AT_END", "AT_END_STRING"}


def _unsupported(items: list[Any]) -> set[str]:
    found: set[str] = set()
    for op_, av in items:
        op = str(op_)
        if op == "AT":
            if str(av) not in _SUPPORTED_AT:
                found.add(str(av))
        elif op not in _SUPPORTED:
            found.add(op)
        elif op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            found |= _unsupported(list(av[2]))
        elif op == "SUBPATTERN":
            found |= _unsupported(list(av[-1]))
        elif op == "ATOMIC_GROUP":
            found |= _unsupported(list(av))
        elif op == "BRANCH":
            for alt in av[1]:
                found |= _unsupported(list(alt))
    return found


def _accepts(items: list[Any], text: str, icase: bool) -> bool:
    """Whether the parsed pattern matches the whole of ``text`` (supported subset only)."""
    return len(text) in _positions(items, text, frozenset({0}), icase)


def _positions(items: list[Any], text: str, starts: frozenset[int], icase: bool) -> frozenset[int]:
    """The end positions the sequence can reach from ``starts`` (a Thompson-style simulation:
    polynomial, whatever the pattern)."""
    current = starts
    for op_, av in items:
        if not current:
            break
        op = str(op_)
        if op in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
            current = frozenset(
                p + 1 for p in current if p < len(text) and _char_ok(op, av, text[p], icase)
            )
        elif op == "AT":
            at_start = str(av).startswith("AT_BEGINNING")
            current = frozenset(p for p in current if p == (0 if at_start else len(text)))
        elif op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            current = _repeat(av, text, current, icase)
        elif op == "SUBPATTERN":
            flags = av[1] or 0
            current = _positions(list(av[-1]), text, current, icase or bool(flags & re.IGNORECASE))
        elif op == "ATOMIC_GROUP":
            current = _positions(list(av), text, current, icase)
        elif op == "BRANCH":
            current = frozenset().union(
                *(_positions(list(alt), text, current, icase) for alt in av[1])
            )
    return current


def _repeat(av: Any, text: str, starts: frozenset[int], icase: bool) -> frozenset[int]:
    low, high, sub = av
    body = list(sub)
    reached = starts if low == 0 else frozenset()
    current = starts
    count = 0
    while count < high and current:
        following = _positions(body, text, current, icase)
        count += 1
        if following == current:  # only empty matches from here on: nothing new
            if count < low:
                count = low
            if count >= low:
                reached |= following
            break
        current = following
        if count >= low:
            reached |= current
    return reached


def _char_ok(op: str, av: Any, ch: str, icase: bool) -> bool:
    variants = {ch, ch.lower(), ch.upper()} if icase else {ch}
    if op == "ANY":
        return ch != "\n"
    if op == "LITERAL":
        return any(v == chr(av) for v in variants)
    if op == "NOT_LITERAL":
        return all(v != chr(av) for v in variants)
    return any(_class_accepts(av, v) for v in variants)


def _anchored(items: list[Any]) -> bool:
    if len(items) < 2 or str(items[0][0]) != "AT" or str(items[-1][0]) != "AT":
        return False
    starts = str(items[0][1]) in ("AT_BEGINNING", "AT_BEGINNING_STRING")
    return starts and str(items[-1][1]) in ("AT_END", "AT_END_STRING")


def _may_lack_digit(items: list[Any]) -> bool:
    """Whether the sequence can match some string with no decimal digit."""
    return all(_node_may_lack_digit(str(op), av) for op, av in items)


def _node_may_lack_digit(op: str, av: Any) -> bool:
    if op == "LITERAL":
        return not chr(av).isdecimal()
    if op == "IN":
        if str(av[0][0]) == "NEGATE":  # [^...] takes some non-digit unless it is [^\D]
            return not any(str(value) == "CATEGORY_NOT_DIGIT" for _kind, value in av)
        return any(_class_item_has_non_digit(str(kind), value) for kind, value in av)
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _high, sub = av
        return bool(low == 0 or _may_lack_digit(list(sub)))
    if op == "SUBPATTERN":
        return _may_lack_digit(list(av[-1]))
    if op == "ATOMIC_GROUP":
        return _may_lack_digit(list(av))
    if op == "BRANCH":
        return any(_may_lack_digit(list(alt)) for alt in av[1])
    return True  # AT and lookarounds match nothing; ANY, NOT_LITERAL, GROUPREF: assume so


def _class_item_has_non_digit(kind: str, value: Any) -> bool:
    if kind == "LITERAL":
        return not chr(value).isdecimal()
    if kind == "RANGE":
        low, high = value
        return any(not chr(c).isdecimal() for c in range(low, min(high, low + 64) + 1))
    if kind == "CATEGORY":
        return str(value) != "CATEGORY_DIGIT"
    return True


def _may_contain(items: list[Any], chars: str) -> bool:
    """Whether any part of the sequence can match one of ``chars`` (reachability ignored)."""
    for op_, av in items:
        op = str(op_)
        if op == "LITERAL":
            hit = chr(av) in chars
        elif op == "IN":
            hit = any(_class_accepts(av, ch) for ch in chars)
        elif op in ("ANY", "NOT_LITERAL"):
            hit = True
        elif op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            hit = av[1] > 0 and _may_contain(list(av[2]), chars)
        elif op == "SUBPATTERN":
            hit = _may_contain(list(av[-1]), chars)
        elif op == "ATOMIC_GROUP":
            hit = _may_contain(list(av), chars)
        elif op == "BRANCH":
            hit = any(_may_contain(list(alt), chars) for alt in av[1])
        else:
            hit = False  # AT, lookarounds and back-references consume nothing new
        if hit:
            return True
    return False


def _class_accepts(items: Any, ch: str) -> bool:
    negate = False
    hit = False
    for kind_, value in items:
        kind = str(kind_)
        if kind == "NEGATE":
            negate = True
        elif kind == "LITERAL":
            hit = hit or ch == chr(value)
        elif kind == "RANGE":
            hit = hit or value[0] <= ord(ch) <= value[1]
        elif kind == "CATEGORY":
            hit = hit or _in_category(str(value), ch)
        else:
            hit = True
    return hit != negate


def _in_category(category: str, ch: str) -> bool:
    tests = {
        "CATEGORY_DIGIT": ch.isdecimal(),
        "CATEGORY_SPACE": ch.isspace(),
        "CATEGORY_WORD": ch.isalnum() or ch == "_",
    }
    if category in tests:
        return tests[category]
    if category.replace("_NOT_", "_") in tests:
        return not tests[category.replace("_NOT_", "_")]
    return True


def _domain_message(domain: str) -> str:
    lowered = domain.lower()
    banned = next((c for c in BANNED_DOMAIN_CONCEPTS if c in lowered), None)
    allowed = ", ".join(d.value for d in Domain)
    if banned:
        return (
            f"domain {domain!r} names a forbidden concept ({banned!r}): there is no political,"
            f" religious, moral, family or civic-behaviour domain (G-02); allowed: {allowed}"
        )
    return f"unknown domain {domain!r}: the domain list is closed (G-02); allowed: {allowed}"


def _payload_problems(payload: Any, file: str, key: str) -> list[Problem]:
    if not isinstance(payload, dict):
        return []
    problems = []
    for name, spec in payload.items():
        category = spec.get("category") if isinstance(spec, dict) else None
        reason = denied_field_reason(str(name), category)
        if reason:
            problems.append(Problem(file, f"{key}.payload.{name}", reason))
    return problems


def catalogue_problems(catalogue: Catalogue) -> list[Problem]:
    """Cross-entry checks over a catalogue whose entries are each valid on their own."""
    problems = _profile_problems(catalogue)
    if problems:
        return problems
    problems += _record_type_problems(catalogue)
    problems += _furnisher_problems(catalogue)
    problems += _rating_problems(catalogue)
    problems += list_problems(catalogue)
    problems += text_problems(catalogue)
    return problems


def _rating_problems(catalogue: Catalogue) -> list[Problem]:
    """Cross-entry checks for ratings (``credo.catalog.ratings.rating_messages``)."""
    problems: list[Problem] = []
    for rating in catalogue.ratings.values():
        origin = catalogue.origin_of("ratings", rating.id)
        for key, message in rating_messages(catalogue.record_types, rating):
            problems.append(Problem(origin, f"ratings[{rating.id}].{key}", message))
    return problems


def _profile_problems(catalogue: Catalogue) -> list[Problem]:
    wanted = catalogue.active_profile_id
    if wanted in catalogue.profiles:
        return []
    known = ", ".join(sorted(catalogue.profiles)) or "none"
    chosen_here = wanted == catalogue.registry.profile
    return [
        Problem(
            catalogue.origin_of("registry", "registry") if chosen_here else "<command line>",
            "registry.profile" if chosen_here else "--profile",
            f"{wanted!r} is not a built-in profile (built in: {known})",
        )
    ]


def _record_type_problems(catalogue: Catalogue) -> list[Problem]:
    profile = catalogue.profile
    problems: list[Problem] = []
    for rt in catalogue.record_types.values():
        file = catalogue.origin_of("record_types", rt.id)
        key = f"record_types[{rt.id}]"
        ceiling = profile.effect_ceiling[rt.severity_tier]
        if rt.assessment:  # holds until the next assessment, within the profile's validity
            if not at_most(rt.max_effect, profile.assessment_validity):
                problems.append(
                    Problem(
                        file,
                        f"{key}.max_effect",
                        f"{rt.max_effect} exceeds the {profile.id} assessment validity of "
                        f"{profile.assessment_validity} for an assessment type (G-41)",
                    )
                )
        elif not at_most(rt.max_effect, ceiling.max):
            problems.append(
                Problem(
                    file,
                    f"{key}.max_effect",
                    f"{rt.max_effect} exceeds the {profile.id} ceiling of {ceiling.max} for the "
                    f"{rt.severity_tier.value} tier (G-01)",
                )
            )
        if rt.retention_max.approx_days < rt.max_effect.approx_days:
            problems.append(
                Problem(
                    file,
                    f"{key}.retention_max",
                    f"{rt.retention_max} is shorter than max_effect {rt.max_effect}",
                )
            )
        if rt.min_publicity.approx_days > rt.max_effect.approx_days:
            problems.append(
                Problem(
                    file,
                    f"{key}.min_publicity",
                    f"{rt.min_publicity} is longer than max_effect {rt.max_effect}",
                )
            )
        if rt.domain.value == "consumer_credit" and (
            rt.retention_max.approx_days > profile.consumer_credit_max.approx_days
        ):
            problems.append(
                Problem(
                    file,
                    f"{key}.retention_max",
                    f"consumer-credit items are kept at most "
                    f"{profile.consumer_credit_max} under {profile.id}",
                )
            )
        if rt.severity_tier.value == "minor" and rt.public and rt.polarity.value == "negative":
            problems.append(
                Problem(file, f"{key}.public", "minor-tier negative records are not published")
            )
        if rt.domain.value == "public_office_integrity" and rt.subject_kinds != [
            SubjectKind.PERSON
        ]:
            problems.append(
                Problem(
                    file,
                    f"{key}.subject_kinds",
                    "records on official conduct concern officials (persons) only (G-45)",
                )
            )
        problems += _publication_problems(catalogue, rt.id, rt.published_at, rt.effective_from)
    return problems


def _publication_problems(
    catalogue: Catalogue, type_id: str, published: Any, effective: Any
) -> list[Problem]:
    if effective is None:
        return []
    file = catalogue.origin_of("record_types", type_id)
    key = f"record_types[{type_id}]"
    if published is None:
        return [
            Problem(
                file,
                f"{key}.published_at",
                "an effective_from date needs a published_at date (G-08)",
            )
        ]
    days = (effective - published).days
    needed = catalogue.profile.catalogue_comment_days
    if days < needed:
        return [
            Problem(
                file,
                f"{key}.effective_from",
                f"takes effect {days} days after publication; at least {needed} days of "
                "public notice are required (G-08)",
            )
        ]
    return []


def _furnisher_problems(catalogue: Catalogue) -> list[Problem]:
    problems: list[Problem] = []
    for furnisher in catalogue.furnishers.values():
        file = catalogue.origin_of("furnishers", furnisher.id)
        key = f"furnishers[{furnisher.id}].remit"
        for type_id in furnisher.remit:
            rt = catalogue.record_types.get(type_id)
            if rt is None:
                problems.append(Problem(file, key, f"unknown record type {type_id!r}"))
                continue
            if rt.issuing_authority_kind != furnisher.authority_kind:
                problems.append(
                    Problem(
                        file,
                        key,
                        f"{type_id!r} is issued by a {rt.issuing_authority_kind.value}, but this "
                        f"furnisher is a {furnisher.authority_kind.value} (G-07)",
                    )
                )
            if rt.criminal and not furnisher.official_authority:
                problems.append(
                    Problem(
                        file,
                        key,
                        f"{type_id!r} carries criminal-offence data: "
                        "only official authorities may write it (G-07)",
                    )
                )
    return problems
