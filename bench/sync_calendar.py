"""`crm sync calendar` to a vdir (issue #21): a first push, a run with nothing to do, changes.

    python bench/sync_calendar.py                     # 1,000 follow-ups, 1,000 meetings
    python bench/sync_calendar.py --followups 10000 --meetings 10000 --runs 5

Whole `crm` processes, on a copy of the bench database (2,000 contacts) holding
exactly `--followups` open follow-ups, 40% of them timed:

(a) the first push into an empty vdir folder: one .ics file per follow-up, each
    written whole (temporary file, fsync, rename), recorded in chunks of 200. Budget
    10 s for 1,000.
(b) a second run with nothing changed, against the Typer floor as bench/hot.py
    measures the hot commands: one listing of the folder (names and stat), one query
    of the sync state, the follow-ups rendered in memory and hashed; no file read,
    none written. No budget in the issue; the mail sync's 1.5x is shown beside it.
(c) 50 follow-ups changed in crm and 50 events moved in the calendar (rewritten by
    rename, as vdirsyncer does): one run reading those 50 files and writing 50.
(d) pulling: `--meetings` past events written as Google writes them, 30% with a
    contact among the attendees: the first run reads and logs them; the next reads none.
"""

from __future__ import annotations

import argparse
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_env, compare, copy, crm_exe
from make_data import build

PUSH_BUDGET = 10.0  # seconds, for 1,000 follow-ups
IDLE_SHOWN = 1.5  # the mail sync's budget for a run with nothing new, for comparison


def run(argv: list[str], env: dict[str, str], what: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{what} failed: {done.stderr}")
    return elapsed, done.stderr.strip().splitlines()[-1]


def move_events(vdir: Path, count: int) -> None:
    """What a phone's moves look like in the vdir once vdirsyncer brought them: the file
    rewritten whole (by rename), a day later, with a newer LAST-MODIFIED."""
    for path in sorted(vdir.glob("crm-followup-*.ics"))[:count]:
        text = path.read_bytes().decode()  # not read_text: it would turn CRLF into LF
        lines = []
        for line in text.replace("\r\n", "\n").split("\n"):
            if line.startswith(("DTSTART", "DTEND")):
                name, value = line.split(":", 1)
                if "VALUE=DATE" in name:
                    day = datetime.strptime(value, "%Y%m%d") + timedelta(days=1)
                    line = f"{name}:{day:%Y%m%d}"
                else:
                    moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ") + timedelta(days=1)
                    line = f"{name}:{moment:%Y%m%dT%H%M%SZ}"
            elif line.startswith("LAST-MODIFIED"):
                line = f"LAST-MODIFIED:{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
            lines.append(line)
        tmp = path.with_name("." + path.name + ".tmp")
        tmp.write_bytes("\r\n".join(lines).encode())
        tmp.replace(path)


def write_meetings(vdir: Path, db: Path, count: int) -> int:
    """`count` past meetings in the last 60 days, 30% with a contact; returns how many."""
    conn = sqlite3.connect(db)
    addresses = [r[0] for r in conn.execute("SELECT email FROM contact_email LIMIT 2000")]
    conn.close()
    rng = random.Random(21)
    now = datetime.now(UTC)
    known = 0
    for n in range(count):
        start = now - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 8))
        guest = rng.choice(addresses) if rng.random() < 0.3 else f"guest{n}@elsewhere.example"
        known += guest in addresses
        body = (
            "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
            "VERSION:2.0\r\nBEGIN:VEVENT\r\n"
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\n"
            f"DTEND:{start + timedelta(minutes=45):%Y%m%dT%H%M%SZ}\r\n"
            "DTSTAMP:20260101T000000Z\r\nORGANIZER;CN=Me:mailto:me@example.org\r\n"
            f"UID:bench{n}@google.com\r\n"
            "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE\r\n"
            f" ;CN=Guest;X-NUM-GUESTS=0:mailto:{guest}\r\n"
            f"SUMMARY:Réunion n°{n} — Zürich\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n"
        )
        (vdir / f"bench{n}.ics").write_text(body)
    return known


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--followups", type=int, default=1000)
    parser.add_argument("--meetings", type=int, default=1000)
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    source = build(args.contacts, followups=args.followups)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        db = copy(source, home / "crm.db")
        vdir = home / "calendars" / "crm"
        vdir.mkdir(parents=True)
        env = bench_env(db)
        config = home / "config.toml"
        config.write_text('my_emails = ["me@example.org"]\n')
        env["CRM_CONFIG"] = str(config)
        argv = [crm_exe(), "sync", "calendar", "--vdir", str(vdir)]

        first, said = run(argv, env, "first push")
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        files = len(list(vdir.glob("*.ics")))
        budget = PUSH_BUDGET * args.followups / 1000
        ok &= first <= budget
        print(
            f"(a) first push: {first:.2f} s for {files} events "
            f"({files / first:,.0f}/s), peak RSS {peak_mb:.0f} MB; budget {budget:.0f} s"
            f"{'' if first <= budget else '  OVER BUDGET'}"
        )
        print(f"    {said}")

        idle, said = run(argv, env, "second run")
        print(f"(b) second run, nothing changed: {idle * 1000:.0f} ms  ({said})")
        compare(
            db,
            {"sync calendar (nothing new)": argv[1:]},
            budget=IDLE_SHOWN,
            runs=args.runs,
            label=f"{args.followups} follow-ups already in the calendar, {args.contacts} contacts",
            count_modules=True,
        )

        conn = sqlite3.connect(db)
        ids = [r[0] for r in conn.execute("SELECT id FROM followup ORDER BY id DESC LIMIT 50")]
        conn.executemany(
            "UPDATE followup SET note = note || ' (revu)', version = version + 1, "
            "updated_at = strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now') WHERE id = ?",
            [(i,) for i in ids],
        )
        conn.commit()
        conn.close()
        move_events(vdir, 50)
        changed, said = run(argv, env, "changes")
        print(f"(c) 50 changed in crm + 50 moved in the calendar: {changed:.2f} s  ({said})")

        known = write_meetings(vdir, db, args.meetings)
        pulled, said = run(argv, env, "pull")
        print(
            f"(d) {args.meetings} past events ({known} with a contact) read: {pulled:.2f} s"
            f"  ({said})"
        )
        again, said = run(argv, env, "pull again")
        print(f"    then nothing to read: {again * 1000:.0f} ms  ({said})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
