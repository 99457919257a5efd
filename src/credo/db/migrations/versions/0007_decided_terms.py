"""Decided terms, confirmations and delistings (credo.records.effect)

Statements and the current view carry the term the decision set (an end date, or open-ended
until an event, with a review date), the ceiling's end counted from the start or the latest
confirmation, and why the effect ends (end_reason). Existing rows had the type's maximum
period as their term: their ceiling is their old effect_until; performed chains now end on
their performance date (a point-in-time question before that date sees them in effect)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"

_TERM = ("term_ends_on", "term_until", "review_on", "ceiling_until", "end_reason")
_CURRENT = (*_TERM, "confirmed_on", "ended_on")


def _column(name: str) -> sa.Column[object]:
    kind = sa.String(32) if name in ("term_until", "end_reason") else sa.Date()
    return sa.Column(name, kind, nullable=True)


def upgrade() -> None:
    for name in _TERM:
        op.add_column("record_statements", _column(name))
    for name in _CURRENT:
        op.add_column("record_current", _column(name))
    op.execute(
        "UPDATE record_statements SET ceiling_until = effect_until, end_reason = CASE action "
        "WHEN 'revoke' THEN 'annulled' WHEN 'perform' THEN 'performed' ELSE 'period_ended' END"
    )
    op.execute(
        "UPDATE record_current SET ceiling_until = effect_until, ended_on = performed_on, "
        "end_reason = CASE state WHEN 'revoked' THEN 'annulled' WHEN 'performed' THEN "
        "'performed' ELSE 'period_ended' END"
    )
    op.execute(
        "UPDATE record_current SET effect_until = performed_on "
        "WHERE state = 'performed' AND performed_on IS NOT NULL AND performed_on < effect_until"
    )
    op.execute(
        "UPDATE record_statements SET effect_until = (SELECT c.effect_until FROM record_current c "
        "WHERE c.record_id = record_statements.record_id) WHERE action = 'perform' AND EXISTS "
        "(SELECT 1 FROM record_current c WHERE c.record_id = record_statements.record_id)"
    )


def downgrade() -> None:
    for name in _CURRENT:
        op.drop_column("record_current", name)
    for name in _TERM:
        op.drop_column("record_statements", name)
