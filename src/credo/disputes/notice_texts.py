"""What the subject is told about a dispute or "not me" claim, in plain words and in their
language (credo.notices.reader): that it was received, where a dispute on the merits goes,
and how it ended: what was decided, what that means for them now (which effects return, from
when), and how to take it further and by when. A record is named as the subject knows it: by
its type and the furnisher's reference (``DEF-710409D237-2``), never by a hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, RowMapping

from credo.catalog.catalogue import Catalogue
from credo.lists.service import entries_for
from credo.notices.reader import Reader, pick
from credo.notices.reader import record_name as reader_record_name
from credo.records.queries import CurrentRecord

# How each outcome reads to the subject: (successful?, what was decided).
SUCCESSFUL = frozenset({"corrected", "deleted", "confirmed"})
DECIDED: dict[str, tuple[str, str]] = {
    "corrected": ("the record was corrected", "记录已予更正"),
    "deleted": ("the record was deleted", "记录已予删除"),
    "upheld": ("the record is kept as it was", "记录予以保留"),
    "frivolous": (
        "the dispute was dismissed as unfounded and the record is kept",
        "异议因无正当理由被驳回，记录予以保留",
    ),
    "confirmed": (
        "the record is not about you and was removed from your file",
        "该记录与您无关，已从您的档案中删除",
    ),
    "rejected": ("the record is about you and is kept", "该记录确属本人，予以保留"),
    "unverified": (
        "the furnisher did not verify the record by the deadline",
        "信息提供单位未在期限内核实该记录",
    ),
}


@dataclass(frozen=True)
class EffectBack:
    """A list entry (and its measures) that applies again once the record counts again."""

    list_name: str
    measures: tuple[str, ...]
    starts_on: date
    ends_on: date


def record_name(reader: Reader, catalogue: Catalogue, chain: CurrentRecord) -> str:
    return reader_record_name(reader, catalogue, chain.record_type, chain.source_ref)


def reader_pick_text(reader: Reader, text: object) -> str:
    return str(getattr(text, reader.lang, None) or getattr(text, "en", text))


def what(reader: Reader, kind: str) -> str:
    if kind == "dispute":
        return pick(reader, "dispute", "异议")
    return pick(reader, "“not me” claim", "“非本人”申诉")


def received(
    reader: Reader, catalogue: Catalogue, dispute: RowMapping, chain: CurrentRecord, now: datetime
) -> tuple[str, str]:
    """The receipt: the record has no effect until the dispute ends, and the deadline."""
    name = record_name(reader, catalogue, chain)
    kind = what(reader, dispute["kind"])
    deadline = reader.date(dispute["deadline_at"])
    if reader.zh:
        return (
            f"我们已收到您的{kind}",
            f"我们已于{reader.moment(now)}收到您对{name}提出的{kind}（受理号 {dispute['id']}）。"
            f"处理完毕前，该记录不产生任何影响。我们最迟于{deadline}答复您；"
            "届时仍未处理完毕的，该记录按未核实处理，继续不产生影响。",
        )
    return (
        f"We received your {kind}",
        f"We received your {kind} about {name} on {reader.moment(now)} (number "
        f"{dispute['id']}). Until it is decided, the record has no effect anywhere. We will "
        f"answer by {deadline} at the latest; if it is not decided by then, the record stays "
        "without effect as unverified.",
    )


def referral(
    reader: Reader, catalogue: Catalogue, chain: CurrentRecord, issuer: str, basis: str
) -> tuple[str, str]:
    """A dispute on the merits: only the body that decided can change the decision (G-29)."""
    name = record_name(reader, catalogue, chain)
    if reader.zh:
        return (
            "您对决定本身的异议：向何处申请复议或提起诉讼",
            f"{name}所依据的决定本身，只能由{issuer}依照{basis}规定的复议或上诉途径变更。"
            "异议处理期间，本平台不使用该记录。",
        )
    return (
        "Your dispute on the merits: where to appeal",
        f"The decision behind {name} can only be changed by {issuer}, through the review or "
        f"appeal channel of {basis}. The registry does not use the record while your dispute "
        "is open.",
    )


def result(
    reader: Reader,
    catalogue: Catalogue,
    dispute: RowMapping,
    chain: CurrentRecord,
    effects: list[EffectBack],
    repair_from: date | None,
) -> tuple[str, str]:
    """The outcome in plain words: decided what, what it means now, what the subject can do."""
    outcome = str(dispute["status"])
    kind = what(reader, dispute["kind"])
    decided = pick(reader, *DECIDED.get(outcome, (outcome, outcome)))
    won = outcome in SUCCESSFUL
    at = dispute["resolved_at"]
    if reader.zh:
        verdict = "成立" if won else ("未核实" if outcome == "unverified" else "不成立")
        title = f"您的{kind}{verdict}：{decided}"
    else:
        verdict = (
            "was successful"
            if won
            else "was not verified in time"
            if outcome == "unverified"
            else "was not successful"
        )
        title = f"Your {kind} {verdict}: {decided}"
    parts = [
        _decision(reader, catalogue, dispute, chain, kind, decided, at),
        _now(reader, outcome, chain, effects, at),
        _further(reader, catalogue, chain, won, outcome, repair_from),
    ]
    return title, "\n\n".join(part for part in parts if part)


def _decision(
    reader: Reader,
    catalogue: Catalogue,
    dispute: RowMapping,
    chain: CurrentRecord,
    kind: str,
    decided: str,
    at: datetime,
) -> str:
    name = record_name(reader, catalogue, chain)
    reasons = (dispute["reasons"] or "").strip()
    return _sentence(
        reader,
        (
            f"On {reader.moment(at)} we decided your {kind} about {name}: {decided}.",
            f"我们已于{reader.moment(at)}对您就{name}提出的{kind}作出决定：{decided}。",
        ),
        (f" Reasons: {reasons}", f"理由：{reasons}") if reasons else None,
    )


def _now(
    reader: Reader, outcome: str, chain: CurrentRecord, effects: list[EffectBack], at: datetime
) -> str:
    """What the outcome means for the subject from now on."""
    if outcome in ("deleted", "confirmed"):
        return pick(
            reader,
            "The record has no effect from now on, and every relying party that received it "
            "is told that it was deleted.",
            "该记录自即日起不再产生任何影响，我们将通知所有曾收到该记录的机构该记录已被删除。",
        )
    if outcome == "unverified":
        return pick(
            reader,
            "The record stays without effect, and every relying party that received it is told so.",
            "该记录继续不产生影响，我们将通知所有曾收到该记录的机构。",
        )
    until = reader.date(chain.effect_until)
    if outcome == "corrected":
        lead = pick(
            reader,
            f"The corrected record counts again from {reader.moment(at)}, at the latest until "
            f"{until}; relying parties that received the old version are sent the correction.",
            f"更正后的记录自{reader.moment(at)}起恢复产生影响，最迟至{until}；"
            "曾收到原记录的机构将收到更正。",
        )
    else:
        lead = pick(
            reader,
            f"The record counts again from {reader.moment(at)}, at the latest until {until}.",
            f"该记录自{reader.moment(at)}起恢复产生影响，最迟至{until}。",
        )
    return "\n".join([lead, *(_effect_line(reader, e) for e in effects)])


def _effect_line(reader: Reader, effect: EffectBack) -> str:
    measures = pick(reader, "; ", "；").join(effect.measures)
    since, until = reader.date(effect.starts_on), reader.date(effect.ends_on)
    return _sentence(
        reader,
        (
            f"- You are on the {effect.list_name} again from {since} until {until}",
            f"- 您自{since}起重新列入{effect.list_name}，至{until}止",
        ),
        (f", with these measures: {measures}", f"，适用以下措施：{measures}") if measures else None,
    )


def _sentence(reader: Reader, head: tuple[str, str], tail: tuple[str, str] | None) -> str:
    """``head`` (English, Chinese) in the reader's language, with ``tail`` where there is one."""
    return pick(reader, *head) + (pick(reader, *tail) if tail else "")


def _further(
    reader: Reader,
    catalogue: Catalogue,
    chain: CurrentRecord,
    won: bool,
    outcome: str,
    repair_from: date | None,
) -> str:
    """How to take it further, and by when."""
    if won or outcome == "unverified":
        return pick(
            reader,
            "You may see your full file at any time, free of charge.",
            "您可以随时免费查询您的完整档案。",
        )
    record_type = catalogue.record_types.get(chain.record_type)
    furnisher = catalogue.furnishers.get(chain.furnisher_id)
    issuer = reader_pick_text(reader, furnisher.name) if furnisher else chain.furnisher_id
    basis = (
        reader.words.legal_basis("record_types", record_type.id, record_type.legal_basis)
        if record_type
        else None
    )
    until = reader.date(chain.effect_until)
    lines = [
        pick(reader, "What you can do:", "您可以："),
        pick(
            reader,
            "- Dispute the record again at any time if you have new information or evidence: "
            "it has no effect again while the new dispute is open.",
            "- 如有新的信息或证据，可随时再次提出异议；新异议处理期间该记录不产生影响。",
        ),
    ]
    if record_type is not None and record_type.repairable.allowed and repair_from is not None:
        conditions = pick(reader, "; ", "；").join(
            reader.words.text(c) for c in record_type.repairable.conditions
        )
        lines.append(
            pick(
                reader,
                f"- Apply for credit repair from {reader.date(repair_from)}, with proof of one "
                f"of: {conditions}.",
                f"- 自{reader.date(repair_from)}起申请信用修复，"
                f"并提交下列条件之一的证明：{conditions}。",
            )
        )
    if basis is not None:
        lines.append(
            pick(
                reader,
                f"- Challenge the decision itself with {issuer}, by review or appeal under "
                f"{basis.instrument}, within the time limit that law sets.",
                f"- 对决定本身不服的，在法定期限内依照{basis.instrument}"
                f"向{issuer}申请复议或提起诉讼。",
            )
        )
    lines.append(
        pick(
            reader,
            "- Complain to the supervisory authority about how your dispute was handled.",
            "- 就异议处理情况向监督管理部门投诉。",
        )
    )
    lines.append(
        pick(
            reader,
            f"If nothing changes, the record stops counting on {until} at the latest.",
            f"如无其他变化，该记录最迟于{until}停止产生影响。",
        )
    )
    return "\n".join(lines)


def effects_back(
    conn: Connection, catalogue: Catalogue, reader: Reader, subject_id: int, chain_id: str, on: date
) -> list[EffectBack]:
    """The list entries the record puts the subject on from ``on``, with their measures."""
    found = []
    for entry in entries_for(conn, catalogue, [subject_id]).get(subject_id, []):
        if entry.ends_on <= on or all(r.chain_id != chain_id for r in entry.records):
            continue
        list_def = catalogue.lists.get(entry.list_id)
        measures = tuple(
            reader_pick_text(reader, m.name)
            for m in catalogue.measures.values()
            if entry.list_id in m.triggered_by
        )
        name = reader_pick_text(reader, list_def.name) if list_def else entry.list_id
        found.append(EffectBack(name, measures, max(on, entry.effective_on), entry.ends_on))
    return found
