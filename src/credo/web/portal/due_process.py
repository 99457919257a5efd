"""Due process in the portal: the subject's full report with disputes, "not me" claims,
statements and repair applications; the operator's dispute and repair queues. Thin: the
work is done by ``credo.disputes``, the same services as the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response
from sqlalchemy import Connection, RowMapping

from credo.access.model import Principal, Role
from credo.catalog.catalogue import Catalogue
from credo.disputes import cases, repair, service
from credo.disputes.kinds import KINDS, CaseKind
from credo.disputes.report import subject_report
from credo.errors import NotFound
from credo.notices.reader import remember_language
from credo.subjects import service as subjects_service
from credo.web.params import parse_id
from credo.web.portal import views
from credo.web.portal.i18n import Translator
from credo.web.portal.web import Post, Posted, Reasons, Visit, YesNo, acted, posted, shown, visit

router = APIRouter(include_in_schema=False)
OUTCOMES = service.OUTCOMES
Outcome = Annotated[str, Form(max_length=20)]  # a case kind's outcome (credo.disputes.cases)
# a repair is approved or rejected; the words for a claim's 'rejected' would not fit it
OUTCOME_LABELS = {"approved": "console.approve", "rejected": "console.reject"}


def _report_page(
    seen: Visit, principal: Principal, error: str | None = None, status_code: int = 200
) -> Response:
    ctx, t = seen.ctx, seen.t
    assert principal.subject_id is not None  # subject principals are bound to one subject
    with ctx.engine.connect() as conn:
        report = subject_report(conn, ctx.catalogue, principal.subject_id, ctx.clock.now())
    view = views.report_view(ctx.catalogue, t, report, ctx.clock.today())
    view["watchers"] = [_watcher(ctx.catalogue, t, w) for w in report["subscriptions"]]
    return seen.render("me.html", status_code, report=view, error=error)


def _watcher(catalogue: Catalogue, t: Translator, watcher: dict[str, Any]) -> dict[str, Any]:
    """A subscription that watches the subject, as the report has it (G-24): who, for which
    purpose and legal basis, since when, and whether it still watches."""
    purpose = catalogue.purposes.get(watcher["purpose"])
    basis = (
        catalogue.labels.words(t.lang)
        .legal_basis("purposes", purpose.id, purpose.legal_basis)
        .model_dump()
        if purpose
        else watcher.get("legal_basis") or {}
    )
    stopped = watcher["status"] != "watching"
    return {
        "relying_party": _in_language(watcher["relying_party"], t) or watcher["relying_party_id"],
        "purpose": _in_language(watcher["purpose_name"], t) or watcher["purpose"],
        "legal_basis": ", ".join(filter(None, [basis.get("instrument"), basis.get("article")])),
        "since": t.date(watcher["since"]),
        "status": t("me.stopped") if stopped else t("me.watching"),
        "stopped_at": t.date(watcher["stopped_at"]) if stopped else "",
        "stopped_because": watcher.get("stopped_because") or "",
    }


def _in_language(text: dict[str, str] | None, t: Translator) -> str:
    """A catalogue name as the report carries it (``{"en": ..., "zh": ...}``)."""
    return (text or {}).get(t.lang) or (text or {}).get("en") or ""


@router.get("/me", response_model=None)
def my_report(seen: Visit = Depends(visit)) -> Response:
    return shown(seen, (Role.SUBJECT,), _report_page)


def _subject_action(post: Posted, action: Callable[[Connection, int], None]) -> Response:
    """A subject's form: ``action(conn, subject_id)``, then back to their report."""

    def act(conn: Connection, subject: Principal) -> None:
        assert subject.subject_id is not None  # subject principals are bound to one subject
        # notices about what the subject does here are written in the language they use
        lang = post.t.lang
        remember_language(conn, subject.subject_id, lang, post.ctx.clock.now())
        action(conn, subject.subject_id)

    return acted(post, (Role.SUBJECT,), act, _report_page, "/me#disputes")


@router.post("/me/disputes", response_model=None)
def lodge(
    record_id: str = Form(..., max_length=64),
    grounds: str = Form("", max_length=service.MAX_GROUNDS),
    kind: str = Form("dispute", max_length=20),
    post: Posted = Depends(posted),
) -> Response:
    kind = kind if kind in OUTCOMES else "dispute"

    def act(conn: Connection, subject_id: int) -> None:
        write = post.ctx.write_context()
        service.open_dispute(conn, write, subject_id, record_id, grounds, kind=kind)

    return _subject_action(post, act)


@router.post("/me/statements", response_model=None)
def attach_statement(
    record_id: str = Form(..., max_length=64),
    text: str = Form("", max_length=service.MAX_STATEMENT),
    post: Posted = Depends(posted),
) -> Response:
    def act(conn: Connection, subject_id: int) -> None:
        service.attach_statement(conn, post.ctx.write_context(), subject_id, record_id, text)

    return _subject_action(post, act)


@router.post("/me/repairs", response_model=None)
def apply_for_repair(
    record_id: str = Form(..., max_length=64),
    condition: str = Form("", max_length=300),
    proof: str = Form("", max_length=200),
    post: Posted = Depends(posted),
) -> Response:
    def act(conn: Connection, subject_id: int) -> None:
        evidence = {"document": proof.strip()} if proof.strip() else {}
        target = ("record", record_id)
        repair.apply(conn, post.ctx.write_context(), subject_id, *target, condition, evidence)

    return _subject_action(post, act)


def _queues_page(
    seen: Visit, principal: Principal, error: str | None = None, status_code: int = 200
) -> Response:
    """One queue for every kind of case (filterable by kind), then identity review items."""
    ctx, t = seen.ctx, seen.t
    shown = seen.request.query_params.get("kind", "")
    kinds = [KINDS[shown]] if shown in KINDS else list(KINDS.values())
    with ctx.engine.connect() as conn:
        queue = cases.open_cases(conn, kinds, 200)
        reviews = subjects_service.open_review_items(conn, None, 200)
    return seen.render(
        "queues.html",
        status_code,
        cases=[_case_row(ctx.catalogue, t, kind, case) for kind, case in queue],
        kinds=[(name, t(f"me.kind.{name}")) for name in KINDS],
        shown=shown,
        reviews=reviews,
        error=error,
    )


def _case_row(
    catalogue: Catalogue, t: Translator, kind: CaseKind, case: RowMapping
) -> dict[str, Any]:
    """One line of the console's case queue: what is claimed, by whom, decided by when."""
    furnisher = catalogue.furnishers.get(case.get("furnisher_id") or "")
    claim = (
        case["grounds"]
        if "grounds" in case
        else catalogue.labels.words(t.lang).text(case["condition"])
    )
    return {
        "id": case["id"],
        "store": kind.store,
        "row": "dispute" if kind.store == "disputes" else "repair",  # the row's data attribute
        "kind": t(f"me.kind.{kind.name}"),
        "subject_id": case["subject_id"],
        "furnisher": t.pick(furnisher.name) if furnisher else case.get("furnisher_id") or "",
        "claim": claim,
        "deadline": t.date(case["deadline_at"]),
        "outcomes": [(o, t(OUTCOME_LABELS.get(o, f"resolve.{o}"))) for o in kind.outcomes],
    }


@router.get("/console/queues", response_model=None)
def queues(seen: Visit = Depends(visit)) -> Response:
    """One queue for every kind of case (``?kind=`` shows one), then identity review items."""
    return shown(seen, (Role.OPERATOR,), _queues_page)


def _operator_action(post: Posted, action: Callable[[Connection, Principal], None]) -> Response:
    """An operator's form in the queues: ``action(conn, operator)``, then back to them."""
    return acted(post, (Role.OPERATOR,), action, _queues_page, "/console/queues")


def _resolve_case(post: Posted, store: str, case_id: str, outcome: str, reasons: str) -> Response:
    """Close a case from the queue with the outcome the operator chose (credo.disputes.cases)."""

    def act(conn: Connection, operator: Principal) -> None:
        number, actor = _id(case_id, cases.NOUNS[store]), f"operator:{operator.id}"
        cases.resolve(conn, post.ctx.write_context(), store, number, outcome, reasons, actor)

    return _operator_action(post, act)


def _resolve_route(store: str) -> Callable[..., Response]:
    """The queue's resolve form, for the cases in ``store`` (one handler for every kind)."""

    def resolve(case_id: str, outcome: Outcome, post: Post, reasons: Reasons = "") -> Response:
        return _resolve_case(post, store, case_id, outcome, reasons)

    return resolve


for _store in cases.NOUNS:  # the stores of cases
    router.post(f"/console/{_store}/{{case_id}}/resolve", response_model=None)(
        _resolve_route(_store)
    )


@router.post("/console/repairs/{application_id}/decide", response_model=None)
def decide(application_id: str, approve: YesNo, post: Post, reasons: Reasons = "") -> Response:
    """The repair form before cases had one queue: approve yes or no."""
    outcome = "approved" if approve == "yes" else "rejected"
    return _resolve_case(post, "repairs", application_id, outcome, reasons)


@router.post("/console/review/{item_id}/resolve", response_model=None)
def resolve_review_item(
    item_id: str,
    resolution: str = Form("", max_length=2000),
    post: Posted = Depends(posted),
) -> Response:
    """An identity review item decided with reasons, as the review API does."""

    def act(conn: Connection, operator: Principal) -> None:
        number, now = _id(item_id, "review item"), post.ctx.clock.now()
        subjects_service.resolve_review_item(conn, number, operator.id, resolution, now)

    return _operator_action(post, act)


def _id(text: str, what: str) -> int:
    """A console form's id from its path; anything that cannot be an id is not found."""
    number = parse_id(text)
    if number is None:
        raise NotFound(f"no {what} {text[:40]!r}")
    return number
