"""Catalogue models of the purposes a check may be made for and of the relying parties that
make checks (see credo.checks): who may ask, why, and where their webhooks may go."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from credo.catalog.models import LegalBasis, Slug, Strict, Text
from credo.catalog.vocab import Domain

# A callback host a relying party may name: a DNS name in lower case, or "*." and a domain.
HOST_PATTERN = re.compile(r"(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


class Purpose(Strict):
    id: Slug = Field(description="The purpose's code")
    name: Text = Field(description="The purpose's name")
    domains: list[Domain] = Field(min_length=1, description="The life areas its checks concern")
    legal_basis: LegalBasis = Field(description="The provision that allows checks for it")
    ground: Literal[
        "subject_transaction", "legal_obligation", "court_order", "written_instruction"
    ] = Field(
        description="Why a relying party may check: the subject's own transaction, a legal "
        "obligation, a court order or a written instruction"
    )
    past_dates: bool = Field(
        default=False,
        description="A check for this purpose may ask about a past date (``as_of``), e.g. "
        "whether a supplier was debarred on the day a contract was awarded. Never for a "
        "subject's transaction, which is decided on today's facts.",
    )
    significant: bool = Field(
        default=False,
        description="Every adverse decision for this purpose has a legal or similarly "
        "significant effect: all its adverse measures are advisory until a named person of the "
        "relying party confirms or overrides the decision (G-37, credo.checks.review).",
    )


class RelyingParty(Strict):
    id: Slug = Field(description="The relying party's code")
    name: Text = Field(description="The relying party's name")
    sector: str = Field(min_length=2, description="Its line of business")
    purposes: list[Slug] = Field(min_length=1, description="The purposes it may check for")
    callback_hosts: list[str] | None = Field(
        default=None,
        description="Where this party's webhooks may go: host names (``hooks.bank.example``) "
        "or ``*.`` followed by a domain for any host under it. Checked when a subscription is "
        "made and at every delivery, on top of the public-address rule (credo.checks.callbacks)."
        " None: any public host.",
    )

    @field_validator("callback_hosts")
    @classmethod
    def _host_patterns(cls, hosts: list[str] | None) -> list[str] | None:
        if hosts is None:
            return None
        for host in hosts:
            if not HOST_PATTERN.fullmatch(host):
                raise ValueError(f"{host!r} is not a lower-case host name or '*.' and a domain")
        return hosts
