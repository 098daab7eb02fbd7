"""Reading a raw email (what mutt's pipe-message or aerc's :pipe hands over) for the log.

The From, To and Cc addresses find the contact; the Subject becomes the summary,
the Date header the time, the plain-text part the body, and the Message-ID the
identity that stops the same message from being logged twice. References and
In-Reply-To name the conversation it belongs to (`values.message_ids`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from crmcli.core.errors import Invalid
from crmcli.core.values.message_ids import ids_in, normalise, thread_key
from crmcli.core.values.text import strip_controls

_HEADER = re.compile(
    r"^(From|To|Cc|Subject|Date|Message-ID|Received|Return-Path|"
    r"MIME-Version|Delivered-To|Reply-To|X-[\w-]+|Content-Type)\s*:",
    re.IGNORECASE,
)


@dataclass
class MailFacts:
    senders: list[str]
    recipients: list[str]  # To, then Cc
    subject: str
    date: datetime | None
    body: str | None
    message_id: str | None
    warnings: list[str] = field(default_factory=list)  # what was cleaned, for the rep to see
    # The ids it replies to (References, then In-Reply-To), and its conversation's key.
    references: list[str] = field(default_factory=list)
    thread: str | None = None


# C0 control characters but tab and newline: a NUL or an escape in stored text breaks
# exports, terminals and other tools, and no mail body means one.


def looks_like_message(data: bytes) -> bool:
    """Do the first lines read as mail headers (including mbox's `From ` line)?"""
    head = data[:2048].decode("utf-8", "replace").lstrip("\ufeff")
    lines = [line for line in head.splitlines()[:5] if line.strip()]
    if not lines:
        return False
    first = lines[0]
    if first.startswith("From ") and len(lines) > 1:  # an mbox separator line
        first = lines[1]
    return bool(_HEADER.match(first))


def parse_message(data: bytes) -> MailFacts:
    """The facts the log needs from an RFC 5322 message."""
    from email import policy
    from email.parser import BytesParser
    from email.utils import getaddresses, parsedate_to_datetime

    if data.startswith(b"From ") and b"\n" in data:
        data = data.split(b"\n", 1)[1]  # drop an mbox separator line
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
    except Exception as exc:  # the email package can raise many things on garbage
        raise Invalid(f"cannot read the message on standard input: {exc}") from exc

    def addresses(*names: str) -> list[str]:
        values = [str(v) for name in names for v in message.get_all(name, [])]
        return [addr.strip() for _, addr in getaddresses(values) if "@" in addr]

    date = None
    if message["Date"]:
        try:
            date = parsedate_to_datetime(str(message["Date"]))
        except (TypeError, ValueError):
            date = None
        if date is not None and date.tzinfo is None:
            date = date.astimezone()
    body = None
    try:
        part = message.get_body(preferencelist=("plain",))
        if part is not None:
            text = str(part.get_content()).replace("\r\n", "\n").replace("\r", "\n")
            body = text.strip() or None
    except (KeyError, LookupError, UnicodeError):
        body = None
    subject = " ".join(str(message["Subject"] or "").split()) or "(no subject)"
    message_id = str(message["Message-ID"]).strip() if message["Message-ID"] else None
    warnings: list[str] = []

    def clean(text: str | None, what: str) -> str | None:
        """The text without control characters (a warning says how many went), or None."""
        if text is None:
            return None
        cleaned, count = strip_controls(text)
        if count:
            warnings.append(f"removed {count} control character(s) such as NUL from the {what}")
        return cleaned.strip() or None

    def raw(name: str) -> str | None:
        """A header's text, control characters dropped; None when absent or unreadable."""
        try:
            value = message[name]
        except Exception:  # a malformed header must not cost the message its log
            return None
        return None if value is None else strip_controls(str(value))[0]

    own = clean(message_id, "Message-ID")
    references, in_reply_to = raw("References"), raw("In-Reply-To")
    cited = ids_in(references)
    cited += [i for i in ids_in(in_reply_to) if i not in cited]
    cited = [i for i in cited if i != normalise(own)]  # a message citing itself cites nothing
    return MailFacts(
        addresses("From"),
        addresses("To", "Cc"),
        clean(subject, "subject") or "(no subject)",
        date,
        clean(body, "body"),
        own,
        warnings,
        cited,
        thread_key(references, in_reply_to, own),
    )
