"""Writing records submitted one by one or in small batches (the furnishers' HTTP API)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from credo.records.model import RecordInput, Rejection, RowOutcome, Statement
from credo.records.service import WriteContext, append_statements
from credo.records.validate import StatementValidator, record_input_to_raw


def submit_records(
    conn: Connection, ctx: WriteContext, furnisher_id: str, items: Sequence[RecordInput]
) -> list[RowOutcome]:
    """Validate and append; each item ends accepted, duplicate or quarantined with a reason."""
    validator = StatementValidator(ctx.catalogue, furnisher_id, ctx.clock.today())
    outcomes: dict[int, RowOutcome] = {}
    valid: list[tuple[int, Statement]] = []
    for index, item in enumerate(items):
        checked = validator.validate(record_input_to_raw(item))
        if isinstance(checked, Rejection):
            outcomes[index] = RowOutcome(index, "quarantined", reason=checked)
        else:
            valid.append((index, checked))
    for outcome in append_statements(conn, ctx, furnisher_id, valid):
        outcomes[outcome.row] = outcome
    return [outcomes[i] for i in range(len(items))]
