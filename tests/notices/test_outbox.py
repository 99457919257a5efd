"""G-22/G-38 delivery: notices go through the outbox to a channel. The SMTP channel is tested
against a real local SMTP server (aiosmtpd); the file channel writes .eml files."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select

from credo.notices import repository
from credo.notices.channels import FileChannel, SmtpChannel
from credo.notices.service import Notice, add_business_days, dispatch, enqueue
from credo.notices.tables import notices

NOW = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)  # a Friday


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _notice(recipient_id: str = "7", kind: str = "dispute_received", **kw: Any) -> Notice:
    return Notice(
        "subject",
        recipient_id,
        kind,
        "Your dispute was received",
        "We received your dispute. The record has no effect until it is resolved.",
        subject_id=int(recipient_id) if recipient_id.isdigit() else None,
        **kw,
    )


def test_smtp_channel_delivers_through_a_real_server(
    engine: Engine, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    with engine.begin() as conn:
        repository.set_contact(conn, "subject", "7", "zhang@example.test")
        enqueue(conn, [_notice()], NOW)
        report = dispatch(conn, SmtpChannel("127.0.0.1", port), NOW)
    assert (report.sent, report.failed) == (1, 0)
    [message] = inbox.messages
    assert message["To"] == "zhang@example.test"
    assert message["Subject"] == "Your dispute was received"
    assert message["X-Credo-Kind"] == "dispute_received"
    assert "no effect until it is resolved" in message.get_payload()
    with engine.connect() as conn:
        row = conn.execute(select(notices)).mappings().one()
    assert row["sent_at"] is not None and row["channel"] == "smtp"


def test_undeliverable_notices_stay_queued_with_the_error(
    engine: Engine, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    with engine.begin() as conn:
        enqueue(conn, [_notice("8")], NOW)  # no address on file
        report = dispatch(conn, SmtpChannel("127.0.0.1", port), NOW)
    assert (report.sent, report.failed) == (0, 1) and not inbox.messages
    with engine.begin() as conn:
        row = conn.execute(select(notices)).mappings().one()
        assert row["sent_at"] is None and "no e-mail address" in row["last_error"]
        repository.set_contact(conn, "subject", "8", "li@example.test")
        assert dispatch(conn, SmtpChannel("127.0.0.1", port), NOW).sent == 1
    assert len(inbox.messages) == 1


def test_a_server_that_is_down_is_a_recorded_failure(engine: Engine) -> None:
    with engine.begin() as conn:
        repository.set_contact(conn, "subject", "7", "zhang@example.test")
        enqueue(conn, [_notice()], NOW)
        report = dispatch(conn, SmtpChannel("127.0.0.1", _free_port(), timeout=2), NOW)
    assert report.failed == 1 and "SMTP" in report.errors[0]


def test_file_channel_writes_one_eml_per_notice(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as conn:
        enqueue(conn, [_notice(), _notice("bank_a", kind="correction")], NOW)
        report = dispatch(conn, FileChannel(tmp_path), NOW)
        assert dispatch(conn, FileChannel(tmp_path), NOW).sent == 0  # nothing is sent twice
    assert report.sent == 2
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files[0].endswith("subject-7-dispute_received.eml")
    assert "correction" in files[1]


def test_a_dedupe_key_queues_a_notice_once(engine: Engine) -> None:
    with engine.begin() as conn:
        enqueue(conn, [_notice(dedupe_key="k1")], NOW)
        enqueue(conn, [_notice(dedupe_key="k1")], NOW)
        assert len(repository.of_subject(conn, 7)) == 1


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (datetime(2026, 3, 6), 5, datetime(2026, 3, 13)),  # Friday + 5 working days
        (datetime(2026, 3, 2), 5, datetime(2026, 3, 9)),  # Monday
        (datetime(2026, 3, 7), 1, datetime(2026, 3, 9)),  # Saturday -> Monday
    ],
)
def test_business_days_skip_weekends(start: datetime, days: int, expected: datetime) -> None:
    assert add_business_days(start, days) == expected
