"""`crm remind` across runs, on a fixed clock: once each, nothing missed, snoozes re-announced."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import invoke


@pytest.fixture(autouse=True)
def quiet_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


def at(monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    monkeypatch.setenv("CRM_NOW", when)


def test_first_run_sums_up_then_each_is_announced_once(monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, "2026-11-10T08:00:00Z")
    invoke("contact", "add", "Ann Lee")
    for when, note in (
        ("2026-11-12", "Old one"),
        ("2026-11-13 10:00", "Old two"),
        ("2026-11-25 16:00", "Later today"),
        ("2026-11-26 10:00", "Tomorrow"),
    ):
        invoke("followup", "add", "ann", when, note)
    at(monkeypatch, "2026-11-25T14:20:00Z")  # Wednesday 15:20 in Paris
    first = invoke("remind")
    assert first.exit_code == 0
    assert first.stdout == "crm: 2 older follow-ups are overdue — see `crm today`\n"
    assert invoke("remind").stdout == ""  # nothing new
    at(monkeypatch, "2026-11-25T15:05:00Z")  # 16:05: "Later today" fell due
    out = invoke("remind").stdout
    assert out == "#3 Follow up: Ann Lee — Later today (due 2026-11-25 16:00)\n"
    assert invoke("remind").stdout == ""
    at(monkeypatch, "2026-11-27T07:00:00Z")  # two days later: nothing missed in between
    assert invoke("remind").stdout == "#4 Follow up: Ann Lee — Tomorrow (due 2026-11-26 10:00)\n"


def test_snoozed_follow_up_is_announced_again(monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, "2026-11-25T08:00:00Z")
    invoke("contact", "add", "Ann Lee")
    invoke("remind")  # the first run (nothing due yet)
    invoke("followup", "add", "ann", "today 10:00", "Call")
    at(monkeypatch, "2026-11-25T09:30:00Z")
    assert "Call" in invoke("remind").stdout
    invoke("followup", "snooze", "1", "today 14:00")
    assert invoke("remind").stdout == ""
    at(monkeypatch, "2026-11-25T13:01:00Z")
    assert "(due 2026-11-25 14:00)" in invoke("remind").stdout
    assert invoke("remind").stdout == ""


def test_lead_time_all_day_dry_run_and_deleted(monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, "2026-11-25T05:00:00Z")
    invoke("contact", "add", "Ann Lee")
    invoke("config", "set", "reminder_lead_minutes", "15")
    invoke("remind")
    invoke("followup", "add", "ann", "today 10:00", "Timed")
    invoke("followup", "add", "ann", "today", "All day")
    invoke("followup", "add", "ann", "today 11:00", "Deleted before due")
    at(monkeypatch, "2026-11-25T07:50:00Z")  # 08:50: nothing yet (all-day fires at 09:00)
    assert invoke("remind").stdout == ""
    at(monkeypatch, "2026-11-25T08:46:00Z")  # 09:46: 14 minutes before 10:00
    dry = invoke("remind", "--dry-run").stdout.splitlines()
    assert dry == [
        "would announce: #2 Follow up: Ann Lee — All day (due 2026-11-25 today)",
        "would announce: #1 Follow up: Ann Lee — Timed (due 2026-11-25 10:00)",
    ]
    assert len(invoke("remind").stdout.splitlines()) == 2
    invoke("followup", "rm", "3")
    at(monkeypatch, "2026-11-25T10:30:00Z")
    out = invoke("remind")
    assert (out.exit_code, out.stdout, out.stderr) == (0, "", "")


def test_desktop_notification_and_its_fallback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    at(monkeypatch, "2026-11-25T08:00:00Z")
    invoke("contact", "add", "Ann Lee")
    invoke("remind")
    invoke("followup", "add", "ann", "today 10:00", "Call")
    invoke("followup", "add", "ann", "today 10:30", "Second")
    log = tmp_path / "notified.txt"
    notify = tmp_path / "notify-send"
    notify.write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    notify.chmod(notify.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}:{__import__('os').environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":0")
    at(monkeypatch, "2026-11-25T09:05:00Z")
    out = invoke("remind")
    assert out.stdout == "" and "Follow up: Ann Lee" in log.read_text()
    notify.write_text("#!/bin/sh\nexit 1\n")  # a broken notifier: fall back to stdout
    at(monkeypatch, "2026-11-25T09:35:00Z")
    assert "Second" in invoke("remind").stdout


def test_no_database_and_install(db: Path) -> None:
    out = invoke("remind")
    assert (out.exit_code, out.stdout, out.stderr) == (0, "", "")
    assert not db.exists()
    text = invoke("remind", "--install").stdout
    assert "OnCalendar=*:0/5" in text and "*/5 * * * *" in text and " remind" in text


@pytest.mark.slow  # waits out a busy timeout of a second
def test_remind_on_a_busy_database_still_announces(
    monkeypatch: pytest.MonkeyPatch, db: Path
) -> None:
    import sqlite3

    at(monkeypatch, "2026-11-25T08:00:00Z")
    invoke("contact", "add", "Ann Lee")
    invoke("remind")
    invoke("followup", "add", "ann", "today 10:00", "Call")
    invoke("config", "set", "busy_timeout", "1")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock: nothing can be recorded
    at(monkeypatch, "2026-11-25T09:05:00Z")
    out = invoke("remind")
    holder.execute("ROLLBACK")
    holder.close()
    assert out.exit_code == 0 and "Call" in out.stdout  # announced all the same
    assert "could not record" in out.stderr
    assert "Call" in invoke("remind").stdout  # not recorded, so announced again: never lost


def test_all_day_follow_ups_fire_at_the_configured_time(monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, "2026-11-25T05:00:00Z")
    invoke("contact", "add", "Ann Lee")
    assert invoke("config", "set", "reminder_all_day_time", "7:30").stdout == (
        "reminder_all_day_time = 07:30\n"
    )
    invoke("remind")
    invoke("followup", "add", "ann", "today", "All day")
    at(monkeypatch, "2026-11-25T06:20:00Z")  # 07:20 in Paris: not yet
    assert invoke("remind").stdout == ""
    at(monkeypatch, "2026-11-25T06:31:00Z")  # 07:31: the configured time has come
    assert invoke("remind").stdout == "#1 Follow up: Ann Lee — All day (due 2026-11-25 today)\n"
    bad = invoke("config", "set", "reminder_all_day_time", "25:00")
    assert bad.exit_code == 2 and "HH:MM" in bad.stderr


def test_the_calendar_alarm_of_an_all_day_follow_up_rings_when_remind_does(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue #20: all-day events alarmed at 00:00 while `crm remind` said 09:00."""
    import icalendar

    at(monkeypatch, "2026-11-25T05:00:00Z")
    invoke("contact", "add", "Ann Lee")
    invoke("followup", "add", "ann", "tomorrow", "All day")
    invoke("followup", "add", "ann", "tomorrow 15:00", "Timed")
    invoke("config", "set", "reminder_lead_minutes", "10")

    def alarms(path: Path) -> dict[str, timedelta]:
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        return {
            str(event["SUMMARY"]).split(" — ")[1]: event.walk("VALARM")[0]["TRIGGER"].dt
            for event in calendar.walk("VEVENT")
        }

    default = tmp_path / "default.ics"
    assert invoke("export", "followups", "-f", "ics", "-o", str(default)).exit_code == 0
    assert alarms(default) == {"All day": timedelta(hours=9), "Timed": timedelta(minutes=-10)}
    invoke("config", "set", "reminder_all_day_time", "08:45")
    configured = tmp_path / "configured.ics"
    invoke("export", "followups", "-f", "ics", "-o", str(configured))
    assert alarms(configured)["All day"] == timedelta(hours=8, minutes=45)


def _cron_command(install_text: str) -> str:
    """The command of the crontab line, as cron would hand it to /bin/sh."""
    line = next(x for x in install_text.splitlines() if x.startswith("*/5 * * * * "))
    return line.removeprefix("*/5 * * * * ")


def test_install_names_the_database_and_settings_in_use(db: Path, tmp_path: Path) -> None:
    text = invoke("remind", "--install").stdout
    config = tmp_path / "config.toml"
    assert f"Environment=CRM_CONFIG={config}" in text
    assert f"--db {db} remind" in text  # the systemd ExecStart and the crontab line
    words = shlex.split(_cron_command(text))
    assert f"CRM_CONFIG={config}" in words and words[-3:] == ["--db", str(db), "remind"]
    other = tmp_path / "other.db"
    assert f"--db {other} remind" in invoke("--db", str(other), "remind", "--install").stdout


@pytest.mark.subprocess
def test_the_printed_crontab_line_announces_from_the_same_database(
    db: Path, tmp_path: Path
) -> None:
    """Run as cron would (sh, almost no environment): it reads this database and config."""
    exe = str(Path(sys.executable).with_name("crm"))
    env = {**os.environ, "CRM_NOW": "2026-11-25T05:00:00Z"}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)

    def crm(*args: str) -> str:
        out = subprocess.run([exe, *args], capture_output=True, text=True, env=env, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout

    crm("contact", "add", "Ann Lee")
    crm("config", "set", "reminder_all_day_time", "06:30")  # only the config says "now"
    crm("remind")  # the first run
    crm("followup", "add", "ann", "today", "Call about the renewal")
    command = _cron_command(crm("remind", "--install"))
    home = tmp_path / "cron-home"
    home.mkdir()
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(home), "CRM_NOW": "2026-11-25T05:40:00Z"}
    out = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, env=clean)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "#1 Follow up: Ann Lee — Call about the renewal (due 2026-11-25 today)\n"
    assert not (home / ".local").exists()  # nothing read or made in the default places
