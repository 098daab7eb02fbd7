"""`crm sync calendar` through the CLI: refusals, reports, configured calendars, and the
programs on the other side (khal reading what crm wrote, a real Radicale, a killed crm)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result, dump
from tests.core.sync import radicale
from tests.core.sync.conftest import dav, radicale_server  # noqa: F401 - the server fixtures
from tests.core.sync.vdirsyncer_chain import khal, khal_config
from tests.test_installed import crm_path

Crm = Callable[..., Result]


@pytest.fixture
def vdir(tmp_path: Path) -> Path:
    folder = tmp_path / "calendars" / "crm"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def booked(crm: Crm) -> None:
    """A contact with two follow-ups: one timed, one all-day."""
    assert crm("contact", "add", "Anne Müller", "--email", "anne@example.com").exit_code == 0
    assert crm("followup", "add", "Anne Müller", "2026-03-04 14:30", "Devis, Zürich").exit_code == 0
    assert crm("followup", "add", "Anne Müller", "2026-03-06", "Relancer").exit_code == 0


def events(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix == ".ics")


@pytest.mark.parametrize(
    ("args", "config", "code", "said"),
    [
        ([], "", 2, "no calendar: give --vdir PATH or --caldav URL"),
        (["--vdir", "{tmp}/nowhere"], "", 1, "no folder"),
        (["--vdir", "{tmp}/crm.db"], "", 2, "is not a folder"),
        (["--vdir", " "], "", 2, "a vdir folder path is empty"),
        (["--vdir", "{vdir}", "--push-only", "--pull-only"], "", 2, "leave nothing to do"),
        (["--caldav", "https://me:secret@dav.example.com/cal/"], "", 2, "password in it"),
        (["--caldav", "ftp://dav.example.com/"], "", 2, "https://host/... URL"),
        (["--caldav", "https://dav.example.com:99999/"], "", 2, "not a CalDAV URL"),
        (["--vdir", "{vdir}", "--username", "me"], "", 2, "go with --caldav"),
        ([], '[[sync.calendar]]\nvdir = "{vdir}"\ncolour = "red"\n', 2, "unknown key(s) colour"),
        ([], '[[sync.calendar]]\nvdir = "{vdir}"\nurl = "https://x/"\n', 2, "exactly one of"),
        ([], '[[sync.calendar]]\nvdir = "{vdir}"\nusername = "me"\n', 2, "for url (CalDAV)"),
        ([], "[sync]\ncalendar = 3\n", 2, "[[sync.calendar]] table"),
        ([], '[[sync.calendar]]\nvdir = "{vdir}"\npush = "no"\n', 2, "push must be true or false"),
        (
            [],
            '[[sync.calendar]]\nvdir = "{vdir}"\npush = false\npull = false\n',
            2,
            "nothing to do",
        ),
        (["--caldav", "http://127.0.0.1:9/cal/"], "", 1, "127.0.0.1"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    crm: Crm,
    booked: None,
    db: Path,
    tmp_path: Path,
    vdir: Path,
    args: list[str],
    config: str,
    code: int,
    said: str,
) -> None:
    if config:
        (tmp_path / "config.toml").write_text(config.replace("{vdir}", str(vdir)))
    before = dump(db)
    argv = [a.replace("{tmp}", str(tmp_path)).replace("{vdir}", str(vdir)) for a in args]
    result = crm("sync", "calendar", *argv)
    assert result.exit_code == code, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("crm: ") and said in line
    assert "Traceback" not in result.stderr
    assert dump(db) == before
    assert events(vdir) == []


def test_dry_run_then_json_counts_then_nothing(
    crm: Crm, booked: None, db: Path, vdir: Path
) -> None:
    before = dump(db)
    dry = crm("sync", "calendar", "--vdir", str(vdir), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "create  #1  2026-03-04 14:30  Anne Müller — Devis, Zürich",
        "create  #2  2026-03-06  Anne Müller — Relancer",
    ]
    assert "(dry run): would create 2, update 0, delete 0 event(s)" in dry.stderr
    assert dump(db) == before and events(vdir) == []

    done = crm("sync", "calendar", "--vdir", str(vdir), "--json")
    assert done.exit_code == 0, done.stderr
    doc = json.loads(done.stdout)
    (source,) = doc["sources"]
    assert doc["dry_run"] is False
    assert source["source"] == f"vdir:{vdir}"
    assert (source["new"], source["updated"], source["deleted"], source["errors"]) == (2, 0, 0, 0)
    assert source["batches"] == 1
    assert len(events(vdir)) == 2
    assert "2 new, 0 updated, 0 deleted, 0 moved" in done.stderr
    assert "undo with `crm undo`" in done.stderr

    again = json.loads(crm("sync", "calendar", "--vdir", str(vdir), "--json").stdout)
    assert {k: v for k, v in again["sources"][0].items() if isinstance(v, int)} == {
        "new": 0,
        "updated": 0,
        "deleted": 0,
        "moved": 0,
        "conflicts": 0,
        "gone": 0,
        "meetings": 0,
        "skipped": 0,
        "errors": 0,
        "batches": 0,
    }
    status = json.loads(crm("sync", "--status", "--json").stdout)
    (row,) = [s for s in status if s["kind"] == "calendar"]
    assert row["items"] == 2 and row["error"] is None

    undone = crm("undo")
    assert undone.exit_code == 0, undone.stderr
    assert events(vdir) != []  # the calendar is left as it is: the next run adopts them
    adopted = json.loads(crm("sync", "calendar", "--vdir", str(vdir), "--json").stdout)
    assert adopted["sources"][0]["new"] == 0 and len(events(vdir)) == 2


def test_deleted_in_the_calendar_is_said_on_stderr(crm: Crm, booked: None, vdir: Path) -> None:
    assert crm("sync", "calendar", "--vdir", str(vdir)).exit_code == 0
    for name in events(vdir):
        if "followup-2@" in name:
            (vdir / name).unlink()
    result = crm("sync", "calendar", "--vdir", str(vdir))
    assert result.exit_code == 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("crm: follow-up #2 (Anne Müller — Relancer) was deleted in the")
    assert lines[-1].endswith("; 1 deleted in the calendar, kept in crm; undo with `crm undo`")
    assert "Relancer" in crm("followup", "list").stdout  # still open in crm
    assert not any("followup-2@" in name for name in events(vdir))  # and not put back


def test_configured_calendars_and_settings(
    crm: Crm, booked: None, tmp_path: Path, vdir: Path
) -> None:
    (tmp_path / "config.toml").write_text(
        'reminder_lead_minutes = 5\nreminder_all_day_time = "08:30"\n'
        'my_emails = ["me@example.org"]\n\n'
        f'[[sync.calendar]]\nvdir = "{vdir}"\n'
    )
    result = crm("sync", "calendar")
    assert result.exit_code == 0, result.stderr
    assert f"vdir:{vdir}: 2 new" in result.stderr
    bodies = {name: (vdir / name).read_bytes() for name in events(vdir)}
    timed = next(b for b in bodies.values() if b"DTSTART:2026" in b)
    allday = next(b for b in bodies.values() if b"VALUE=DATE" in b)
    assert b"TRIGGER:-PT5M" in timed and b"TRIGGER:PT8H30M" in allday


@pytest.mark.subprocess
def test_khal_reads_what_crm_wrote(crm: Crm, booked: None, tmp_path: Path, vdir: Path) -> None:
    assert crm("sync", "calendar", "--vdir", str(vdir)).exit_code == 0
    listed = khal(
        khal_config(tmp_path, vdir),
        "list",
        "--format",
        "{start} {end} {title}",
        "2026-03-01",
        "30d",
    )
    assert listed.returncode == 0, listed.stderr
    lines = [ln for ln in listed.stdout.splitlines() if "Follow up" in ln]
    assert lines == [
        "2026-03-04 14:30 2026-03-04 14:45 Follow up: Anne Müller — Devis, Zürich",
        "2026-03-06 2026-03-06 Follow up: Anne Müller — Relancer",
    ]


def test_a_real_caldav_calendar_from_the_command_line(
    crm: Crm,
    booked: None,
    dav: radicale.Account,  # noqa: F811 - the imported fixture
) -> None:
    args = [
        "sync",
        "calendar",
        "--caldav",
        dav.calendar_url,
        "--username",
        dav.user,
        "--password-command",
        dav.password_command,
    ]
    result = crm(*args, "--json")
    assert result.exit_code == 0, result.stderr
    (source,) = json.loads(result.stdout)["sources"]
    assert source["new"] == 2 and source["errors"] == 0
    listing = dav.request("PROPFIND", f"/{dav.user}/calendar/", headers={"Depth": "1"})
    assert listing.body.count(b"crm-followup-") >= 2
    again = crm(*args)
    assert again.exit_code == 0 and ": 0 new, 0 updated, 0 deleted" in again.stderr
    wrong = crm(*args[:-2], "--password-command", "printf 'nope\\n'")
    assert wrong.exit_code != 0 and len(wrong.stderr.splitlines()) == 1
    assert "nope" not in wrong.stderr  # the password is never shown


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


@pytest.mark.subprocess
@pytest.mark.slow
def test_sigkill_mid_push_then_the_next_run_completes_without_duplicates(tmp_path: Path) -> None:
    from datetime import date

    from crmcli.core.activity import followups
    from crmcli.core.books import open_store
    from crmcli.core.config import Config
    from crmcli.core.people.contacts import ContactFields, insert
    from crmcli.core.values.when import When

    total = 1500
    db = tmp_path / "kill.db"
    store = open_store(str(db), Config({}, tmp_path / "none.toml"), write=True)
    with store.write("seed") as tx:
        contact_id = insert(tx, ContactFields(name="Anne Müller", emails=["anne@example.com"]))
        for n in range(total):
            followups.insert_followup(tx, contact_id, When(date(2026, 3, 4), None), f"n°{n}")
    store.close()
    vdir = tmp_path / "vdir"
    vdir.mkdir()
    env = {**os.environ, "CRM_DB": str(db), "CRM_CONFIG": str(tmp_path / "none.toml")}
    argv = [crm_path(), "sync", "calendar", "--vdir", str(vdir)]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    # Between two recorded chunks: events written that the state does not know yet.
    while proc.poll() is None:
        written = len(list(vdir.iterdir()))
        if written > count(db, "SELECT count(*) FROM sync_item") + 20 and written > 250:
            break
        assert time.monotonic() < deadline, "the sync did not get going in 120 s"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    if proc.returncode != -signal.SIGKILL:
        pytest.fail("the sync ended before it could be killed: make total bigger")
    recorded = count(db, "SELECT count(*) FROM sync_item")
    written = len([p for p in vdir.iterdir() if p.suffix == ".ics"])
    assert recorded < written < total

    done = subprocess.run([*argv, "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (source,) = json.loads(done.stdout)["sources"]
    assert source["new"] == total - written  # the rest is adopted by UID, not written twice
    names = [p.name for p in vdir.iterdir() if not p.name.startswith(".")]
    assert len(names) == total == len(set(names))
    uids = {
        line
        for p in vdir.iterdir()
        for line in p.read_text().splitlines()
        if line.startswith("UID:")
    }
    assert len(uids) == total
    assert count(db, "SELECT count(*) FROM sync_item WHERE table_name = 'followup'") == total
    again = subprocess.run([*argv, "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert json.loads(again.stdout)["sources"][0]["new"] == 0


@pytest.mark.subprocess
@pytest.mark.slow
def test_two_syncs_at_once_make_no_duplicate(tmp_path: Path) -> None:
    from datetime import date

    from crmcli.core.activity import followups
    from crmcli.core.books import open_store
    from crmcli.core.config import Config
    from crmcli.core.people.contacts import ContactFields, insert
    from crmcli.core.values.when import When

    db = tmp_path / "race.db"
    store = open_store(str(db), Config({}, tmp_path / "none.toml"), write=True)
    with store.write("seed") as tx:
        anne = insert(tx, ContactFields(name="Anne Müller", emails=["anne@example.com"]))
        for n in range(400):
            followups.insert_followup(tx, anne, When(date(2026, 3, 4), None), f"n°{n}")
    store.close()
    vdir = tmp_path / "vdir"
    vdir.mkdir()
    for n in range(50):  # past meetings with Anne, as Google writes them
        (vdir / f"m{n}.ics").write_bytes(
            b"BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
            b"VERSION:2.0\r\nBEGIN:VEVENT\r\n"
            + f"DTSTART:202602{10 + n % 15:02d}T09{n % 60:02d}00Z\r\n".encode()
            + f"UID:race{n}@google.com\r\n".encode()
            + b"ATTENDEE;PARTSTAT=ACCEPTED:mailto:anne@example.com\r\nSUMMARY:Point\r\n"
            b"END:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    env = {
        **os.environ,
        "CRM_DB": str(db),
        "CRM_CONFIG": str(tmp_path / "none.toml"),
        "CRM_NOW": "2026-03-02T09:00:00Z",
    }
    argv = [crm_path(), "sync", "calendar", "--vdir", str(vdir), "--json"]
    both = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outs = [proc.communicate(timeout=120) for proc in both]
    assert [proc.returncode for proc in both] == [0, 0], [o[1] for o in outs]
    created = sum(json.loads(out)["sources"][0]["new"] for out, _ in outs)
    assert created == 400  # each event written by one of them, adopted by the other
    assert len([p for p in vdir.iterdir() if p.name.startswith("crm-followup-")]) == 400
    assert count(db, "SELECT count(*) FROM sync_item WHERE table_name = 'followup'") == 400
    assert count(db, "SELECT count(*) FROM interaction WHERE external_id LIKE 'ical:%'") == 50
    again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    (source,) = json.loads(again.stdout)["sources"]
    assert (source["new"], source["updated"], source["meetings"]) == (0, 0, 0)


def test_a_work_calendar_read_only_and_a_crm_calendar(
    crm: Crm, booked: None, tmp_path: Path, vdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_NOW", "2026-03-02T09:00:00Z")
    work = tmp_path / "calendars" / "work"
    work.mkdir()
    (work / "meeting.ics").write_bytes(
        b"BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
        b"VERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:20260224T093000Z\r\n"
        b"DTEND:20260224T103000Z\r\nUID:work1@google.com\r\n"
        b"ORGANIZER;CN=Me:mailto:me@example.org\r\n"
        b"ATTENDEE;PARTSTAT=ACCEPTED;CN=Anne:mailto:anne@example.com\r\n"
        b"SUMMARY:Revue du devis\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (tmp_path / "config.toml").write_text(
        'my_emails = ["me@example.org"]\n\n'
        f'[[sync.calendar]]\nvdir = "{vdir}"\npull = false\n\n'
        f'[[sync.calendar]]\nvdir = "{work}"\npush = false\n'
    )
    result = crm("sync", "calendar", "--json")
    assert result.exit_code == 0, result.stderr
    crm_side, work_side = json.loads(result.stdout)["sources"]
    assert (crm_side["new"], crm_side["meetings"]) == (2, 0)
    assert (work_side["new"], work_side["meetings"]) == (0, 1)
    assert len(events(vdir)) == 2
    assert events(work) == ["meeting.ics"]  # nothing of crm's written in the work calendar
    assert "Revue du devis" in crm("contact", "show", "Anne Müller").stdout
    # --pull-only for this run: the crm calendar (pull = false) has nothing to do.
    only = crm("sync", "calendar", "--pull-only", "--json")
    assert [s["source"] for s in json.loads(only.stdout)["sources"]] == [f"vdir:{work}"]
