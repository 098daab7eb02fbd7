"""The calendar sync engine on a real SQLite store and a real vdir folder.

A "phone" or "calendar app" below is what such a client does to a vdir through
vdirsyncer: it rewrites the event file whole (a temporary file renamed over it),
with its own LAST-MODIFIED, or deletes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from crmcli.core import undo
from crmcli.core.activity import followups
from crmcli.core.db.store import Store
from crmcli.core.interchange.exporting import calendar_domain
from crmcli.core.people.contacts import ContactFields, add
from crmcli.core.sync import state
from crmcli.core.sync.calendar import Options, SourceResult, sync_calendar
from crmcli.core.sync.collections import Item, VdirCollection
from crmcli.core.values.when import When
from tests.conftest import dump
from tests.core.sync import radicale
from tests.core.sync.vdirsyncer_chain import Chain, khal, khal_config

ME = "me@example.org"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # tests/core/conftest.py's clock


def contact(store: Store, name: str, email: str, phone: str | None = None) -> int:
    fields = ContactFields(name=name, emails=[email], phones=[phone] if phone else None)
    return int(add(store, fields).contact["id"])


def followup(store: Store, contact_id: int, day: date, at: time | None, note: str) -> int:
    return int(followups.add(store, contact_id, When(day, at), note)["id"])


def run(store: Store, folder: Path, **options: Any) -> SourceResult:
    options.setdefault("my_emails", frozenset({ME}))
    return sync_calendar(store, VdirCollection("calendar", str(folder)), Options(**options))


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


def counts(result: SourceResult, **expected: int) -> None:
    got = result.counts()
    want = {name: 0 for name in got}
    want.update(expected)
    assert got == want, result.lines


def own_file(store: Store, folder: Path, followup_id: int) -> Path:
    return folder / f"crm-followup-{followup_id}@{calendar_domain(store)}.ics"


def rewrite(path: Path, change: Callable[[Any], None], *, modified: datetime) -> None:
    """What a calendar app does through vdirsyncer: parse, change, write whole, rename."""
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    for event in calendar.walk("VEVENT"):
        change(event)
        for name in ("LAST-MODIFIED", "DTSTAMP"):
            event.pop(name, None)
            event.add(name, modified)
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_bytes(calendar.to_ical())
    tmp.replace(path)


def move_to(start: datetime | date, length: timedelta) -> Callable[[Any], None]:
    def change(event: Any) -> None:
        for name in ("DTSTART", "DTEND"):
            event.pop(name, None)
        event.add("DTSTART", start)
        event.add("DTEND", start + length)

    return change


def meeting_file(
    folder: Path,
    name: str,
    uid: str,
    start: datetime,
    *,
    attendees: Sequence[tuple[str, str]] = (),
    organizer: str = ME,
    extra: str = "",
    summary: str = "Revue du devis",
) -> Path:
    """An invitation as Google writes it to a vdir (UTC times, mailto: in any case)."""
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "VERSION:2.0",
        "BEGIN:VEVENT",
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
        f"DTEND:{start + timedelta(minutes=45):%Y%m%dT%H%M%SZ}",
        "DTSTAMP:20260101T000000Z",
        f"ORGANIZER;CN=Me:mailto:{organizer}",
        f"UID:{uid}",
        *(
            f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN={email}:"
            f"MAILTO:{email}"
            for email, partstat in attendees
        ),
        f"SUMMARY:{summary}",
        "LOCATION:Salle Lovelace\\, 2e étage",
        *(line for line in extra.split("\n") if line),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    path = folder / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def meetings(store: Store) -> list[tuple[int, str, str, int | None, str | None]]:
    return [
        tuple(r)
        for r in store.tuples(
            "SELECT contact_id, summary, occurred_at, duration_seconds, external_id "
            "FROM interaction WHERE kind = 'meeting' ORDER BY occurred_at, contact_id"
        )
    ]


def due(store: Store, followup_id: int) -> tuple[str, str | None, int, str]:
    row = followups.get(store, followup_id)
    return row["due_date"], row["due_time"], row["snooze_count"], row["status"]


@pytest.fixture
def vdir(tmp_path: Path) -> Path:
    folder = tmp_path / "calendars" / "crm"
    folder.mkdir(parents=True)
    (folder / "displayname").write_text("crm")  # vdir metadata: not an item
    return folder


@pytest.fixture
def anne(store: Store) -> int:
    return contact(store, "Anne Müller", "anne@example.com", "+33 6 12 34 56 78")


# -- push --------------------------------------------------------------------------------


def test_push_then_a_second_run_does_nothing(store: Store, vdir: Path, anne: int) -> None:
    timed = followup(store, anne, date(2026, 3, 4), time(14, 30), "Envoyer le devis; prix, délais")
    allday = followup(store, anne, date(2026, 3, 6), None, "Relancer")
    first = run(store, vdir)
    counts(first, new=2)
    assert first.chunks == 1
    written = files(vdir)
    assert sorted(written) == sorted(
        [own_file(store, vdir, timed).name, own_file(store, vdir, allday).name, "displayname"]
    )
    body = own_file(store, vdir, timed).read_bytes()
    assert b"DTSTART:20260304T133000Z" in body  # 14:30 in Paris
    assert b"Phone: +33 6 12 34 56 78" in body.replace(b"\r\n ", b"")
    assert b"DTSTART;VALUE=DATE:20260306" in own_file(store, vdir, allday).read_bytes()
    source = state.find(store, "calendar", f"vdir:{vdir}")
    assert source is not None and source.items == 2 and source.last_error is None

    stamps = {p.name: p.stat().st_mtime_ns for p in vdir.iterdir()}
    before = store.value("SELECT count(*) FROM change_log")
    again = run(store, vdir)
    counts(again)
    assert again.chunks == 0 and again.lines == []
    assert files(vdir) == written
    assert {p.name: p.stat().st_mtime_ns for p in vdir.iterdir()} == stamps
    assert store.value("SELECT count(*) FROM change_log") == before


def test_changed_done_and_removed_followups(
    store: Store, vdir: Path, anne: int, clock_at: Callable[[str], None]
) -> None:
    one = followup(store, anne, date(2026, 3, 4), time(10, 0), "Appeler")
    two = followup(store, anne, date(2026, 3, 5), None, "Écrire")
    three = followup(store, anne, date(2026, 3, 6), None, "Passer")
    run(store, vdir)
    clock_at("2026-03-02T10:00:00Z")
    followups.snooze(store, one, When(date(2026, 3, 9), time(11, 0)))
    followups.done(store, two)
    followups.remove(store, three)
    result = run(store, vdir)
    counts(result, updated=1, deleted=2)
    assert not own_file(store, vdir, two).exists() and not own_file(store, vdir, three).exists()
    assert b"DTSTART:20260309T100000Z" in own_file(store, vdir, one).read_bytes()
    assert store.value("SELECT count(*) FROM sync_item") == 1
    counts(run(store, vdir))  # and nothing after


def test_a_contact_renamed_rewrites_its_events(store: Store, vdir: Path, anne: int) -> None:
    from crmcli.core.people.contacts import edit

    followup(store, anne, date(2026, 3, 4), None, "Appeler")
    run(store, vdir)
    edit(store, anne, ContactFields(name="Anne Müller-Roth"))
    counts(run(store, vdir), updated=1)
    assert "Anne Müller-Roth" in next(iter(files(vdir).values())).decode()


# -- pull: crm's own events ------------------------------------------------------------------


def test_moved_in_the_calendar_moves_the_followup(
    store: Store, vdir: Path, anne: int, clock_at: Callable[[str], None]
) -> None:
    timed = followup(store, anne, date(2026, 3, 4), time(14, 30), "Appeler")
    allday = followup(store, anne, date(2026, 3, 5), None, "Écrire")
    run(store, vdir)
    zone = ZoneInfo("Europe/Paris")
    rewrite(
        own_file(store, vdir, timed),
        move_to(datetime(2026, 3, 6, 16, 0, tzinfo=zone), timedelta(minutes=15)),
        modified=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
    )
    rewrite(
        own_file(store, vdir, allday),
        move_to(date(2026, 3, 3), timedelta(days=1)),  # earlier: not a snooze
        modified=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
    )
    clock_at("2026-03-02T10:00:00Z")
    result = run(store, vdir)
    counts(result, moved=2)
    assert due(store, timed) == ("2026-03-06", "16:00", 1, "open")
    assert due(store, allday) == ("2026-03-03", None, 0, "open")
    assert followups.get(store, timed)["original_due_date"] == "2026-03-04"
    moved = files(vdir)
    again = run(store, vdir)
    counts(again)  # the move is agreed: nothing pushed back, nothing moved again
    assert files(vdir) == moved


def test_deleted_in_the_calendar_is_told_once_and_the_followup_kept(
    store: Store, vdir: Path, anne: int, clock_at: Callable[[str], None]
) -> None:
    fid = followup(store, anne, date(2026, 3, 4), time(14, 30), "Appeler Anne")
    run(store, vdir)
    own_file(store, vdir, fid).unlink()
    result = run(store, vdir)
    counts(result, gone=1)
    (line,) = result.lines
    assert f"follow-up #{fid} (Anne Müller — Appeler Anne) was deleted in the calendar" in line
    assert due(store, fid)[3] == "open"
    assert not own_file(store, vdir, fid).exists()
    quiet = run(store, vdir)
    counts(quiet)
    assert quiet.lines == [] and not own_file(store, vdir, fid).exists()  # not re-created
    clock_at("2026-03-02T10:00:00Z")
    followups.snooze(store, fid, When(date(2026, 3, 10), time(9, 0)))
    counts(run(store, vdir), new=1)  # it changed in crm: it goes back
    assert b"DTSTART:20260310T080000Z" in own_file(store, vdir, fid).read_bytes()
    counts(run(store, vdir))


def test_cancelled_in_the_calendar_is_like_deleted(store: Store, vdir: Path, anne: int) -> None:
    fid = followup(store, anne, date(2026, 3, 4), None, "Appeler")
    run(store, vdir)

    def cancel(event: Any) -> None:
        event.pop("STATUS", None)
        event.add("STATUS", "CANCELLED")

    rewrite(own_file(store, vdir, fid), cancel, modified=NOW)
    result = run(store, vdir)
    counts(result, gone=1)
    assert "was cancelled in the calendar" in result.lines[0]
    counts(run(store, vdir))


def test_moved_on_both_sides_the_later_change_wins(
    store: Store, vdir: Path, anne: int, clock_at: Callable[[str], None]
) -> None:
    zone = ZoneInfo("Europe/Paris")
    theirs_win = followup(store, anne, date(2026, 3, 4), time(14, 0), "A")
    ours_win = followup(store, anne, date(2026, 3, 4), time(15, 0), "B")
    run(store, vdir)
    clock_at("2026-03-02T10:00:00Z")  # crm moves both at 10:00 UTC
    followups.snooze(store, theirs_win, When(date(2026, 3, 5), time(9, 0)))
    followups.snooze(store, ours_win, When(date(2026, 3, 5), time(10, 0)))
    rewrite(  # the phone moved this one later, at 10:30
        own_file(store, vdir, theirs_win),
        move_to(datetime(2026, 3, 6, 11, 0, tzinfo=zone), timedelta(minutes=15)),
        modified=datetime(2026, 3, 2, 10, 30, tzinfo=UTC),
    )
    rewrite(  # and this one earlier, at 09:45
        own_file(store, vdir, ours_win),
        move_to(datetime(2026, 3, 7, 12, 0, tzinfo=zone), timedelta(minutes=15)),
        modified=datetime(2026, 3, 2, 9, 45, tzinfo=UTC),
    )
    clock_at("2026-03-02T11:00:00Z")
    result = run(store, vdir)
    counts(result, conflicts=2, updated=1)
    assert due(store, theirs_win)[:2] == ("2026-03-06", "11:00")
    assert due(store, ours_win)[:2] == ("2026-03-05", "10:00")
    assert b"DTSTART:20260305T090000Z" in own_file(store, vdir, ours_win).read_bytes()
    said = "\n".join(result.lines)
    assert f"follow-up #{theirs_win} (Anne Müller — A) moved on both sides: the calendar's" in said
    assert f"follow-up #{ours_win} (Anne Müller — B) moved on both sides: crm's change" in said
    # The calendar's winner is pushed back whole (crm changed it too): then all agree.
    assert b"DTSTART:20260306T100000Z" in own_file(store, vdir, theirs_win).read_bytes()
    counts(run(store, vdir))


def test_moved_there_and_noted_here_keeps_both(
    store: Store, vdir: Path, anne: int, clock_at: Callable[[str], None]
) -> None:
    fid = followup(store, anne, date(2026, 3, 4), time(14, 0), "Appeler")
    run(store, vdir)
    with store.write("note") as tx:  # the note changes in crm, not the date
        tx.update("followup", fid, {"note": "Appeler pour le devis"})
    rewrite(
        own_file(store, vdir, fid),
        move_to(datetime(2026, 3, 5, 8, 0, tzinfo=UTC), timedelta(minutes=15)),
        modified=NOW,
    )
    clock_at("2026-03-02T10:00:00Z")
    result = run(store, vdir)
    counts(result, moved=1, updated=1)
    body = own_file(store, vdir, fid).read_bytes().replace(b"\r\n ", b"").decode()
    assert "DTSTART:20260305T080000Z" in body and "Appeler pour le devis" in body
    counts(run(store, vdir))


# -- pull: meetings ---------------------------------------------------------------------------


def test_past_meetings_with_contacts_are_logged_once(
    store: Store, vdir: Path, anne: int, clock_at: Callable[[str], None]
) -> None:
    bob = contact(store, "Bob Ørsted", "bob@example.net")
    contact(store, "Me Myself", ME)  # the rep as a contact: never a meeting with oneself
    meeting_file(
        vdir,
        "a.ics",
        "past@google.com",
        datetime(2026, 2, 24, 9, 30, tzinfo=UTC),
        attendees=[
            ("Anne@Example.com", "ACCEPTED"),
            ("bob@example.net", "DECLINED"),
            (ME, "ACCEPTED"),
        ],
        extra="DESCRIPTION:" + "Ordre du jour\\, prix " * 40,
    )
    meeting_file(
        vdir,
        "b.ics",
        "cancelled@google.com",
        datetime(2026, 2, 25, 9, 0, tzinfo=UTC),
        attendees=[("anne@example.com", "ACCEPTED")],
        extra="STATUS:CANCELLED",
    )
    meeting_file(
        vdir,
        "c.ics",
        "i-declined@google.com",
        datetime(2026, 2, 26, 9, 0, tzinfo=UTC),
        organizer="bob@example.net",
        attendees=[(ME, "DECLINED")],
    )
    meeting_file(
        vdir,
        "d.ics",
        "later@google.com",
        datetime(2026, 3, 3, 9, 0, tzinfo=UTC),
        attendees=[("bob@example.net", "ACCEPTED")],
    )
    meeting_file(
        vdir,
        "e.ics",
        "stranger@google.com",
        datetime(2026, 2, 27, 9, 0, tzinfo=UTC),
        attendees=[("zoe@elsewhere.com", "ACCEPTED")],
    )
    meeting_file(  # before the window: a first run does not log years of history
        vdir,
        "f.ics",
        "old@google.com",
        datetime(2025, 6, 1, 9, 0, tzinfo=UTC),
        attendees=[("anne@example.com", "ACCEPTED")],
    )
    result = run(store, vdir)
    counts(result, meetings=1, skipped=3)
    assert meetings(store) == [
        (anne, "Revue du devis", "2026-02-24T09:30:00.000000Z", 2700, "ical:past@google.com")
    ]
    (body,) = [r[0] for r in store.tuples("SELECT body FROM interaction WHERE kind = 'meeting'")]
    location, description = body.split("\n\n")
    assert location == "Location: Salle Lovelace, 2e étage"
    # The start of the description, as a mail's excerpt (store_bodies keeps it whole).
    assert description.startswith("Ordre du jour, prix Ordre") and description.endswith(" …")
    assert len(description) <= 282
    shown = store.row("SELECT last_touch_at FROM contact WHERE id = ?", (anne,))
    assert shown is not None and shown["last_touch_at"] == "2026-02-24T09:30:00.000000Z"
    counts(run(store, vdir))  # once

    clock_at("2026-03-04T09:00:00Z")  # the future meeting is over now: logged, file unchanged
    later = run(store, vdir)
    counts(later, meetings=1)
    assert meetings(store)[-1][:2] == (bob, "Revue du devis")
    counts(run(store, vdir))


def test_a_recurring_meeting_logs_each_occurrence_once(
    store: Store, vdir: Path, anne: int, clock_at: Callable[[str], None]
) -> None:
    from tests.core.sync.test_events import NEXTCLOUD

    (vdir / "weekly.ics").write_bytes(NEXTCLOUD)
    clock_at("2026-03-03T12:00:00Z")
    first = run(store, vdir)
    # 01-05 .. 03-02, less the cancelled 02-02 and the EXDATE 02-16: 7 occurrences.
    counts(first, meetings=7, skipped=1)
    ids = [r[4] for r in meetings(store)]
    assert ids[3] == "ical:c0ffee11-2233-4455-6677-889900aabbcc#20260126T080000Z"
    assert len(set(ids)) == 7
    counts(run(store, vdir))
    clock_at("2026-03-10T12:00:00Z")
    counts(run(store, vdir), meetings=1)  # the 03-09 one: its file never changed
    clock_at("2026-04-10T12:00:00Z")
    counts(run(store, vdir), meetings=2)  # 03-16 and 03-23, then the series is over
    counts(run(store, vdir))


def test_the_same_meeting_in_two_calendars_is_logged_once(
    store: Store, tmp_path: Path, anne: int
) -> None:
    work, home = tmp_path / "work", tmp_path / "home"
    for folder in (work, home):
        folder.mkdir()
        meeting_file(
            folder,
            "x.ics",
            "shared@google.com",
            datetime(2026, 2, 24, 9, 30, tzinfo=UTC),
            attendees=[("anne@example.com", "ACCEPTED")],
        )
    counts(run(store, work), meetings=1)
    counts(run(store, home))
    assert len(meetings(store)) == 1


# -- safety -------------------------------------------------------------------------------------


def test_a_dry_run_changes_nothing_anywhere(
    store: Store, vdir: Path, anne: int, db: Path, clock_at: Callable[[str], None]
) -> None:
    fid = followup(store, anne, date(2026, 3, 4), time(14, 30), "Appeler")
    done = followup(store, anne, date(2026, 3, 5), None, "Écrire")
    run(store, vdir)
    followups.done(store, done)
    followup(store, anne, date(2026, 3, 9), None, "Nouveau")
    rewrite(
        own_file(store, vdir, fid),
        move_to(datetime(2026, 3, 6, 8, 0, tzinfo=UTC), timedelta(minutes=15)),
        modified=NOW,
    )
    meeting_file(
        vdir,
        "m.ics",
        "m@google.com",
        datetime(2026, 2, 24, 9, 30, tzinfo=UTC),
        attendees=[("anne@example.com", "ACCEPTED")],
    )
    before_db, before_files = dump(db), files(vdir)
    stats = {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in vdir.iterdir()}
    plan = run(store, vdir, dry_run=True)
    counts(plan, new=1, deleted=1, moved=1, meetings=1)
    assert [p.action for p in plan.planned] == ["meeting", "move", "delete", "create"]
    assert dump(db) == before_db
    assert files(vdir) == before_files
    assert {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in vdir.iterdir()} == stats
    counts(run(store, vdir), new=1, deleted=1, moved=1, meetings=1)  # the plan was right


def test_undo_takes_back_a_run_and_the_next_run_adopts_its_events(
    store: Store, vdir: Path, anne: int
) -> None:
    followup(store, anne, date(2026, 3, 4), time(14, 30), "Appeler")
    meeting_file(
        vdir,
        "m.ics",
        "m@google.com",
        datetime(2026, 2, 24, 9, 30, tzinfo=UTC),
        attendees=[("anne@example.com", "ACCEPTED")],
    )
    result = run(store, vdir)
    counts(result, new=1, meetings=1)
    written = files(vdir)
    batch = undo.undo(store, "me")
    assert batch.command == f"sync calendar vdir:{vdir}"
    assert meetings(store) == []
    assert store.value("SELECT count(*) FROM sync_item") == 0
    assert store.row("SELECT last_touch_at FROM contact WHERE id = ?", (anne,)) == {
        "last_touch_at": None
    }
    again = run(store, vdir)
    counts(again, meetings=1)  # the event is adopted by its UID, not created twice
    assert files(vdir) == written
    assert store.value("SELECT count(*) FROM sync_item WHERE table_name = 'followup'") == 1


class Dying(VdirCollection):
    """A vdir whose process dies (as by SIGKILL) right after its `after`-th write."""

    def __init__(self, folder: Path, after: int) -> None:
        super().__init__("calendar", str(folder))
        self.left = after

    def create(self, uid: str, body: bytes) -> tuple[str, str]:
        created = super().create(uid, body)
        self.left -= 1
        if self.left == 0:
            raise KeyboardInterrupt  # nothing after this line runs: no transaction
        return created


def test_killed_between_the_calendar_write_and_its_record(
    store: Store, vdir: Path, anne: int
) -> None:
    ids = [followup(store, anne, date(2026, 3, 4), None, f"n°{n}") for n in range(12)]
    with pytest.raises(KeyboardInterrupt):
        sync_calendar(store, Dying(vdir, after=10), Options(chunk=4))
    # Two chunks recorded; the third wrote two events the state does not know.
    assert store.value("SELECT count(*) FROM sync_item") == 8
    assert len(files(vdir)) == 1 + 10
    result = run(store, vdir, chunk=4)
    counts(result, new=2)  # the other two are adopted, by UID
    assert len(files(vdir)) == 1 + 12
    assert (
        sorted(
            r[0] for r in store.tuples("SELECT row_id FROM sync_item WHERE table_name = 'followup'")
        )
        == ids
    )
    counts(run(store, vdir))


def test_an_export_imported_by_hand_is_adopted_not_doubled(
    store: Store, vdir: Path, anne: int
) -> None:
    import io

    from crmcli.core.interchange.exporting import followups as exported
    from crmcli.core.interchange.ics import write_calendar

    fid = followup(store, anne, date(2026, 3, 4), None, "Appeler")
    out = io.StringIO(newline="")
    write_calendar(exported(store), out, now=NOW, uid_domain=calendar_domain(store))
    (vdir / "imported-by-khal.ics").write_bytes(out.getvalue().encode())
    result = run(store, vdir)
    counts(result, updated=1)  # taken over and rewritten as crm writes it now
    assert sorted(files(vdir)) == ["displayname", "imported-by-khal.ics"]
    assert f"UID:followup-{fid}@" in (vdir / "imported-by-khal.ics").read_text()
    counts(run(store, vdir))


class Counting(VdirCollection):
    """A real vdir that remembers which hrefs it was asked to read."""

    def __init__(self, folder: Path) -> None:
        super().__init__("calendar", str(folder))
        self.read: list[str] = []

    def get(self, hrefs: Sequence[str]) -> Iterator[Item]:
        self.read += hrefs
        return super().get(hrefs)


def test_unchanged_files_are_not_read_again_and_broken_ones_once(
    store: Store, vdir: Path, anne: int
) -> None:
    followup(store, anne, date(2026, 3, 4), None, "Appeler")
    meeting_file(
        vdir, "m.ics", "m@google.com", datetime(2026, 2, 24, 9, 30, tzinfo=UTC), attendees=[]
    )
    (vdir / "broken.ics").write_bytes(b"BEGIN:VCALENDAR\r\nthis is not\r\n")
    (vdir / "empty.ics").write_bytes(b"")
    first = Counting(vdir)
    result = sync_calendar(store, first, Options())
    counts(result, new=0 + 1, skipped=1, errors=2)
    assert sorted(first.read) == ["broken.ics", "empty.ics", "m.ics"]
    assert any(line.startswith("broken.ics: not an iCalendar file") for line in result.lines)
    second = Counting(vdir)
    counts(sync_calendar(store, second, Options()))
    assert second.read == []


def test_push_only_and_pull_only(store: Store, vdir: Path, anne: int) -> None:
    followup(store, anne, date(2026, 3, 4), None, "Appeler")
    meeting_file(
        vdir,
        "m.ics",
        "m@google.com",
        datetime(2026, 2, 24, 9, 30, tzinfo=UTC),
        attendees=[("anne@example.com", "ACCEPTED")],
    )
    counts(run(store, vdir, pull=False), new=1)
    assert meetings(store) == []
    counts(run(store, vdir, push=False), meetings=1)
    followup(store, anne, date(2026, 3, 5), None, "Écrire")
    counts(run(store, vdir, push=False))  # nothing written to the calendar
    assert len(files(vdir)) == 3


# -- a real CalDAV server, and the vdirsyncer chain -------------------------------------------


def test_a_real_caldav_calendar_and_a_phone_on_it(
    store: Store, dav: radicale.Account, anne: int, clock_at: Callable[[str], None]
) -> None:
    from crmcli.core.sync.dav import DavCollection

    def calendar() -> DavCollection:
        return DavCollection(
            "calendar", dav.calendar_url, username=dav.user, password_command=dav.password_command
        )

    timed = followup(store, anne, date(2026, 3, 4), time(14, 30), "Appeler")
    allday = followup(store, anne, date(2026, 3, 5), None, "Écrire")
    counts(sync_calendar(store, calendar(), Options()), new=2)
    path = f"/{dav.user}/calendar/crm-followup-{timed}@{calendar_domain(store)}.ics"
    got = dav.request("GET", path)
    assert got.status == 200 and b"DTSTART:20260304T133000Z" in got.body
    counts(sync_calendar(store, calendar(), Options()))  # nothing again

    # The phone moves one (a PUT over the etag it read) and deletes the other.
    cal = icalendar.Calendar.from_ical(got.body)
    for event in cal.walk("VEVENT"):
        move_to(datetime(2026, 3, 6, 8, 0, tzinfo=UTC), timedelta(minutes=15))(event)
        event.pop("LAST-MODIFIED")
        event.add("LAST-MODIFIED", datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    dav.put(path, cal.to_ical(), etag=got.headers["ETag"])
    dav.delete(f"/{dav.user}/calendar/crm-followup-{allday}@{calendar_domain(store)}.ics")
    clock_at("2026-03-02T10:00:00Z")
    result = sync_calendar(store, calendar(), Options())
    counts(result, moved=1, gone=1)
    assert due(store, timed)[:2] == ("2026-03-06", "09:00")
    assert due(store, allday)[3] == "open"
    counts(sync_calendar(store, calendar(), Options()))


@pytest.mark.subprocess
@pytest.mark.slow
def test_through_vdirsyncer_to_radicale_and_back(
    store: Store, dav: radicale.Account, anne: int, tmp_path: Path, clock_at: Callable[[str], None]
) -> None:
    """crm -> vdir -> vdirsyncer -> Radicale; a phone moves an event there; vdirsyncer
    brings it back; crm moves the follow-up and writes nothing vdirsyncer must send again."""
    vdir = tmp_path / "calendars" / "crm"
    chain = Chain(tmp_path / "chain", "calendar", vdir, dav.calendar_url, dav.user, dav.password)
    chain.write()
    vdir.mkdir(parents=True, exist_ok=True)
    fid = followup(store, anne, date(2026, 3, 4), time(14, 30), "Appeler")
    counts(run(store, vdir), new=1)
    chain.sync()
    from crmcli.core.sync.dav import DavCollection

    remote = DavCollection(
        "calendar", dav.calendar_url, username=dav.user, password_command=dav.password_command
    )
    remote.check()
    (path,) = remote.list()  # named as vdirsyncer names it
    remote.close()
    got = dav.request("GET", path)
    assert got.status == 200 and f"crm-followup-{fid}@".encode() in got.body
    cal = icalendar.Calendar.from_ical(got.body)
    for event in cal.walk("VEVENT"):
        move_to(datetime(2026, 3, 9, 7, 0, tzinfo=UTC), timedelta(minutes=15))(event)
        event.pop("LAST-MODIFIED")
        event.add("LAST-MODIFIED", datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    dav.put(path, cal.to_ical(), etag=got.headers["ETag"])
    chain.sync()  # the phone's move comes down into the vdir
    clock_at("2026-03-02T10:00:00Z")
    counts(run(store, vdir), moved=1)
    assert due(store, fid)[:2] == ("2026-03-09", "08:00")
    before = dav.request("GET", path).headers["ETag"]
    chain.sync()
    assert dav.request("GET", path).headers["ETag"] == before  # crm rewrote nothing
    counts(run(store, vdir))
    # khal reads the vdir as crm and vdirsyncer left it.
    listed = khal(khal_config(tmp_path, vdir), "list", "2026-03-01", "30d")
    assert "08:00" in listed.stdout and "Follow up: Anne Müller — Appeler" in listed.stdout


class Late(VdirCollection):
    """A vdir where another crm wrote the same events just after this one listed it."""

    def __init__(self, folder: Path) -> None:
        super().__init__("calendar", str(folder))
        self.listed = 0

    def list(self) -> dict[str, str]:
        self.listed += 1
        return {} if self.listed == 1 else super().list()


def test_a_create_refused_because_another_crm_wrote_it_adopts_it(
    store: Store, vdir: Path, anne: int
) -> None:
    ids = [followup(store, anne, date(2026, 3, 4), None, f"n°{n}") for n in range(30)]
    counts(run(store, vdir), new=30)
    written = files(vdir)
    with store.write("forget") as tx:  # as if another crm had written them, not this one
        tx.execute("DELETE FROM sync_item")
    late = Late(vdir)
    result = sync_calendar(store, late, Options())
    counts(result)  # all adopted by UID: none created, none rewritten
    assert late.listed == 2  # one listing for every clash, not one per clash
    assert files(vdir) == written
    assert (
        sorted(
            r[0] for r in store.tuples("SELECT row_id FROM sync_item WHERE table_name = 'followup'")
        )
        == ids
    )
