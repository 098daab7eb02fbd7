"""Writing real Maildir folders for the sync tests as mail tools deliver: tmp/ then new/."""

from __future__ import annotations

import itertools
import os
import socket
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

_counter = itertools.count(1)


def make_maildir(root: Path) -> Path:
    for sub in ("tmp", "new", "cur"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return root


def message(
    *,
    sender: tuple[str, str],
    to: list[tuple[str, str]],
    subject: str,
    body: str = "Hello,\n\nSee you soon.\n",
    date: datetime | None = None,
    message_id: str | None = "auto",
    in_reply_to: str | None = None,
    cc: list[tuple[str, str]] | None = None,
    attachment: bytes | None = None,
) -> EmailMessage:
    """A message as a mail client writes it: display names with non-ASCII letters are
    RFC 2047-encoded by the email package's default policy."""
    msg = EmailMessage()
    msg["From"] = Address(sender[0], addr_spec=sender[1])
    msg["To"] = [Address(n, addr_spec=a) for n, a in to]
    if cc:
        msg["Cc"] = [Address(n, addr_spec=a) for n, a in cc]
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2026, 2, 20, 10, 30, tzinfo=UTC))
    if message_id == "auto":
        message_id = make_msgid(domain="example.test")
    if message_id is not None:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    if attachment is not None:
        msg.add_attachment(
            attachment, maintype="application", subtype="octet-stream", filename="big.bin"
        )
    return msg


def deliver(root: Path, msg: EmailMessage | bytes, *, seen: bool = False) -> str:
    """Deliver like an MDA: write into tmp/ under a unique name, then rename into new/ (or
    into cur/ with `:2,S` when already read). Returns the unique base name."""
    unique = f"1733300000.M{next(_counter)}P{os.getpid()}.{socket.gethostname()}"
    data = msg if isinstance(msg, bytes) else msg.as_bytes()
    tmp = root / "tmp" / unique
    tmp.write_bytes(data)
    if seen:
        tmp.rename(root / "cur" / f"{unique}:2,S")
    else:
        tmp.rename(root / "new" / unique)
    return unique


def mark_read(root: Path, unique: str) -> None:
    """What mutt does when a new message is read: move it to cur/ with the S flag."""
    (root / "new" / unique).rename(root / "cur" / f"{unique}:2,S")
