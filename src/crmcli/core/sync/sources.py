"""What a mail source is to the sync engine, and how the config or a flag names one.

The engine (`sync.mail`) knows nothing of Maildir, notmuch or IMAP: it asks a source for
its items, skips the keys it already holds in `sync_item`, streams each new
message through `mailmsg`, and stores the source's cursor when the run is done.
A source names itself with a stable, normalised `name`, which is the identity of
its state in `sync_source`, so the same folder spelled two ways keeps one state.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal, Protocol
from urllib.parse import urlsplit

from crmcli.core.errors import Invalid

if TYPE_CHECKING:
    from crmcli.core.config import Config

# Only the head of a message is parsed: headers plus this much of the body, enough
# for an excerpt (and for a body when store_bodies is on); a 20 MB attachment is
# never read whole.
BODY_PREFIX = 256 * 1024


@dataclass(frozen=True)
class MailItem:
    """One message in a source, not yet read.

    `key` is the source's stable identity of the message (a Maildir unique base
    name, notmuch's message id, or "UIDVALIDITY:UID" for IMAP); `message_id` is the
    Message-ID when the
    source knows it cheaply (IMAP ENVELOPE), else None and the engine reads it from
    the message; `open` returns a binary stream of the raw RFC 5322 message, of
    which the engine reads only the headers and a bounded body prefix
    (`BODY_PREFIX`) and then closes it. A source may return a stream holding only
    that prefix (IMAP: BODY.PEEK[HEADER] + BODY.PEEK[TEXT]<0.N>).
    """

    key: str
    message_id: str | None
    open: Callable[[], BinaryIO]


class MailSource(Protocol):
    """A mail folder the engine can diff against its sync state.

    Life cycle, driven by the engine:
      1. `check()` — reach the folder (read a Maildir's tmp/new/cur, log in to
         IMAP and SELECT the mailbox read-only). Raises a CrmError (Invalid for a
         bad spec, NotFound for a missing folder or unreachable server, Refused for a
         failing password_command) with one line; nothing is written before it.
      2. `items(cursor=..., since=..., known=...)` — the messages to consider, in a
         stable order. `cursor` is what `cursor_after()` returned at the end of the
         last complete run (None the first time); `known` is the set of keys already
         in sync_item for this source, so a source skips them without opening them;
         `since` (a date) keeps only messages on or after that day (IMAP: UID SEARCH
         SINCE; Maildir: filtered by the engine on the Date header, never file times).
      3. `cursor_after()` — the cursor to store once every item was handled (IMAP:
         "UIDVALIDITY:highest UID"; Maildir: None, its state is sync_item alone).
         A source whose cursor no longer holds (UIDVALIDITY changed) ignores it and
         yields everything: the engine's Message-ID dedupe keeps that a no-op.
      4. `close()` — always called, also after an error.
    """

    kind: Literal["mail"]
    # normalised, e.g. "maildir:/home/me/Mail/INBOX", "notmuch:tag:crm" or
    # "imaps://me@host:993/INBOX"
    name: str

    def check(self) -> None: ...

    def items(
        self, *, cursor: str | None, since: date | None, known: Set[str]
    ) -> Iterator[MailItem]: ...

    def cursor_after(self) -> str | None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SourceSpec:
    """A source as the rep wrote it: a Maildir path, a notmuch query (and the notmuch
    config file it runs with), or an IMAP URL with its password command."""

    scheme: Literal["maildir", "imap", "notmuch"]
    # an absolute, user-expanded path; a notmuch query; or the IMAP URL without a password
    location: str
    password_command: str | None = None
    notmuch_config: str | None = None  # absolute; None: notmuch's own (NOTMUCH_CONFIG, ~)

    @property
    def name(self) -> str:
        """The normalised name the source's state is kept under."""
        if self.scheme == "maildir":
            return f"maildir:{self.location}"
        if self.scheme == "notmuch":
            database = f"[{self.notmuch_config}]" if self.notmuch_config else ""
            return f"notmuch{database}:{self.location}"
        return self.location


def maildir_spec(path: str) -> SourceSpec:
    """A Maildir source from a path (`~` expanded, made absolute; not checked here)."""
    if not path.strip():
        raise Invalid("a Maildir path is empty")
    full = Path(path.strip()).expanduser().absolute()
    return SourceSpec("maildir", os.path.normpath(str(full)))


def notmuch_spec(query: str, config: str | None = None) -> SourceSpec:
    """A notmuch source from a query (`tag:crm`, `folder:INBOX or folder:Sent`), run with
    notmuch's own config file or `config` (a path, `~` expanded; not checked here)."""
    text = query.strip()
    if not text:
        raise Invalid("a notmuch query is empty (e.g. --notmuch 'tag:inbox or tag:sent')")
    if any(ord(ch) < 32 and ch != "\t" for ch in text):
        raise Invalid("a notmuch query cannot hold control characters")
    if config is not None:
        if not config.strip() or "\0" in config:
            raise Invalid("a notmuch config path is empty")
        config = os.path.normpath(str(Path(config.strip()).expanduser().absolute()))
    return SourceSpec("notmuch", text, notmuch_config=config)


def imap_spec(url: str, password_command: str | None = None) -> SourceSpec:
    """An IMAP source from `imap[s]://user@host[:port]/MAILBOX`; refuses a password in it."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("imap", "imaps"):
        raise Invalid(f"an IMAP source must start with imap:// or imaps://, not {url!r}")
    if parts.password is not None:
        raise Invalid(
            "refusing an IMAP URL with a password in it: give password_command instead "
            '(e.g. password_command = "pass show mail/me")'
        )
    if not parts.hostname:
        raise Invalid(f"an IMAP URL needs a host: {url!r}")
    scheme = parts.scheme.lower()
    port = parts.port or (993 if scheme == "imaps" else 143)
    user = f"{parts.username}@" if parts.username else ""
    mailbox = parts.path.lstrip("/") or "INBOX"
    return SourceSpec(
        "imap", f"{scheme}://{user}{parts.hostname.lower()}:{port}/{mailbox}", password_command
    )


def spec_from_config(entry: object, where: str = "sync.mail") -> SourceSpec:
    """A source from one `[[sync.mail]]` table: `maildir = PATH`, `notmuch = QUERY`
    (with `notmuch_config = PATH` if need be), or `imap = URL`."""
    if not isinstance(entry, dict):
        raise Invalid(f"each [[{where}]] entry must be a table with maildir =, notmuch = or imap =")
    unknown = set(entry) - {"maildir", "imap", "notmuch", "password_command", "notmuch_config"}
    if unknown:
        raise Invalid(f"[[{where}]]: unknown key(s) {', '.join(sorted(unknown))}")
    if sum(key in entry for key in ("maildir", "imap", "notmuch")) != 1:
        raise Invalid(f"each [[{where}]] entry needs exactly one of maildir =, notmuch = or imap =")
    command = entry.get("password_command")
    if command is not None and not isinstance(command, str):
        raise Invalid(f"[[{where}]]: password_command must be a string")
    config = entry.get("notmuch_config")
    if config is not None and ("notmuch" not in entry or not isinstance(config, str)):
        raise Invalid(f"[[{where}]]: notmuch_config is a path string, for notmuch sources only")
    if "notmuch" in entry:
        if command is not None:
            raise Invalid(f"[[{where}]]: password_command is for imap sources only")
        if not isinstance(entry["notmuch"], str):
            raise Invalid(f"[[{where}]]: notmuch must be a query string")
        return notmuch_spec(entry["notmuch"], config)
    if "maildir" in entry:
        if command is not None:
            raise Invalid(f"[[{where}]]: password_command is for imap sources only")
        if not isinstance(entry["maildir"], str):
            raise Invalid(f"[[{where}]]: maildir must be a path string")
        return maildir_spec(entry["maildir"])
    if not isinstance(entry["imap"], str):
        raise Invalid(f"[[{where}]]: imap must be a URL string")
    return imap_spec(entry["imap"], command)


def configured(config: Config) -> list[SourceSpec]:
    """The mail sources the config file names, in order (`[[sync.mail]]` tables)."""
    table = config.table("sync")
    if table is None:
        return []
    if not isinstance(table, dict):
        raise Invalid("config file: sync must be a table ([[sync.mail]] entries)")
    entries = table.get("mail", [])
    if not isinstance(entries, list):
        raise Invalid("config file: write each mail source as a [[sync.mail]] table")
    return [spec_from_config(entry) for entry in entries]
