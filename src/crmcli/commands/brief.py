"""`crm brief REF`: the pre-call sheet a rep reads while the phone rings, on one screen."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from crmcli.commands import _complete
from crmcli.commands._output import Column, OutputFormat, render, render_record, style
from crmcli.commands._state import state

if TYPE_CHECKING:
    from datetime import datetime

SHOWN = 5  # deals and follow-ups on screen (--json has 20 of each); every promise is shown

INTERACTION_COLUMNS = [
    Column("when", "WHEN"),
    Column("what", "WHAT"),
    Column("text", "SUMMARY", max_width=60),
    Column("outcome", "OUTCOME"),
]
DEAL_COLUMNS = [
    Column("id", "ID"),
    Column("title", "DEAL", max_width=28),
    Column("stage", "STAGE", keep="whole"),  # short, and no use cut
    Column("amount", "AMOUNT"),
    Column("age", "AGE"),
    Column("in_stage", "IN STAGE"),
    # As much a rep's cue as the title: both give way alike on a narrow terminal.
    Column("next_step", "NEXT STEP", max_width=30, keep="trim"),
    Column("expected_close", "CLOSE"),
]
FOLLOWUP_COLUMNS = [
    Column("id", "ID"),
    Column("due", "DUE"),
    Column("state", "STATE"),
    Column("note", "NOTE", max_width=50),
    Column("deal", "DEAL", max_width=24),
]
PROMISE_COLUMNS = [
    Column("when", "WHEN"),
    Column("what", "FROM"),
    Column("promise", "PROMISE", max_width=70),
]


def brief(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(
            help="Contact: id, phone number, email, exact name or unique name prefix.",
            show_default=False,
            autocompletion=_complete.contacts,
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Write the sheet as JSON.")] = False,
) -> None:
    """The pre-call sheet: who they are, what happened, what is open, what you promised.

    Name, role and company, phones, emails, tags, engagement score and keep-in-touch
    status; then the last 5 interactions, open deals (stage, age, days in stage against
    the stage's target, next step), open follow-ups (overdue marked) and the promises
    you wrote in the last 90 days of notes ("I'll send...", "je vous envoie..."). A
    section with nothing in it is left out; --json gives every one, empty ones as
    empty lists. Exit 1 when REF names nobody or several contacts (they are listed).
    """
    from crmcli.core.overview.brief import build_brief
    from crmcli.core.search.refs import resolve_contact

    store = state(ctx).store()
    sheet = build_brief(store, resolve_contact(store, ref))
    if as_json:
        render_record(sheet, OutputFormat.json, [])
        return
    show(sheet)


def show(sheet: Mapping[str, Any], out: TextIO | None = None) -> None:
    """The sheet as text: `label value` lines, then a short table per non-empty section.

    On a terminal every line fits its width (the tables give way as every table does;
    the header's values are cut with `…`); piped, values are whole.
    """
    from crmcli.core import clock

    stream = out or sys.stdout
    now = clock.parse_stamp(sheet["as_of"])
    render_record({}, OutputFormat.table, _fitted(_header(sheet, now), stream), out=stream)
    contact_id = sheet["contact"]["id"]
    totals = sheet["totals"]
    promised = sheet["promises"]
    # (title, rows, columns, rows shown at most, rows in all, where to see them all)
    sections: list[tuple[str, list[dict[str, Any]], Sequence[Column], int, int, str]] = [
        ("Last interactions", _interactions(sheet), INTERACTION_COLUMNS, SHOWN, 0, ""),
        (
            _deals_title(sheet),
            _deals(sheet),
            DEAL_COLUMNS,
            SHOWN,
            totals["deals"],
            f"crm brief {contact_id} --json",
        ),
        (
            _followups_title(sheet),
            _followups(sheet),
            FOLLOWUP_COLUMNS,
            SHOWN,
            totals["followups"],
            f"crm followup list --contact {contact_id}",
        ),
        (f"Promises ({len(promised)})", _promises(sheet), PROMISE_COLUMNS, len(promised), 0, ""),
    ]
    for title, rows, columns, limit, total, hint in sections:
        if not rows:
            continue
        stream.write("\n" + style(title, "1", stream) + "\n")
        rows = rows[:limit]
        # A column empty in every row (no outcome, no deal) would only take room.
        shown = [c for c in columns if any(row.get(c.key) for row in rows)]
        render(rows, OutputFormat.table, shown, out=stream)
        if total > len(rows):
            stream.write(f"… and {total - len(rows)} more ({hint})\n")


def _header(sheet: Mapping[str, Any], now: datetime) -> list[tuple[str, Any]]:
    contact = sheet["contact"]
    who = ", ".join(x for x in (contact["title"], contact["company"]) if x)
    status = contact["status"] + (", archived" if contact["archived"] else "")
    emails = sorted(contact["emails"], key=lambda e: not e["primary"])
    return [
        ("Name", f"{contact['name']}{' — ' + who if who else ''}  #{contact['id']}"),
        ("Do not contact", "YES" if contact["do_not_contact"] else None),
        ("Phone", [p["number"] + _labels(p["label"]) for p in contact["phones"]]),
        ("Email", [e["email"] + _labels(e["label"]) for e in emails]),
        ("Tags", contact["tags"]),
        ("Status", status),
        ("Score", f"{sheet['score']}/100"),
        ("Last touch", _last_touch(sheet["cadence"]["last_touch"], now)),
        ("Keep in touch", _cadence(sheet["cadence"])),
        (
            "Relations",
            [r["name"] + _labels(r["kind"], _ref(r["contact_id"])) for r in sheet["relations"]],
        ),
    ]


WHOLE_LINES = ("Phone", "Email")  # never cut: a cut number or address is no use


def _fitted(lines: list[tuple[str, Any]], stream: TextIO) -> list[tuple[str, Any]]:
    """One phone and one address a line; on a terminal, other values cut to what is
    left of the line after the labels (a phone or an address wraps rather than be cut)."""
    from crmcli.commands._output import cell, cells, crop

    shown = [
        (label, "\n".join(value) if isinstance(value, list) and label in WHOLE_LINES else value)
        for label, value in lines
    ]
    if not stream.isatty():
        return shown
    import shutil

    room = shutil.get_terminal_size((100, 24)).columns
    room -= max((cells(label) for label, value in shown if cell(value)), default=0) + 2
    return [
        (label, value if label in WHOLE_LINES else crop(cell(value), max(room, 1)))
        for label, value in shown
    ]


def _labels(*labels: str | None) -> str:
    shown = [label for label in labels if label]
    return f" ({', '.join(shown)})" if shown else ""


def _ref(contact_id: int | None) -> str | None:
    return f"#{contact_id}" if contact_id is not None else None


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def _last_touch(stamp: str | None, now: datetime) -> str:
    from crmcli.core import clock

    if not stamp:
        return "never"
    days = (now.astimezone().date() - clock.parse_stamp(stamp).astimezone().date()).days
    ago = "today" if days == 0 else "yesterday" if days == 1 else f"{_days(days)} ago"
    return f"{clock.local_time(stamp)} ({ago})" if days >= 0 else clock.local_time(stamp)


def _cadence(cadence: Mapping[str, Any]) -> str | None:
    """How the cadence stands: `every 14 days, OVERDUE by 3 days`, `every 30 days, next
    touch in 12 days`; None when there is none."""
    if cadence["status"] == "none":
        return None
    every = "every day" if cadence["days"] == 1 else f"every {cadence['days']} days"
    if cadence["status"] == "overdue":
        return f"{every}, OVERDUE by {_days(cadence['overdue_days'])}"
    if cadence["status"] == "due":
        return f"{every}, due now"
    left = cadence["due_in_days"]
    when = "today" if left == 0 else "tomorrow" if left == 1 else f"in {_days(left)}"
    return f"{every}, next touch {when}"


def _interactions(sheet: Mapping[str, Any]) -> list[dict[str, Any]]:
    from crmcli.core.clock import local_time
    from crmcli.core.values.durations import format_duration

    rows = []
    for item in sheet["last_interactions"]:
        what = item["kind"] + (f" {item['direction']}" if item["direction"] else "")
        if item["duration_seconds"]:
            what += " " + format_duration(item["duration_seconds"])
        text = item["summary"] + (f" [{item['deal']}]" if item["deal"] else "")
        rows.append(
            {"when": local_time(item["at"]), "what": what, "text": text, "outcome": item["outcome"]}
        )
    return rows


def _deals_title(sheet: Mapping[str, Any]) -> str:
    stale = sum(1 for d in sheet["deals"] if d["stale"])
    flagged = f", {_counted(stale, sheet, 'deals')} stale" if stale else ""
    return f"Open deals ({sheet['totals']['deals']}{flagged})"


def _counted(count: int, sheet: Mapping[str, Any], section: str) -> str:
    """How many rows of a section are flagged: `20+` when every row the sheet holds is, and
    the section has more than it holds."""
    held = len(sheet[section])
    return f"{count}+" if count == held < sheet["totals"][section] else str(count)


def _deals(sheet: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for deal in sheet["deals"]:
        in_stage = f"{deal['days_in_stage']}d"
        if deal["target_days"] is not None:
            in_stage += f"/{deal['target_days']}d" + (" STALE" if deal["stale"] else "")
        rows.append(
            {
                "id": deal["id"],
                "title": deal["title"],
                "stage": deal["stage"],
                "amount": deal["amount_display"] or "",
                "age": f"{deal['age_days']}d",
                "in_stage": in_stage,
                "next_step": deal["next_step"] or "NONE",
                "expected_close": deal["expected_close"],
            }
        )
    return rows


def _followups_title(sheet: Mapping[str, Any]) -> str:
    late = sum(1 for f in sheet["followups"] if f["overdue"])
    flagged = f", {_counted(late, sheet, 'followups')} overdue" if late else ""
    return f"Follow-ups ({sheet['totals']['followups']}{flagged})"


def _followups(sheet: Mapping[str, Any]) -> list[dict[str, Any]]:
    today = _local_day(sheet["as_of"])
    rows = []
    for item in sheet["followups"]:
        if item["overdue"]:
            state_text = f"OVERDUE {item['late']}"
        else:
            state_text = "today" if item["due"][:10] == today else "upcoming"
        rows.append(
            {
                "id": item["id"],
                "due": item["due"].replace("T", " "),
                "state": state_text,
                "note": item["note"],
                "deal": item["deal"],
            }
        )
    return rows


def _local_day(stamp: str) -> str:
    from crmcli.core import clock

    return clock.parse_stamp(stamp).astimezone().date().isoformat()


def _promises(sheet: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"when": _local_day(p["at"]), "what": p["kind"], "promise": p["text"]}
        for p in sheet["promises"]
    ]
