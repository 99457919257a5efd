"""The rows the audit log vouches for, read through the domains that own them: what
``credo audit verify`` passes to ``audit.verify`` so the data is checked with the chain."""

from __future__ import annotations

from credo.audit.integrity import AuditedData
from credo.checks.service import audited_inquiries
from credo.records.queries import audited_statements

AUDITED = AuditedData(audited_statements(), audited_inquiries())
