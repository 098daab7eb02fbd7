"""`crm remind`: reminders that reach the rep — a desktop notification, or a line for cron."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Annotated, Any

import typer

from crmcli.commands._state import state

SYSTEMD = """\
# ~/.config/systemd/user/crm-remind.service
[Unit]
Description=crm follow-up reminders

[Service]
Type=oneshot
ExecStart={exe} remind

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
CRON = "*/5 * * * * {exe} remind  # crm follow-up reminders (crontab -e)"


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
            help="Print a systemd user timer and a crontab line that run this every 5 minutes.",
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
    announced again when its new time comes.
    """
    if install:
        exe = shutil.which("crm") or f"{sys.executable} -m crmcli"
        print(SYSTEMD.format(exe=exe))
        print(CRON.format(exe=exe))
        return
    from crmcli.core import clock
    from crmcli.core.activity.reminders import plan, record
    from crmcli.core.errors import CrmError

    app_state = state(ctx)
    try:
        store = app_state.store()
    except CrmError:
        return  # no database yet: nothing to remind about
    lead = int(app_state.config.get("reminder_lead_minutes"))
    todo = plan(store, clock.local_now(), lead)
    lines: list[str] = []
    channel = "stdout"
    if todo.backlog:
        lines.append(f"crm: {len(todo.backlog)} older follow-up(s) are overdue — see `crm today`")
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
