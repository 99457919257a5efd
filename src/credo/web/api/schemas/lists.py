"""GET /v1/lists and a list's entries: the catalogue's list model and the public register's
page of masked entries."""

from __future__ import annotations

import builtins
from datetime import date

from pydantic import Field

from credo.catalog.lists import ListDef
from credo.web.api.schemas.common import Strict


class PublishedLists(Strict):
    lists: list[ListDef]


class PublicEntry(Strict):
    entry_id: str
    subject: str = Field(description="scheme:value with the value masked")
    effective_on: date
    ends_on: date
    status: str


class EntriesPage(Strict):
    list: str
    on: date
    entries: builtins.list[PublicEntry]  # ``list`` is the field above
    next_after: str | None = Field(description="Pass as `after` for the next page")
