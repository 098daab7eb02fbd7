"""`crm log KIND REF [SUMMARY]`: record a call, email, meeting, note or message in one line."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crmcli.commands._output import OutputFormat, render_record, warn
from crmcli.core.activity.interactions import Kind

if TYPE_CHECKING:
    from crmcli.commands._state import AppState
    from crmcli.core.activity.interactions import Logged
    from crmcli.core.activity.rows import FollowUp, Interaction


def _from_editor() -> str:
    """Open $VISUAL/$EDITOR on an empty file and return what was written."""
    from crmcli.core.errors import Invalid

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise Invalid("--edit needs $EDITOR (or $VISUAL) to be set")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "crm-log.txt"
        path.write_text("", encoding="utf-8")
        try:
            code = subprocess.call([*shlex.split(editor), str(path)])
        except OSError as exc:
            raise Invalid(f"cannot run editor {editor!r}: {exc.strerror}") from exc
        if code != 0:
            raise Invalid(f"editor {editor!r} exited with status {code}; nothing logged")
        return path.read_text(encoding="utf-8")


def _summary_text(summary: str | None, edit: bool) -> str:
    from crmcli.core.errors import Invalid

    if edit:
        return _from_editor()
    if summary == "-" or (summary is None and not sys.stdin.isatty()):
        return sys.stdin.read()
    if summary is None:
        raise Invalid("give a summary, `-` to read it from standard input, or --edit")
    return summary


def log(
    app: AppState,
    *,
    kind: Kind,
    ref: str,
    summary: str | None,
    at: str | None,
    duration: str | None,
    outcome: str | None,
    inbound: bool | None,
    deal: str | None,
    next_when: str | None,
    next_note: str | None,
    edit: bool,
    as_json: bool,
) -> int:
    """Log an interaction with a contact; with --next, promise a follow-up in the same step."""
    from crmcli.commands import _dates
    from crmcli.core.activity import interactions
    from crmcli.core.errors import Invalid
    from crmcli.core.search.refs import resolve_contact
    from crmcli.core.values.durations import parse_duration

    if kind is Kind.email and (ref == "-" or summary == "-") and not edit:
        data = sys.stdin.buffer.read()
        from crmcli.core.interchange.mailmsg import looks_like_message

        if looks_like_message(data):
            _log_message(
                app, data, None if ref == "-" else ref, deal, next_when, next_note, as_json
            )
            return 0
        if ref == "-":
            from crmcli.core.errors import Invalid

            raise Invalid(
                "`crm log email -` reads a raw email on stdin (with From/To "
                "headers); for plain text give the contact: crm log email REF -"
            )
        summary = data.decode("utf-8", "replace")
    # Everything is parsed and checked before the database is touched.
    if next_note is not None and next_when is None:
        raise Invalid("--next-note needs --next WHEN")
    happened = _resolve_at(app, at) if at else None
    seconds = parse_duration(duration) if duration is not None else None
    result_outcome = interactions.check_outcome(outcome) if outcome else None
    follow = _dates.parse(app, next_when, "future") if next_when else None
    text, body = interactions.split_text(_summary_text(summary, edit))
    direction = (
        None
        if inbound is None
        else (interactions.Direction.inbound if inbound else interactions.Direction.outbound)
    )
    store = app.store(write=True)
    contact_id = resolve_contact(store, ref)
    deal_id = None
    if deal:
        from crmcli.core.pipeline.deals import resolve_deal

        deal_id = resolve_deal(store, deal)
    logged = interactions.log(
        store,
        contact_id,
        kind,
        text,
        at=happened,
        body=body,
        duration_seconds=seconds,
        outcome=result_outcome,
        direction=direction,
        deal_id=deal_id,
        next_when=follow,
        next_note=next_note,
    )
    _show(logged, as_json, next_when)
    return 0


def _show(logged: Logged, as_json: bool, typed_next: str | None = None) -> None:
    """What was logged (and the follow-up promised), as a line each or as JSON; a promise
    already in the past (`--next yesterday`) is kept, with a warning on stderr."""
    if logged.followup and typed_next:
        from crmcli.commands._dates import warn_past  # only when a follow-up was made

        warn_past(typed_next, logged.followup)
    if as_json:
        render_record(
            {"interaction": logged.interaction, "followup": logged.followup}, OutputFormat.json, []
        )
        return
    print(describe_interaction(logged.interaction))
    if logged.followup:
        print(describe_followup(logged.followup))


def _log_message(
    app: AppState,
    data: bytes,
    ref: str | None,
    deal: str | None,
    next_when: str | None,
    next_note: str | None,
    as_json: bool,
) -> None:
    """Log a piped email: contact from the addresses, summary from the Subject, and so on."""
    from crmcli.commands import _dates
    from crmcli.core.interchange import mail_log
    from crmcli.core.interchange.mailmsg import parse_message
    from crmcli.core.search.refs import resolve_contact

    facts = parse_message(data)
    for text in facts.warnings:
        warn(text)
    follow = _dates.parse(app, next_when, "future") if next_when else None
    store = app.store(write=True)
    named = resolve_contact(store, ref) if ref is not None else None
    placement = mail_log.place(store, facts, named)
    if placement.logged_as is not None:
        print(f"already logged as email #{placement.logged_as}")
        return
    deal_id = None
    if deal:
        from crmcli.core.pipeline.deals import resolve_deal

        deal_id = resolve_deal(store, deal)
    logged = mail_log.log(
        store, facts, placement, deal_id=deal_id, next_when=follow, next_note=next_note
    )
    _show(logged, as_json, next_when)


def _resolve_at(app: AppState, text: str) -> datetime:
    """An interaction's time from a WHEN phrase (the past direction)."""
    from crmcli.commands import _dates
    from crmcli.core.activity.interactions import happened_at

    return happened_at(_dates.parse(app, text, "past"))


def describe_interaction(row: Interaction) -> str:
    from crmcli.core.clock import local_time
    from crmcli.core.values.durations import format_duration

    extras = [
        x
        for x in (
            format_duration(row["duration_seconds"]),
            row["outcome"],
            {"in": "inbound", "out": "outbound"}.get(str(row["direction"])),
        )
        if x
    ]
    detail = f" ({', '.join(str(x) for x in extras)})" if extras else ""
    return (
        f"logged {row['kind']} #{row['id']} with {row['contact']} "
        f"at {local_time(str(row['occurred_at']))}{detail}: {row['summary']}"
    )


def describe_followup(row: FollowUp) -> str:
    from datetime import date

    due = date.fromisoformat(str(row["due_date"])).strftime("%a %d %b %Y")
    due += f" {row['due_time']}" if row["due_time"] else " (all day)"
    note = f": {row['note']}" if row["note"] else ""
    return f"follow-up #{row['id']} for {row['contact']} due {due}{note}"
