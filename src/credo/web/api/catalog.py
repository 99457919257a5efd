"""The rules are public (G-25): the catalogue, without login."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from credo.catalog.models import RecordType
from credo.context import AppContext
from credo.errors import NotFound
from credo.ratings.service import definition_of
from credo.web.api.schemas.catalog import CatalogueSummary
from credo.web.deps import get_ctx

router = APIRouter(prefix="/v1/catalog", tags=["catalogue (public)"])


@router.get("", response_model=CatalogueSummary)
def catalogue_summary(ctx: AppContext = Depends(get_ctx)) -> dict[str, Any]:
    cat = ctx.catalogue
    return {
        "registry": cat.registry.model_dump(mode="json"),
        "profile": cat.profile.model_dump(mode="json"),
        "record_types": [rt.model_dump(mode="json") for rt in cat.record_types.values()],
        "furnishers": [f.model_dump(mode="json") for f in cat.furnishers.values()],
        "schemes": [s.model_dump(mode="json") for s in cat.schemes.values()],
        "ratings": [definition_of(r) for r in cat.ratings.values()],
        "lists": [x.model_dump(mode="json") for x in cat.lists.values()],
        "measures": [m.model_dump(mode="json") for m in cat.measures.values()],
        "purposes": [p.model_dump(mode="json") for p in cat.purposes.values()],
    }


@router.get("/record-types/{type_id}", response_model=RecordType)
def record_type(type_id: str, ctx: AppContext = Depends(get_ctx)) -> dict[str, Any]:
    found = ctx.catalogue.record_types.get(type_id)
    if found is None:
        raise NotFound(f"no record type {type_id!r}")
    return found.model_dump(mode="json")
