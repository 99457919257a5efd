"""Operators look subjects up by identifier and see their records and history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import Connection

from credo.access.model import Principal, Role
from credo.context import AppContext
from credo.records import repository as records_repo
from credo.subjects.service import resolve_identifier, subject_summary
from credo.web.api.deps import get_conn, get_ctx, require
from credo.web.api.schemas.subjects import SubjectWithRecords

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
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in dict(r).items()}
        for r in records_repo.current_of_subject(conn, subject_id)
    ]
    return summary
