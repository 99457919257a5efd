"""Roles and the principal that a request acts as."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    FURNISHER = "furnisher"
    RELYING_PARTY = "relying_party"
    SUBJECT = "subject"
    AUDITOR = "auditor"
    PUBLIC = "public"


@dataclass(frozen=True)
class Principal:
    id: str
    role: Role
    display_name: str
    furnisher_id: str | None = None
    relying_party_id: str | None = None
    subject_id: int | None = None
