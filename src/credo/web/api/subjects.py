"""Operators look subjects up by identifier and see their records and history."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import Connection

from credo.access.model import Principal, Role
from credo.context import AppContext
from credo.jsonvalue import jsonable
from credo.records import queries as records_queries
from credo.subjects.service import resolve_identifier, subject_summary
from credo.web.api.schemas.subjects import SubjectWithRecords
from credo.web.auth import require
from credo.web.deps import get_conn, get_ctx

router = APIRouter(prefix="/v1/subjects", tags=["subjects (operators)"])


@router.get("/{scheme}/{value}", response_model=SubjectWithRecords)
def get_subject(
    scheme: str,
    value: str,
    _: Principal = Depends(require(Role.OPERATOR, Role.AUDITOR)),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    subject_id = resolve_identifier(conn, ctx.catalogue, scheme, value)
    summary = subject_summary(conn, subject_id)
    summary["records"] = [
        jsonable(asdict(r)) for r in records_queries.current_of_subject(conn, subject_id)
    ]
    return summary
