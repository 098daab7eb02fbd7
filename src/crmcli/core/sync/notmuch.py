"""A notmuch query as a mail source: the rep's tags and folders say which mail is the CRM's.

notmuch indexes a Maildir (or any folder of one-message files) that mbsync,
offlineimap or a local MDA keeps; a query over it (`tag:inbox or tag:sent`,
`folder:Clients`, `from:acme.com and date:2026..`) is how a notmuch user names
"this mail, not all of it". crm runs the `notmuch` program (no binding to
install), read-only: it never runs `notmuch new` and never changes a tag.

A message's identity is the id notmuch gives it: its Message-ID (or, for a message
without one, notmuch's hash of the file). A message in several folders (Gmail's
labels as mbsync writes them: INBOX, All Mail, a label folder) is one notmuch
message with several files, so it is one item, logged once, and a copy that
appears later in another folder is not new. A Maildir base name would make each
copy an item of its own.

A run lists the query's ids (`notmuch search --output=messages`, read as it comes:
one id a message, nothing else), skips those already handled, and asks where the
new ones' files are in batches (`notmuch show --format=json --body=false`: headers
only); the engine then reads each file's head itself. The cursor is notmuch's own
(its database's uuid and revision, `lastmod:`), so the next run lists only the
messages notmuch changed since, and a run with nothing new costs one `notmuch
count`. Changing `search.exclude_tags` in notmuch's config touches no message: a
message it now lets through is seen when something else changes it.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Set
from datetime import date
from pathlib import Path
from typing import IO, BinaryIO, Literal

from crmcli.core.errors import Invalid, NotFound, Refused
from crmcli.core.sync.maildir import SUBDIRS, base_name
from crmcli.core.sync.sources import MailItem, SourceSpec

TIMEOUT = 120.0  # seconds for one notmuch call: a wedged database fails, not hangs
BATCH = 200  # messages whose files one `notmuch show` call finds
BATCH_CHARS = 60_000  # and at most this much query text (one argument stays far below 128 KiB)
_STDERR_LINE = 300  # characters of notmuch's complaint an error line quotes


class NotmuchSource:
    """The messages a notmuch query matches, by notmuch message id."""

    kind: Literal["mail"] = "mail"

    def __init__(self, spec: SourceSpec, *, batch: int = BATCH) -> None:
        self.name = spec.name
        self.query = spec.location
        self.config = spec.notmuch_config
        self.batch = max(1, batch)
        self._program: str | None = None
        self._pending: list[str] = []  # ids yielded this run, in order
        self._position: dict[str, int] = {}
        self._files: dict[str, list[str]] = {}  # the current batch's ids and their files
        self._database: str | None = None  # notmuch's database uuid and revision at check()
        self._revision: int | None = None
        self._cursor_in: str | None = None
        self._partial = False  # narrowed by --since: the cursor must not move
        self._failed: set[str] = set()  # messages whose file could not be opened

    # -- the MailSource protocol ------------------------------------------------------

    def check(self) -> None:
        """notmuch is installed, its database opens and the query reads: else one line.

        A missing program is Refused (exit 1), a missing config file or database
        NotFound (exit 1), a query notmuch cannot parse Invalid (exit 2). Which of the
        last two it is comes from asking again for everything (`*`), only when the
        query failed. The same call reads the database's identity and revision.
        """
        self._program = shutil.which("notmuch")
        if self._program is None:
            raise Refused(
                "notmuch is not installed (Debian, Ubuntu: apt install notmuch); "
                "it is needed for a notmuch source"
            )
        if self.config is not None and not Path(self.config).is_file():
            raise NotFound(f"no such notmuch config file: {self.config}")
        done = self._run("count", "--lastmod", "--", self.query)
        if done.returncode == 0:
            fields = done.stdout.decode("utf-8", "replace").split()
            if len(fields) == 3 and fields[2].isdigit():
                self._database, self._revision = fields[1], int(fields[2])
            return
        probe = self._run("count", "--", "*")
        if probe.returncode == 0:
            raise Invalid(f"notmuch cannot read the query {self.query!r}: {_said(done.stderr)}")
        raise NotFound(f"notmuch cannot open its database: {_said(probe.stderr)}")

    def items(
        self, *, cursor: str | None, since: date | None, known: Set[str]
    ) -> Iterator[MailItem]:
        """The query's messages not yet known, oldest first.

        After a complete run only what notmuch changed since is listed (`lastmod:`):
        a new message, a tag added that makes an old one match; with nothing changed
        no listing is asked for at all. `since` narrows the query to mail dated on or
        after that day (notmuch's date: reads the Date header, as the engine does).
        """
        self._cursor_in = cursor
        self._partial = since is not None
        query = self.query if since is None else f"({self.query}) and date:{since.isoformat()}.."
        after = self._revision_in(cursor)
        if after is not None and self._revision is not None:
            if after >= self._revision:
                return  # nothing in the database changed since the last complete run
            query = f"({query}) and lastmod:{after + 1}..{self._revision}"
        for raw in self._listing(query):
            text = raw.removeprefix(b"id:").decode("utf-8", "surrogateescape")
            key = _key(text)
            if key in known or text in self._position:
                continue
            self._position[text] = len(self._pending)
            self._pending.append(text)
            yield MailItem(key, None, self._opener(text))

    def cursor_after(self) -> str | None:
        """ "DATABASE-UUID:REVISION" as of `check()`, once every message up to it was
        handled. A run narrowed by --since, or with a message it could not read, keeps
        the cursor it started from, so the next run lists those messages again."""
        if self._database is None or self._revision is None:
            return None
        if self._partial or self._failed:
            return self._cursor_in
        return f"{self._database}:{self._revision}"

    def close(self) -> None:
        self._files.clear()

    def _revision_in(self, cursor: str | None) -> int | None:
        """The revision a stored cursor holds, if it is this database's (a database
        made anew, or another one under the same name, gets a full listing)."""
        database, _, revision = (cursor or "").rpartition(":")
        if database and database == self._database and revision.isdigit():
            return int(revision)
        return None

    def _listing(self, query: str) -> Iterator[bytes]:
        """The ids of the messages `query` matches, oldest first, read as they come."""
        argv = self._argv(
            "search", "--output=messages", "--format=text0", "--sort=oldest-first", "--", query
        )
        with tempfile.TemporaryFile() as errors:  # a file: a chatty stderr cannot block it
            process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors
            )
            try:
                assert process.stdout is not None
                yield from _split0(process.stdout)
                status = process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                raise NotFound(f"notmuch search did not finish within {TIMEOUT:.0f} s") from None
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            if status != 0:
                errors.seek(0)
                raise NotFound(f"notmuch search failed: {_said(errors.read())}")

    # -- finding a message's file -----------------------------------------------------

    def _opener(self, message_id: str) -> Callable[[], BinaryIO]:
        def open_message() -> BinaryIO:
            try:
                return self._open(message_id)
            except OSError:
                self._failed.add(message_id)  # the cursor waits for it
                raise

        return open_message

    def _open(self, message_id: str) -> BinaryIO:
        """The message's first file that is still there; a Maildir file renamed since
        notmuch last looked (a flag change, new/ to cur/) is found by its base name."""
        paths = self._paths(message_id)
        for path in paths:
            try:
                return Path(path).open("rb")
            except FileNotFoundError:
                continue
        for path in paths:
            moved = _renamed(path)
            if moved is not None:
                return Path(moved).open("rb")
        raise FileNotFoundError(
            errno.ENOENT,
            "its file is gone since notmuch last looked (run notmuch new)"
            if paths
            else "no longer in the notmuch database",
            message_id,
        )

    def _paths(self, message_id: str) -> list[str]:
        """The files notmuch holds for a message, asked for its whole batch at once."""
        if message_id not in self._files:
            start = self._position.get(message_id, 0)
            wanted: list[str] = []
            size = 0
            for other in [message_id, *self._pending[start + 1 : start + self.batch]]:
                size += len(other) + 12
                if wanted and size > BATCH_CHARS:
                    break
                wanted.append(other)
            self._files = self._show(wanted)
        return self._files.get(message_id, [])

    def _show(self, wanted: list[str]) -> dict[str, list[str]]:
        """Each id's files, from one `notmuch show` of headers only; an id the answer
        lacks is asked for alone."""
        query = " or ".join(_id_term(i) for i in wanted)
        done = self._run(
            "show",
            "--format=json",
            "--body=false",
            "--entire-thread=false",
            "--exclude=false",
            "--",
            query,
        )
        found: dict[str, list[str]] = {}
        if done.returncode == 0:
            try:
                found = _files_in(done.stdout.decode("utf-8", "surrogateescape"))
            except ValueError:
                found = {}  # each asked for alone below
        for message_id in wanted:
            if message_id not in found:
                found[message_id] = self._files_of(message_id)
        return found

    def _files_of(self, message_id: str) -> list[str]:
        done = self._run("search", "--output=files", "--format=text0", "--", _id_term(message_id))
        if done.returncode != 0:
            return []
        return [os.fsdecode(p) for p in done.stdout.split(b"\0") if p]

    # -- running notmuch --------------------------------------------------------------

    def _argv(self, *args: str) -> list[str]:
        argv = [self._program or "notmuch"]
        if self.config is not None:
            argv.append(f"--config={self.config}")
        return [*argv, *args]

    def _run(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(
                self._argv(*args),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise NotFound(f"notmuch did not answer within {TIMEOUT:.0f} s") from None
        except OSError as exc:
            raise Refused(f"cannot run notmuch: {exc.strerror}") from None


def _key(message_id: str) -> str:
    """The id as stored in sync_item: text, with any byte that is not UTF-8 spelled out."""
    return message_id.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _id_term(message_id: str) -> str:
    """`id:"..."` for notmuch's query parser, a quote inside written twice."""
    return 'id:"' + message_id.replace('"', '""') + '"'


def _split0(stream: IO[bytes], size: int = 65536) -> Iterator[bytes]:
    """The NUL-separated records of a stream, as they come."""
    rest = b""
    while chunk := stream.read(size):
        rest += chunk
        *records, rest = rest.split(b"\0")
        yield from (r for r in records if r)
    if rest:
        yield rest


# Where a message object starts in `notmuch show --format=json`: "id" is its first key
# in every format version. Inside a JSON string every quote is escaped, so this text
# can only be an object's start, never part of a subject.
_MESSAGE_START = '{"id": '


def _files_in(text: str) -> dict[str, list[str]]:
    """Each message's id and files in `notmuch show --format=json` output.

    The output nests each reply inside its parent's list, so a long conversation is
    as deep as it is long and `json.loads` gives up (RecursionError at ~500 replies):
    each message object is decoded on its own instead (a few levels deep), wherever
    it sits.
    """
    decoder = json.JSONDecoder(strict=False)
    found: dict[str, list[str]] = {}
    position = text.find(_MESSAGE_START)
    while position != -1:
        item, end = decoder.raw_decode(text, position)
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            names = item.get("filename")
            files = [names] if isinstance(names, str) else names if isinstance(names, list) else []
            found[item["id"]] = [f for f in files if isinstance(f, str)]
        position = text.find(_MESSAGE_START, end)
    return found


def _renamed(path: str) -> str | None:
    """A Maildir message's file under its current name: same base name, in new/ or cur/."""
    folder = Path(path).parent
    if folder.name not in SUBDIRS:
        return None
    wanted = base_name(Path(path).name)
    for sub in SUBDIRS:
        try:
            with os.scandir(folder.parent / sub) as entries:
                for entry in entries:
                    if base_name(entry.name) == wanted:
                        return entry.path
        except OSError:
            continue
    return None


def _said(stderr: bytes | None) -> str:
    """What notmuch said went wrong, on one printable line."""
    text = (stderr or b"").decode("utf-8", "replace")
    lines = []
    for line in text.splitlines():
        line = line.strip().removeprefix("Error: ")
        if not line or line.startswith("Query string was:"):
            continue
        if line.endswith("A Xapian exception occurred") and len(text.splitlines()) > 1:
            continue  # the generic line before the one that says what
        line = line.split("parsing query: ", 1)[-1]
        lines.append(line)
    said = " ".join("".join(ch if ch.isprintable() else " " for ch in " ".join(lines)).split())
    if len(said) > _STDERR_LINE:
        said = said[:_STDERR_LINE] + "…"
    return said or "no reason given"
