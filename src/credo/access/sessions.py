"""Portal sessions: signing in with an API key opens a server-side session; the browser gets
only an opaque random id, never the key. The database keeps the id's SHA-256 (a copy of the
table opens nothing), the principal, an absolute expiry and the revocation time. A session
ends at its expiry, at sign-out (revoked), or at once when its principal is disabled.

The session id also keys the portal's CSRF tokens (`form_token`): a token is an HMAC of a
fixed label under the id, so only a page served to the holder of the cookie can carry it,
and the server stores nothing more for it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection

from credo.access import repository
from credo.access.model import Principal
from credo.access.service import authenticate, principal_from_row

SESSION_LIFETIME = timedelta(hours=8)
# Ended sessions are kept a day (so "signed out at" can be read back), then forgotten.
KEEP_ENDED = timedelta(days=1)
_CSRF_LABEL = b"credo-portal-form"


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def new_secret() -> str:
    """A fresh opaque value (256 bits) for a session id or a pre-sign-in binding."""
    return secrets.token_urlsafe(32)


def sign_in(conn: Connection, key: str, now: datetime) -> tuple[Principal, str]:
    """Authenticate ``key`` and open a session for its principal; returns the principal and
    the new session id (for the cookie). A fresh id at every sign-in: nothing chosen before
    signing in (session fixation) survives it. Raises NotAuthenticated."""
    principal = authenticate(conn, key)
    repository.delete_sessions_ended_before(conn, now - KEEP_ENDED)
    session_id = new_secret()
    repository.insert_session(conn, _hash(session_id), principal.id, now, now + SESSION_LIFETIME)
    return principal, session_id


def principal_of(conn: Connection, session_id: str | None, now: datetime) -> Principal | None:
    """The principal of a live session, or None (unknown, expired, revoked, disabled)."""
    if not session_id or len(session_id) > 100:
        return None
    row = repository.principal_of_session(conn, _hash(session_id), now)
    return principal_from_row(row) if row is not None else None


def sign_out(conn: Connection, session_id: str | None, now: datetime) -> None:
    if session_id:
        repository.revoke_session(conn, _hash(session_id), now)


def form_token(binding: str) -> str:
    """The CSRF token for forms served to the holder of ``binding`` (a session id, or the
    pre-sign-in value of a signed-out browser)."""
    return hmac.new(binding.encode(), _CSRF_LABEL, hashlib.sha256).hexdigest()


def token_matches(binding: str | None, token: str | None) -> bool:
    if not binding or not token:
        return False
    return hmac.compare_digest(form_token(binding), token)
