"""The identity review queue: operators decide with reasons."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from credo.access.model import Principal, Role
from credo.jsonvalue import jsonable
from credo.subjects.service import open_review_items, resolve_review_item
from credo.web.api.schemas.subjects import ReviewItem, ReviewItemResolved
from credo.web.auth import AsOperator, require
from credo.web.deps import get_conn
from credo.web.params import Id

router = APIRouter(prefix="/v1/review", tags=["review queue (operators)"])


class Resolution(BaseModel):
    resolution: str = Field(min_length=5, max_length=2000, description="The reasons")


@router.get("", response_model=list[ReviewItem])
def open_items(
    queue: str | None = None,
    _: Principal = Depends(require(Role.OPERATOR)),
    conn: Connection = Depends(get_conn),
) -> list[dict[str, Any]]:
    return [jsonable(r.model_dump()) for r in open_review_items(conn, queue)]


@router.post("/{item_id}/resolve", response_model=ReviewItemResolved)
def resolve(item_id: Id, body: Resolution, call: AsOperator) -> dict[str, Any]:
    resolve_review_item(
        call.conn, item_id, call.principal.id, body.resolution, call.ctx.clock.now()
    )
    return {"id": item_id, "status": "resolved"}
