"""Portal sessions, forms and headers over HTTP (issue 11, item 7), on both databases:

- the cookie holds an opaque session id, never the API key; the database keeps only its hash;
  HttpOnly, SameSite=Strict, and Secure when served over HTTPS;
- sign-out revokes the session on the server (a copied cookie is dead), as do expiry and
  disabling the principal;
- every POST form carries a CSRF token; a post without it, or from another origin (even with
  it), is refused and changes nothing, /signin included (no login CSRF);
- every response carries the security headers, a strict CSP without inline script, and
  ``Cache-Control: no-store`` on personal pages and API answers."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from credo.access import repository as access_repo
from credo.access.model import Role
from credo.access.sessions import SESSION_LIFETIME
from credo.access.tables import portal_sessions
from credo.clock import FixedClock
from credo.demo.build import demo_credentials
from credo.records.tables import subject_statements
from credo.web.api.app import create_app
from tests.portal.conftest import Portal, form_token

TEMPLATES = Path(__file__).parents[2] / "src" / "credo" / "web" / "portal" / "templates"
SESSION = "credo_session"
EVIL = "http://evil.example"


def _set_cookies(response: Any) -> list[str]:
    return [v for k, v in response.headers.multi_items() if k == "set-cookie"]


def _session_cookie(response: Any) -> str:
    [cookie] = [c for c in _set_cookies(response) if c.startswith(SESSION + "=")]
    return cookie


def _statements(portal: Portal) -> int:
    with portal.ctx.engine.connect() as conn:
        return len(conn.execute(select(subject_statements.c.id)).all())


def _a_record_of_mine(portal: Portal) -> str:
    found = re.search(r'<tr data-record="([0-9a-f]+)">', portal.client.get("/me").text)
    assert found, "the demo subject has records"
    return found.group(1)


def test_the_cookie_holds_an_opaque_session_id_not_the_key(portal: Portal) -> None:
    key = portal.keys[Role.SUBJECT]
    signed = portal.sign_in(Role.SUBJECT, follow_redirects=False)
    assert signed.status_code == 303
    cookie = _session_cookie(signed)
    value = cookie.split(";")[0].split("=", 1)[1]
    assert key not in cookie and value != key
    assert len(value) >= 40  # 256 random bits
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=strict" in flags and "path=/" in flags
    assert "secure" not in flags  # plain HTTP here; see the HTTPS test
    with portal.ctx.engine.connect() as conn:
        stored = conn.execute(select(portal_sessions)).mappings().all()
    assert len(stored) == 1
    assert stored[0]["id_hash"] != value and value not in str(dict(stored[0]))
    assert stored[0]["expires_at"] is not None and stored[0]["revoked_at"] is None


def test_over_https_the_cookies_are_secure(portal: Portal) -> None:
    with TestClient(create_app(portal.ctx), base_url="https://credo.example") as https:
        form = https.get("/signin")
        [pre] = _set_cookies(form)
        assert "secure" in pre.lower()
        token = form_token(https)
        signed = https.post(
            "/signin",
            data={"key": portal.keys[Role.OPERATOR], "csrf": token},
            headers={"Origin": "https://credo.example"},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        assert "secure" in _session_cookie(signed).lower()


def test_sign_out_revokes_the_session_on_the_server(portal: Portal) -> None:
    portal.sign_in(Role.SUBJECT)
    stolen = portal.client.cookies[SESSION]
    assert portal.client.get("/me").status_code == 200
    out = portal.sign_out()
    assert out.status_code == 200 and SESSION not in portal.client.cookies
    with TestClient(create_app(portal.ctx), cookies={SESSION: stolen}) as replay:
        assert replay.get("/me", follow_redirects=False).status_code == 303  # to /signin
    with portal.ctx.engine.connect() as conn:
        [revoked] = conn.execute(select(portal_sessions.c.revoked_at)).scalars().all()
    assert revoked is not None


def test_a_session_expires_and_dies_with_its_principal(portal: Portal) -> None:
    clock = cast(FixedClock, portal.ctx.clock)
    portal.sign_in(Role.SUBJECT)
    clock.advance(seconds=(SESSION_LIFETIME - timedelta(minutes=1)).total_seconds())
    assert portal.client.get("/me", follow_redirects=False).status_code == 200
    clock.advance(minutes=2)
    assert portal.client.get("/me", follow_redirects=False).status_code == 303

    portal.sign_in(Role.SUBJECT)
    assert portal.client.get("/me", follow_redirects=False).status_code == 200
    principal_id = next(c.principal_id for c in demo_credentials(portal.ctx) if c.subject_id)
    with portal.ctx.engine.begin() as conn:
        access_repo.disable(conn, principal_id, clock.now())
    assert portal.client.get("/me", follow_redirects=False).status_code == 303


def test_the_old_cookie_holding_the_key_no_longer_signs_in(portal: Portal) -> None:
    cookies = {SESSION: portal.keys[Role.SUBJECT]}
    with TestClient(create_app(portal.ctx), cookies=cookies) as old:
        assert old.get("/me", follow_redirects=False).status_code == 303


def test_every_post_form_carries_a_token(portal: Portal) -> None:
    pages = {"/signin": None, "/me": Role.SUBJECT, "/console/queues": Role.OPERATOR}
    for path, role in pages.items():
        if role is not None:
            portal.sign_in(role)
        html = portal.client.get(path).text
        forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', html, re.S)
        assert forms, path
        for form in forms:
            assert re.search(r'name="csrf" value="[0-9a-f]{64}"', form), (path, form[:200])
        if role is not None:
            portal.sign_out()


def test_a_cross_origin_post_changes_nothing(portal: Portal) -> None:
    portal.sign_in(Role.SUBJECT)
    record_id = _a_record_of_mine(portal)
    token = form_token(portal.client)
    before = _statements(portal)
    form = {"record_id": record_id, "text": "Planted by another site.", "csrf": token}
    attempts = [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Referer": EVIL + "/page"},
        {"Origin": str(portal.client.base_url) + ".evil.example"},
    ]
    for headers in attempts:
        refused = portal.client.post(
            "/me/statements", data=form, headers=headers, follow_redirects=False
        )
        assert refused.status_code == 403, headers
    no_token = {k: v for k, v in form.items() if k != "csrf"}
    assert portal.client.post("/me/statements", data=no_token).status_code == 403
    wrong = {**form, "csrf": "0" * 64}
    assert portal.client.post("/me/statements", data=wrong).status_code == 403
    assert _statements(portal) == before
    allowed = portal.post("/me/statements", form, follow_redirects=False)
    assert allowed.status_code == 303
    assert _statements(portal) == before + 1


@pytest.mark.parametrize(
    "path", ["/console/disputes/1/resolve", "/console/repairs/1/decide", "/signout"]
)
def test_operator_forms_refuse_other_origins(portal: Portal, path: str) -> None:
    portal.sign_in(Role.OPERATOR)
    form = {"csrf": form_token(portal.client), "outcome": "upheld", "approve": "yes"}
    refused = portal.client.post(path, data=form, headers={"Origin": EVIL})
    assert refused.status_code == 403
    assert portal.client.get("/console", follow_redirects=False).status_code == 200


def test_no_login_csrf(portal: Portal) -> None:
    """Another site cannot sign a browser in as the attacker."""
    token = form_token(portal.client)
    key = portal.keys[Role.SUBJECT]
    for data, headers in [
        ({"key": key, "csrf": token}, {"Origin": EVIL}),
        ({"key": key}, {}),
        ({"key": key, "csrf": "f" * 64}, {}),
    ]:
        response = portal.client.post("/signin", data=data, headers=headers, follow_redirects=False)
        assert response.status_code == 403, (data.keys(), headers)
        assert not any(c.startswith(SESSION + "=") for c in _set_cookies(response))
    with portal.ctx.engine.connect() as conn:
        assert conn.execute(select(portal_sessions)).first() is None


def _pages(portal: Portal) -> dict[str, Role | None]:
    html = portal.client.get("/register/search", params={"q": "Co"}).text
    found = re.search(r'href="(/register/organisations/[0-9]+)"', html)
    assert found
    return {
        "/": None,
        "/catalogue": None,
        "/register/defaulters": None,
        "/register/search?q=Co": None,
        found.group(1): None,
        "/register/organisations/914553019912259108864": None,
        "/signin": None,
        "/static/portal.css": None,
        "/no-such-page": None,
        "/v1/catalog": None,
        "/openapi.json": None,
        "/me": Role.SUBJECT,
        "/v1/me/report": Role.SUBJECT,
        "/v1/me/report.html": Role.SUBJECT,
        "/console": Role.OPERATOR,
        "/console/queues": Role.OPERATOR,
    }


PERSONAL = {"/me", "/v1/me/report", "/v1/me/report.html", "/console", "/console/queues", "/signin"}


def test_security_headers_on_every_page(portal: Portal) -> None:
    for path, role in _pages(portal).items():
        headers: dict[str, str] = {}
        if role is not None and path.startswith("/v1/"):
            headers = {"Authorization": f"Bearer {portal.keys[role]}"}
        elif role is not None:
            portal.sign_in(role)
        response = portal.client.get(path, headers=headers)
        if role is not None and not path.startswith("/v1/"):
            portal.sign_out()
        got = response.headers
        assert response.status_code < 500, path
        csp = got.get("content-security-policy", "")
        assert "script-src 'none'" in csp and "frame-ancestors 'none'" in csp, path
        assert "default-src 'none'" in csp and "unsafe-inline" not in csp, path
        assert got.get("x-frame-options") == "DENY", path
        assert got.get("x-content-type-options") == "nosniff", path
        assert got.get("referrer-policy") == "same-origin", path
        if path in PERSONAL:
            assert got.get("cache-control") == "no-store", path


def test_the_checks_fast_path_has_them_too(portal: Portal) -> None:
    response = portal.client.post(
        "/v1/checks",
        json={"identifiers": [], "purpose": "air_ticket_sale"},
        headers={"Authorization": f"Bearer {portal.keys[Role.RELYING_PARTY]}"},
    )
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert response.headers.get("cache-control") == "no-store"


def test_api_reference_pages_allow_their_inline_script_only_by_hash(portal: Portal) -> None:
    docs = portal.client.get("/docs")
    csp = docs.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "'sha256-" in csp
    assert "frame-ancestors 'none'" in csp


def test_templates_hold_no_inline_script_or_style() -> None:
    inline = re.compile(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:", re.I)
    for template in TEMPLATES.glob("*.html"):
        assert not inline.search(template.read_text()), template.name
