"""The interaction log, follow-ups, the daily view, the agenda and full-text search."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import dump, invoke

NOW = "2026-11-25T14:20:00Z"  # Wednesday 25 November 2026, 15:20 in Paris


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", NOW)


def people() -> None:
    assert (
        invoke("contact", "add", "Hélène Dupré", "-e", "helene@acme.fr", "-c", "Acme").exit_code
        == 0
    )
    assert invoke("contact", "add", "Marc Dupree", "-e", "marc@globex.com").exit_code == 0


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_log_a_call_with_a_follow_up_in_one_line(db: Path) -> None:
    people()
    out = invoke(
        "log",
        "call",
        "helene",
        "Discussed pricing",
        "--duration",
        "15m",
        "--outcome",
        "connected",
        "--out",
        "--next",
        "fri",
        "--next-note",
        "Send quote",
    )
    assert out.exit_code == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == (
        "logged call #1 with Hélène Dupré at 2026-11-25 15:20 "
        "(15m, connected, outbound): Discussed pricing"
    )
    assert lines[1] == "follow-up #1 for Hélène Dupré due Fri 27 Nov 2026 (all day): Send quote"
    assert rows(
        db, "SELECT kind, direction, duration_seconds, outcome, occurred_at FROM interaction"
    ) == [("call", "out", 900, "connected", "2026-11-25T14:20:00.000000Z")]
    assert rows(db, "SELECT due_date, due_time, note, status FROM followup") == [
        ("2026-11-27", None, "Send quote", "open")
    ]
    # Both rows came from one command: one batch in the change log.
    assert rows(db, "SELECT count(DISTINCT batch) FROM change_log WHERE command LIKE 'log%'") == [
        (1,)
    ]
    # The last touch moves; the contact's own version does not (no edit happened).
    assert rows(db, "SELECT last_touch_at, version FROM contact WHERE id = 1") == [
        ("2026-11-25T14:20:00.000000Z", 1)
    ]


def test_log_at_in_the_past_echoes_the_resolved_time(db: Path) -> None:
    people()
    out = invoke("log", "meeting", "marc", "Demo", "--at", "mon 10am")
    assert out.exit_code == 0
    assert "at 2026-11-23 10:00" in out.stdout
    out = invoke("log", "note", "marc", "Met at the fair", "--at", "yesterday")
    assert "at 2026-11-24 12:00" in out.stdout


@pytest.mark.parametrize("kind", ["call", "email", "meeting", "note", "message"])
def test_every_kind_logs(db: Path, kind: str) -> None:
    people()
    out = invoke("log", kind, "marc@globex.com", f"a {kind}", "--json")
    assert out.exit_code == 0
    assert json.loads(out.stdout)["interaction"]["kind"] == kind


def test_summary_from_stdin_and_dash(db: Path) -> None:
    people()
    out = invoke("log", "email", "marc", "-", input="Re: contract\n\nThey accept the terms.\n")
    assert out.exit_code == 0, out.stderr
    out = invoke("log", "note", "marc", input="piped note\n")  # stdin is not a terminal
    assert out.exit_code == 0, out.stderr
    assert rows(db, "SELECT summary, body FROM interaction ORDER BY id") == [
        ("Re: contract", "Re: contract\n\nThey accept the terms."),
        ("piped note", None),
    ]


def test_summary_from_editor(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    people()
    editor = tmp_path / "fake-editor"
    editor.write_text(
        "#!/bin/sh\nprintf 'Called from the car\\nShe will sign Monday\\n' > \"$1\"\n"
    )
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("EDITOR", str(editor))
    out = invoke("log", "call", "marc", "--edit")
    assert out.exit_code == 0, out.stderr
    assert rows(db, "SELECT summary FROM interaction") == [("Called from the car",)]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("log", "fax", "marc", "x"), 2, "'fax'"),
        (("log", "call", "nobody", "x"), 1, "no contact"),
        (("log", "call", "dupr", "x"), 1, "close matches"),
        (("log", "call", "marc", "   "), 2, "summary must not be empty"),
        (("log", "call", "marc", "x", "--duration", "-5m"), 2, "negative"),
        (("log", "call", "marc", "x", "--duration", "soon"), 2, "duration"),
        (("log", "call", "marc", "x", "--outcome", "great"), 2, "unknown outcome"),
        (("log", "call", "marc", "x", "--at", "tomorrow"), 2, "future"),
        (("log", "call", "marc", "x", "--at", "blah"), 2, "try"),
        (("log", "call", "marc", "x", "--next", "someday"), 2, "try"),
        (("log", "call", "marc", "x", "--next-note", "y"), 2, "--next"),
        (("log", "call", "marc", "x", "--deal", "nope"), 1, "no deal"),
        (("followup", "add", "marc", "31/02"), 2, "31/02"),
        (("followup", "done", "99"), 1, "no follow-up #99"),
        (("followup", "done", "abc"), 2, "number"),
        (("followup", "snooze", "99", "mon"), 1, "no follow-up"),
        (("followup", "rm", "99"), 1, "no follow-up"),
        (("contact", "edit", "marc", "--every", "often"), 2, "cadence"),
        (("search", "  "), 2, "empty search"),
    ],
)
def test_bad_input_changes_nothing(db: Path, args: tuple[str, ...], code: int, needle: str) -> None:
    people()
    before = dump(db)
    out = invoke(*args)
    assert out.exit_code == code, out.stderr
    assert needle in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert dump(db) == before


def test_followup_lifecycle(db: Path) -> None:
    people()
    out = invoke("followup", "add", "marc", "tomorrow 10am", "Call back")
    assert out.exit_code == 0
    assert out.stdout == (
        "added follow-up #1 for Marc Dupree due Thu 26 Nov 2026 10:00: Call back\n"
    )
    invoke("followup", "add", "helene", "+3d")
    listed = json.loads(invoke("followup", "list", "--json").stdout)
    assert [(f["id"], f["due"]) for f in listed] == [(1, "2026-11-26 10:00"), (2, "2026-11-28")]
    out = invoke("followup", "snooze", "1", "next mon 9am")
    assert out.exit_code == 0 and "Mon 30 Nov 2026 09:00" in out.stdout
    assert rows(
        db, "SELECT due_date, due_time, snooze_count, original_due_date FROM followup WHERE id = 1"
    ) == [("2026-11-30", "09:00", 1, "2026-11-26")]
    assert invoke("followup", "done", "1").exit_code == 0
    again = invoke("followup", "done", "1")
    assert again.exit_code == 1 and "already done" in again.stderr
    assert invoke("followup", "snooze", "1", "fri").exit_code == 1
    assert [f["id"] for f in json.loads(invoke("followup", "list", "--json").stdout)] == [2]
    assert len(json.loads(invoke("followup", "list", "--done", "--json").stdout)) == 2
    assert invoke("followup", "rm", "2").exit_code == 0
    out = invoke("followup", "list")
    assert out.exit_code == 1 and "no follow-ups" in out.stderr


def test_today_orders_overdue_then_today_then_touch_then_deals(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people()
    invoke("contact", "add", "Nadia Benali", "--every", "30d")
    invoke("contact", "add", "Quiet Person", "--every", "7d", "--dnc")  # never shown
    monkeypatch.setenv("CRM_NOW", "2026-11-16T09:00:00Z")
    invoke("followup", "add", "marc", "2026-11-18", "Oldest")
    invoke("followup", "add", "helene", "2026-11-23 16:00", "Newer")
    invoke("log", "call", "helene", "old call")
    invoke("contact", "edit", "helene", "--every", "7d")
    monkeypatch.setenv("CRM_NOW", NOW)
    invoke("followup", "add", "helene", "today", "All day today")
    invoke("followup", "add", "marc", "today 9am", "Earlier today")  # already late at 15:20
    invoke("followup", "add", "marc", "today 17:30", "Later today")
    out = invoke("today", "--json")
    assert out.exit_code == 0
    view = json.loads(out.stdout)
    assert [f["note"] for f in view["overdue"]] == ["Oldest", "Newer", "Earlier today"]
    assert [f["late"] for f in view["overdue"]] == ["6 days", "1 day", "6h"]
    assert [f["note"] for f in view["today"]] == ["All day today", "Later today"]
    assert [t["contact"] for t in view["touch"]] == ["Hélène Dupré", "Nadia Benali"]
    assert view["touch"][0]["last_touch_at"].startswith("2026-11-16")
    text = invoke("today").stdout
    assert text.index("Overdue (3)") < text.index("Today (2)") < text.index("Due for a touch (2)")
    assert "last touch 2026-11-16" in text and "last touch never" in text
    assert "Quiet Person" not in text


def test_today_with_nothing_due_and_without_a_database(db: Path) -> None:
    out = invoke("today")
    assert out.exit_code == 1 and "no crm database" in out.stderr
    assert not db.exists()
    people()
    out = invoke("today")
    assert out.exit_code == 0 and "Nothing due" in out.stdout


def test_today_flags_deals_needing_attention(db: Path) -> None:
    people()
    conn = sqlite3.connect(db)
    stage = conn.execute("SELECT id FROM stage WHERE name = 'Proposal'").fetchone()[0]
    conn.executemany(
        "INSERT INTO deal (title, contact_id, stage_id, next_step, stage_entered_at, owner, "
        "created_at, updated_at, amount_minor, currency) VALUES (?, 1, ?, ?, ?, 'me', ?, ?, "
        "1200000, 'EUR')",
        [
            ("Stale deal", stage, "Call", "2026-11-01T09:00:00.000000Z", NOW, NOW),
            ("Fresh, no next step", stage, None, "2026-11-24T09:00:00.000000Z", NOW, NOW),
            ("Healthy", stage, "Send contract", "2026-11-24T09:00:00.000000Z", NOW, NOW),
        ],
    )
    conn.commit()
    conn.close()
    view = json.loads(invoke("today", "--json").stdout)
    deals = {d["title"]: (d["stale"], d["no_next_step"]) for d in view["deals"]}
    assert deals == {"Stale deal": (True, False), "Fresh, no next step": (False, True)}
    text = invoke("today").stdout
    assert "STALE: 24 days in Proposal (target 10)" in text and "NO NEXT STEP" in text
    assert "12 000 EUR" in text  # the tests run with LANG=fr_FR: French digit grouping


def test_agenda_groups_by_day(db: Path) -> None:
    people()
    invoke("followup", "add", "marc", "tomorrow", "A")
    invoke("followup", "add", "marc", "fri 9am", "B")
    invoke("followup", "add", "marc", "+10d", "Too far")
    groups = json.loads(invoke("agenda", "--days", "3", "--json").stdout)
    assert [(g["day"], [f["note"] for f in g["followups"]]) for g in groups] == [
        ("2026-11-25", []),
        ("2026-11-26", ["A"]),
        ("2026-11-27", ["B"]),
    ]
    text = invoke("agenda", "--days", "3").stdout
    assert "Thu 26 Nov" in text and "Too far" not in text


def test_cadence_due_for_a_touch_moves_with_each_interaction(db: Path) -> None:
    people()
    invoke("contact", "edit", "marc", "--every", "2w")
    assert [t["contact"] for t in json.loads(invoke("today", "--json").stdout)["touch"]] == [
        "Marc Dupree"
    ]
    invoke("log", "call", "marc", "caught up")
    assert json.loads(invoke("today", "--json").stdout)["touch"] == []
    invoke("contact", "edit", "marc", "--every", "off")
    assert rows(db, "SELECT cadence_days, touch_due_at FROM contact WHERE id = 2") == [(None, None)]


def test_search_ranks_and_snippets(db: Path) -> None:
    people()
    invoke("log", "call", "helene", "Discussed pricing for the enterprise plan")
    invoke("log", "email", "marc", "-", input="Résumé of the meeting\nPricing attached")
    invoke("followup", "add", "marc", "fri", "Send the new pricing sheet")
    invoke("contact", "edit", "helene", "--note", "Hates cold calls about pricing")
    hits = json.loads(invoke("search", "pricing", "--json").stdout)
    assert {(h["source"], h["contact"]) for h in hits} == {
        ("interaction", "Hélène Dupré"),
        ("interaction", "Marc Dupree"),
        ("followup", "Marc Dupree"),
        ("contact", "Hélène Dupré"),
    }
    assert all("[" in h["snippet"] for h in hits)
    assert [h["contact"] for h in json.loads(invoke("search", "resume", "--json").stdout)] == [
        "Marc Dupree"
    ]  # accents folded
    assert [h["source"] for h in json.loads(invoke("search", "enterp", "--json").stdout)] == [
        "interaction"
    ]  # prefixes match
    out = invoke("search", 'pricing" OR x')  # FTS syntax in user text is data, not a query
    assert out.exit_code in (0, 1) and "Traceback" not in out.stderr
    out = invoke("search", "nothing-like-this")
    assert out.exit_code == 1 and "nothing mentions" in out.stderr


def test_contact_show_has_a_timeline_newest_first(db: Path) -> None:
    people()
    invoke("log", "call", "marc", "first", "--at", "mon 9am")
    invoke("log", "email", "marc", "second")
    invoke("followup", "add", "marc", "fri", "next step")
    data = json.loads(invoke("contact", "show", "marc", "--json").stdout)
    assert [(e["what"], e["text"]) for e in data["timeline"]] == [
        ("follow-up due", "next step"),
        ("email", "second"),
        ("call", "first"),
    ]
    limited = json.loads(invoke("contact", "show", "marc", "--json", "--limit", "1").stdout)
    assert len(limited["timeline"]) == 1
    text = invoke("contact", "show", "marc").stdout
    assert text.index("next step") < text.index("second") < text.index("first")


def test_ics_export_is_read_by_a_real_calendar_parser(db: Path, tmp_path: Path) -> None:
    icalendar = pytest.importorskip("icalendar")
    people()
    invoke("followup", "add", "helene", "fri", "Send quote; call, then \\ email")
    invoke("followup", "add", "marc", "tomorrow 10am", "Call back")
    invoke("followup", "add", "marc", "+2d", "Done already")
    invoke("followup", "done", "3")
    out = invoke("export", "followups", "--format", "ics")
    assert out.exit_code == 0
    cal = icalendar.Calendar.from_ical(out.stdout)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 2  # open follow-ups only
    by_summary = {str(e["SUMMARY"]): e for e in events}
    allday = by_summary["Follow up: Hélène Dupré — Send quote; call, then \\ email"]
    assert str(allday["DTSTART"].dt) == "2026-11-27" and str(allday["DTEND"].dt) == "2026-11-28"
    timed = by_summary["Follow up: Marc Dupree — Call back"]
    assert timed["DTSTART"].dt.isoformat() == "2026-11-26T09:00:00+00:00"
    assert list(timed.walk("VALARM"))
    target = tmp_path / "followups.ics"
    assert invoke("export", "followups", "-f", "ics", "-o", str(target)).exit_code == 0
    again = icalendar.Calendar.from_ical(target.read_bytes())
    assert sorted(str(e["UID"]) for e in again.walk("VEVENT")) == sorted(
        str(e["UID"]) for e in events
    )  # stable UIDs: re-import updates, never duplicates


def test_followup_export_csv_and_json(db: Path) -> None:
    people()
    invoke("followup", "add", "marc", "fri", "=HYPERLINK(x)")
    out = invoke("export", "followups", "--format", "json")
    assert json.loads(out.stdout)[0]["contact_email"] == "marc@globex.com"
    out = invoke("export", "followups", "--format", "csv")
    assert out.stdout.splitlines()[0].startswith("id,contact_id,contact_name")


@pytest.mark.subprocess
def test_concurrent_crm_log_waits_for_a_writer(db: Path, tmp_path: Path) -> None:
    people()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    crm = str(Path(sys.executable).with_name("crm"))
    proc = subprocess.Popen(
        [crm, "log", "call", "marc", "while locked"],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    import time

    time.sleep(1.0)
    assert proc.poll() is None  # still waiting for the lock, not failed
    holder.execute("COMMIT")
    holder.close()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "locked" not in err
    assert rows(db, "SELECT summary FROM interaction") == [("while locked",)]
