"""Human in the loop (G-37): a decision that applies a significant adverse measure is advisory
until a named person of the relying party (the deciding body) confirms or overrides it.

- The catalogue marks a measure ``significant`` (or a purpose, for all its adverse measures);
  ``checks.decide.plan_purposes`` reads the marks once, so a check without one pays nothing.
- Such a check still answers at once, with ``status: advisory`` and a ``review`` block. Its
  inquiry and its pending review are committed together before the answer leaves (G-24).
- The relying party confirms or overrides through ``POST /v1/reviews/{id}`` or the portal
  (``/console/reviews``), naming the person; an override needs reasons. Each decision is
  stored on the review row and in the audit log (G-47). A decision past its ``valid_until``
  is no longer reviewed: it is stale, check again (G-39).
- Per reviewer and per relying party: confirmations, overrides, the override rate, and a
  flag when a reviewer with enough reviews (``RUBBER_STAMP_MIN``) concurs with nearly all of
  them: reviews that only repeat the advice are no human intervention (WP251).
- The subject's report shows that a decision about them was advisory, and what the person
  decided (``credo.disputes.report``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from credo.access.model import Principal, Role
from credo.audit import service as audit
from credo.catalog.catalogue import Catalogue
from credo.checks import repository
from credo.checks.decide import AppliedMeasure, PurposePlan
from credo.checks.inquiries import InquiryNotRecorded, log_inquiries
from credo.errors import Conflict, Forbidden, NotFound, ValidationFailed
from credo.jsonvalue import utc
from credo.subjects.identifiers import mask_identifier

PENDING, CONFIRMED, OVERRIDDEN, EXPIRED = "pending", "confirmed", "overridden", "expired"
OUTCOMES: dict[str, str] = {"confirm": CONFIRMED, "override": OVERRIDDEN}
LISTED = (PENDING, CONFIRMED, OVERRIDDEN, EXPIRED, "all")
MIN_REASONS = 10  # characters: "ok" is no reason to depart from the advice
MIN_REVIEWER = 2
RUBBER_STAMP_MIN = 10  # decided reviews before a reviewer's concurrence is judged
RUBBER_STAMP_CONCURRENCE = 0.98  # at or above: flagged for audit (near-100 % concurrence)
PAGE = 200


# -- the check --------------------------------------------------------------------------------


def held_measures(plan: PurposePlan, measures: Sequence[AppliedMeasure]) -> tuple[str, ...]:
    """The applied measures that make the decision advisory, each once, in order."""
    return tuple(dict.fromkeys(m.measure.id for m in measures if m.measure.id in plan.significant))


def open_advisory(engine: Engine, inquiry: dict[str, Any], held: Sequence[str]) -> None:
    """Commit the inquiry and its pending review in one transaction, before the decision
    leaves (G-24); raise InquiryNotRecorded, and give no decision, if that fails."""
    try:
        with engine.begin() as conn:
            log_inquiries(conn, [inquiry])
            repository.open_review(conn, _pending_row(inquiry, held))
    except Exception as exc:
        raise InquiryNotRecorded(f"inquiry log failed: {exc}") from exc


def _pending_row(inquiry: Mapping[str, Any], held: Sequence[str]) -> dict[str, Any]:
    return {
        "id": inquiry["id"],
        "relying_party_id": inquiry["relying_party_id"],
        "subject_id": inquiry["subject_id"],
        "purpose": inquiry["purpose"],
        "outcome": inquiry["outcome"],
        "measures": list(held),
        "opened_at": inquiry["at"],
        "valid_until": inquiry["valid_until"],
        "status": PENDING,
    }


def advisory(body: dict[str, Any], catalogue: Catalogue, held: Sequence[str]) -> dict[str, Any]:
    """The decision body marked advisory, saying who must decide and how."""
    party = catalogue.relying_parties.get(body["relying_party"])
    who = party.name.en if party else body["relying_party"]
    body["status"] = "advisory"
    body["review"] = {
        "required": True,
        "id": body["id"],
        "status": PENDING,
        "measures": list(held),
        "decide_by": body["valid_until"],
        "how": f"POST /v1/reviews/{body['id']}, or the portal at /console/reviews",
        "notice": f"This decision is advisory (G-37): {', '.join(held)} has a legal or similarly "
        f"significant effect, so it takes effect only when a named person of {who} confirms "
        "it, or overrides it with reasons. That person has full authority to depart from it.",
    }
    return body


# -- the review -------------------------------------------------------------------------------


def decide(
    conn: Connection,
    principal: Principal,
    review_id: str,
    outcome: str,
    reviewer: str,
    reasons: str,
    now: datetime,
) -> dict[str, Any]:
    """Record a named person's confirmation or override of the party's advisory decision."""
    status, name, text = _checked_input(outcome, reviewer, reasons)
    party = _party_of(principal)
    row = repository.get_review(conn, review_id)
    if row is None or row["relying_party_id"] != party:
        raise NotFound(f"no advisory decision {review_id[:40]!r} of yours")
    if row["status"] != PENDING:
        raise Conflict(
            f"decision {review_id!r} was already {row['status']} by {row['reviewer']}",
            code="review_decided",
        )
    until = utc(row["valid_until"])
    if until <= now:
        raise Conflict(
            f"decision {review_id!r} expired at {until.isoformat()} without a review: it is "
            "stale, check again (G-39)",
            code="decision_expired",
        )
    values = {
        "status": status,
        "reviewer": name,
        "reasons": text or None,
        "reviewed_at": now,
        "reviewed_by": principal.id,
    }
    if not repository.decide_review(conn, review_id, values):
        raise Conflict(f"decision {review_id!r} was reviewed meanwhile", code="review_decided")
    audit.append(
        conn,
        f"relying_party:{party}",
        f"decision.{status}",
        row["subject_id"],
        {
            "decision_id": review_id,
            "reviewer": name,
            "principal_id": principal.id,
            "measures": row["measures"],
            "reasons": text,
        },
        now,
    )
    return review_view({**row, **values}, now)


def _checked_input(outcome: str, reviewer: str, reasons: str) -> tuple[str, str, str]:
    status = OUTCOMES.get(outcome)
    if status is None:
        problem = f"outcome must be confirm or override, not {outcome[:20]!r}"
        raise ValidationFailed(problem, errors=[{"where": "outcome", "problem": problem}])
    name = " ".join(reviewer.split())
    if len(name) < MIN_REVIEWER:
        problem = "name the person who decides (G-37): a decision is never confirmed anonymously"
        raise ValidationFailed(problem, errors=[{"where": "reviewer", "problem": problem}])
    text = reasons.strip()
    if status == OVERRIDDEN and len(text) < MIN_REASONS:
        problem = (
            f"an override needs reasons (at least {MIN_REASONS} characters): say why you depart "
            "from the advice (G-37)"
        )
        raise ValidationFailed(problem, errors=[{"where": "reasons", "problem": problem}])
    return status, name, text


def _party_of(principal: Principal) -> str:
    if principal.role is not Role.RELYING_PARTY or not principal.relying_party_id:
        raise Forbidden("only the relying party that received a decision reviews it")
    return principal.relying_party_id


# -- reading ----------------------------------------------------------------------------------


def listing(
    conn: Connection, principal: Principal, status: str, now: datetime, limit: int = PAGE
) -> list[dict[str, Any]]:
    """The party's reviews: pending (still valid), expired (pending past validity),
    confirmed, overridden or all; newest first."""
    party = _party_of(principal)
    if status not in LISTED:
        problem = f"status must be one of {', '.join(LISTED)}, not {status[:20]!r}"
        raise ValidationFailed(problem, errors=[{"where": "status", "problem": problem}])
    statuses = [PENDING, CONFIRMED, OVERRIDDEN] if status == "all" else [status]
    live: bool | None = None
    if status in (PENDING, EXPIRED):
        statuses, live = [PENDING], status == PENDING
    rows = repository.reviews_of_party(conn, party, statuses, now, live, limit)
    return [review_view(r, now) for r in rows]


def one(conn: Connection, principal: Principal, review_id: str, now: datetime) -> dict[str, Any]:
    party = _party_of(principal)
    row = repository.get_review(conn, review_id)
    if row is None or row["relying_party_id"] != party:
        raise NotFound(f"no advisory decision {review_id[:40]!r} of yours")
    return review_view(row, now)


def status_of(
    conn: Connection, relying_party_id: str, decision_id: str, now: datetime
) -> dict[str, Any]:
    """For a decision the party verifies: its review status, or nothing if none was needed."""
    row = repository.get_review(conn, decision_id)
    if row is None or row["relying_party_id"] != relying_party_id:
        return {}
    view = review_view(row, now)
    return {"status": "advisory" if view["status"] == PENDING else view["status"], "review": view}


def review_view(row: Mapping[Any, Any], now: datetime) -> dict[str, Any]:
    status = row["status"]
    if status == PENDING and utc(row["valid_until"]) <= now:
        status = EXPIRED
    view = {
        "id": row["id"],
        "decision_id": row["id"],
        "status": status,
        "purpose": row["purpose"],
        "outcome": row["outcome"],
        "measures": list(row["measures"]),
        "opened_at": _iso(row["opened_at"]),
        "valid_until": _iso(row["valid_until"]),
        "reviewer": row["reviewer"],
        "reasons": row["reasons"],
        "reviewed_at": _iso(row["reviewed_at"]),
    }
    if "transaction_ref" in row:
        view["transaction_ref"] = row["transaction_ref"]
        view["subject"] = _masked(row["subject_key"])
        view["about"] = _iso(row["as_of"])
    return view


def _masked(key: str) -> str:
    scheme, _, value = key.partition(":")
    try:
        return f"{scheme}:{mask_identifier(scheme, value)}"
    except Exception:  # an identifier that never resolved: keep only its scheme
        return f"{scheme}:…"


def of_subject(conn: Connection, subject_id: int, now: datetime) -> list[dict[str, Any]]:
    """For the subject's report: each advisory decision about them and what a person of the
    relying party decided (the person's name stays with the relying party)."""
    return [
        {
            "decision_id": row["id"],
            "relying_party_id": row["relying_party_id"],
            "purpose": row["purpose"],
            "measures": list(row["measures"]),
            "decided_at": _iso(row["opened_at"]),
            "status": review_view(row, now)["status"],
            "reviewed_by_a_person": row["status"] in (CONFIRMED, OVERRIDDEN),
            "reviewed_at": _iso(row["reviewed_at"]),
            "reasons": row["reasons"],
        }
        for row in repository.reviews_of_subject(conn, subject_id)
    ]


# -- oversight --------------------------------------------------------------------------------


def stats(conn: Connection, principal: Principal) -> dict[str, Any]:
    """Per reviewer and per relying party: confirmations, overrides, override rate, and the
    rubber-stamp flag. A relying party sees its own; operators and auditors see all."""
    if principal.role in (Role.OPERATOR, Role.AUDITOR):
        party: str | None = None
    else:
        party = _party_of(principal)
    counts = repository.review_counts(conn, party)
    reviewers: dict[tuple[str, str], dict[str, int]] = {}
    parties: dict[str, dict[str, int]] = {}
    for rp, name, status, n in counts:
        per_party = parties.setdefault(rp, {PENDING: 0, CONFIRMED: 0, OVERRIDDEN: 0})
        per_party[status] = per_party.get(status, 0) + n
        if status != PENDING:
            per_reviewer = reviewers.setdefault((rp, name), {CONFIRMED: 0, OVERRIDDEN: 0})
            per_reviewer[status] += n
    return {
        "reviewers": [
            {"relying_party": rp, "reviewer": name, **_rates(c)}
            for (rp, name), c in sorted(reviewers.items())
        ],
        "relying_parties": [
            {"relying_party": rp, "pending": c[PENDING], **_rates(c)}
            for rp, c in sorted(parties.items())
        ],
        "flag_rule": f"flagged for audit: at least {RUBBER_STAMP_MIN} reviews and a concurrence "
        f"of {RUBBER_STAMP_CONCURRENCE:.0%} or more (an override rate near zero): reviews that "
        "only repeat the advice are no human intervention (G-37)",
    }


def _rates(counts: Mapping[str, int]) -> dict[str, Any]:
    confirmed, overridden = counts[CONFIRMED], counts[OVERRIDDEN]
    reviews = confirmed + overridden
    concurrence = confirmed / reviews if reviews else None
    return {
        "reviews": reviews,
        "confirmed": confirmed,
        "overridden": overridden,
        "override_rate": round(overridden / reviews, 4) if reviews else None,
        "concurrence": round(concurrence, 4) if concurrence is not None else None,
        "rubber_stamp": bool(
            reviews >= RUBBER_STAMP_MIN
            and concurrence is not None
            and concurrence >= RUBBER_STAMP_CONCURRENCE
        ),
    }


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return utc(value).isoformat()
    return value.isoformat() if value is not None else None
