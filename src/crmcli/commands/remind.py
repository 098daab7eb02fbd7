"""`crm remind`: reminders that reach the rep — a desktop notification, or a line for cron."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from crmcli.commands._state import AppState, state
from crmcli.commands._words import plural

SYSTEMD = """\
# ~/.config/systemd/user/crm-remind.service
[Unit]
Description=crm follow-up reminders

[Service]
Type=oneshot
{environment}ExecStart={command}

# ~/.config/systemd/user/crm-remind.timer
[Unit]
Description=Run crm remind every 5 minutes

[Timer]
OnCalendar=*:0/5
Persistent=true

[Install]
WantedBy=timers.target

# then: systemctl --user daemon-reload && systemctl --user enable --now crm-remind.timer
"""
CRON = "# crm follow-up reminders (add the next line with crontab -e)\n*/5 * * * * {command}"


def _crm_program() -> list[str]:
    """How to start this very crm from a job: its script's absolute path, or python -m."""
    script = Path(sys.argv[0])
    if script.name == "crm" and script.is_file():
        return [str(script.absolute())]
    found = shutil.which("crm")
    return [found] if found else [sys.executable, "-m", "crmcli"]


def _job(app_state: AppState) -> tuple[dict[str, str], list[str]]:
    """(environment, argv) of a `crm remind` that reads this database and these settings.

    A timer or cron job starts with almost no environment: the database in use (however
    it was chosen: --db, CRM_DB or the default folder) is named by absolute path, and
    the settings file by CRM_CONFIG, so the job announces from what the rep sees here.
    """
    from crmcli.core.db.store import resolve_location
    from crmcli.core.paths import config_path

    location = resolve_location(app_state.db)
    target = location.target if location.is_url else str(Path(location.target).absolute())
    env = {"CRM_CONFIG": str(config_path().absolute())}
    if os.environ.get("TZ"):  # reminders fire in local time: the rep's zone, not cron's
        env["TZ"] = os.environ["TZ"]
    return env, [*_crm_program(), "--db", target, "remind"]


def _systemd_word(word: str) -> str:
    """One word of a systemd ExecStart= or Environment= line, quoted when it must be."""
    if re.fullmatch(r"[\w@%+=:,./-]+", word):
        return word.replace("%", "%%")
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") + '"'


def install_text(app_state: AppState) -> str:
    """The systemd user timer and the crontab line, both running this crm on this data."""
    env, argv = _job(app_state)
    environment = "".join(f"Environment={_systemd_word(f'{k}={v}')}\n" for k, v in env.items())
    systemd = SYSTEMD.format(
        environment=environment, command=" ".join(_systemd_word(w) for w in argv)
    )
    shell = " ".join([*(f"{k}={shlex.quote(v)}" for k, v in env.items()), *map(shlex.quote, argv)])
    return f"{systemd}\n{CRON.format(command=shell.replace('%', chr(92) + '%'))}"


def _line(row: dict[str, Any]) -> tuple[str, str]:
    when = row["due_time"] or "today"
    title = f"{'Renewal' if row['kind'] == 'renewal' else 'Follow up'}: {row['contact']}"
    body = (row["note"] or "") + (f" [{row['deal']}]" if row["deal"] else "")
    return title, f"{body} (due {row['due_date']} {when})".strip()


def _desktop(title: str, body: str) -> bool:
    """A freedesktop notification, when a display and notify-send are there."""
    exe = shutil.which("notify-send")
    if not exe or not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        done = subprocess.run([exe, "--app-name=crm", title, body], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def remind(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be announced; record nothing.")
    ] = False,
    install: Annotated[
        bool,
        typer.Option(
            "--install",
            help="Print a systemd user timer and a crontab line that run this every 5 minutes "
            "on the database and settings in use here.",
        ),
    ] = False,
    to_stdout: Annotated[
        bool,
        typer.Option("--stdout", help="Print lines even when a desktop notification was shown."),
    ] = False,
) -> None:
    """Announce follow-ups that fell due since the last run, each once.

    A desktop notification where one can be shown (notify-send), otherwise a line on
    stdout, suitable for cron mail. Nothing is announced twice; a snoozed follow-up is
    announced again when its new time comes. Time rules (crm rule run) run first.
    """
    app_state = state(ctx)
    if install:
        print(install_text(app_state))
        return
    from crmcli.core import clock
    from crmcli.core.activity.reminders import plan, record
    from crmcli.core.errors import CrmError

    try:
        store = app_state.store()
    except CrmError:
        return  # no database yet: nothing to remind about
    if not dry_run:  # the timer job runs the time rules: their follow-ups are announced too
        from crmcli.commands._rules_first import run_first

        run_first(app_state)
    lead = int(app_state.config.get("reminder_lead_minutes"))
    todo = plan(store, clock.local_now(), lead, app_state.config.all_day_time)
    lines: list[str] = []
    channel = "stdout"
    if todo.backlog:
        older = plural(len(todo.backlog), "older follow-up")
        lines.append(
            f"crm: {older} {'is' if len(todo.backlog) == 1 else 'are'} overdue — see `crm today`"
        )
    for row in todo.items:
        title, body = _line(row)
        if dry_run or to_stdout or not _desktop(title, body):
            lines.append(f"#{row['id']} {title} — {body}")
        else:
            channel = "desktop"
    if dry_run:
        for text in lines:
            print(f"would announce: {text}")
        return
    for text in lines:
        print(text)
    if not (todo.items or todo.backlog or todo.first_run):
        return
    try:
        writer = app_state.store(write=True)
        record(writer, [*todo.items, *todo.backlog], channel, first_run=todo.first_run)
    except CrmError as exc:
        # Announced but not recorded: say so, and let the next run announce them again.
        sys.stderr.write(f"crm: could not record the reminders ({exc.message})\n")
