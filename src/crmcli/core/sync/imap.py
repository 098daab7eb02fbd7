"""An IMAP mailbox as a mail source, with the standard library's imaplib: no new dependency.

A message's identity is "UIDVALIDITY:UID", and the cursor the highest UID handled,
so a second run asks the server only for UIDs above it (`UID SEARCH UID n:*`) and
fetches nothing when nothing came. The mailbox is opened read-only (EXAMINE) and
messages are read with BODY.PEEK, so syncing never marks mail as read. Only the
header and the first `BODY_PREFIX` bytes of the text are fetched, in batches: a
20 MB attachment never crosses the wire. When the server renumbers the mailbox
(a new UIDVALIDITY) the cursor is ignored and every message is offered again; the
engine's Message-ID dedupe makes that a no-op for what was already logged.

Security: `imaps://` is TLS from the first byte; `imap://` upgrades with STARTTLS,
and where the server offers none the password is sent in clear only to a loopback
address (a local bridge such as Proton's or Davmail), never across a network.
Certificates are checked against the system's store (SSL_CERT_FILE names another,
for a private server). The password comes from `password_command`, run at each
sync, and is never stored, logged or shown in a message.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import io
import re
import socket
import ssl
from collections.abc import Iterator, Set
from datetime import date
from typing import BinaryIO, Literal
from urllib.parse import unquote, urlsplit

from crmcli.core.errors import CrmError, Invalid, NotFound, Refused
from crmcli.core.sync.secrets import loopback, password_from
from crmcli.core.sync.sources import BODY_PREFIX, MailItem, SourceSpec

TIMEOUT = 30.0  # seconds for the connection and each answer: a dead server fails, not hangs
BATCH = 50  # messages per FETCH: 50 × (header + 256 KiB) bounds what is held at once
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_LITERAL = re.compile(rb"(BODY\[(?:HEADER|TEXT)\])(?:<\d+>)?\s*\{\d+\}\s*$")
_INLINE = re.compile(rb"(BODY\[(?:HEADER|TEXT)\])(?:<\d+>)?\s+(NIL|\"(?:[^\"\\]|\\.)*\")")
_UID = re.compile(rb"\bUID\s+(\d+)")
_START = re.compile(rb"^\d+\s+\(")


class ImapSource:
    """One mailbox on an IMAP server (`imap[s]://user@host:port/MAILBOX`), read-only."""

    kind: Literal["mail"] = "mail"

    def __init__(self, spec: SourceSpec, *, timeout: float = TIMEOUT, batch: int = BATCH) -> None:
        self.name = spec.name
        self.password_command = spec.password_command
        parts = urlsplit(spec.location)
        self.tls = parts.scheme.lower() == "imaps"
        self.host = parts.hostname or ""
        self.port = parts.port or (993 if self.tls else 143)
        self.user = unquote(parts.username or "")
        self.mailbox = unquote(parts.path.lstrip("/")) or "INBOX"
        self.timeout = timeout
        self.batch = max(1, batch)
        self._imap: imaplib.IMAP4 | None = None
        self._validity: int | None = None
        self._cursor_in: int | None = None  # the stored cursor's UID, when it still holds
        self._highest: int | None = None  # what cursor_after reports
        self._pending: list[int] = []
        self._position: dict[int, int] = {}
        self._cache: dict[int, bytes] = {}
        self._failed: set[int] = set()

    # -- the MailSource protocol ------------------------------------------------------

    def check(self) -> None:
        """Connect, secure the line, log in and EXAMINE the mailbox; one clear error otherwise.

        On failure the connection is closed here: the engine calls `close()` only
        once `check()` has passed.
        """
        if not self.user:
            raise Invalid(f"an IMAP URL needs a user name, e.g. imaps://me@{self.host}/INBOX")
        try:
            self._open_mailbox()
        except BaseException:
            self.close()
            raise

    def _open_mailbox(self) -> None:
        imap = self._connect()
        self._imap = imap
        self._secure(imap)
        self._login(imap, self._password())
        try:
            typ, data = imap.select(_quoted(_mutf7(self.mailbox)), readonly=True)
        except imaplib.IMAP4.abort as exc:
            raise self._lost(exc) from None
        except imaplib.IMAP4.error as exc:
            raise NotFound(f"no mailbox {self.mailbox!r} on {self.host}: {_said(exc)}") from None
        except OSError as exc:
            raise self._lost(exc) from None
        if typ != "OK":
            raise NotFound(f"no mailbox {self.mailbox!r} on {self.host}: {_text(data)}")
        _, validity = imap.response("UIDVALIDITY")
        try:
            self._validity = int(validity[0]) if validity and validity[0] else 0
        except (TypeError, ValueError):
            self._validity = 0

    def items(
        self, *, cursor: str | None, since: date | None, known: Set[str]
    ) -> Iterator[MailItem]:
        """The messages above the cursor (and since `since`), less `known`, in UID order.

        Nothing is fetched here: each item's `open` fetches its batch when first asked.
        """
        imap = self._require()
        after = self._cursor_uid(cursor)
        self._cursor_in = after
        criteria: list[str] = []
        if after:
            criteria += ["UID", f"{after + 1}:*"]
        if since is not None:
            criteria += ["SINCE", imap_date(since)]
        try:
            typ, data = imap.uid("SEARCH", *(criteria or ["ALL"]))
        except (imaplib.IMAP4.error, OSError) as exc:
            raise self._lost(exc) from None
        if typ != "OK":
            raise NotFound(f"{self.name}: the server refused the search: {_text(data)}")
        found = sorted({int(n) for n in b" ".join(d for d in data if d).split()})
        # "n:*" always matches the highest UID, even below n: keep only what is new.
        uids = [uid for uid in found if uid > (after or 0)]
        if since is None:
            self._highest = max([after or 0, *uids])
        else:
            # A run limited by date has not seen the older messages: the cursor stays.
            self._highest = after
        self._pending = [uid for uid in uids if self._key(uid) not in known]
        self._position = {uid: i for i, uid in enumerate(self._pending)}
        self._cache.clear()
        self._failed.clear()
        for uid in self._pending:
            yield MailItem(self._key(uid), None, self._opener(uid))

    def cursor_after(self) -> str | None:
        """ "UIDVALIDITY:UID" below which every message was handled (None if unknown)."""
        if self._validity is None or self._highest is None:
            return None
        highest = self._highest
        if self._failed:  # a message that could not be read is offered again next time
            highest = min(highest, min(self._failed) - 1)
        return f"{self._validity}:{highest}"

    def close(self) -> None:
        """Log out (the mailbox was opened read-only: nothing to expunge); never raises."""
        imap, self._imap = self._imap, None
        self._cache.clear()
        if imap is None:
            return
        try:
            imap.logout()
        except Exception:  # a connection already gone is closed enough
            with contextlib.suppress(Exception):
                imap.shutdown()

    # -- connecting ---------------------------------------------------------------------

    def _connect(self) -> imaplib.IMAP4:
        where = f"{self.host}:{self.port}"
        try:
            if self.tls:
                return imaplib.IMAP4_SSL(
                    self.host, self.port, ssl_context=_context(), timeout=self.timeout
                )
            return imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
        except ssl.SSLCertVerificationError as exc:
            raise _untrusted(where, exc) from None
        except ssl.SSLError as exc:
            raise Refused(f"no TLS with the IMAP server {where}: {exc.reason}") from None
        except socket.gaierror as exc:
            raise NotFound(f"cannot reach the IMAP server {where}: {exc.strerror}") from None
        except TimeoutError:
            raise NotFound(f"cannot reach the IMAP server {where}: no answer") from None
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise NotFound(f"cannot reach the IMAP server {where}: {reason}") from None
        except imaplib.IMAP4.error as exc:
            raise NotFound(f"{where} does not speak IMAP: {_said(exc)}") from None

    def _secure(self, imap: imaplib.IMAP4) -> None:
        """STARTTLS on an imap:// line; plain text only to a loopback address."""
        if self.tls:
            return
        where = f"{self.host}:{self.port}"
        if "STARTTLS" in imap.capabilities:
            try:
                imap.starttls(ssl_context=_context())
            except ssl.SSLCertVerificationError as exc:
                raise _untrusted(where, exc) from None
            except (ssl.SSLError, imaplib.IMAP4.error, OSError) as exc:
                raise Refused(f"STARTTLS failed with the IMAP server {where}: {exc}") from None
            return
        if not loopback(self.host):
            raise Refused(
                f"the IMAP server {where} offers no STARTTLS: refusing to send the password "
                "in clear; use imaps:// (port 993)"
            )

    def _password(self) -> str:
        """The first line `password_command` prints; its failure is one line, without output."""
        return password_from(self.password_command, self.name)

    def _login(self, imap: imaplib.IMAP4, password: str) -> None:
        """AUTHENTICATE PLAIN where offered (any characters, UTF-8), else LOGIN."""
        try:
            if "AUTH=PLAIN" in imap.capabilities:
                token = f"\0{self.user}\0{password}".encode()
                imap.authenticate("PLAIN", lambda _challenge: token)
            elif "LOGINDISABLED" in imap.capabilities:
                raise Refused(f"the IMAP server {self.host} allows no login on this connection")
            else:
                imap.login(_quoted(self.user), password)
        except imaplib.IMAP4.abort as exc:
            raise self._lost(exc) from None
        except imaplib.IMAP4.error as exc:
            raise Refused(
                f"the IMAP server {self.host} refused the login of {self.user}: {_said(exc)}"
            ) from None
        except OSError as exc:
            raise self._lost(exc) from None

    # -- fetching ---------------------------------------------------------------------

    def _opener(self, uid: int) -> _Opener:
        return _Opener(self, uid)

    def _open(self, uid: int) -> BinaryIO:
        """The message's header and body prefix; fetches its batch on first use."""
        raw = self._cache.pop(uid, None)
        if raw is None:
            start = self._position.get(uid, 0)
            wanted = [u for u in self._pending[start : start + self.batch] if u not in self._cache]
            if uid not in wanted:
                wanted.insert(0, uid)
            try:
                self._cache.update(self._fetch(wanted))
            except CrmError:
                self._failed.add(uid)
                raise
            raw = self._cache.pop(uid, None)
            if raw is None:
                self._failed.add(uid)
                raise NotFound(f"message UID {uid} is no longer in {self.name}")
        return io.BytesIO(raw)

    def _fetch(self, uids: list[int]) -> dict[int, bytes]:
        imap = self._require()
        wanted = f"(UID BODY.PEEK[HEADER] BODY.PEEK[TEXT]<0.{BODY_PREFIX}>)"
        try:
            typ, data = imap.uid("FETCH", ",".join(map(str, uids)), wanted)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise self._lost(exc) from None
        if typ != "OK":
            raise NotFound(f"{self.name}: the server refused to send messages: {_text(data)}")
        return parse_fetch(data)

    # -- helpers ----------------------------------------------------------------------

    def _require(self) -> imaplib.IMAP4:
        if self._imap is None:
            raise Refused(f"{self.name}: not connected (check() first)")
        return self._imap

    def _key(self, uid: int) -> str:
        return f"{self._validity}:{uid}"

    def _cursor_uid(self, cursor: str | None) -> int | None:
        """The stored cursor's UID, or None when there is none or UIDVALIDITY changed."""
        if not cursor:
            return None
        validity, _, uid = cursor.partition(":")
        if validity != str(self._validity) or not uid.isdigit():
            return None
        return int(uid)

    def _lost(self, exc: BaseException) -> CrmError:
        reason = _said(exc) if isinstance(exc, imaplib.IMAP4.error) else str(exc) or "closed"
        return NotFound(f"lost the connection to the IMAP server {self.host}: {reason}")


class _Opener:
    """`MailItem.open` for one UID (a small class, so items share the source, not closures)."""

    __slots__ = ("source", "uid")

    def __init__(self, source: ImapSource, uid: int) -> None:
        self.source, self.uid = source, uid

    def __call__(self) -> BinaryIO:
        return self.source._open(self.uid)


def parse_fetch(data: list[object]) -> dict[int, bytes]:
    """Each message's UID and raw head (BODY[HEADER] + BODY[TEXT] prefix) from imaplib's answer.

    imaplib hands a FETCH answer over as a list mixing (text, literal) pairs and bare
    text: `(b'1 (UID 7 BODY[HEADER] {312}', header), (b' BODY[TEXT]<0> {90}', text), b')'`.
    The server may order the items as it likes, send an empty part as `""` inline,
    answer NIL for a message expunged meanwhile, and slip in an unrelated FETCH
    (flags changed by another client): only answers with a UID and a header make a
    message.
    """
    found: dict[int, bytes] = {}
    parts: dict[bytes, bytes] = {}
    text = b""

    def flush() -> None:
        match = _UID.search(text)
        if match and b"BODY[HEADER]" in parts:
            found[int(match.group(1))] = parts[b"BODY[HEADER]"] + parts.get(b"BODY[TEXT]", b"")

    for piece in data:
        if isinstance(piece, tuple) and len(piece) == 2:
            head, literal = piece
            if not isinstance(head, bytes):
                continue
        elif isinstance(piece, bytes):
            head, literal = piece, None
        else:
            continue
        if _START.match(head):
            flush()
            parts, text = {}, b""
        text += head + b" "
        if isinstance(literal, bytes):
            named = _LITERAL.search(head)
            if named:
                parts[named.group(1)] = literal
        for name, value in _INLINE.findall(head):
            if value != b"NIL":  # NIL: an expunged message's answer (Dovecot), so no header
                parts[name] = value[1:-1]
    flush()
    return found


def imap_date(day: date) -> str:
    """A date as IMAP's SEARCH wants it (01-Mar-2026), in English whatever the locale."""
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


def _mutf7(name: str) -> str:
    """A mailbox name in IMAP's modified UTF-7 (RFC 3501 5.1.3): "Envoyés" → "Envoy&AOk-s"."""
    out: list[str] = []
    pending: list[str] = []

    def shift() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            shift()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    shift()
    return "".join(out)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _context() -> ssl.SSLContext:
    """The system's trust store (or SSL_CERT_FILE's), with host names checked."""
    return ssl.create_default_context()


def _untrusted(where: str, exc: ssl.SSLCertVerificationError) -> Refused:
    return Refused(
        f"the TLS certificate of the IMAP server {where} is not trusted "
        f"({exc.verify_message}); for a private server, point SSL_CERT_FILE at its certificate"
    )


def _said(exc: BaseException) -> str:
    """What the server said, as one line of text."""
    arg = exc.args[0] if exc.args else exc
    text = arg.decode(errors="replace") if isinstance(arg, bytes) else str(arg)
    return " ".join(text.split())[:200]


def _text(data: object) -> str:
    if isinstance(data, list) and data:
        first = data[0]
        if isinstance(first, bytes):
            return " ".join(first.decode(errors="replace").split())[:200]
    return "no reason given"
