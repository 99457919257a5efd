"""What the subject is told about their credit-repair application (G-42, G-43), in plain words
and in their language (credo.notices.reader): that it was received and by when it will be
decided, what was decided and what it means now (the record stops counting from when, or why
it was refused, that it still counts and until when, and what they can do), and that it is
late. Records are named by type and the furnisher's case number, never by a chain id."""

from __future__ import annotations

from sqlalchemy import RowMapping

from credo.catalog.catalogue import Catalogue
from credo.disputes.notice_texts import record_name
from credo.notices import rights
from credo.notices.reader import Reader, pick
from credo.records.queries import CurrentRecord


def received(
    reader: Reader, catalogue: Catalogue, application: RowMapping, chains: list[CurrentRecord]
) -> tuple[str, str]:
    """The receipt: what was applied for, on which ground, and the decision deadline."""
    names = _names(reader, catalogue, chains)
    ground = reader.words.text(application["condition"])
    at, deadline = reader.moment(application["applied_at"]), reader.date(application["deadline_at"])
    number = application["id"]
    if reader.zh:
        return (
            "我们已收到您的信用修复申请",
            f"我们已于{at}收到您对{names}提出的信用修复申请（受理号 {number}），"
            f"申请理由：{ground}。我们最迟于{deadline}作出决定。"
            "决定作出前，该记录照常产生影响。",
        )
    return (
        "We received your credit-repair application",
        f"We received your application for credit repair of {names} on {at} (number {number}), "
        f"on the ground: {ground}. We will decide by {deadline} at the latest. Until then the "
        "record counts as before.",
    )


def decision(
    reader: Reader, catalogue: Catalogue, application: RowMapping, chains: list[CurrentRecord]
) -> tuple[str, str]:
    """Approved: the record stops counting from the decision, with its lists and measures.
    Refused: why, that it still counts and until when, and what the subject can do."""
    names = _names(reader, catalogue, chains)
    at = reader.moment(application["decided_at"])
    if application["status"] == "approved":
        return _approved(reader, names, at)
    return _refused(reader, catalogue, application, chains, names, at)


def _approved(reader: Reader, names: str, at: str) -> tuple[str, str]:
    if reader.zh:
        return (
            "您的信用修复申请已获批准：该记录不再产生影响",
            f"我们已于{at}批准您对{names}提出的信用修复申请。"
            f"该记录自{at}起不再产生任何影响，由其引起的名单列入及各项措施同时终止；"
            "我们将通知所有曾收到该记录的机构。\n\n您可以随时免费查询您的完整档案。",
        )
    return (
        "Your credit-repair application was approved: the record no longer counts",
        f"On {at} we approved your application for credit repair of {names}. The record stops "
        f"counting from {at}, and every list entry and measure it brought ends with it; every "
        "relying party that received it is told so.\n\n"
        "You may see your full file at any time, free of charge.",
    )


def _refused(
    reader: Reader,
    catalogue: Catalogue,
    application: RowMapping,
    chains: list[CurrentRecord],
    names: str,
    at: str,
) -> tuple[str, str]:
    reasons = str(application["reasons"] or "").strip()
    until = reader.date(max((c.effect_until for c in chains), default=None))
    ground = reader.words.text(application["condition"])
    if reader.zh:
        title = "您的信用修复申请未获批准：该记录继续产生影响"
        decided = f"我们已于{at}决定不批准您对{names}提出的信用修复申请。理由：{reasons}"
        now = f"该记录继续照常产生影响，最迟至{until}。"
        again = f"- 随时提交新的证明（{ground}）再次申请信用修复。"
        lapse = f"如无其他变化，该记录最迟于{until}停止产生影响。"
    else:
        title = "Your credit-repair application was refused: the record still counts"
        decided = f"On {at} we refused your application for credit repair of {names}."
        decided += f" Reasons: {reasons}"
        now = f"The record counts as before, at the latest until {until}."
        again = f"- Apply again at any time with new proof ({ground})."
        lapse = f"If nothing changes, the record stops counting on {until} at the latest."
    challenge = [rights.challenge(reader, catalogue, c) for c in chains]
    further = [
        rights.heading(reader),
        again,
        rights.dispute(reader),
        *dict.fromkeys(line for line in challenge if line),
        rights.complain(reader),
        lapse,
    ]
    return title, "\n\n".join([decided, now, "\n".join(further)])


def overdue(
    reader: Reader, catalogue: Catalogue, application: RowMapping, chains: list[CurrentRecord]
) -> tuple[str, str]:
    """Past the decision deadline: the operators are told, and the subject may complain."""
    names = _names(reader, catalogue, chains)
    deadline, number = reader.date(application["deadline_at"]), application["id"]
    if reader.zh:
        return (
            "您的信用修复申请已逾期未决",
            f"您对{names}提出的信用修复申请（受理号 {number}）应于{deadline}前作出决定，"
            "但至今尚未决定。我们已督促工作人员立即处理；决定作出前，该记录照常产生影响。\n\n"
            + "\n".join([rights.heading(reader), rights.complain(reader)]),
        )
    return (
        "Your credit-repair application is late",
        f"Your application for credit repair of {names} (number {number}) should have been "
        f"decided by {deadline} and has not been. The operators have been told to decide it "
        "now; until then the record counts as before.\n\n"
        + "\n".join([rights.heading(reader), rights.complain(reader)]),
    )


def _names(reader: Reader, catalogue: Catalogue, chains: list[CurrentRecord]) -> str:
    """The records applied for (one, or those behind a list entry), as the subject knows them."""
    names = [record_name(reader, catalogue, c) for c in chains]
    return pick(reader, " and ", "及").join(names) or pick(reader, "your record", "您的记录")
