"""The groups a policy simulation counts subjects in (``DIMENSIONS`` of credo.governance.
simulate): each subject's ``kind``, its ``region`` (the administrative division of a resident
id or USCC; absent for other schemes), and every ``furnisher`` and ``record_type`` of its
current records. Read through the owners' functions (credo.subjects.service, credo.records.
queries); the population is the same groups over every subject with a record, so the
denominators of adverse rates are counted exactly as their numerators."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Connection

from credo.records.queries import holdings, subjects_with_records
from credo.subjects.service import identifier_keys, kinds_and_birth_dates

# The schemes whose values name an administrative division (GB/T 2260): a resident id's first
# six digits, and the six after the USCC's registering-authority code (characters 3-8).
REGION_OF_SCHEME = {"cn_ric": 1, "cn_uscc": 3}  # 1-based start of the six-digit code
DIMENSIONS = ("kind", "region", "furnisher", "record_type")


def subject_groups(conn: Connection, subject_ids: Sequence[int]) -> Iterator[tuple[int, str, str]]:
    """(subject id, dimension, group) rows for these subjects (a group may come twice)."""
    ids = sorted(set(subject_ids))
    for subject_id, (kind, _) in kinds_and_birth_dates(conn, ids).items():
        yield subject_id, "kind", kind
    for subject_id, keys in identifier_keys(conn, ids).items():
        for key in keys:
            if region := _region(key):
                yield subject_id, "region", region
    for subject_id, furnisher, record_type in holdings(conn, ids):
        yield subject_id, "furnisher", furnisher
        yield subject_id, "record_type", record_type


def _region(key: str) -> str | None:
    """The six-digit division code inside a ``scheme:value`` identifier, if its scheme has one."""
    scheme, _, value = key.partition(":")
    start = REGION_OF_SCHEME.get(scheme)
    return value[start - 1 : start + 5] or None if start is not None else None


def population(conn: Connection) -> tuple[dict[str, dict[str, int]], int]:
    """(dimension -> group -> subjects with at least one current record, and how many such
    subjects there are): the denominators of adverse rates."""
    everyone = subjects_with_records(conn)
    counts: dict[str, dict[str, int]] = {dimension: {} for dimension in DIMENSIONS}
    for _, dimension, group in set(subject_groups(conn, everyone)):
        counts[dimension][group] = counts[dimension].get(group, 0) + 1
    return counts, len(everyone)
