"""The calendar sync engine: open follow-ups pushed as events, meetings pulled into the log.

One run over one calendar (a `Collection`: a vdir folder, or a CalDAV calendar):

- **push**: each open follow-up of the rep's is one event (`events.render`), created,
  updated when the follow-up changed since the last run, removed when it is done,
  deleted or no longer the rep's;
- **pull, crm's events**: moved in the calendar, the follow-up moves (through
  `followups.reschedule`, as a snooze would); deleted or cancelled there, it is told
  once and the follow-up kept; moved on both sides, the later change wins
  (`calendar_plan` holds these decisions);
- **pull, other events** (`calendar_meetings`): occurrences that ended within the
  window (the past 90 days, or since the last run when that is earlier, at most a
  year) whose organiser or attendees include a known contact's address (never one
  of `my_emails`) are logged once as a `meeting` on each such contact, keyed by UID
  + RECURRENCE-ID; cancelled occurrences, contacts who declined, and meetings the
  rep declined are not. An event not over yet is looked at again once it has ended,
  even if its file did not change; a file whose etag did not change and has nothing
  due is never read again.

`sync_item` holds per calendar: each of crm's events (item = href, table 'followup',
row_id = the follow-up, fingerprint = etag, base = {start, digest, gone}); each other
event file (item = href, fingerprint = etag, base = {next}); each meeting logged (item
= "meeting/<recurrence id or ->/<UID>", table 'interaction').

Writes come in chunks: the calendar writes of a chunk first, then one transaction
(one undoable batch, "sync calendar <source>") recording them with the chunk's
follow-up moves and meetings. A run killed between the two leaves events the state
does not know: the next run finds them by UID and adopts them, never creating them
twice. `crm undo` takes back what a batch did in crm (meetings, moves, what it
remembered); the calendar is left as it is, and the next run adopts its events again.
A dry run reads everything, writes nothing anywhere, and returns the plan.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from crmcli.core import clock
from crmcli.core.activity import followups
from crmcli.core.errors import Conflict, CrmError, Invalid, NotFound, Refused
from crmcli.core.interchange.exporting import FOLLOWUP_EXPORT_SQL, calendar_domain
from crmcli.core.sync import calendar_files, calendar_meetings, calendar_sources, events, state
from crmcli.core.sync.calendar_plan import FollowupPlan
from crmcli.core.sync.calendar_steps import (
    MEETING,
    Known,
    Meeting,
    Ours,
    Planned,
    Step,
    agreed,
    base_of,
    due,
    records,
    remember,
)
from crmcli.core.sync.mail import AddressBook
from crmcli.core.values.text import printable

if TYPE_CHECKING:
    from crmcli.core.db.store import Store, Tx
    from crmcli.core.sync.collections import Collection, Item

KIND = "calendar"
CHUNK = 200  # follow-ups or event files per transaction
READ_BATCH = 100  # event files asked for at once (one multiget on a server)
WINDOW = timedelta(days=90)  # how far back a first run looks for meetings
LONGEST_WINDOW = timedelta(days=366)  # and a run after a long pause, at most

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Options:
    """The rep's choices for a run: settings and flags."""

    my_emails: frozenset[str] = frozenset()  # normalised
    store_bodies: bool = False  # a meeting's whole description, not its start
    alarms: events.Alarms = field(default_factory=events.Alarms)
    dry_run: bool = False
    push: bool = True  # write follow-ups to the calendar
    pull: bool = True  # read moves and meetings from it
    chunk: int = CHUNK


@dataclass
class SourceResult:
    """How a calendar's run went: counts, lines worth telling, and what was planned."""

    source: str
    new: int = 0  # events created
    updated: int = 0  # events rewritten
    deleted: int = 0  # events removed (their follow-up done or gone)
    moved: int = 0  # follow-ups moved because their event was
    conflicts: int = 0  # changed on both sides
    gone: int = 0  # crm's events deleted or cancelled in the calendar (follow-up kept)
    meetings: int = 0  # meeting interactions logged
    skipped: int = 0  # ended occurrences with no known contact, cancelled or declined
    errors: int = 0  # event files that could not be read or written
    chunks: int = 0  # undoable batches written
    lines: list[str] = field(default_factory=list)  # conflicts, deletions, errors
    planned: list[Planned] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "new": self.new,
            "updated": self.updated,
            "deleted": self.deleted,
            "moved": self.moved,
            "conflicts": self.conflicts,
            "gone": self.gone,
            "meetings": self.meetings,
            "skipped": self.skipped,
            "errors": self.errors,
        }


def sync_calendar(
    store: Store,
    collection: Collection,
    options: Options = Options(),
    *,
    progress: Progress | None = None,
) -> SourceResult:
    """Push the rep's open follow-ups to `collection` and pull what changed there.

    `progress(stage, done, total)` is called as files are read ("reading") and as
    the work is done ("syncing"). One-line CrmErrors for an unreachable calendar;
    an item that cannot be read or written is counted and told, not fatal.
    """
    if not options.push and not options.pull:
        raise Invalid("--push-only and --pull-only together leave nothing to do")
    result = SourceResult(collection.name)
    reached = False
    try:
        _check(store, collection, options)
        reached = True
        _Run(store, collection, options, result, progress).run()
        if not options.dry_run:
            with store.write(f"sync calendar {collection.name}") as tx:
                source_id = state.ensure(tx, KIND, collection.name)
                state.finish(
                    tx, source_id, counts=result.counts(), cursor=None, error=None, set_cursor=False
                )
    except CrmError as exc:
        # A calendar that answered before and no longer does keeps the error for `crm
        # sync --status`; a path or URL never reached (a typo) leaves no source behind.
        if not options.dry_run:
            _record_error(store, collection.name, exc.message, result, known_only=not reached)
        raise
    finally:
        collection.close()
    return result


def _check(store: Store, collection: Collection, options: Options) -> None:
    """Reach the calendar; a vdir folder crm writes events into must be a calendar (not
    the database's folder, not a folder of other files), and loses what a killed run
    left half written there."""
    collection.check()
    folder = getattr(collection, "folder", None)
    if folder is None or not options.push:
        return  # read only: nothing is written there
    from crmcli.core.db import guarded

    calendar_sources.check_folder(folder, guarded.database_path(store))
    if not options.dry_run:
        calendar_sources.remove_leftovers(folder, time.time())


def _record_error(
    store: Store, name: str, message: str, result: SourceResult, *, known_only: bool = False
) -> None:
    """Keep a failed run's error on the source for `crm sync --status` (best effort);
    `known_only`: only on a source that has run before."""
    try:
        if known_only and state.find(store, KIND, name) is None:
            return
        with store.write(f"sync calendar {name}") as tx:
            source_id = state.ensure(tx, KIND, name)
            state.finish(
                tx, source_id, counts=result.counts(), cursor=None, error=message, set_cursor=False
            )
    except CrmError:
        pass


class _Run:
    """One run's working state: what the calendar holds, what crm remembers, the plan."""

    def __init__(
        self,
        store: Store,
        collection: Collection,
        options: Options,
        result: SourceResult,
        progress: Progress | None,
    ) -> None:
        self.store = store
        self.collection = collection
        self.options = options
        self.result = result
        self.progress = progress
        self.now = clock.now()
        self.zone: tzinfo = clock.local_zone()
        self.domain = calendar_domain(store)
        found = state.find(store, KIND, collection.name)
        self.source_id = None if found is None else found.id
        self.since = self.now - WINDOW
        # Occurrences that ended before the last run were judged then: a file read again
        # (its next occurrence is over) does not count them as skipped a second time.
        self.judged: datetime | None = None
        if found is not None and found.last_run_at:
            self.judged = clock.parse_stamp(found.last_run_at)
            self.since = max(min(self.since, self.judged), self.now - LONGEST_WINDOW)
        self.known: dict[str, Known] = {}
        self.meeting_keys: set[str] = set()
        self.listing: dict[str, str] = {}
        self.ours: dict[str, Ours] = {}  # crm's events read this run, by href
        self.broken: set[str] = set()  # hrefs that could not be read
        self.clashes: dict[str, Item] = {}  # unknown items found after a refused create
        self.indexed: set[str] = set()  # and the hrefs already looked at for them
        self.book: AddressBook | None = None

    # -- the run ---------------------------------------------------------------------
    def run(self) -> None:
        self._load()
        self.listing = self.collection.list()
        steps = list(self._read())
        steps += self._plan().steps(self._open_followups(), self._mapped())
        steps += self._forget_vanished()
        repush = self._execute(steps)
        if repush and not self.options.dry_run:
            # Moved from the calendar and changed in crm too: the move is in, now the
            # follow-up's other changes go out (against the calendar's unchanged etag).
            self._load()
            self.ours.clear()  # read before the move; the calendar's copy is unchanged since
            again = self._plan().steps(self._open_followups(repush), self._mapped(repush))
            self._execute(again)

    def _load(self) -> None:
        self.known.clear()
        self.meeting_keys.clear()
        if self.source_id is None:
            return
        for row in self.store.rows(
            "SELECT id, item, fingerprint, table_name, row_id, base FROM sync_item "
            "WHERE source_id = ?",
            (self.source_id,),
        ):
            if row["item"].startswith(MEETING):
                self.meeting_keys.add(row["item"])
                continue
            self.known[row["item"]] = Known(
                int(row["id"]),
                row["item"],
                row["fingerprint"],
                row["table_name"],
                None if row["row_id"] is None else int(row["row_id"]),
                base_of(row["base"]),
            )

    def _mapped(self, only: set[int] | None = None) -> dict[int, Known]:
        """crm's events remembered, by follow-up id."""
        mapped: dict[int, Known] = {}
        for known in self.known.values():
            if (
                known.table_name == "followup"
                and known.row_id is not None
                and (only is None or known.row_id in only)
            ):
                mapped.setdefault(known.row_id, known)
        return mapped

    def _open_followups(self, only: set[int] | None = None) -> dict[int, dict[str, Any]]:
        """The rep's open follow-ups, as the event rendering reads them."""
        from crmcli.core.db import owners

        clauses = ["f.status = 'open'"]
        mine, params = owners.clause(self.store, None, "f")
        if mine:
            clauses.append(mine)
        if only is not None:
            clauses.append(f"f.id IN ({', '.join('?' for _ in only)})")
            params += sorted(only)
        sql = f"{FOLLOWUP_EXPORT_SQL} WHERE {' AND '.join(clauses)} ORDER BY f.id"
        return {int(row["id"]): row for row in self.store.stream(sql, params)}

    # -- reading the calendar ----------------------------------------------------------
    def _read(self) -> Iterator[Step]:
        """Read the files that are new, changed, or have an occurrence due; yield the
        steps for other events (meetings, remembering them) as they are read."""
        wanted: list[str] = []
        for href, etag in self.listing.items():
            known = self.known.get(href)
            if (
                known is None
                or known.fingerprint != etag
                or (known.table_name is None and self.options.pull and due(known.base, self.now))
            ):
                wanted.append(href)
        done = 0
        for start in range(0, len(wanted), READ_BATCH):
            batch = wanted[start : start + READ_BATCH]
            seen: set[str] = set()
            for item in self.collection.get(batch):
                seen.add(item.href)
                step = self._read_one(item)
                if step is not None:
                    yield step
            for href in batch:
                if href not in seen:  # removed since it was listed
                    self.listing.pop(href, None)
            done += len(batch)
            self._tick("reading", done, len(wanted))

    def _read_one(self, item: Item) -> Step | None:
        if item.error is not None:  # too big, or the read refused: told, decided next run
            self.broken.add(item.href)
            self._error(f"{item.href}: cannot read it: {item.error}")
            return None
        known = self.known.get(item.href)
        try:
            found = calendar_files.parse(item.body)
        except Invalid as exc:
            self.broken.add(item.href)
            self._error(f"{item.href}: {exc.message}")
            if known is not None and known.table_name == "followup":
                return None  # crm's own event, broken: looked at again next run
            return Step(
                known=known, item=item.href, fingerprint=item.etag, base={"error": exc.message}
            )
        if (
            known is not None
            and known.table_name == "followup"
            and not any(events.followup_id_from_uid(series.uid, self.domain) for series in found)
        ):
            return None  # crm's file now holds another event: taken as deleted (`calendar_plan`)
        for series in found:
            followup_id = events.followup_id_from_uid(series.uid, self.domain)
            if followup_id is None:
                continue
            try:
                start, local = series.start_key(self.zone), series.start(self.zone)
            except (ValueError, TypeError, OverflowError) as exc:
                self.broken.add(item.href)
                self._error(f"{item.href}: cannot read its start: {exc}")
                return None
            self.ours[item.href] = Ours(
                item.href,
                item.etag,
                followup_id,
                series.uid,
                start,
                local,
                series.last_modified,
                series.cancelled,
                item.body,
            )
            return None
        if not self.options.pull:
            return None  # a push-only run leaves others' events for a run that reads them
        meetings: list[Meeting] = []
        upcoming: datetime | None = None
        for series in found:
            try:
                ended, following = series.occurrences(self.since, self.now, self.zone)
            except (ValueError, TypeError, OverflowError) as exc:
                self._error(f"{item.href}: cannot read event {series.uid}: {exc}")
                continue
            if following is not None and (upcoming is None or following < upcoming):
                upcoming = following
            meetings += filter(None, (self._meeting(o) for o in ended))
        base = {"next": None if upcoming is None else clock.stamp(upcoming)}
        step = Step(known=known, item=item.href, fingerprint=item.etag, base=base)
        step.meetings = meetings
        names = self.book.names if self.book is not None else {}
        for meeting in meetings:
            who = [names.get(c, f"#{c}") for c in meeting.contacts]
            text = calendar_meetings.line(meeting.occurrence, who, self.zone)
            step.planned.append(Planned("meeting", None, text))
        return step

    def _meeting(self, occurrence: calendar_files.Occurrence) -> Meeting | None:
        """The meeting an ended occurrence is, unless logged already or none at all
        (counted skipped the first time it is judged)."""
        key = calendar_meetings.key(occurrence)
        if key in self.meeting_keys:
            return None
        if self.book is None:
            self.book = AddressBook(self.store)
        contacts = calendar_meetings.contacts_met(occurrence, self.book, self.options.my_emails)
        if contacts is None:
            self.result.skipped += self.judged is None or occurrence.end > self.judged
            return None
        self.meeting_keys.add(key)  # the same occurrence in two files: logged once
        return Meeting(key, occurrence, contacts)

    def _plan(self) -> FollowupPlan:
        return FollowupPlan(
            domain=self.domain,
            alarms=self.options.alarms,
            push=self.options.push,
            pull=self.options.pull,
            listing=self.listing,
            ours=self.ours,
            broken=self.broken,
            known=self.known,
        )

    def _forget_vanished(self) -> list[Step]:
        """Other events' files gone from the calendar: nothing to remember of them."""
        return [
            Step(known=known, forget=True)
            for href, known in self.known.items()
            if known.table_name is None and href not in self.listing
        ]

    # -- doing it ------------------------------------------------------------------------
    def _execute(self, steps: Sequence[Step]) -> set[int]:
        """Each chunk: its calendar writes, then one transaction recording them with its
        moves and meetings. Returns the follow-ups to push again after their move."""
        repush: set[int] = set()
        size = max(1, self.options.chunk)
        total = len(steps)
        for start in range(0, total, size):
            chunk = steps[start : start + size]
            if self.options.dry_run:
                for step in chunk:
                    step.logged = sum(len(m.contacts) for m in step.meetings)
                    self._count(step)
            else:
                written = []
                for offset, step in enumerate(chunk, start + 1):
                    if self._write_remote(step):
                        written.append(step)
                    if step.remote is not None:  # each write is felt on a slow server
                        self._tick("syncing", offset, total)
                if any(records(step) for step in written):
                    with self.store.write(f"sync calendar {self.collection.name}") as tx:
                        source_id = state.ensure(tx, KIND, self.collection.name)
                        self.source_id = source_id
                        for step in written:
                            self._record(tx, source_id, step)
                    self.result.chunks += 1
                for step in written:
                    self._count(step)
                    if step.repush and step.followup_id is not None:
                        repush.add(step.followup_id)
            self._tick("syncing", min(start + size, total), total)
        return repush

    def _count(self, step: Step) -> None:
        for name, value in step.counts.items():
            setattr(self.result, name, getattr(self.result, name) + value)
        self.result.meetings += step.logged
        self.result.lines += step.lines
        self.result.planned += step.planned

    def _write_remote(self, step: Step) -> bool:
        """The step's calendar write; False (and a line) when the calendar changed
        under it, so that nothing is recorded and the next run looks again."""
        if step.remote is None:
            return True
        action = step.remote[0]
        try:
            if action == "create":
                uid, body = step.remote[1], step.remote[2]
                try:
                    step.item, step.fingerprint = self.collection.create(uid, body)
                except Conflict:
                    return self._adopt_after_clash(step, uid, body)
            elif action == "update":
                step.fingerprint = self.collection.update(
                    step.remote[1], step.remote[3], step.remote[2]
                )
            else:
                self.collection.delete(step.remote[1], step.remote[2])
        except (Conflict, NotFound):
            self._error(
                f"{step.remote[1]}: changed in the calendar during the sync; left for the next run"
            )
            return False
        except OSError as exc:
            raise Refused(
                f"cannot write to {printable(self.collection.name)}: {exc.strerror or exc}"
            ) from None
        return True

    def _adopt_after_clash(self, step: Step, uid: str, body: bytes) -> bool:
        """A create refused because an item of that name or UID is there already (another
        crm syncing the same calendar at this moment, or a run killed before recording
        it): find it by UID and take it over.

        The items nobody knows are indexed by UID once, and only items new since are
        read on a later clash: two runs racing over a thousand events read each file
        once, not once per clash.
        """
        if uid not in self.clashes:
            new = [
                href
                for href in self.collection.list()
                if href not in self.known and href not in self.ours and href not in self.indexed
            ]
            self.indexed.update(new)
            for item in self.collection.get(new):
                try:
                    found = calendar_files.parse(item.body)
                except Invalid:
                    continue
                for series in found:
                    self.clashes.setdefault(series.uid, item)
        there = self.clashes.pop(uid) if uid in self.clashes else None
        if there is None:
            self._error(f"{uid}: the calendar refused it (an event of that name exists)")
            return False
        step.item = there.href
        step.fingerprint = there.etag
        step.counts = {}  # adopted, not created
        if there.body != body:
            step.fingerprint = self.collection.update(there.href, body, there.etag)
            step.counts = {"updated": 1}
        return True

    def _record(self, tx: Tx, source_id: int, step: Step) -> None:
        if step.move is not None and not self._moved(tx, step):
            return
        for meeting in step.meetings:
            row_id, logged = calendar_meetings.log(
                tx, meeting, self.zone, store_bodies=self.options.store_bodies
            )
            step.logged += logged
            remember(tx, source_id, meeting.key, None, "interaction", row_id, None)
        if step.forget:
            if step.known is not None:
                tx.delete("sync_item", step.known.id)
            return
        if step.item is None:
            return
        table = step.table_name or (step.known.table_name if step.known else None)
        row_id = step.followup_id if table == "followup" else None
        remember(tx, source_id, step.item, step.fingerprint, table, row_id, step.base)
        if step.known is not None and step.known.item != step.item:
            # Followed to another href, or created again under a new one: one row, not two.
            tx.delete("sync_item", step.known.id)

    def _moved(self, tx: Tx, step: Step) -> bool:
        """Move the follow-up, if it is still as it was read; its new rendering is what
        both sides now agree on. False: it changed meanwhile, left for the next run."""
        followup_id = int(step.followup_id or 0)
        current = tx.get("followup", followup_id)
        if current is None or current["status"] != "open" or current["version"] != step.version:
            step.counts = {}
            step.planned = []
            step.repush = False
            self._error(
                f"follow-up #{followup_id} changed in crm during the sync; left for the next run"
            )
            return False
        assert step.move is not None
        followups.reschedule(tx, followup_id, step.move, snoozed=step.snoozed)
        row = tx.store.row(f"{FOLLOWUP_EXPORT_SQL} WHERE f.id = ?", (followup_id,))
        if row is not None:
            uid = (step.base or {}).get("uid")
            rendered = events.render(
                row, self.domain, self.options.alarms, uid=uid if isinstance(uid, str) else None
            )
            # With more changed in crm than the date, the digest is left as it was, so the
            # push that follows sees a difference and writes the event.
            digest = (step.base or {}).get("digest") if step.repush else rendered.digest
            step.base = {**agreed(rendered), "digest": digest}
        return True

    def _error(self, line: str) -> None:
        self.result.errors += 1
        self.result.lines.append(line)

    def _tick(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)
