"""Static guardrails checked when the catalogue loads (GUARDRAILS.md G-01..G-08, G-13, G-45).

Each check returns problems rather than raising, so one run reports everything wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from credo.catalog.problems import Problem
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
    from credo.catalog.lists import list_problems
    from credo.catalog.ratings import rating_problems

    problems = _profile_problems(catalogue)
    if problems:
        return problems
    problems += _record_type_problems(catalogue)
    problems += _furnisher_problems(catalogue)
    problems += rating_problems(catalogue)
    problems += list_problems(catalogue)
    return problems


def _profile_problems(catalogue: Catalogue) -> list[Problem]:
    wanted = catalogue.active_profile_id
    if wanted in catalogue.profiles:
        return []
    known = ", ".join(sorted(catalogue.profiles)) or "none"
    return [
        Problem(
            catalogue.origin_of("registry", "registry"),
            "registry.profile",
            f"profile {wanted!r} is not defined (defined: {known})",
        )
    ]


def _record_type_problems(catalogue: Catalogue) -> list[Problem]:
    profile = catalogue.profile
    problems: list[Problem] = []
    for rt in catalogue.record_types.values():
        file = catalogue.origin_of("record_types", rt.id)
        key = f"record_types[{rt.id}]"
        ceiling = profile.effect_ceiling[rt.severity_tier]
        if rt.max_effect.approx_days > ceiling.max.approx_days:
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
