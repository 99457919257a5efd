"""Portal sessions under attack in a real chromium (issue 11, item 7), on each database. The
attacker's pages are served from another origin on the same host (another port): the same
*site*, so even SameSite=Strict cookies go along, and only the origin check and the form
token stand between the attacker and the subject's file.

- the session cookie is HttpOnly, SameSite=Strict and not the API key;
- a form on the attacker's page that posts to /me/statements is refused, even when it
  carries a token read from the subject's page, and nothing is stored;
- a form on the attacker's page cannot sign the browser in (no login CSRF);
- no page of the portal can be framed, and the strict CSP breaks nothing on the pages."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from credo.access.model import Role
from credo.context import AppContext
from credo.demo.build import demo_key
from credo.records.tables import subject_statements
from tests.portal.conftest import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


class Attacker:
    """A site on another port of the same host that serves whatever page it is given."""

    def __init__(self) -> None:
        self.html = "<!doctype html><title>attacker</title>"
        self.port = free_port()
        attacker = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the name http.server calls
                body = attacker.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def form(self, action: str, fields: dict[str, str]) -> None:
        inputs = "".join(
            f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
            for k, v in fields.items()
        )
        self.html = (
            '<!doctype html><title>win a prize</title><form method="post" '
            f'action="{escape(action)}">{inputs}<button type="submit">Claim</button></form>'
        )


@pytest.fixture
def attacker() -> Iterator[Attacker]:
    site = Attacker()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.server.shutdown()
        site.server.server_close()


def _sign_in(page: Page, base: str, role: Role) -> None:
    page.goto(base + "/signin")
    page.get_by_label("API key").fill(demo_key(role))
    page.get_by_role("button", name="Sign in").last.click()


def _statements(ctx: AppContext) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(subject_statements)).scalar())


def _submit(page: Page, attacker: Attacker) -> int:
    page.goto(attacker.url)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Claim").click()
    response = navigation.value
    assert response is not None
    return response.status


def test_the_session_cookie_is_httponly_strict_and_not_the_key(
    site: tuple[str, AppContext], page: Page
) -> None:
    base, _ = site
    _sign_in(page, base, Role.SUBJECT)
    page.wait_for_url(base + "/me")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "credo_session"]
    assert cookie["value"] != demo_key(Role.SUBJECT)
    assert demo_key(Role.SUBJECT) not in cookie["value"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "credo_session" not in page.evaluate("document.cookie")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(base + "/")
    assert not [c for c in page.context.cookies() if c["name"] == "credo_session"]


def test_a_form_on_another_origin_cannot_post_to_the_subjects_file(
    site: tuple[str, AppContext], page: Page, attacker: Attacker
) -> None:
    base, ctx = site
    _sign_in(page, base, Role.SUBJECT)
    page.wait_for_url(base + "/me")
    record_id = page.locator("tr[data-record]").first.get_attribute("data-record")
    token = page.locator("input[name=csrf]").first.input_value()
    assert record_id and token
    before = _statements(ctx)
    fields = {"record_id": record_id, "text": "I confess everything."}
    attacker.form(base + "/me/statements", fields)
    assert _submit(page, attacker) == 403  # no token
    attacker.form(base + "/me/statements", {**fields, "csrf": token})
    assert _submit(page, attacker) == 403  # a leaked token, but another origin
    assert "not sent from this site" in page.content()
    assert _statements(ctx) == before
    page.goto(base + "/me")  # still signed in: the refusals did not end the session
    assert page.locator("tr[data-record]").count() > 0


def test_a_form_on_another_origin_cannot_sign_the_browser_in(
    site: tuple[str, AppContext], page: Page, attacker: Attacker
) -> None:
    base, _ = site
    attacker.form(base + "/signin", {"key": demo_key(Role.SUBJECT)})
    assert _submit(page, attacker) == 403
    assert not [c for c in page.context.cookies() if c["name"] == "credo_session"]
    page.goto(base + "/me")
    assert page.url.startswith(base + "/signin")


def test_no_page_can_be_framed_and_the_csp_breaks_nothing(
    site: tuple[str, AppContext], page: Page, attacker: Attacker
) -> None:
    base, _ = site
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    _sign_in(page, base, Role.OPERATOR)
    page.wait_for_url(base + "/console")
    for path in ("/", "/register/defaulters", "/catalogue", "/console", "/console/queues"):
        page.goto(base + path)
        header = page.locator("header.site")
        # the local style sheet applied: the header's background is the accent colour
        assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(8, 58, 102)"
    page.goto(base + "/console")
    assert page.locator("svg.chart rect.chart-bar").count() > 0  # inline SVG charts still draw
    assert violations == []

    attacker.html = f'<!doctype html><title>framed</title><iframe src="{base}/console"></iframe>'
    page.goto(attacker.url)
    page.wait_for_timeout(500)
    framed = [f for f in page.frames if f != page.main_frame]
    assert framed
    for frame in framed:  # chromium shows its error page in place of ours
        assert frame.locator("header.site").count() == 0
