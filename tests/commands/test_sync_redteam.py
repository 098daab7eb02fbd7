"""`crm sync calendar` and `crm sync contacts` through the CLI, against hostile folders:
what reaches the terminal is one line per thing said, never a traceback."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result, dump

Crm = Callable[..., Result]
# Control characters a terminal acts on (ESC starts a colour or a title change), and
# the line breaks that would make one thing said look like two.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\x80-\x9f]")
UNREADABLE = Path("/proc/self/mem")  # a read that fails (EIO) even for root


@pytest.fixture
def booked(crm: Crm) -> None:
    assert crm("contact", "add", "Ann Lee", "--email", "ann@example.com").exit_code == 0
    assert crm("followup", "add", "1", "2026-12-10 10:00", "Call back").exit_code == 0


def said(out: Result) -> list[str]:
    """stderr's lines, each checked to be one clean line of its own."""
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr, out.stderr
    lines = out.stderr.splitlines()
    for line in lines:
        assert not CONTROL.search(line), repr(line)
        assert line.startswith(("crm: ", "vdir:")), repr(line)
    return lines


def test_calendar_lines_name_hostile_files_on_one_line_each(
    crm: Crm, booked: None, tmp_path: Path
) -> None:
    folder = tmp_path / "cal"
    folder.mkdir()
    (folder / "new\nline.ics").write_bytes(b"")
    (folder / "bell\x07.ics").write_bytes(b"BEGIN:VCALENDAR\r\n\x1b]0;pwned\x07\x1b[31m\r\n")
    out = crm("sync", "calendar", "--vdir", str(folder))
    assert out.exit_code == 0, out.stderr
    lines = said(out)
    assert len(lines) == 3, lines  # two unreadable files, one summary
    assert any("new\\nline.ics" in line for line in lines), lines


@pytest.mark.parametrize("kind", ["calendar", "contacts"])
def test_a_missing_folder_with_a_line_break_in_its_name_is_one_line(
    crm: Crm, booked: None, tmp_path: Path, kind: str
) -> None:
    missing = tmp_path / "no\nsuch\x1b[31m"
    out = crm("sync", kind, "--vdir", str(missing))
    assert out.exit_code == 1 and out.stdout == ""
    lines = said(out)
    assert len(lines) == 1 and "no folder" in lines[0], lines


@pytest.mark.parametrize("kind", ["calendar", "contacts"])
def test_an_unreadable_file_is_one_line_and_the_rest_is_synced(
    crm: Crm, booked: None, tmp_path: Path, kind: str
) -> None:
    if not UNREADABLE.exists():
        pytest.skip("no /proc/self/mem here")
    folder = tmp_path / kind
    folder.mkdir()
    (folder / ("theirs.ics" if kind == "calendar" else "theirs.vcf")).symlink_to(UNREADABLE)
    out = crm("sync", kind, "--vdir", str(folder))
    assert out.exit_code == 0, out.stderr
    lines = said(out)
    assert any("theirs" in line and "Input/output error" in line for line in lines), lines
    written = [p for p in folder.iterdir() if not p.is_symlink()]
    assert len(written) == 1  # Ann's event, or Ann's card


def test_the_calendar_is_not_written_into_the_databases_folder(
    crm: Crm, booked: None, db: Path
) -> None:
    before, names = dump(db), sorted(p.name for p in db.parent.iterdir())
    out = crm("sync", "calendar", "--vdir", str(db.parent))
    assert out.exit_code == 2 and out.stdout == ""
    assert said(out) == [f"crm: not writing events into {db.parent}: it is the database's folder"]
    assert dump(db) == before and sorted(p.name for p in db.parent.iterdir()) == names


def test_calendar_help_names_what_each_option_takes(crm: Crm) -> None:
    """As `crm sync contacts --help` does (`--vdir PATH`), not Typer's `--vdir VDIR`."""
    out = crm("sync", "calendar", "--help")
    assert out.exit_code == 0
    text = " ".join(out.stdout.split())
    for option in ("--vdir PATH", "--caldav URL", "--username NAME", "--password-command CMD"):
        assert option in text, text


def test_address_books_synced_before_one_that_fails_are_reported(
    crm: Crm, booked: None, tmp_path: Path
) -> None:
    """The first address book was synced (its cards written, an undoable batch made)
    and nothing said so: no summary, and with --json no JSON at all, as if nothing had
    happened. The calendar reported its done calendars; now contacts does too."""
    done, missing = tmp_path / "work", tmp_path / "missing"
    done.mkdir()
    out = crm("sync", "contacts", "--vdir", str(done), "--vdir", str(missing), "--json")
    assert out.exit_code == 1
    assert len(list(done.glob("*.vcf"))) == 1
    doc = json.loads(out.stdout)
    assert [s["source"] for s in doc["sources"]] == [f"vdir:{done}"]
    assert doc["sources"][0]["there"]["new"] == 1
    lines = said(out)
    assert lines[-1].startswith("crm: no folder") and any("undo" in line for line in lines)


def test_calendar_lines_are_capped_as_the_contacts_ones_are(
    crm: Crm, booked: None, tmp_path: Path
) -> None:
    """Two syncs at once printed 600 "changed during the sync" lines each; the
    contacts sync shows 20 of a kind and says how many more --json lists."""
    folder = tmp_path / "cal"
    folder.mkdir()
    for n in range(25):
        (folder / f"empty{n:02d}.ics").write_bytes(b"")
    out = crm("sync", "calendar", "--vdir", str(folder))
    assert out.exit_code == 0
    lines = said(out)
    assert len(lines) == 22 and lines[20] == "crm: ... and 5 more (--json lists them all)"
    doc = json.loads(crm("sync", "calendar", "--vdir", str(folder), "--json").stdout)
    assert doc["sources"][0]["errors"] == 0  # remembered as unreadable: not read again
