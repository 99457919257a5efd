"""One case workflow (issue 13) for disputes (G-26..G-29, G-33), "not me" identity claims
(G-20) and credit-repair applications (G-42, G-43). Every case runs this one state machine;
the kinds differ only in data (credo.disputes.kinds):

    lodge ──> open ──resolve(outcome, reasons, actor)──> outcome        (final)
               └──── deadline passes ──> lapses_to, by the scheduler     (final, G-27)
                                     or, for a kind with none: flagged overdue, still open

While open, a kind that suspends keeps the record without effect (a suppression named after
the case, opened in the lodging transaction); closing lifts it, and an outcome in
``suppresses`` opens the suppression that ends the effect for good. Outcomes in
``needs_reasons`` need written reasons (G-28). Past the deadline of a lapsing kind, an outcome
that would give the record its effect back is refused whether or not the job has run yet
(G-27). Each transition queues the kind's notices and writes one audit entry; a change of
effect writes a change-feed row, runs the subject hooks and sends corrections (G-30)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping

from credo.disputes import repository
from credo.disputes.effects import log, send_corrections
from credo.disputes.kinds import Case, CaseKind, kind_of, open_status_of
from credo.errors import Conflict, NotFound, ValidationFailed
from credo.jsonvalue import utc
from credo.notices.reader import Reader, readers_of
from credo.notices.service import enqueue
from credo.records.queries import CurrentRecord, statements_of_chain
from credo.records.service import WriteContext, effect_changed, lift_suppressions, suppress

MIN_REASONS = 10
LAPSE_REASONS = "not verified by the deadline (G-27)"
NOUNS = {"disputes": "dispute", "repairs": "repair application"}


def get(conn: Connection, store: str, case_id: int) -> RowMapping:
    case = repository.get_case(conn, store, case_id)
    if case is None:
        raise NotFound(f"no {NOUNS[store]} {case_id}")
    return case


def status_now(kind: CaseKind, case: Case, now: datetime) -> str:
    """The case's status as it stands, even before the job has recorded a lapsed one."""
    if kind.lapses_to and case["status"] == kind.open_status and _past(case, now):
        return kind.lapses_to
    return str(case["status"])


def _past(case: Case, now: datetime) -> bool:
    return utc(case["deadline_at"]) <= now


def open_cases(
    conn: Connection, kinds: Sequence[CaseKind], limit: int
) -> list[tuple[CaseKind, RowMapping]]:
    """The one queue: the open cases of ``kinds``, nearest deadline first."""
    found: list[tuple[CaseKind, RowMapping]] = []
    for store in sorted({kind.store for kind in kinds}):
        names = [kind.name for kind in kinds if kind.store == store]
        rows = repository.cases_by_status(conn, store, open_status_of(store), limit, names)
        found += [(kind_of(store, row), row) for row in rows]
    found.sort(key=lambda pair: (utc(pair[1]["deadline_at"]), pair[0].store, pair[1]["id"]))
    return found[:limit]


def lodge(
    conn: Connection,
    ctx: WriteContext,
    kind: CaseKind,
    row: dict[str, Any],
    chains: list[CurrentRecord],
) -> RowMapping:
    """Open a case on ``chains`` (its kind checked ``row`` and that none is open on them)."""
    now = ctx.clock.now()
    deadline = now + timedelta(days=kind.deadline_days(ctx.catalogue.profile))
    case_id = repository.insert_case(conn, kind.store, row, kind.open_status, now, deadline)
    subject_id, ref = row["subject_id"], kind.ref(case_id)
    if kind.suspends_while_open:  # no effect from this moment (G-20, G-26)
        for chain in chains:
            suppress(conn, chain.chain_id, subject_id, kind.name, ref, now)
        effect_changed(conn, ctx, {subject_id}, kind.ref_prefix, ref, now)
    case = get(conn, kind.store, case_id)
    enqueue(conn, kind.lodged_notices(conn, ctx, case, list(chains), now), now)
    _log(conn, kind, "lodge", f"subject:{subject_id}", case, now)
    return case


def resolve(
    conn: Connection,
    ctx: WriteContext,
    store: str,
    case_id: int,
    outcome: str,
    reasons: str,
    actor: str,
    expected_kind: str | None = None,
) -> RowMapping:
    """Close an open case with one of its kind's outcomes. ``expected_kind``: the kind the
    caller means to close (refused if the case is another)."""
    case = get(conn, store, case_id)
    kind = kind_of(store, case)
    if expected_kind is not None and expected_kind != kind.name:
        raise ValidationFailed(
            f"case {case_id} is a {kind.name}, not a {expected_kind}: it ends as one of "
            f"{', '.join(kind.outcomes)} (kind {kind.name!r})",
            code="wrong_case_kind",
        )
    now = ctx.clock.now()
    _check_outcome(conn, kind, case, outcome, reasons, now)
    return _close(conn, ctx, kind, case, outcome, reasons, actor, now)


def _check_outcome(
    conn: Connection, kind: CaseKind, case: Case, outcome: str, reasons: str, now: datetime
) -> None:
    if case["status"] != kind.open_status:
        raise Conflict(f"{NOUNS[kind.store]} {case['id']} is already {case['status']}")
    if outcome not in kind.outcomes:
        raise ValidationFailed(f"a {kind.name} ends as one of: {', '.join(kind.outcomes)}")
    if outcome in kind.needs_reasons and len(reasons.strip()) < MIN_REASONS:
        raise ValidationFailed(
            f"closing as {outcome!r} needs written reasons for the subject (G-28)",
            code="reasons_required",
        )
    if outcome not in kind.suppresses and status_now(kind, case, now) == kind.lapses_to:
        final = " or ".join(repr(o) for o in kind.outcomes if o in kind.suppresses)
        raise Conflict(
            f"the deadline {case['deadline_at']} has passed: the record is unverified and "
            f"stays without effect; only {final} can still be recorded (G-27)",
            code="dispute_deadline_passed",
        )
    if outcome in kind.needs_correction and not _corrected_since(conn, case):
        raise Conflict(
            "no correction of this record has arrived since the dispute was lodged; the "
            "furnisher sends it through the records API first",
            code="correction_missing",
        )


def _corrected_since(conn: Connection, case: Case) -> bool:
    """Whether a statement of the case's record arrived after the case was lodged."""
    return any(
        s.received_at > case["opened_at"] for s in statements_of_chain(conn, case["chain_id"])
    )


def _close(
    conn: Connection,
    ctx: WriteContext,
    kind: CaseKind,
    case: Case,
    outcome: str,
    reasons: str,
    actor: str,
    now: datetime,
    transition: str = "resolve",
) -> RowMapping:
    """The closing transition: lift the case's suspension, end the effect where the outcome
    says so, tell relying parties (G-30) and the subject, and log it. A lapse announces the
    change of effect for the whole run itself (``transition`` "lapse")."""
    subject_id, ref = case["subject_id"], kind.ref(case["id"])
    suppression = kind.suppresses.get(outcome)
    changes = suppression is not None or outcome in kind.corrections
    chain_ids = kind.chain_ids(conn, case) if changes else []
    if kind.suspends_while_open:
        lift_suppressions(conn, ref, now)
    for chain_id in chain_ids if suppression else []:
        suppress(conn, chain_id, subject_id, suppression or "", ref, now)
    repository.close_case(conn, kind.store, case["id"], outcome, now, actor, reasons)
    if transition != "lapse" and (kind.suspends_while_open or suppression):
        effect_changed(conn, ctx, {subject_id}, kind.ref_prefix, ref, now)
    if outcome in kind.corrections:
        send_corrections(conn, ctx, subject_id, chain_ids, kind.corrections[outcome], now)
    closed = get(conn, kind.store, case["id"])
    enqueue(conn, kind.result_notices(conn, ctx, closed, now), now)
    _log(conn, kind, transition, actor, closed, now)
    return closed


def pass_deadlines(conn: Connection, ctx: WriteContext, store: str) -> int:
    """The scheduled half of every case deadline: an overdue case of a lapsing kind ends as
    it lapses (the record stays without effect, G-27); one of any other kind is flagged to
    the deciding desk and the subject and stays open. Returns how many were overdue."""
    now = ctx.clock.now()
    overdue = repository.overdue_cases(conn, store, open_status_of(store), now)
    lapsed: dict[str, set[int]] = {}
    flagged = [c["subject_id"] for c in overdue if kind_of(store, c).lapses_to is None]
    readers = readers_of(conn, ctx.catalogue, flagged)
    for case in overdue:
        kind = kind_of(store, case)
        if kind.lapses_to is None:
            _flag_overdue(conn, ctx, kind, case, readers[case["subject_id"]], now)
            continue
        _close(conn, ctx, kind, case, kind.lapses_to, LAPSE_REASONS, "scheduler", now, "lapse")
        lapsed.setdefault(kind.ref_prefix, set()).add(case["subject_id"])
    for prefix, subject_ids in lapsed.items():
        effect_changed(conn, ctx, subject_ids, prefix, "deadline", now)
    return len(overdue)


def _flag_overdue(
    conn: Connection, ctx: WriteContext, kind: CaseKind, case: Case, reader: Reader, now: datetime
) -> None:
    repository.update_case(conn, kind.store, case["id"], {"overdue_flagged_at": now})
    if kind.overdue_notices is not None:
        enqueue(conn, kind.overdue_notices(conn, ctx, case, reader, now), now)
    _log(conn, kind, "overdue", "scheduler", case, now)


def _log(
    conn: Connection, kind: CaseKind, transition: str, actor: str, case: Case, now: datetime
) -> None:
    action = kind.audit_action(transition, str(case["status"]))
    log(conn, actor, action, case["subject_id"], kind.logged_payload(case), now)


def in_status(conn: Connection, store: str, status: str, limit: int = 500) -> list[RowMapping]:
    """The cases of ``store`` (disputes and claims, or repair applications) in ``status``,
    nearest deadline first: the queues the API and the CLI list."""
    return repository.cases_by_status(conn, store, status, limit)


def open_deadlines(conn: Connection, store: str) -> list[datetime]:
    """The deadlines of the open cases of ``store`` (the console's backlog chart)."""
    return repository.open_deadlines(conn, store, open_status_of(store))
