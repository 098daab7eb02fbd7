"""The calendar and contacts syncs against what a real folder can hold and a real disk can do.

Each test here is a failure found by trying to break the two syncs from outside: a
file crm cannot read, a file of gigabytes, a calendar folder that is not a calendar,
the leftovers of a killed run, a server or folder that stopped answering, a disk
that filled up, a card whose file name is as long as the file system allows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tracemalloc
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path
from time import time as clock_time
from typing import Any

import pytest

from crmcli.core.activity import followups
from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid, NotFound, Refused
from crmcli.core.people.contacts import ContactFields, add, edit
from crmcli.core.sync import state
from crmcli.core.sync.calendar import Options as CalendarOptions
from crmcli.core.sync.calendar import SourceResult as CalendarResult
from crmcli.core.sync.calendar import sync_calendar
from crmcli.core.sync.collections import VdirCollection
from crmcli.core.sync.contact_report import SourceResult as ContactsResult
from crmcli.core.sync.contacts import Options as ContactOptions
from crmcli.core.sync.contacts import sync_contacts
from crmcli.core.values.when import When
from tests.conftest import dump

CARD = (
    b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:ann-1\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\n"
    b"EMAIL:ann@example.com\r\nEND:VCARD\r\n"
)
# A read that fails as root too: the kernel answers EIO for this process's own memory
# at offset 0 (what a failing disk or a network mount gives), where chmod 000 would not
# stop root.
UNREADABLE = Path("/proc/self/mem")


def contact(store: Store, name: str, email: str) -> int:
    return int(add(store, ContactFields(name=name, emails=[email])).contact["id"])


def calendar_run(store: Store, folder: Path, **options: Any) -> CalendarResult:
    return sync_calendar(store, VdirCollection("calendar", str(folder)), CalendarOptions(**options))


def contacts_run(store: Store, folder: Path, **options: Any) -> ContactsResult:
    return sync_contacts(store, VdirCollection("contacts", str(folder)), ContactOptions(**options))


def listed(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def booked(store: Store) -> int:
    """One contact with an open follow-up (an event to push)."""
    cid = contact(store, "Ann Lee", "ann@example.com")
    followups.add(store, cid, When(date(2026, 3, 10), time(10, 0)), "Call back")
    return cid


# -- a file crm cannot read ---------------------------------------------------------------


def test_a_file_that_cannot_be_read_is_an_item_error_not_a_stop(tmp_path: Path) -> None:
    """An item the folder lists but a read refuses (EIO, EACCES, replaced by a folder
    since it was listed) comes back with its reason, never as an OSError out of the sync."""
    if not UNREADABLE.exists():
        pytest.skip("no /proc/self/mem here")
    (tmp_path / "a.ics").write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    (tmp_path / "eio.ics").symlink_to(UNREADABLE)
    (tmp_path / "later.ics").write_bytes(b"x")
    calendar = VdirCollection("calendar", str(tmp_path))
    listing = calendar.list()
    assert set(listing) == {"a.ics", "eio.ics", "later.ics"}
    (tmp_path / "later.ics").unlink()
    (tmp_path / "later.ics").mkdir()  # a folder where a file was listed
    got = {item.href: item for item in calendar.get(sorted(listing))}
    assert got["a.ics"].error is None and got["a.ics"].body.startswith(b"BEGIN:VCALENDAR")
    for href in ("eio.ics", "later.ics"):
        assert got[href].body == b"" and got[href].error, got[href]


def test_the_calendar_sync_counts_an_unreadable_file_and_does_the_rest(
    store: Store, booked: int, tmp_path: Path
) -> None:
    if not UNREADABLE.exists():
        pytest.skip("no /proc/self/mem here")
    folder = tmp_path / "cal"
    folder.mkdir()
    (folder / "someone-elses.ics").symlink_to(UNREADABLE)
    result = calendar_run(store, folder)
    counts = result.counts()
    assert counts["new"] == 1 and counts["errors"] == 1, result.lines
    assert any("someone-elses.ics" in line for line in result.lines)
    # Not remembered as read: looked at again (and told again) by the next run.
    again = calendar_run(store, folder)
    assert again.counts()["errors"] == 1 and again.counts()["new"] == 0


def test_the_contacts_sync_counts_an_unreadable_card_and_does_the_rest(
    store: Store, tmp_path: Path
) -> None:
    if not UNREADABLE.exists():
        pytest.skip("no /proc/self/mem here")
    folder = tmp_path / "book"
    folder.mkdir()
    (folder / "ann.vcf").write_bytes(CARD)
    (folder / "broken.vcf").symlink_to(UNREADABLE)
    result = contacts_run(store, folder)
    assert result.here.new == 1 and result.there.errors == 1
    assert any("broken.vcf" in line for line in result.error_lines)
    assert store.value("SELECT count(*) FROM contact") == 1


# -- a file of gigabytes ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["calendar", "contacts"])
def test_a_huge_file_is_refused_without_being_read(tmp_path: Path, kind: str) -> None:
    """A 3 GB file in the folder made crm hold 3 GB (and a bigger one killed it): its size
    is read from the file system and it is refused unread, as a server's is."""
    extension = ".ics" if kind == "calendar" else ".vcf"
    huge = tmp_path / f"huge{extension}"
    with huge.open("wb") as handle:
        handle.truncate(200 << 20)  # sparse: 200 MiB that take no room on disk
    folder = VdirCollection(kind, str(tmp_path))  # type: ignore[arg-type]
    tracemalloc.start()
    try:
        items = list(folder.get(["huge" + extension]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(items) == 1 and items[0].body == b""
    assert items[0].error is not None and "too big" in items[0].error
    assert peak < 8 << 20, peak


def test_both_syncs_go_on_past_a_huge_file(store: Store, booked: int, tmp_path: Path) -> None:
    cal, book = tmp_path / "cal", tmp_path / "book"
    cal.mkdir()
    book.mkdir()
    for path in (cal / "huge.ics", book / "huge.vcf"):
        with path.open("wb") as handle:
            handle.truncate(100 << 20)
    (book / "ann2.vcf").write_bytes(CARD.replace(b"ann-1", b"ann-2").replace(b"ann@", b"ann2@"))
    result = calendar_run(store, cal)
    assert result.counts()["new"] == 1 and result.counts()["errors"] == 1
    cards = contacts_run(store, book)
    assert cards.here.new == 1 and cards.there.errors == 1
    assert any("too big" in line for line in cards.error_lines)


# -- a calendar folder that is not a calendar ---------------------------------------------


def test_the_calendar_is_never_written_into_the_databases_folder(
    store: Store, booked: int, db: Path
) -> None:
    before = listed(db.parent)
    with pytest.raises(Invalid, match="database's folder"):
        calendar_run(store, db.parent)
    assert listed(db.parent) == before


def test_the_calendar_is_never_written_into_a_folder_of_other_files(
    store: Store, booked: int, db: Path, tmp_path: Path
) -> None:
    """`--vdir ~` (or the parent of a vdirsyncer calendar) is refused, as the contacts
    sync refuses it, instead of filling the folder with events."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("mine")
    (home / "work").mkdir()  # a calendar of vdirsyncer's, one level down
    before = dump(db)
    with pytest.raises(Invalid, match="holds other files"):
        calendar_run(store, home)
    assert listed(home) == ["notes.txt", "work"] and dump(db) == before
    # Read only (push = false: a work calendar whose meetings are logged), it is read.
    calendar_run(store, home, push=False)
    assert listed(home) == ["notes.txt", "work"]


def test_a_vdirsyncer_calendar_with_its_metadata_is_a_calendar(
    store: Store, booked: int, tmp_path: Path
) -> None:
    folder = tmp_path / "cal"
    folder.mkdir()
    (folder / "color").write_text("#ff0000")
    (folder / "displayname").write_text("crm")
    (folder / ".vdirsyncer-status").write_text("")
    result = calendar_run(store, folder)
    assert result.counts()["new"] == 1


# -- the leftovers of a killed run --------------------------------------------------------


def test_the_calendar_removes_what_a_killed_run_left_half_written(
    store: Store, booked: int, tmp_path: Path
) -> None:
    folder = tmp_path / "cal"
    folder.mkdir()
    leftover = folder / ".crm-followup-1@x.crmcli.ics.0a1b2c3d.crm-tmp"
    leftover.write_bytes(b"BEGIN:VCALENDAR\r\n")  # a private note, half written
    an_hour_ago = clock_time() - 3600
    os.utime(leftover, (an_hour_ago, an_hour_ago))
    # Another run's, being written at this moment (two syncs at once): left to it.
    writing = folder / ".crm-followup-2@x.crmcli.ics.4e5f6a7b.crm-tmp"
    writing.write_bytes(b"BEGIN:VCALENDAR\r\n")
    calendar_run(store, folder, dry_run=True)
    assert leftover.exists()  # a dry run writes (and removes) nothing
    calendar_run(store, folder)
    assert not leftover.exists()
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == [writing.name]


# -- a source that stopped answering ------------------------------------------------------


@pytest.mark.parametrize("kind", ["calendar", "contacts"])
def test_a_source_that_worked_and_now_fails_says_so_in_the_status(
    store: Store, booked: int, tmp_path: Path, kind: str
) -> None:
    """`crm sync --status` is how a rep learns that the timer's runs fail (a folder
    unmounted, a server down, a password changed): the error of a run that could not
    even reach its source is kept on it. A source never reached is not remembered."""
    folder = tmp_path / kind
    folder.mkdir()
    run = calendar_run if kind == "calendar" else contacts_run
    run(store, folder)
    moved = tmp_path / "moved"
    folder.rename(moved)
    with pytest.raises(NotFound):
        run(store, folder)
    found = state.find(store, kind, f"vdir:{folder}")
    assert found is not None and found.last_error is not None
    assert "no folder" in found.last_error
    typo = tmp_path / "typo"
    with pytest.raises(NotFound):
        run(store, typo)
    assert state.find(store, kind, f"vdir:{typo}") is None


# -- a disk that fills up -----------------------------------------------------------------


@contextlib.contextmanager
def small_disk(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `where` (needs root and mount: skipped otherwise)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_stops_the_contacts_sync_with_one_error_and_loses_nothing(
    store: Store, tmp_path: Path
) -> None:
    """Every card failed with "No space left on device", each told as "cannot read" and
    the run ended as a success; now the first failure stops it, as the calendar's does,
    the error is kept for --status, and a run after room is made completes the work."""
    for n in range(300):
        contact(store, f"Person {n:03d}", f"p{n}@example.com")
    with small_disk(tmp_path / "small", "64k") as disk:
        folder = disk / "book"
        folder.mkdir()
        with pytest.raises(Refused) as failed:
            contacts_run(store, folder)
        assert "No space left" in failed.value.message
        assert "\n" not in failed.value.message
        found = state.find(store, "contacts", f"vdir:{folder}")
        assert found is not None and "No space left" in str(found.last_error)
        subprocess.run(["mount", "-o", "remount,size=8m", str(disk)], check=True)
        result = contacts_run(store, folder)
        assert result.there.errors == 0
        names = [p.name for p in folder.iterdir() if p.suffix == ".vcf"]
        assert len(names) == 300 == len(set(names))
        assert contacts_run(store, folder).there.as_dict() == {
            "new": 0,
            "updated": 0,
            "deleted": 0,
            "skipped": 0,
            "errors": 0,
        }


# -- a card named as long as the file system allows ---------------------------------------


def test_a_card_with_a_long_file_name_can_be_updated(store: Store, tmp_path: Path) -> None:
    """A file name of 250 bytes is valid (ext4 allows 255); the temporary file a write
    goes through was named after it plus 18 bytes, so every update failed with "File
    name too long", each run."""
    folder = tmp_path / "book"
    folder.mkdir()
    name = "é" * 120 + ".vcf"  # 244 bytes of UTF-8
    (folder / name).write_bytes(CARD)
    contacts_run(store, folder)
    cid = int(store.value("SELECT id FROM contact"))
    edit(store, cid, ContactFields(title="Chief of staff"))
    result = contacts_run(store, folder)
    assert result.there.updated == 1 and result.there.errors == 0, result.error_lines
    assert b"TITLE:Chief of staff" in (folder / name).read_bytes()
    assert listed(folder) == [name]


def test_every_atomic_write_works_on_a_name_at_the_file_systems_limit(tmp_path: Path) -> None:
    from crmcli.core import atomic

    name = "x" * 240 + ".vcf"  # 244 bytes: a valid name, 11 short of ext4's limit
    atomic.write_new(tmp_path / name, b"first")
    with atomic.replacing(tmp_path / name) as tmp:
        tmp.write_bytes(b"second")
    atomic.write_text(tmp_path / ("y" * 250), "third")
    assert (tmp_path / name).read_bytes() == b"second"
    assert (tmp_path / ("y" * 250)).read_text() == "third"
    assert listed(tmp_path) == sorted([name, "y" * 250])
