"""Delivery channels for the notice outbox: SMTP (production) and files (demo, tests)."""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol


class DeliveryFailed(Exception):
    """The channel could not deliver; the notice stays in the outbox for the next run."""


@dataclass(frozen=True)
class Outgoing:
    notice_id: int
    recipient_kind: str
    recipient_id: str
    kind: str
    title: str
    body: str
    address: str | None


class Channel(Protocol):
    name: str

    def deliver(self, message: Outgoing) -> None: ...


def to_email(message: Outgoing, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.address or f"{message.recipient_kind}-{message.recipient_id}@invalid"
    email["Subject"] = message.title
    email["X-Credo-Notice"] = str(message.notice_id)
    email["X-Credo-Kind"] = message.kind
    email.set_content(message.body)
    return email


class FileChannel:
    """Writes each notice as an .eml file into a folder (the demo's mailbox)."""

    name = "file"

    def __init__(self, directory: Path, sender: str = "notices@credo.invalid") -> None:
        self.directory = directory
        self.sender = sender

    def deliver(self, message: Outgoing) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        recipient = re.sub(r"[^A-Za-z0-9_.-]", "_", message.recipient_id)
        name = f"{message.notice_id:08d}-{message.recipient_kind}-{recipient}-{message.kind}.eml"
        path = self.directory / name
        path.write_bytes(bytes(to_email(message, self.sender)))


class SmtpChannel:
    """Sends through an SMTP server; a recipient without an address is a delivery failure."""

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str = "notices@credo.invalid",
        timeout: float = 10.0,
        starttls: bool = False,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self.starttls, self.login = starttls, login

    def deliver(self, message: Outgoing) -> None:
        if not message.address:
            raise DeliveryFailed(
                f"no e-mail address for {message.recipient_kind} {message.recipient_id}"
            )
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                self._prepare(smtp)
                smtp.send_message(to_email(message, self.sender))
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"SMTP {self.host}:{self.port}: {exc}") from exc

    def _prepare(self, smtp: Any) -> None:
        if self.starttls:
            smtp.starttls()
        if self.login:
            smtp.login(*self.login)
