"""`crm followup add` and `crm followup done`: a promise made, and a promise kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmcli.commands._output import OutputFormat, render_record

if TYPE_CHECKING:
    from crmcli.commands._state import AppState
    from crmcli.core.activity.rows import FollowUp


def done_line(verb: str, row: FollowUp, as_json: bool) -> None:
    """What became of a follow-up, as one line (`added follow-up #3 for ...`) or as JSON."""
    if as_json:
        render_record(row, OutputFormat.json, [])
    else:
        from crmcli.commands.hot.log import describe_followup

        print(f"{verb} {describe_followup(row).removeprefix('follow-up ')}")


def add(
    app: AppState, *, ref: str, when: str, note: str | None, deal: str | None, as_json: bool
) -> int:
    """Promise a follow-up; a date without a time makes an all-day one."""
    from crmcli.commands import _dates
    from crmcli.core.activity import followups
    from crmcli.core.search.refs import resolve_contact

    due = _dates.parse(app, when, "future")
    store = app.store(write=True)
    contact_id = resolve_contact(store, ref)
    deal_id = None
    if deal:
        from crmcli.core.pipeline.deals import resolve_deal

        deal_id = resolve_deal(store, deal)
    row = followups.add(store, contact_id, due, note, deal_id=deal_id)
    done_line("added follow-up", row, as_json)
    _dates.warn_past(when, row)
    return 0


def done(app: AppState, *, followup_id: str, as_json: bool) -> int:
    """Mark a follow-up done."""
    from crmcli.core.activity import followups

    row = followups.done(app.store(write=True), followups.check_id(followup_id))
    done_line("done:", row, as_json)
    return 0
