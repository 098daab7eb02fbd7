"""The calendar sync engine: open follow-ups pushed as events, meetings pulled into the log.

One run over one calendar (a `Collection`: a vdir folder, or a CalDAV calendar):

- **push**: each open follow-up of the rep's is one event (`events.render`), created,
  updated when the follow-up changed since the last run (its rendering's hash against
  `sync_item.base`), removed when it is done, deleted or no longer the rep's;
- **pull, crm's events**: an event moved in the calendar moves the follow-up (through
  `followups.reschedule`, as a snooze would); an event deleted (or cancelled) in the
  calendar is reported, once, and the follow-up stays open: it is put back in the
  calendar only when the follow-up itself changes later, so a rep who cleared it from
  the phone is not given it back at every run; moved on both sides: the later change
  wins (the follow-up's updated_at against the event's LAST-MODIFIED, else DTSTAMP;
  crm on a tie), with a line saying which;
- **pull, other events**: occurrences that ended within the window (the past 90 days,
  or since the last run when that is earlier, at most a year) whose organiser or
  attendees include a known contact's address (never one of `my_emails`) are logged
  once as a `meeting` on each such contact, keyed by UID + RECURRENCE-ID; cancelled
  occurrences, contacts who declined, and meetings the rep declined are not. An
  event not over yet is looked at again once it has ended, even if its file did not
  change; a file whose etag did not change and has nothing due is never read again.

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

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from crmcli.core import clock
from crmcli.core.activity import followups, interactions
from crmcli.core.activity.interactions import Kind
from crmcli.core.errors import Conflict, CrmError, Invalid, NotFound, Refused
from crmcli.core.interchange.exporting import FOLLOWUP_EXPORT_SQL, calendar_domain
from crmcli.core.sync import events, state
from crmcli.core.sync.mail import AddressBook
from crmcli.core.values.when import When

if TYPE_CHECKING:
    from crmcli.core.db.store import Store, Tx
    from crmcli.core.sync.collections import Collection, Item

KIND = "calendar"
CHUNK = 200  # follow-ups or event files per transaction
READ_BATCH = 100  # event files asked for at once (one multiget on a server)
WINDOW = timedelta(days=90)  # how far back a first run looks for meetings
LONGEST_WINDOW = timedelta(days=366)  # and a run after a long pause, at most
MEETING = "meeting/"  # prefix of a meeting's key in sync_item (no href starts so)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Options:
    """The rep's choices for a run: settings and flags."""

    my_emails: frozenset[str] = frozenset()  # normalised
    alarms: events.Alarms = field(default_factory=events.Alarms)
    dry_run: bool = False
    push: bool = True  # write follow-ups to the calendar
    pull: bool = True  # read moves and meetings from it
    chunk: int = CHUNK


@dataclass(frozen=True)
class Planned:
    """One thing a run does (or would do, in a dry run): its action and a line about it."""

    action: str  # create, update, delete, move, conflict, gone, meeting
    followup_id: int | None
    text: str


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


@dataclass
class _Known:
    """A row of sync_item for this calendar."""

    id: int
    item: str
    fingerprint: str | None
    table_name: str | None
    row_id: int | None
    base: dict[str, Any]


@dataclass
class _Ours:
    """One of crm's events, read this run."""

    href: str
    etag: str
    followup_id: int
    uid: str
    start: str | None  # `events.followup_start` form
    local: tuple[date, time | None] | None  # its start, in the local zone
    last_modified: datetime | None
    cancelled: bool
    body: bytes


@dataclass
class _Meeting:
    """An ended occurrence to log on these contacts."""

    key: str
    occurrence: events.Occurrence
    contacts: list[int]


@dataclass
class _Step:
    """One unit of work: at most one calendar write, then what to record in crm."""

    followup_id: int | None = None
    # The calendar write: ("create", uid, body), ("update", href, etag, body) or
    # ("delete", href, etag).
    remote: tuple[Any, ...] | None = None
    # sync_item: the row to update or forget (None: insert), the item and what to keep.
    known: _Known | None = None
    item: str | None = None
    fingerprint: str | None = None
    base: dict[str, Any] | None = None
    table_name: str | None = None
    forget: bool = False
    # crm's own changes: a follow-up to move (to `move`, if still at `version`), meetings.
    move: When | None = None
    version: int | None = None
    snoozed: bool = False
    meetings: list[_Meeting] = field(default_factory=list)
    planned: list[Planned] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    logged: int = 0  # meeting interactions written
    repush: bool = False  # push the follow-up again once moved (it changed in crm too)


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
    collection.check()
    result = SourceResult(collection.name)
    try:
        _Run(store, collection, options, result, progress).run()
        if not options.dry_run:
            with store.write(f"sync calendar {collection.name}") as tx:
                source_id = state.ensure(tx, KIND, collection.name)
                state.finish(
                    tx, source_id, counts=result.counts(), cursor=None, error=None, set_cursor=False
                )
    except CrmError as exc:
        if not options.dry_run:
            _record_error(store, collection.name, exc.message, result)
        raise
    finally:
        collection.close()
    return result


def _record_error(store: Store, name: str, message: str, result: SourceResult) -> None:
    """Keep a failed run's error on the source for `crm sync --status` (best effort)."""
    try:
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
        self.known: dict[str, _Known] = {}
        self.meeting_keys: set[str] = set()
        self.listing: dict[str, str] = {}
        self.ours: dict[str, _Ours] = {}  # crm's events read this run, by href
        self.broken: set[str] = set()  # hrefs that could not be read
        self.book: AddressBook | None = None

    # -- the run ---------------------------------------------------------------------
    def run(self) -> None:
        self._load()
        self.listing = self.collection.list()
        steps = list(self._read())
        steps += self._plan_followups(self._open_followups(), self._mapped())
        steps += self._forget_vanished()
        repush = self._execute(steps)
        if repush and not self.options.dry_run:
            # Moved from the calendar and changed in crm too: the move is in, now the
            # follow-up's other changes go out (against the calendar's unchanged etag).
            self._load()
            self.ours.clear()  # read before the move; the calendar's copy is unchanged since
            again = self._plan_followups(self._open_followups(repush), self._mapped(repush))
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
            self.known[row["item"]] = _Known(
                int(row["id"]),
                row["item"],
                row["fingerprint"],
                row["table_name"],
                None if row["row_id"] is None else int(row["row_id"]),
                _base(row["base"]),
            )

    def _mapped(self, only: set[int] | None = None) -> dict[int, _Known]:
        """crm's events remembered, by follow-up id."""
        mapped: dict[int, _Known] = {}
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
    def _read(self) -> Iterator[_Step]:
        """Read the files that are new, changed, or have an occurrence due; yield the
        steps for other events (meetings, remembering them) as they are read."""
        due: list[str] = []
        for href, etag in self.listing.items():
            known = self.known.get(href)
            if (
                known is None
                or known.fingerprint != etag
                or (known.table_name is None and self.options.pull and _due(known.base, self.now))
            ):
                due.append(href)
        done = 0
        for start in range(0, len(due), READ_BATCH):
            batch = due[start : start + READ_BATCH]
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
            self._tick("reading", done, len(due))

    def _read_one(self, item: Item) -> _Step | None:
        known = self.known.get(item.href)
        try:
            found = events.parse(item.body)
        except Invalid as exc:
            self.broken.add(item.href)
            self._error(f"{item.href}: {exc.message}")
            if known is not None and known.table_name == "followup":
                return None  # crm's own event, broken: looked at again next run
            return self._remember_other(item, known, {"error": exc.message})
        if (
            known is not None
            and known.table_name == "followup"
            and not any(events.followup_id_from_uid(series.uid, self.domain) for series in found)
        ):
            return None  # crm's file now holds another event: taken as deleted (`_followup`)
        for series in found:
            followup_id = events.followup_id_from_uid(series.uid, self.domain)
            if followup_id is None:
                continue
            self.ours[item.href] = _Ours(
                item.href,
                item.etag,
                followup_id,
                series.uid,
                series.start_key(self.zone),
                series.start(self.zone),
                series.last_modified,
                series.cancelled,
                item.body,
            )
            return None
        if not self.options.pull:
            return None  # a push-only run leaves others' events for a run that reads them
        meetings: list[_Meeting] = []
        upcoming: datetime | None = None
        for series in found:
            try:
                ended, following = series.occurrences(self.since, self.now, self.zone)
            except (ValueError, TypeError, OverflowError) as exc:
                self._error(f"{item.href}: cannot read event {series.uid}: {exc}")
                continue
            if following is not None and (upcoming is None or following < upcoming):
                upcoming = following
            for occurrence in ended:
                meeting = self._meeting(occurrence)
                if meeting is not None:
                    meetings.append(meeting)
        base = {"next": None if upcoming is None else clock.stamp(upcoming)}
        step = self._remember_other(item, known, base)
        step.meetings = meetings
        for meeting in meetings:
            occurrence = meeting.occurrence
            names = ", ".join(self._names(meeting.contacts))
            day = occurrence.start.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")
            if occurrence.all_day:
                day = occurrence.start.date().isoformat()
            step.planned.append(
                Planned("meeting", None, f"meeting  {day}  {names}  {occurrence.summary}")
            )
        return step

    def _remember_other(self, item: Item, known: _Known | None, base: dict[str, Any]) -> _Step:
        return _Step(known=known, item=item.href, fingerprint=item.etag, base=base)

    def _meeting(self, occurrence: events.Occurrence) -> _Meeting | None:
        """The contacts an ended occurrence is a meeting with, or None (counted skipped)."""
        key = f"{MEETING}{occurrence.recurrence_id or '-'}/{occurrence.uid}"
        if key in self.meeting_keys:
            return None
        mine = self.options.my_emails
        people = occurrence.people
        fresh = self.judged is None or occurrence.end > self.judged
        if occurrence.cancelled or any(
            p.email in mine and p.partstat == "DECLINED" for p in people
        ):
            self.result.skipped += fresh
            return None
        if self.book is None:
            self.book = AddressBook(self.store)
        present = [p.email for p in people if p.email not in mine and p.partstat != "DECLINED"]
        contacts = self.book.contacts(present)
        if not contacts:
            self.result.skipped += fresh
            return None
        self.meeting_keys.add(key)  # the same occurrence in two files: logged once
        return _Meeting(key, occurrence, contacts)

    def _names(self, contacts: Iterable[int]) -> list[str]:
        names = self.book.names if self.book is not None else {}
        return [names.get(c, f"#{c}") for c in contacts]

    # -- planning crm's events ---------------------------------------------------------
    def _plan_followups(
        self, open_rows: dict[int, dict[str, Any]], mapped: dict[int, _Known]
    ) -> list[_Step]:
        """A step for each follow-up whose event must be created, rewritten, removed or
        adopted, or whose event moved or vanished in the calendar."""
        strays: dict[int, _Ours] = {}  # crm's events the state does not know (yet)
        mapped_hrefs = {k.item for k in mapped.values()}
        for ours in self.ours.values():
            known = self.known.get(ours.href)
            if ours.href not in mapped_hrefs and (known is None or known.table_name != "followup"):
                strays.setdefault(ours.followup_id, ours)
        steps: list[_Step] = []
        for followup_id in sorted(set(open_rows) | set(mapped) | set(strays)):
            row = open_rows.get(followup_id)
            known = mapped.get(followup_id)
            stray = strays.get(followup_id)
            if known is not None and known.item not in self.listing and stray is not None:
                # The event moved to another href (a client re-filed it): follow it there.
                step = self._followup(row, _moved_to(known, stray), self.ours[stray.href])
            elif known is not None:
                step = self._followup(row, known, self.ours.get(known.item))
            else:
                step = self._adopt_or_create(followup_id, row, stray)
            if step is not None:
                steps.append(step)
        return steps

    def _adopt_or_create(
        self, followup_id: int, row: dict[str, Any] | None, stray: _Ours | None
    ) -> _Step | None:
        if row is None:
            if stray is None or not self.options.push:
                return None
            # crm's event for a follow-up that is closed (created by a run killed before it
            # could record it, then closed; or an old export imported by hand): removed.
            return self._step_delete(followup_id, None, stray.href, stray.etag, "done")
        rendered = self._render(row, None if stray is None else stray.uid)
        base = _agreed(rendered)
        if stray is not None:
            step = _Step(followup_id, table_name="followup", item=stray.href, base=base)
            step.fingerprint = stray.etag
            if stray.body != rendered.body and self.options.push:
                step.remote = ("update", stray.href, stray.etag, rendered.body)
                step.planned.append(Planned("update", followup_id, _describe("adopt", row)))
                step.counts = {"updated": 1}
            return step  # adopted: found by its UID, not created twice
        if not self.options.push:
            return None
        step = _Step(followup_id, table_name="followup", base=base)
        step.remote = ("create", rendered.uid, rendered.body)
        step.planned.append(Planned("create", followup_id, _describe("create", row)))
        step.counts["new"] = 1
        return step

    def _followup(
        self, row: dict[str, Any] | None, known: _Known, ours: _Ours | None
    ) -> _Step | None:
        """A follow-up crm has pushed before: compare the three sides (crm now, the
        calendar now, `known.base` as they last agreed)."""
        followup_id = int(known.row_id or 0)
        base = known.base
        present = known.item in self.listing
        if known.item in self.broken:
            return None  # unreadable this run: nothing decided on it
        rendered = None if row is None else self._render(row, base.get("uid"))
        changed_here = rendered is not None and rendered.digest != base.get("digest")
        if present and ours is None and self.listing[known.item] != known.fingerprint:
            # Rewritten with someone else's event in it: crm's is gone from the calendar.
            if row is None or rendered is None:
                return _Step(followup_id, known=known, forget=True)
            if base.get("gone"):
                return None
            return self._gone(row, known, self.listing[known.item], "replaced")
        if ours is not None and row is not None and not self.options.pull:
            return None  # changed in the calendar: left for a run that reads it
        if not present:
            if row is None or rendered is None:
                return _Step(followup_id, known=known, forget=True)
            if base.get("gone") and not changed_here:
                return None  # told once; back only when the follow-up changes
            return self._put_back(row, rendered, known, base.get("gone") is True)
        etag = self.listing[known.item]
        if ours is None:  # the calendar's copy is as crm left it
            if row is None or rendered is None:
                return self._step_delete(followup_id, known, known.item, etag, "done")
            if not changed_here or not self.options.push:
                return None
            return self._step_update(row, rendered, known, etag, "update")
        # The calendar changed it since the last run.
        if row is None or rendered is None:
            return self._step_delete(followup_id, known, known.item, ours.etag, "done")
        if ours.cancelled:
            if base.get("gone") and not changed_here:
                return _Step(
                    followup_id, known=known, item=known.item, fingerprint=ours.etag, base=base
                )
            if changed_here:
                return self._step_update(row, rendered, known, ours.etag, "revive")
            return self._gone(row, known, ours.etag, "cancelled")
        moved_there = ours.start is not None and ours.start != base.get("start")
        moved_here = rendered.start != base.get("start")
        if not moved_there or ours.start == rendered.start:
            if changed_here and ours.body != rendered.body and self.options.push:
                return self._step_update(row, rendered, known, ours.etag, "update")
            agreed = _agreed(rendered) if ours.start == rendered.start else base
            return _Step(
                followup_id, known=known, item=known.item, fingerprint=ours.etag, base=agreed
            )
        if not moved_here:
            return self._step_move(row, known, ours, repush=changed_here, conflict=None)
        # Moved on both sides, to different times: the later change wins.
        theirs = ours.last_modified
        here = clock.parse_stamp(row["updated_at"])
        if theirs is not None and theirs > here:
            line = (
                f"follow-up #{followup_id} ({_who(row)}) moved on both sides: the calendar's "
                f"change ({_shown(ours.local)}, {_at(theirs)}) is newer than crm's "
                f"({_shown_row(row)}, {_at(here)}) and wins"
            )
            return self._step_move(row, known, ours, repush=True, conflict=line)
        step = self._step_update(row, rendered, known, ours.etag, "conflict")
        when = "" if theirs is None else f", {_at(theirs)}"
        step.lines.append(
            f"follow-up #{followup_id} ({_who(row)}) moved on both sides: crm's change "
            f"({_shown_row(row)}, {_at(here)}) is newer than the calendar's "
            f"({_shown(ours.local)}{when}) and wins"
        )
        step.counts = {"conflicts": 1}
        return step

    def _step_update(
        self, row: dict[str, Any], rendered: events.Rendered, known: _Known, etag: str, why: str
    ) -> _Step:
        followup_id = int(row["id"])
        step = _Step(followup_id, known=known, item=known.item, base=_agreed(rendered))
        step.table_name = "followup"
        if not self.options.push:
            return _Step(
                followup_id, known=known, item=known.item, fingerprint=etag, base=known.base
            )
        step.remote = ("update", known.item, etag, rendered.body)
        step.planned.append(Planned("update", followup_id, _describe("update", row)))
        step.counts = {"updated": 1}
        if why == "revive":
            step.lines.append(
                f"follow-up #{followup_id} ({_who(row)}), cancelled in the calendar, changed "
                "in crm since: its event is put back"
            )
        return step

    def _step_delete(
        self, followup_id: int, known: _Known | None, href: str, etag: str, why: str
    ) -> _Step | None:
        if not self.options.push:
            return None
        step = _Step(followup_id, known=known, forget=known is not None)
        step.remote = ("delete", href, etag)
        step.planned.append(
            Planned("delete", followup_id, f"delete  #{followup_id}  (follow-up {why})")
        )
        step.counts = {"deleted": 1}
        return step

    def _step_move(
        self,
        row: dict[str, Any],
        known: _Known,
        ours: _Ours,
        *,
        repush: bool,
        conflict: str | None,
    ) -> _Step:
        followup_id = int(row["id"])
        step = _Step(followup_id, known=known, item=known.item, fingerprint=ours.etag)
        step.table_name = "followup"
        step.base = dict(known.base)
        if ours.local is None:
            return step
        day, at = ours.local
        step.move = When(day, at)
        step.version = int(row["version"])
        step.snoozed = ours.start is not None and ours.start > events.followup_start(row)
        step.repush = repush
        step.planned.append(
            Planned(
                "move",
                followup_id,
                f"move    #{followup_id}  {_shown_row(row)} -> {_shown(ours.local)}  {_who(row)}",
            )
        )
        if conflict is not None:
            step.lines.append(conflict)
            step.counts = {"conflicts": 1}
        else:
            step.counts = {"moved": 1}
        return step

    def _gone(self, row: dict[str, Any], known: _Known, etag: str | None, how: str) -> _Step:
        followup_id = int(row["id"])
        base = {**known.base, "gone": True}
        step = _Step(followup_id, known=known, item=known.item, base=base)
        step.fingerprint = known.fingerprint if etag is None else etag
        step.lines.append(
            f"follow-up #{followup_id} ({_who(row)}) was {how} in the calendar; it stays open "
            f"in crm (`crm followup done {followup_id}` closes it; it goes back to the calendar "
            "if it changes)"
        )
        step.planned.append(Planned("gone", followup_id, f"gone    #{followup_id}  {_who(row)}"))
        step.counts = {"gone": 1}
        return step

    def _put_back(
        self, row: dict[str, Any], rendered: events.Rendered, known: _Known, was_gone: bool
    ) -> _Step | None:
        """An event deleted in the calendar: told once (the follow-up kept), or created
        again when the follow-up changed in crm since."""
        if rendered.digest == known.base.get("digest"):
            return self._gone(row, known, None, "deleted")
        if not self.options.push:
            return None
        followup_id = int(row["id"])
        step = _Step(followup_id, known=known, table_name="followup", base=_agreed(rendered))
        step.remote = ("create", rendered.uid, rendered.body)
        step.planned.append(Planned("create", followup_id, _describe("create", row)))
        step.counts = {"new": 1}
        if not was_gone:
            step.lines.append(
                f"follow-up #{followup_id} ({_who(row)}) was deleted in the calendar but "
                "changed in crm since: its event is put back"
            )
        return step

    def _forget_vanished(self) -> list[_Step]:
        """Other events' files gone from the calendar: nothing to remember of them."""
        return [
            _Step(known=known, forget=True)
            for href, known in self.known.items()
            if known.table_name is None and href not in self.listing
        ]

    # -- doing it ------------------------------------------------------------------------
    def _execute(self, steps: Sequence[_Step]) -> set[int]:
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
                written = [step for step in chunk if self._write_remote(step)]
                if any(_records(step) for step in written):
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

    def _count(self, step: _Step) -> None:
        for name, value in step.counts.items():
            setattr(self.result, name, getattr(self.result, name) + value)
        self.result.meetings += step.logged
        self.result.lines += step.lines
        self.result.planned += step.planned

    def _write_remote(self, step: _Step) -> bool:
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
                f"cannot write to {self.collection.name}: {exc.strerror or exc}"
            ) from None
        return True

    def _adopt_after_clash(self, step: _Step, uid: str, body: bytes) -> bool:
        """A create refused because an item of that name or UID is there already (another
        run, or a run killed before recording it): find it by UID and take it over."""
        fresh = self.collection.list()
        unknown = [h for h in fresh if h not in self.known and h not in self.ours]
        for item in self.collection.get(unknown):
            try:
                found = events.parse(item.body)
            except Invalid:
                continue
            if any(series.uid == uid for series in found):
                step.item = item.href
                step.fingerprint = item.etag
                if item.body != body:
                    step.fingerprint = self.collection.update(item.href, body, item.etag)
                return True
        self._error(f"{uid}: the calendar refused it (an event of that name exists) ")
        return False

    def _record(self, tx: Tx, source_id: int, step: _Step) -> None:
        if step.move is not None and not self._moved(tx, step):
            return
        for meeting in step.meetings:
            row_id, logged = self._log_meeting(tx, meeting)
            step.logged += logged
            _remember(tx, source_id, meeting.key, None, "interaction", row_id, None)
        if step.forget:
            if step.known is not None:
                tx.delete("sync_item", step.known.id)
            return
        if step.item is None:
            return
        table = step.table_name or (step.known.table_name if step.known else None)
        row_id = step.followup_id if table == "followup" else None
        _remember(tx, source_id, step.item, step.fingerprint, table, row_id, step.base)
        if step.known is not None and step.known.item != step.item:
            # Followed to another href, or created again under a new one: one row, not two.
            tx.delete("sync_item", step.known.id)

    def _moved(self, tx: Tx, step: _Step) -> bool:
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
            rendered = self._render(row, (step.base or {}).get("uid"))
            # With more changed in crm than the date, the digest is left as it was, so the
            # push that follows sees a difference and writes the event.
            digest = (step.base or {}).get("digest") if step.repush else rendered.digest
            step.base = {**_agreed(rendered), "digest": digest}
        return True

    def _log_meeting(self, tx: Tx, meeting: _Meeting) -> tuple[int | None, int]:
        """One `meeting` interaction per contact (not twice for a contact it is already
        logged on, from another calendar); returns the first row id and how many."""
        occurrence = meeting.occurrence
        external = f"ical:{occurrence.uid}" + (
            f"#{occurrence.recurrence_id}" if occurrence.recurrence_id else ""
        )
        if occurrence.all_day:
            local = datetime.combine(occurrence.start.date(), time(12, 0), tzinfo=self.zone)
            at, duration = clock.stamp(local), None
        else:
            at = clock.stamp(occurrence.start)
            seconds = int((occurrence.end - occurrence.start).total_seconds())
            duration = seconds if seconds > 0 else None
        body_parts = [p for p in (occurrence.location, occurrence.description) if p]
        if occurrence.location:
            body_parts[0] = f"Location: {occurrence.location}"
        body = "\n\n".join(body_parts)[:1000] or None
        first: int | None = None
        logged = 0
        for contact_id in meeting.contacts:
            contact = tx.store.row(
                "SELECT id, cadence_days, last_touch_at FROM contact WHERE id = ?", (contact_id,)
            )
            if contact is None or tx.store.value(
                "SELECT 1 FROM interaction WHERE external_id = ? AND contact_id = ? LIMIT 1",
                (external, contact_id),
            ):
                continue
            row_id = interactions.record(
                tx,
                contact,
                Kind.meeting,
                occurrence.summary or "Meeting",
                at=at,
                body=body,
                duration_seconds=duration,
                external_id=external,
            )
            first = row_id if first is None else first
            logged += 1
        return first, logged

    def _render(self, row: dict[str, Any], uid: Any) -> events.Rendered:
        return events.render(
            row, self.domain, self.options.alarms, uid=uid if isinstance(uid, str) else None
        )

    def _error(self, line: str) -> None:
        self.result.errors += 1
        self.result.lines.append(line)

    def _tick(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)


# -- helpers ---------------------------------------------------------------------------


def _remember(
    tx: Tx,
    source_id: int,
    item: str,
    fingerprint: str | None,
    table_name: str | None,
    row_id: int | None,
    base: dict[str, Any] | None,
) -> None:
    """Insert or update one sync_item row, in the change log either way (so undoing the
    batch forgets it). Looked up inside the transaction: a second crm syncing the same
    calendar at once updates the row the first inserted instead of failing on it."""
    values = {
        "fingerprint": fingerprint,
        "table_name": table_name,
        "row_id": row_id,
        "base": None if base is None else json.dumps(base, sort_keys=True),
    }
    found = tx.store.value(
        "SELECT id FROM sync_item WHERE source_id = ? AND item = ?", (source_id, item)
    )
    if found is None:
        tx.insert(
            "sync_item", {"source_id": source_id, "item": item, "seen_at": tx.stamp, **values}
        )
    else:
        tx.update("sync_item", int(found), values)


def _records(step: _Step) -> bool:
    """Does the step change anything in crm (or only say something)?"""
    return bool(step.forget or step.item is not None or step.meetings or step.move)


def _base(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _agreed(rendered: events.Rendered) -> dict[str, Any]:
    """What both sides agree on once this rendering is in the calendar."""
    return {"start": rendered.start, "digest": rendered.digest, "gone": False, "uid": rendered.uid}


def _moved_to(known: _Known, stray: _Ours) -> _Known:
    return _Known(
        known.id, stray.href, known.fingerprint, known.table_name, known.row_id, known.base
    )


def _due(base: dict[str, Any], now: datetime) -> bool:
    """Has an other event's next occurrence ended by now (so it must be read again)?"""
    upcoming = base.get("next")
    if not isinstance(upcoming, str):
        return False
    try:
        return clock.parse_stamp(upcoming) <= now
    except ValueError:
        return True


def _who(row: dict[str, Any]) -> str:
    note = " ".join(str(row.get("note") or "").split())
    if len(note) > 60:
        note = note[:60].rstrip() + "…"
    return f"{row['contact_name']} — {note}" if note else str(row["contact_name"])


def _shown(local: tuple[date, time | None] | None) -> str:
    if local is None:
        return "?"
    day, at = local
    return day.isoformat() if at is None else f"{day.isoformat()} {at:%H:%M}"


def _shown_row(row: dict[str, Any]) -> str:
    return str(row["due_date"]) + (f" {row['due_time']}" if row["due_time"] else "")


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("changed %Y-%m-%d %H:%M UTC")


def _describe(action: str, row: dict[str, Any]) -> str:
    return f"{action:<7} #{int(row['id'])}  {_shown_row(row)}  {_who(row)}"
