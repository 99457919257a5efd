"""Portal pages through the real app on both databases: public register, language, sign-in,
the subject's report and the operator console."""

from __future__ import annotations

import re
from datetime import date

from markupsafe import escape
from sqlalchemy import select

from credo.access.model import Role
from credo.lists.tables import list_entries
from credo.ratings.tables import rating_state
from credo.records.tables import record_current, record_suppressions
from credo.subjects.tables import subject_identifiers, subjects
from credo.web.portal.i18n import load_messages
from tests.portal.conftest import Portal

MASKED = re.compile(r"\b[0-9]{6}\*{8}[0-9]{3}[0-9X]\b")


def _an_organisation(portal: Portal) -> tuple[int, str, str]:
    with portal.ctx.engine.connect() as conn:
        row = conn.execute(
            select(subjects.c.id, subjects.c.display_name, subject_identifiers.c.value)
            .join(subject_identifiers, subject_identifiers.c.subject_id == subjects.c.id)
            .where(subjects.c.kind == "organisation")
            .order_by(subjects.c.id)
            .limit(1)
        ).one()
    return int(row[0]), str(row[1]), str(row[2])


def _current(portal: Portal, **where: object) -> list[dict[str, object]]:
    query = select(record_current)
    for column, value in where.items():
        query = query.where(record_current.c[column] == value)
    with portal.ctx.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def test_search_by_name_part_and_by_code(portal: Portal) -> None:
    subject_id, name, code = _an_organisation(portal)
    by_code = portal.client.get("/register/search", params={"q": code.lower()})
    assert f"/register/organisations/{subject_id}" in by_code.text
    english_part = name.split(" ", 2)[1]  # e.g. "Xicheng"
    by_name = portal.client.get("/register/search", params={"q": english_part})
    assert f"/register/organisations/{subject_id}" in by_name.text
    chinese = portal.client.get("/register/search", params={"q": name[:4]})
    assert f"/register/organisations/{subject_id}" in chinese.text
    # the identifier column is labelled in the reader's words, not with one scheme's acronym
    assert "<th" in by_code.text and "Registration number" in by_code.text
    assert "USCC" not in by_code.text


def test_search_text_is_not_a_pattern(portal: Portal) -> None:
    everything = portal.client.get("/register/search", params={"q": "%%"})
    assert everything.status_code == 200
    assert "/register/organisations/" not in everything.text
    too_long = portal.client.get("/register/search", params={"q": "x" * 500})
    assert too_long.status_code == 422


def test_organisation_page_shows_only_records_in_their_publicity_period(portal: Portal) -> None:
    today = portal.ctx.clock.today()
    held = _held_chains(portal)
    penalties = [
        p
        for p in _current(portal, record_type="administrative_penalty")
        if p["chain_id"] not in held
    ]
    shown = [p for p in penalties if _in_publicity(p, today)]
    hidden = [p for p in penalties if not _in_publicity(p, today)]
    assert shown and hidden, "the demo city should have penalties in and out of publicity"
    for record in shown[:3] + hidden[:3]:
        page = portal.client.get(f"/register/organisations/{record['subject_id']}")
        if page.status_code == 404:  # a sole trader: persons have no public page
            continue
        number = str(record["payload"]["decision_number"])  # type: ignore[index]
        assert (number in page.text) == (record in shown), number


def _held_chains(portal: Portal) -> set[str]:
    """Chains with an open dispute or claim (the demo opens some): never shown publicly."""
    query = select(record_suppressions.c.chain_id).where(record_suppressions.c.closed_at.is_(None))
    with portal.ctx.engine.connect() as conn:
        return {row[0] for row in conn.execute(query)}


def _in_publicity(record: dict[str, object], today: date) -> bool:
    return (
        record["state"] == "active" and record["effective_from"] <= today < record["effect_until"]  # type: ignore[operator]
    )


def test_a_disputed_record_leaves_the_public_page(portal: Portal) -> None:
    today = portal.ctx.clock.today()
    licence = next(
        r
        for r in _current(portal, record_type="administrative_licence")
        if _in_publicity(r, today)
        and r["chain_id"] not in _held_chains(portal)
        and _is_organisation(portal, int(r["subject_id"]))  # type: ignore[call-overload]
    )
    url = f"/register/organisations/{licence['subject_id']}"
    number = str(licence["payload"]["licence_number"])  # type: ignore[index]
    assert number in portal.client.get(url).text
    with portal.ctx.engine.begin() as conn:
        conn.execute(
            record_suppressions.insert().values(
                chain_id=licence["chain_id"],
                subject_id=licence["subject_id"],
                reason="dispute",
                opened_at=portal.ctx.clock.now(),
            )
        )
    assert number not in portal.client.get(url).text


def _is_organisation(portal: Portal, subject_id: int) -> bool:
    with portal.ctx.engine.connect() as conn:
        kind = conn.execute(select(subjects.c.kind).where(subjects.c.id == subject_id)).scalar()
    return kind == "organisation"


def test_non_public_types_never_appear(portal: Portal) -> None:
    hidden = _current(portal, record_type="judgment_performance") + _current(
        portal, record_type="official_disciplinary_sanction"
    )
    assert hidden
    for record in hidden[:5]:
        page = portal.client.get(f"/register/organisations/{record['subject_id']}")
        assert str(record["source_ref"]) not in page.text


def test_unknown_organisation_and_person_ids_are_404(portal: Portal) -> None:
    assert portal.client.get("/register/organisations/999999").status_code == 404
    person = next(iter(_current(portal, record_type="judgment_defaulter")))
    with portal.ctx.engine.connect() as conn:
        kind = conn.execute(
            select(subjects.c.kind).where(subjects.c.id == person["subject_id"])
        ).scalar()
    page = portal.client.get(f"/register/organisations/{person['subject_id']}")
    assert page.status_code == (404 if kind == "person" else 200)
    # anything that cannot be an id is a page that is not found, never a 500 (nor a 422)
    for bad in ("abc", "0", "-1", "914553019912259108864", str(2**63), str(2**31)):
        assert portal.client.get(f"/register/organisations/{bad}").status_code == 404, bad


def test_defaulter_list_masks_identity_numbers(portal: Portal) -> None:
    page = portal.client.get("/register/defaulters")
    assert page.status_code == 200
    assert MASKED.search(page.text)
    assert "Fa Shi [2017] No. 7" in page.text  # the legal basis
    assert "the obligation is performed" in page.text  # how to exit, in words
    for ric in portal.resident_ids():
        assert ric not in page.text


def test_defaulter_without_a_name_on_record_shows_a_dash_not_none(portal: Portal) -> None:
    """A listed subject whose furnisher sent no name is shown as "—", never as "None"."""
    with portal.ctx.engine.begin() as conn:
        listed, name = conn.execute(
            select(subjects.c.id, subjects.c.display_name)
            .join(list_entries, list_entries.c.subject_id == subjects.c.id)
            .where(list_entries.c.list_id == "judgment_defaulters")
            .order_by(list_entries.c.id)
            .limit(1)
        ).one()
        conn.execute(subjects.update().where(subjects.c.id == listed).values(display_name=None))
    try:
        page = portal.client.get("/register/defaulters")
    finally:  # the portal fixture is shared by the whole session
        with portal.ctx.engine.begin() as conn:
            conn.execute(subjects.update().where(subjects.c.id == listed).values(display_name=name))
    assert page.status_code == 200
    assert ">None<" not in page.text
    assert "<td>—</td>" in page.text


def test_language_switch_sets_a_cookie_and_formats_dates(portal: Portal) -> None:
    switched = portal.client.get("/lang/zh", params={"next": "/catalogue"}, follow_redirects=False)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/catalogue"
    page = portal.client.get("/register/defaulters")
    assert 'lang="zh-Hans"' in page.text
    assert "失信被执行人名单" in page.text
    assert re.search(r"20[0-9]{2}年[0-9]{1,2}月[0-9]{1,2}日", page.text)
    # the catalogue's labels: legal basis, term and exits in Chinese, no codes (issue 15)
    assert "法释〔2017〕7号" in page.text and "Supreme People" not in page.text
    assert "<dd>3年</dd>" in page.text and "履行义务、决定被撤销" in page.text
    portal.client.get("/lang/en")
    english = portal.client.get("/register/defaulters")
    assert 'lang="en"' in english.text
    assert re.search(r"[0-9]{1,2} [A-Z][a-z]{2} 20[0-9]{2}", english.text)
    assert "<dd>3 years</dd>" in english.text and "the term ends" in english.text
    for code in ("term_end", "3y<", "performance, annulment"):
        assert code not in page.text and code not in english.text


def test_language_switch_never_redirects_off_site(portal: Portal) -> None:
    for target in ("//evil.example/", "https://evil.example/", "javascript:alert(1)"):
        response = portal.client.get("/lang/en", params={"next": target}, follow_redirects=False)
        assert response.headers["location"] == "/"


def test_sign_in_subject_sees_own_records_including_unpublished(portal: Portal) -> None:
    bad = portal.post("/signin", {"key": "not-a-key"}, follow_redirects=False)
    assert bad.status_code == 401
    assert "not valid" in bad.text
    signed = portal.sign_in(Role.SUBJECT, follow_redirects=False)
    assert signed.status_code == 303
    assert signed.headers["location"] == "/me"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    report = portal.client.get("/me")
    assert report.status_code == 200
    assert "Dishonest judgment defaulter determination" in report.text
    # payload values and field names in the catalogue's words, in each language (issue 15)
    assert "Obligation: Pay money" in report.text and "pay_money" not in report.text
    chinese = portal.client.get("/me", params={"lang": "zh"}).text
    assert "生效法律文书确定的义务：给付金钱" in chinese and "pay_money" not in chinese
    assert "您的权利" in chinese and "本报告免费提供" in chinese
    assert '<p class="lead"> ·' not in report.text  # the subject's name is shown
    assert portal.client.get("/console").status_code == 403


def test_console_is_for_operators_with_svg_charts(portal: Portal) -> None:
    anonymous = portal.client.get("/console", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/signin")
    portal.sign_in(Role.OPERATOR)
    console = portal.client.get("/console")
    assert console.status_code == 200
    assert console.text.count("<svg") >= 3
    assert "Records by year of occurrence" in console.text
    assert "Subjects per band: Tax credit index grade" in console.text
    assert "not_rated" not in console.text  # bands in the catalogue's words (issue 15)
    assert "Open disputes by time to deadline" in console.text
    assert "List entries in effect" in console.text
    assert portal.client.get("/me", follow_redirects=False).status_code == 403
    portal.sign_out()
    assert portal.client.get("/console", follow_redirects=False).status_code == 303


def test_catalogue_lists_every_record_type_with_its_legal_basis(portal: Portal) -> None:
    page = portal.client.get("/catalogue")
    chinese = portal.client.get("/catalogue", params={"lang": "zh"}).text
    messages = load_messages()
    for record_type in portal.ctx.catalogue.record_types.values():
        assert escape(record_type.name.en) in page.text
        assert escape(record_type.legal_basis.instrument) in page.text
        # domain, severity and polarity in words, in the reader's language (issue 15)
        for vocabulary, code in (
            ("domain", record_type.domain.value),
            ("severity", record_type.severity_tier.value),
            ("polarity", record_type.polarity.value),
        ):
            key = f"{vocabulary}.{code}"
            assert key in messages, f"no words for {vocabulary} {code}"
            english, zh = messages.text(key, "en"), messages.text(key, "zh")
            assert english and zh
            assert escape(english) in page.text and zh in chinese
            for shown in (f"<dd>{code}</dd>", f"<dd>{code} (", f"({code})"):
                assert shown not in page.text and shown not in chinese


def test_static_files_are_local_and_whitelisted(portal: Portal) -> None:
    css = portal.client.get("/static/portal.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert portal.client.get("/static/..%2Fviews.py").status_code == 404
    home = portal.client.get("/").text
    assert "http://" not in home.replace("http://www.w3.org", "")
    assert "https://" not in home


def test_organisation_page_shows_public_ratings_and_list_entries(portal: Portal) -> None:
    today = portal.ctx.clock.today()
    with portal.ctx.engine.connect() as conn:
        listed = conn.execute(
            select(list_entries.c.subject_id, list_entries.c.list_id)
            .join(subjects, subjects.c.id == list_entries.c.subject_id)
            .where(
                subjects.c.kind == "organisation",
                list_entries.c.status != "ended",
                list_entries.c.effective_on <= today,
                list_entries.c.ends_on > today,
                list_entries.c.list_id.in_(["judgment_defaulters", "procurement_debarred"]),
            )
            .limit(1)
        ).one()
        rated = conn.execute(
            select(rating_state.c.subject_id, rating_state.c.band)
            .join(subjects, subjects.c.id == rating_state.c.subject_id)
            .where(subjects.c.kind == "organisation", rating_state.c.rating_key.like("tax_credit%"))
            .limit(1)
        ).one()
    page = portal.client.get(f"/register/organisations/{listed.subject_id}").text
    assert escape(portal.ctx.catalogue.lists[listed.list_id].name.en) in page
    page = portal.client.get(f"/register/organisations/{rated.subject_id}").text
    assert "Tax credit index grade" in page
    assert f"<strong>{rated.band}</strong>" in page


def test_persons_are_findable_by_name_only_while_on_a_public_list(portal: Portal) -> None:
    today = portal.ctx.clock.today()
    in_effect = (
        list_entries.c.status != "ended",
        list_entries.c.effective_on <= today,
        list_entries.c.ends_on > today,
    )
    with portal.ctx.engine.connect() as conn:
        listed = conn.execute(
            select(subjects.c.id, subjects.c.display_name)
            .join(list_entries, list_entries.c.subject_id == subjects.c.id)
            .where(subjects.c.kind == "person", *in_effect)
            .limit(1)
        ).one()
        on_lists = select(list_entries.c.subject_id).where(*in_effect)
        unlisted = conn.execute(
            select(subjects.c.display_name)
            .where(subjects.c.kind == "person", subjects.c.id.not_in(on_lists))
            .order_by(subjects.c.id)
        ).scalars()
        names_on_lists = set(
            conn.execute(
                select(subjects.c.display_name).where(subjects.c.id.in_(on_lists))
            ).scalars()
        )
        private = next(name for name in unlisted if name not in names_on_lists)
    found = portal.client.get("/register/search", params={"q": listed.display_name}).text
    assert f"<td>{escape(listed.display_name)}</td>" in found
    assert MASKED.search(found)
    hidden = portal.client.get("/register/search", params={"q": private}).text
    assert f"<td>{escape(private)}</td>" not in hidden
