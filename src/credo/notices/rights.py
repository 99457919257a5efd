"""What a subject can do about a record, as lines of a notice in the reader's language: dispute
it (or say "not me"), apply for credit repair from the first day the record type allows, with
the proof it asks for, challenge the decision itself with the authority that made it, and
complain. Shared by the notices of list entries, record ends and confirmations, and adverse
decisions (credo.notices)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from credo.catalog.catalogue import Catalogue
from credo.notices.reader import Reader, pick, record_name
from credo.records.eligibility import eligible_from


class AboutRecord(Protocol):
    """What the lines read of a record (``credo.records.queries``' RecordRef and
    CurrentRecord both carry it)."""

    @property
    def record_type(self) -> str: ...
    @property
    def source_ref(self) -> str: ...
    @property
    def furnisher_id(self) -> str: ...
    @property
    def effective_from(self) -> date: ...


def heading(reader: Reader) -> str:
    return pick(reader, "What you can do:", "您可以：")


def dispute(reader: Reader) -> str:
    return pick(
        reader,
        "- Dispute a record at any time if it is wrong, or file a “not me” claim if it is not "
        "about you: the record has no effect while the dispute is open.",
        "- 记录有误的，可随时提出异议；记录与您无关的，可提出“非本人”申诉。"
        "异议处理期间，该记录不产生影响。",
    )


def repair(reader: Reader, catalogue: Catalogue, record: AboutRecord) -> str | None:
    """Credit repair of ``record`` (its ``record_type``, ``source_ref`` and ``effective_from``):
    from when and on what proof; None where its type is not repairable."""
    record_type = catalogue.record_types.get(record.record_type)
    if record_type is None or not record_type.repairable.allowed:
        return None
    since = reader.date(eligible_from(record_type, record.effective_from))
    conditions = reader.join(reader.words.text(c) for c in record_type.repairable.conditions)
    name = record_name(reader, catalogue, record.record_type, record.source_ref)
    return pick(
        reader,
        f"- Apply for credit repair of {name} from {since}, with proof of one of: {conditions}.",
        f"- 自{since}起申请对{name}进行信用修复，并提交下列条件之一的证明：{conditions}。",
    )


def challenge(reader: Reader, catalogue: Catalogue, record: AboutRecord) -> str | None:
    """The decision behind ``record`` can only be changed by its furnisher (G-29)."""
    record_type = catalogue.record_types.get(record.record_type)
    furnisher = catalogue.furnishers.get(record.furnisher_id)
    if record_type is None or furnisher is None:
        return None
    basis = reader.words.legal_basis("record_types", record_type.id, record_type.legal_basis)
    issuer = reader.name(furnisher.name)
    return pick(
        reader,
        f"- Challenge the decision itself with {issuer}, by review or appeal under "
        f"{basis.instrument}, within the time limit that law sets.",
        f"- 对决定本身不服的，在法定期限内依照{basis.instrument}向{issuer}申请复议或提起诉讼。",
    )


def complain(reader: Reader) -> str:
    return pick(
        reader,
        "- Complain to the supervisory authority about how the registry handles your data.",
        "- 就本平台处理您的信息的情况向监督管理部门投诉。",
    )


def lines(reader: Reader, catalogue: Catalogue, records: Sequence[AboutRecord]) -> list[str]:
    """The usual rights about ``records``: dispute, repair, challenge, complain."""
    extra = [repair(reader, catalogue, r) for r in records]
    extra += [challenge(reader, catalogue, r) for r in records]
    unique = dict.fromkeys(x for x in extra if x)  # two records of one authority: one line
    return [heading(reader), dispute(reader), *unique, complain(reader)]
