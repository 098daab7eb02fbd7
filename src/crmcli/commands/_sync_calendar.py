"""`crm sync calendar`: parse the sources, run the core's calendar sync, report.

Registered by `commands/sync.py` (`app.command("calendar")(calendar)`);
`run_configured` is what `crm sync` alone calls for the `[[sync.calendar]]` tables.
The work and every decision are the core's (`crmcli.core.sync.calendar`); this module
parses the flags, draws the progress bar on a terminal and writes the report: the
plan on stdout for a dry run (or JSON with --json), the lines worth telling
(conflicts, events deleted in the calendar, unreadable files) and one summary per
calendar on stderr.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.commands._options import ReportJsonFlag
from crmcli.commands._state import AppState, state
from crmcli.core.values.text import printable

if TYPE_CHECKING:
    from crmcli.core.db.store import Store
    from crmcli.core.sync.calendar import Options, SourceResult
    from crmcli.core.sync.calendar_sources import CalendarSource
    from crmcli.core.sync.collections import Collection

VdirOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--vdir",
        metavar="PATH",
        help="A vdir folder of .ics events (khal, vdirsyncer) to sync instead of the "
        "configured calendars (repeatable).",
        show_default=False,
    ),
]
CalDavOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--caldav",
        metavar="URL",
        help="A CalDAV calendar URL, https://host/path/ (repeatable; never a password in the URL).",
        show_default=False,
    ),
]
UsernameOpt = Annotated[
    str | None,
    typer.Option("--username", metavar="NAME", help="Who logs in to --caldav.", show_default=False),
]
PasswordCommandOpt = Annotated[
    str | None,
    typer.Option(
        "--password-command",
        metavar="CMD",
        help="The command that prints the password for --caldav (e.g. 'pass show dav/me').",
        show_default=False,
    ),
]
DryRunFlag = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="Print what would be created, updated, deleted, moved and logged; write nothing.",
    ),
]
PushOnlyFlag = Annotated[
    bool,
    typer.Option(
        "--push-only",
        help="Only write follow-ups to the calendar: log no meetings, take no moves back.",
    ),
]
PullOnlyFlag = Annotated[
    bool,
    typer.Option(
        "--pull-only",
        help="Only read the calendar (moves, deletions, meetings): write nothing to it.",
    ),
]


def calendar(
    ctx: typer.Context,
    vdir: VdirOpt = None,
    caldav: CalDavOpt = None,
    username: UsernameOpt = None,
    password_command: PasswordCommandOpt = None,
    dry_run: DryRunFlag = False,
    push_only: PushOnlyFlag = False,
    pull_only: PullOnlyFlag = False,
    as_json: ReportJsonFlag = False,
) -> None:
    """Put open follow-ups in a calendar; log past meetings with contacts.

    Each open follow-up becomes an event (all-day for a date-only one) with an alarm,
    updated when it changes and removed when it is done. Moved in the calendar, the
    follow-up moves; deleted there, it is said once and kept open; moved on both sides,
    the later change wins. Past events (90 days back on a first run) whose organiser or
    attendees include a contact's address are logged once as meetings on them. Each
    run is undoable (`crm undo`, one batch per 200 items).
    """
    from crmcli.core.errors import Invalid
    from crmcli.core.sync import calendar_sources

    if push_only and pull_only:
        raise Invalid("--push-only and --pull-only together leave nothing to do")
    app_state = state(ctx)
    sources = calendar_sources.from_flags(vdir or [], caldav or [], username, password_command)
    if not sources:
        sources = calendar_sources.configured(app_state.config)
        if not sources:
            raise Invalid(
                "no calendar: give --vdir PATH or --caldav URL, or name calendars in the "
                f"config file ({app_state.config.path}) as "
                '[[sync.calendar]] vdir = "~/.calendars/crm"'
            )
    _run(
        app_state, sources, dry_run=dry_run, push=not pull_only, pull=not push_only, as_json=as_json
    )


def run_configured(app_state: AppState, *, as_json: bool = False) -> bool:
    """Sync every `[[sync.calendar]]` of the config file (for `crm sync` alone); False
    when there is none."""
    from crmcli.core.sync import calendar_sources

    sources = calendar_sources.configured(app_state.config)
    if not sources:
        return False
    _run(app_state, sources, dry_run=False, push=True, pull=True, as_json=as_json)
    return True


def options(app_state: AppState, *, dry_run: bool, push: bool, pull: bool) -> Options:
    """The run's choices from the settings: the rep's addresses (never a meeting with
    oneself), store_bodies (a meeting's whole description), and the alarms: 15 minutes
    before a timed follow-up unless reminder_lead_minutes is set, reminder_all_day_time
    (09:00) on an all-day one's day."""
    from crmcli.core.sync import events
    from crmcli.core.sync.calendar import Options
    from crmcli.core.sync.mail import my_addresses

    config = app_state.config
    lead = (
        int(config.get("reminder_lead_minutes"))
        if config.source("reminder_lead_minutes") == "file"
        else events.ALARM_MINUTES
    )
    return Options(
        my_emails=my_addresses(config.get("my_emails")),
        store_bodies=bool(config.get("store_bodies")),
        alarms=events.Alarms(timed_minutes=lead, all_day_at=config.all_day_time),
        dry_run=dry_run,
        push=push,
        pull=pull,
    )


def _run(
    app_state: AppState,
    sources: list[CalendarSource],
    *,
    dry_run: bool,
    push: bool,
    pull: bool,
    as_json: bool,
) -> None:
    from crmcli.core.errors import CrmError
    from crmcli.core.sync.calendar_sources import open_collection

    store = app_state.store(write=not dry_run)
    results: list[SourceResult] = []
    try:
        for source in sources:
            ways = {"push": push and source.push, "pull": pull and source.pull}
            if not any(ways.values()):
                continue  # --push-only on a calendar configured pull = false: nothing to do
            chosen = options(app_state, dry_run=dry_run, **ways)
            results.append(_one(store, open_collection(source), chosen))
    except CrmError:
        if results:  # the calendars done before the one that failed stay done: say so
            _report(results, dry_run, as_json)
        raise
    _report(results, dry_run, as_json)


def _one(store: Store, collection: Collection, chosen: Options) -> SourceResult:
    """One calendar's run, with a progress bar on a terminal once it lasts (a bar per
    stage: pushing, then reading the calendar)."""
    from crmcli.commands._progress import SourceProgress
    from crmcli.core.sync.calendar import sync_calendar

    bar = SourceProgress(collection.name, stage="")
    try:
        return sync_calendar(store, collection, chosen, progress=bar.staged)
    finally:
        bar.close()


def _report(results: list[SourceResult], dry_run: bool, as_json: bool) -> None:
    import json

    if as_json:
        doc = {
            "dry_run": dry_run,
            "sources": [
                {
                    "source": r.source,
                    **r.counts(),
                    "batches": r.chunks,
                    "lines": r.lines,
                    **({"plan": [_planned(p) for p in r.planned]} if dry_run else {}),
                }
                for r in results
            ],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    elif dry_run:
        for r in results:
            for p in r.planned:
                print(p.text)
    for r in results:
        for line in r.lines[:SHOWN]:
            print(f"crm: {printable(line)}", file=sys.stderr)
        if len(r.lines) > SHOWN:
            more = len(r.lines) - SHOWN
            print(f"crm: ... and {more} more (--json lists them all)", file=sys.stderr)
        print(printable(_summary(r, dry_run)), file=sys.stderr)


SHOWN = 20  # lines on stderr per calendar (two syncs at once can have 600 to say); --json all


def _summary(r: SourceResult, dry_run: bool) -> str:
    """One line per calendar: what changed on each side, and how to take it back."""
    c = r.counts()
    if dry_run:
        text = (
            f"{r.source} (dry run): would create {c['new']}, update {c['updated']}, "
            f"delete {c['deleted']} event(s), move {c['moved']} follow-up(s), "
            f"log {c['meetings']} meeting(s); {c['conflicts']} conflict(s), {c['errors']} error(s)"
        )
    else:
        text = (
            f"{r.source}: {c['new']} new, {c['updated']} updated, {c['deleted']} deleted, "
            f"{c['moved']} moved, {c['conflicts']} conflict(s), {c['meetings']} meeting(s) "
            f"logged, {c['errors']} error(s)"
        )
    if c["gone"]:
        text += f"; {c['gone']} deleted in the calendar, kept in crm"
    if r.chunks and not dry_run:
        text += "; undo with `crm undo`" + (f" ({r.chunks} batches)" if r.chunks > 1 else "")
    return text


def _planned(p: Any) -> dict[str, Any]:
    return {"action": p.action, "followup_id": p.followup_id, "text": p.text}
