"""Sending mail from the outbox. The sender is pluggable: SMTP (a real exchange; GOV.UK
Notify or another service can take its place behind the same `Sender` shape) or a directory
of .eml files for a demo machine with no mail server.

Delivery is at least once: a message is marked sent only after the server accepted it, so a
crash in between sends it again, with the same Message-ID, which lets a mail system drop
the repeat. Nothing is ever lost.
"""

import hashlib
import os
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.reporting.clock import utcnow
from caselink.store.db import Database
from caselink.store.models import OutboundMail

FROM = os.environ.get("CASELINK_MAIL_FROM", "caselink <no-reply@caselink.example>")
DEFAULT_URL = "dir:var/outbox"
MAX_BACKOFF = timedelta(hours=1)


class Sender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpSender:
    host: str
    port: int
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


@dataclass(frozen=True)
class DirectorySender:
    path: Path

    def send(self, message: EmailMessage) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:20]
        (self.path / f"{name}.eml").write_bytes(bytes(message))


def sender_from_url(url: str) -> Sender:
    """`smtp://host:port`, `smtp+starttls://user:pass@host:587` or `dir:PATH`."""
    if url.startswith("dir:"):
        return DirectorySender(Path(url[4:]))
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtp+starttls") or not parts.hostname:
        raise ValueError(f"CASELINK_MAIL_URL: expected smtp://host:port or dir:PATH, got {url!r}")
    return SmtpSender(
        parts.hostname,
        parts.port or 25,
        starttls=parts.scheme == "smtp+starttls",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def sender_from_env() -> Sender:
    return sender_from_url(os.environ.get("CASELINK_MAIL_URL", DEFAULT_URL))


def message_for(row: OutboundMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = FROM
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(
        row.created_at if row.created_at.tzinfo else row.created_at.astimezone()
    )
    # Stable across retries: the same notice is recognisably the same message.
    message["Message-ID"] = f"<{row.key.replace(':', '.')}.{row.id}@caselink.invalid>"
    message["X-Caselink-Key"] = row.key
    message.set_content(row.body)
    return message


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int


def _pending(session: Session, now: datetime, batch: int) -> list[OutboundMail]:
    query = (
        select(OutboundMail)
        .where(OutboundMail.sent_at.is_(None), OutboundMail.next_attempt_at <= now)
        .order_by(OutboundMail.id)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # several workers share the outbox
    return list(session.scalars(query))


def deliver(db: Database, sender: Sender, now: datetime | None = None, batch: int = 50) -> Delivery:
    """Send what is due, one transaction per message, so one sent message stays sent."""
    sent = failed = 0
    for _ in range(batch):
        with db.transaction() as session:
            rows = _pending(session, now or utcnow(), 1)
            if not rows:
                break
            row = rows[0]
            try:
                sender.send(message_for(row))
            except (OSError, smtplib.SMTPException) as error:
                row.attempts += 1
                row.last_error = f"{type(error).__name__}: {error}"[:1000]
                row.next_attempt_at = (now or utcnow()) + min(
                    MAX_BACKOFF, timedelta(seconds=30 * 2**row.attempts)
                )
                failed += 1
                continue
            row.sent_at = utcnow()
            row.attempts += 1
            sent += 1
    return Delivery(sent, failed)
