"""The mail sync engine: diff a source against what it saw, log new messages on their contacts.

A message is logged as one `email` interaction per known contact it concerns,
keyed by its Message-ID (the same key `crm log email -` and `crm mail draft
--send` use, so a message already logged there is "already", never twice).
Work is committed in chunks, each chunk's interactions and `sync_item` rows in
one transaction and one undoable batch ("sync mail <source>"): a run killed
midway loses at most the chunk it was in, and the next run does the rest.
Only a message's headers and a bounded body prefix are read, however big it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any

from crmcli.core import clock
from crmcli.core.activity import interactions
from crmcli.core.activity.interactions import Direction, Kind
from crmcli.core.errors import CrmError, Invalid, NotFound
from crmcli.core.interchange import mail_log
from crmcli.core.interchange.mailmsg import MailFacts, parse_message
from crmcli.core.sync import state
from crmcli.core.sync.sources import BODY_PREFIX, MailItem, MailSource, SourceSpec
from crmcli.core.values.emails import check, normalise

if TYPE_CHECKING:
    from crmcli.core.db.store import Store, Tx

KIND = "mail"
CHUNK = 500  # messages per transaction on a long first sync
HEADER_LIMIT = 1024 * 1024  # headers longer than this are cut (no real mail has them)
EXCERPT = 280  # characters of body kept when bodies are not stored


@dataclass(frozen=True)
class Planned:
    """One interaction a message becomes (or would become, in a dry run)."""

    item: str
    contact_id: int
    contact: str
    direction: Direction
    subject: str
    at: str | None
    message_id: str | None


@dataclass
class SourceResult:
    """How a source's run went: counts, and for a dry run the interactions it would log."""

    source: str
    new: int = 0  # messages that logged at least one interaction
    logged: int = 0  # interactions logged (a message to two contacts logs two)
    skipped: int = 0  # messages from or to no known contact (or before --since)
    already: int = 0  # messages whose Message-ID is already logged for every contact concerned
    errors: int = 0  # messages that could not be read
    created: int = 0  # contacts created for unknown counterparts (--create-contacts)
    chunks: int = 0  # undoable batches written
    planned: list[Planned] = field(default_factory=list)
    error_lines: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "new": self.new,
            "logged": self.logged,
            "skipped": self.skipped,
            "already": self.already,
            "errors": self.errors,
            "created": self.created,
        }


@dataclass(frozen=True)
class Options:
    """The rep's choices for a run: settings and flags."""

    my_emails: frozenset[str] = frozenset()  # normalised
    store_bodies: bool = False
    since: date | None = None
    dry_run: bool = False
    create_contacts: bool = False  # a contact for each unknown counterpart (needs my_emails)
    chunk: int = CHUNK


def read_head(stream: IO[bytes], body_limit: int = BODY_PREFIX) -> bytes:
    """A message's headers and at most `body_limit` bytes of its body: a 20 MB message
    is never read whole."""
    lines: list[bytes] = []
    size = 0
    while True:
        line = stream.readline(HEADER_LIMIT)
        if not line:
            return b"".join(lines)
        lines.append(line)
        size += len(line)
        if line in (b"\n", b"\r\n") or size >= HEADER_LIMIT:
            break
    return b"".join(lines) + stream.read(body_limit)


_QUOTED = re.compile(r"^\s*>")
_ATTRIBUTION = re.compile(r"^On .{5,200} wrote:\s*$|^Le .{5,200} a écrit\s*:\s*$")


def excerpt(body: str | None, limit: int = EXCERPT) -> str | None:
    """The start of what the sender wrote: quoted text, the "On … wrote:" line and the
    signature left out, whitespace folded, cut at a word."""
    if not body:
        return None
    kept: list[str] = []
    for line in body.splitlines():
        if line.rstrip() in ("--", "-- "):
            break  # the signature
        if _QUOTED.match(line) or _ATTRIBUTION.match(line.strip()):
            continue
        kept.append(line)
    text = " ".join(" ".join(kept).split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return text or None


class AddressBook:
    """Every contact address, read once per run: matching 5,000 messages costs no query each."""

    def __init__(self, store: Store) -> None:
        self.by_address: dict[str, list[int]] = {}
        self.names: dict[int, str] = {}
        for address, contact_id, name in store.tuples(
            "SELECT e.email_norm, e.contact_id, c.display_name FROM contact_email e "
            "JOIN contact c ON c.id = e.contact_id ORDER BY e.contact_id"
        ):
            self.by_address.setdefault(address, []).append(int(contact_id))
            self.names[int(contact_id)] = name

    def contacts(self, addresses: Iterable[str]) -> list[int]:
        found: list[int] = []
        for address in addresses:
            for contact_id in self.by_address.get(address, ()):
                if contact_id not in found:
                    found.append(contact_id)
        return found


def concerned(
    facts: MailFacts, book: AddressBook, my_emails: frozenset[str]
) -> list[tuple[int, Direction]]:
    """The contacts a message concerns and its direction for them.

    Sent by one of my addresses: outgoing, on each contact among To/Cc. Else sent by a
    contact: incoming, on that contact. Else (my_emails unset, or a colleague writing
    with me in copy): outgoing on each contact among To/Cc.
    """
    senders = [normalise(a) for a in facts.senders]
    recipients = [normalise(a) for a in facts.recipients]
    if my_emails and any(s in my_emails for s in senders):
        return [(c, Direction.outbound) for c in book.contacts(recipients)]
    from_contacts = book.contacts(senders)
    if from_contacts:
        return [(c, Direction.inbound) for c in from_contacts]
    return [(c, Direction.outbound) for c in book.contacts(recipients)]


def sync_mail(
    store: Store,
    source: MailSource,
    options: Options = Options(),
    *,
    progress: Callable[[int, int], None] | None = None,
) -> SourceResult:
    """Log the source's new messages; remember every message handled so the next run skips it.

    `progress(done, total)` is called as messages are handled. A dry run reads and
    places every new message but writes nothing, not even the sync state.
    """
    result = SourceResult(source.name)
    if options.create_contacts and not options.my_emails:
        raise Invalid(
            "--create-contacts needs my_emails (crm config set my_emails you@example.com), "
            "so that your own address never becomes a contact"
        )
    source.check()
    try:
        known_state = state.find(store, KIND, source.name)
        source_id = None if known_state is None else known_state.id
        known = state.known_items(store, source_id)
        cursor = None if known_state is None else known_state.cursor
        pending = list(source.items(cursor=cursor, since=options.since, known=known))
        book = AddressBook(store)
        now = clock.now()
        seen_ids: set[tuple[str, int]] = set()  # (Message-ID, contact) logged in this run
        done = 0
        for start in range(0, len(pending), max(1, options.chunk)):
            chunk = pending[start : start + max(1, options.chunk)]
            if options.dry_run:
                for item in chunk:
                    _handle(store, None, item, book, options, now, seen_ids, result)
            else:
                with store.write(f"sync mail {source.name}") as tx:
                    source_id = state.ensure(tx, KIND, source.name)
                    seen: list[state.Seen] = []
                    for item in chunk:
                        entry = _handle(store, tx, item, book, options, now, seen_ids, result)
                        if entry is not None:
                            seen.extend(entry)
                    state.remember(tx, source_id, seen)
                result.chunks += 1
            done += len(chunk)
            if progress is not None:
                progress(done, len(pending))
        if not options.dry_run:
            with store.write(f"sync mail {source.name}") as tx:
                source_id = state.ensure(tx, KIND, source.name)
                state.finish(
                    tx,
                    source_id,
                    counts=result.counts(),
                    cursor=source.cursor_after(),
                    error=None,
                    set_cursor=True,
                )
    except CrmError as exc:
        if not options.dry_run:
            _record_error(store, source.name, exc.message, result)
        raise
    finally:
        source.close()
    return result


def _record_error(store: Store, name: str, message: str, result: SourceResult) -> None:
    """Keep a failed run's error on the source for `crm sync --status` (best effort)."""
    try:
        with store.write(f"sync mail {name}") as tx:
            source_id = state.ensure(tx, KIND, name)
            state.finish(
                tx, source_id, counts=result.counts(), cursor=None, error=message, set_cursor=False
            )
    except CrmError:
        pass


def _handle(
    store: Store,
    tx: Tx | None,
    item: MailItem,
    book: AddressBook,
    options: Options,
    now: datetime,
    seen_ids: set[tuple[str, int]],
    result: SourceResult,
) -> list[state.Seen] | None:
    """One message: read, place, log (with `tx`) or plan (without). Returns the sync_item
    rows to remember, or None when the message must be tried again next run."""
    try:
        with item.open() as stream:
            data = read_head(stream)
        facts = parse_message(data)
    except (OSError, CrmError) as exc:
        result.errors += 1
        reason = exc.strerror if isinstance(exc, OSError) else exc.message
        result.error_lines.append(f"{item.key}: {reason}")
        return None
    message_id = item.message_id or facts.message_id
    if options.since is not None and facts.date is not None and facts.date.date() < options.since:
        result.skipped += 1
        return None  # not remembered: a later run without --since still logs it
    targets = concerned(facts, book, options.my_emails)
    if not targets and options.create_contacts:
        targets = _create_counterparts(tx, data, facts, book, options.my_emails, result)
    if not targets:
        result.skipped += 1
        return [state.Seen(item.key, message_id)]
    at = facts.date if facts.date is not None and facts.date <= now else None
    stamp = clock.stamp(at) if at is not None else None
    thread = None if tx is None else mail_log.thread_of(store, facts)
    first_row: int | None = None
    fresh = 0
    for contact_id, direction in targets:
        if message_id and (
            (message_id, contact_id) in seen_ids or _logged_before(store, message_id, contact_id)
        ):
            continue
        if message_id:
            seen_ids.add((message_id, contact_id))
        fresh += 1
        if tx is None:
            result.planned.append(
                Planned(
                    item.key,
                    contact_id,
                    book.names.get(contact_id, f"#{contact_id}"),
                    direction,
                    facts.subject,
                    stamp,
                    message_id,
                )
            )
            continue
        body = facts.body if options.store_bodies else excerpt(facts.body)
        row_id = log_email(
            tx, contact_id, facts.subject, direction, stamp, body, message_id, thread
        )
        first_row = row_id if first_row is None else first_row
    if fresh:
        result.new += 1
        result.logged += fresh
    else:
        result.already += 1
    if first_row is None:
        return [state.Seen(item.key, message_id)]
    assert tx is not None  # rows are logged only with a transaction
    mail_log.join_thread(tx, facts, thread)
    # One row per message: what it became is its first interaction (the others, on
    # further contacts, carry the same Message-ID).
    return [state.Seen(item.key, message_id, "interaction", first_row)]


# Addresses that are machines, never people to keep in touch with.
_ROBOT = re.compile(
    r"^(no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?|notifications?|"
    r"newsletters?|news|info|support|alerts?)([+.-].*)?@",
    re.IGNORECASE,
)


def counterparts(
    data: bytes, facts: MailFacts, my_emails: frozenset[str]
) -> list[tuple[str, str | None]]:
    """The people on the other side of a message, as (address, display name): its
    recipients when I sent it, else its sender; never my own or a robot's address."""
    from email import policy
    from email.parser import BytesHeaderParser
    from email.utils import getaddresses

    headers = BytesHeaderParser(policy=policy.default).parsebytes(data)
    mine = any(normalise(a) in my_emails for a in facts.senders)
    fields = ("To", "Cc") if mine else ("From",)
    values = [str(v) for name in fields for v in headers.get_all(name, [])]
    found: dict[str, tuple[str, str | None]] = {}
    for name, address in getaddresses(values):
        norm = normalise(address)
        if "@" not in norm or norm in my_emails or _ROBOT.match(norm) or norm in found:
            continue
        found[norm] = (address.strip(), " ".join(name.split()) or None)
    return list(found.values())


def _create_counterparts(
    tx: Tx | None,
    data: bytes,
    facts: MailFacts,
    book: AddressBook,
    my_emails: frozenset[str],
    result: SourceResult,
) -> list[tuple[int, Direction]]:
    """A contact for each unknown counterpart (in a dry run, a placeholder id below 0)."""
    mine = any(normalise(a) in my_emails for a in facts.senders)
    direction = Direction.outbound if mine else Direction.inbound
    targets: list[tuple[int, Direction]] = []
    for address, name in counterparts(data, facts, my_emails):
        try:
            checked = check(address)
        except Invalid:
            continue  # not an address a contact can keep
        # A dry run creates nothing: a placeholder id below 0 stands for the contact.
        contact_id = -(len(book.names) + 1) if tx is None else create_contact(tx, checked, name)
        book.by_address[normalise(checked)] = [contact_id]
        book.names[contact_id] = f"{name or checked} (new)"
        result.created += 1
        targets.append((contact_id, direction))
    return targets


def create_contact(tx: Tx, address: str, name: str | None) -> int:
    """A new contact with a name and one address, as `crm contact add NAME --email` makes
    it, inside the run's transaction (so one undo takes back the contact and its mail)."""
    from crmcli.core.people import contacts

    fields = contacts.ContactFields(name=name or address, emails=[address], source="mail sync")
    return contacts.insert(tx, fields)


def _logged_before(store: Store, message_id: str, contact_id: int) -> bool:
    return (
        store.value(
            "SELECT 1 FROM interaction WHERE external_id = ? AND contact_id = ? LIMIT 1",
            (message_id, contact_id),
        )
        is not None
    )


def log_email(
    tx: Tx,
    contact_id: int,
    subject: str,
    direction: Direction,
    at: str | None,
    body: str | None,
    message_id: str | None,
    thread: str | None = None,
) -> int:
    """One email interaction inside the run's transaction, moving the contact's last
    touch and cadence due date exactly as `crm log` does (`interactions.record`), in
    its conversation (`thread`, from `mail_log.thread_of`)."""
    contact = tx.store.row(
        "SELECT id, cadence_days, last_touch_at FROM contact WHERE id = ?", (contact_id,)
    )
    if contact is None:
        raise NotFound(f"no contact #{contact_id}")
    return interactions.record(
        tx,
        contact,
        Kind.email,
        subject,
        at=at,
        body=body,
        direction=direction,
        external_id=message_id,
        thread=thread,
    )


def open_source(spec: SourceSpec) -> MailSource:
    """The source object for a spec (the notmuch and IMAP modules are imported only when used)."""
    if spec.scheme == "maildir":
        from crmcli.core.sync.maildir import MaildirSource

        return MaildirSource(spec.location)
    if spec.scheme == "notmuch":
        from crmcli.core.sync.notmuch import NotmuchSource

        return NotmuchSource(spec)
    from crmcli.core.sync.imap import ImapSource

    source: MailSource = ImapSource(spec)
    return source


def run_all(
    store: Store,
    sources: Sequence[MailSource],
    options: Options,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[SourceResult]:
    """Each source in turn; the first error stops the run (its sources done so far stay done)."""
    results: list[SourceResult] = []
    for source in sources:

        def report(done: int, total: int, name: str = source.name) -> None:
            if progress is not None:
                progress(name, done, total)

        results.append(sync_mail(store, source, options, progress=report))
    return results


def my_addresses(values: Any) -> frozenset[str]:
    """The `my_emails` setting as a set of normalised addresses."""
    if not values:
        return frozenset()
    items = values if isinstance(values, list | tuple) else str(values).split(",")
    return frozenset(normalise(str(v)) for v in items if str(v).strip())
