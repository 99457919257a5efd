"""A check about a past date (``as_of``): "was this supplier debarred on the day the contract
was awarded?". Read from the database, not the worker's index, and answered by the same purpose
check, measure derivation and decision builder as a current check (``credo.checks.service``).

An entry counts on day D only when both of these hold:

- the register held it in effect on D: a stored list entry with ``effective_on <= D <
  ends_on``. Nothing is listed after the fact, so a list added to the catalogue later, or a
  changed entry rule, never reaches back into days when no one was listed;
- the subject's records, as known today, still put it there on D (``lists.service.entries_for``,
  the rules the index uses): a record annulled since, under an open dispute or "not me" claim,
  or deleted (G-20, G-26, G-31) gives no past effect either; neither does a record whose
  retention has ended by today (G-41), though its effect may have ended long before.

Entries of rating-band lists are not used for a past date: the band held then was computed
from records that cannot be re-examined here for later disputes or annulments, so the decision
says so (a reason code) rather than report it (G-40)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from credo.catalog.catalogue import Catalogue
from credo.checks.index import IndexedSubject
from credo.lists.queries import entries_of_subjects
from credo.lists.service import entries_for, subject_facts
from credo.quality import hold as quality_hold
from credo.records import queries as records_queries

EARLIEST = date(1990, 1, 1)  # the earliest date a check may ask about
RATING_BANDS_NOT_USED = "past_rating_bands_not_evaluated"


def subject_on(
    conn: Connection, catalogue: Catalogue, subject_id: int, on: date, today: date
) -> IndexedSubject | None:
    """The subject with its entries in effect on ``on`` (none: the subject has no facts)."""
    facts = subject_facts(conn, [subject_id]).get(subject_id)
    if facts is None:
        return None
    held = {e.id for e in entries_of_subjects(conn, [subject_id], on, "held")}
    if not held:
        return IndexedSubject(facts, (), ())
    derived = entries_for(conn, catalogue, [subject_id]).get(subject_id, [])
    entries = [
        e
        for e in derived
        if e.id in held and e.records and e.rating is None and e.status_on(on) == "effective"
    ]
    retained = records_queries.retention_ends(
        conn, [r.record_id for e in entries for r in e.records]
    )
    entries = [
        e for e in entries if all(retained.get(r.record_id, today) > today for r in e.records)
    ]
    chains = [r.chain_id for e in entries for r in e.records]
    statements = records_queries.statement_texts(conn, chains)
    flags = quality_hold.flags(conn, {r.furnisher_id for e in entries for r in e.records})
    return IndexedSubject(facts, tuple(entries), (), statements, flags)
