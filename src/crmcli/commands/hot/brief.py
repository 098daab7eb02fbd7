"""`crm brief REF`: the pre-call sheet a rep reads while the phone rings, on one screen."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from crmcli.commands._output import Column, OutputFormat, render, render_record, style

if TYPE_CHECKING:
    from datetime import datetime

    from crmcli.commands._state import AppState

SHOWN = 5  # deals and follow-ups at most (--json has 20 of each); every promise is shown

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
    Column("in_stage", "IN STAGE", keep="whole"),  # a figure and its STALE flag
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


def brief(app: AppState, *, ref: str, as_json: bool) -> int:
    """Print the pre-call sheet of the contact REF names (as JSON with `as_json`)."""
    from crmcli.core.overview.brief import build_brief
    from crmcli.core.search.refs import resolve_contact

    store = app.store()
    sheet = build_brief(store, resolve_contact(store, ref))
    if as_json:
        render_record(sheet, OutputFormat.json, [])
        return 0
    show(sheet)
    return 0


def show(sheet: Mapping[str, Any], out: TextIO | None = None) -> None:
    """The sheet as text: `label value` lines, then a short table per non-empty section.

    On a terminal the sheet fits it: every line its width (the tables give way as every
    table does, the deals' AGE then CLOSE left out before DEAL or NEXT STEP is cut
    short; the header's values are cut with `…`), and the whole sheet its height, less
    the prompt's line (see `_fit_height`). Piped, everything is there and whole.
    """
    import shutil

    from crmcli.core import clock

    stream = out or sys.stdout
    now = clock.parse_stamp(sheet["as_of"])
    on_screen = stream.isatty()
    size = shutil.get_terminal_size((100, 24))
    header = _fitted(_header(sheet, now), size.columns if on_screen else None)
    render_record({}, OutputFormat.table, header, out=stream)
    sections = [s for s in _sections(sheet) if s.rows]
    gap, dropped = True, list[_Section]()
    if on_screen:
        gap, dropped = _fit_height(sections, size.lines - 1 - _header_rows(header, size.columns))
    for section in sections:
        if section in dropped:
            continue
        stream.write(("\n" if gap else "") + style(section.title, "1", stream) + "\n")
        rows = section.visible()
        # A column empty in every row (no outcome, no deal) would only take room.
        columns = [c for c in section.columns if any(row.get(c.key) for row in rows)]
        if on_screen:
            columns = _give_way(columns, rows, size.columns)
        render(rows, OutputFormat.table, columns, out=stream)
        if section.total > len(rows):
            stream.write(f"… and {section.total - len(rows)} more ({section.hint})\n")
    if dropped:
        names = ", ".join(s.name for s in sections if s in dropped)
        contact_id = sheet["contact"]["id"]
        stream.write(f"… not shown: {names} (crm brief {contact_id} --json)\n")


@dataclass(eq=False)
class _Section:
    """A section of the sheet: its rows (as many as the sheet holds), how many are
    shown, how many there are in all, and where to see the rest.

    `first` lists the rows' indices in the order they are kept when not all are shown
    (by default their own); the rows kept are shown in their own order.
    """

    name: str
    title: str
    rows: list[dict[str, Any]]
    columns: Sequence[Column]
    total: int
    hint: str
    shown: int = 0
    urgent: int = 0  # its first rows that are overdue
    first: list[int] | None = None

    def __post_init__(self) -> None:
        self.shown = min(self.shown or len(self.rows), len(self.rows))

    def visible(self) -> list[dict[str, Any]]:
        kept = (self.first or list(range(len(self.rows))))[: self.shown]
        return [self.rows[i] for i in sorted(kept)]

    def lines(self, gap: bool) -> int:
        """Lines on screen: the blank before it, the title, the table's header and rows,
        and the `… and N more` line."""
        return gap + 2 + self.shown + (self.total > self.shown)


def _sections(sheet: Mapping[str, Any]) -> list[_Section]:
    contact_id = sheet["contact"]["id"]
    totals = sheet["totals"]
    everything = f"crm brief {contact_id} --json"
    interactions, deals, followups, promised = (
        _interactions(sheet),
        _deals(sheet),
        _followups(sheet),
        _promises(sheet),
    )
    late = sum(1 for f in sheet["followups"] if f["overdue"])
    # The stale deals are the ones to talk about: kept first, shown in pipeline order.
    stale_first = sorted(range(len(deals)), key=lambda i: not sheet["deals"][i]["stale"])
    return [
        _Section("interactions", "Last interactions", interactions, INTERACTION_COLUMNS,
                 len(interactions), everything),
        _Section("deals", _deals_title(sheet), deals, DEAL_COLUMNS, totals["deals"], everything,
                 SHOWN, first=stale_first),
        _Section("follow-ups", _followups_title(sheet), followups, FOLLOWUP_COLUMNS,
                 totals["followups"], f"crm followup list --contact {contact_id}", SHOWN, late),
        _Section("promises", f"Promises ({len(promised)})", promised, PROMISE_COLUMNS,
                 len(promised), everything),
    ]  # fmt: skip


# What gives way first when the sheet is taller than the terminal: (section, rows it
# keeps at least), in turn. The older interactions and promises go before anything
# open; then the blank lines between sections (None); then upcoming follow-ups, and
# only then the deals and the overdue follow-ups, down to one row each.
TRIM_ORDER: tuple[tuple[str, int] | None, ...] = (
    ("interactions", 3),
    ("promises", 3),
    None,
    ("interactions", 1),
    ("promises", 1),
    ("follow-ups", -1),  # -1: as many as are overdue
    ("deals", 1),
    ("follow-ups", 1),
)
DROP_ORDER = ("promises", "interactions", "deals", "follow-ups")  # when even that is too tall


def _fit_height(sections: list[_Section], room: int) -> tuple[bool, list[_Section]]:
    """Trim `sections` (their `shown`) to `room` lines: whether the blank lines between
    them stay, and the sections left out whole when even one row each is too tall (a
    last line then names them).

    Rows go in TRIM_ORDER until the sheet fits; then what was taken is given back, the
    last taken first, wherever it still fits (a row taken for nothing, its `… and N
    more` line taking its place, or before the blank lines went). The header is never
    trimmed: `room` is what it leaves.
    """
    by_name = {s.name: s for s in sections}
    gap = True
    dropped: list[_Section] = []

    def over() -> int:
        kept = sum(s.lines(gap) for s in sections if s not in dropped)
        return kept + bool(dropped) - room

    taken: list[_Section | None] = []  # a row of a section, or the blank lines (None)
    for step in TRIM_ORDER:
        if step is None:
            if over() > 0:
                gap = False
                taken.append(None)
            continue
        name, floor = step
        if name not in by_name:
            continue
        section = by_name[name]
        floor = max(1, section.urgent) if floor < 0 else floor
        while section.shown > floor and over() > 0:
            section.shown -= 1
            taken.append(section)
    if over() > 0:  # one row each is too tall: whole sections go, the least needed first
        for name in DROP_ORDER:
            if over() > 0 and name in by_name:
                dropped.append(by_name[name])
        return gap, dropped
    for item in reversed(taken):
        if item is None:
            gap = True
            if over() > 0:
                gap = False
        else:
            item.shown += 1
            if over() > 0:
                item.shown -= 1
    return gap, dropped


READABLE = 16  # cells of a deal's title or next step worth more than its AGE or CLOSE
GIVE_FIRST = ("age", "expected_close")  # the deals' columns left out before that


def _give_way(columns: list[Column], rows: list[dict[str, Any]], width: int) -> list[Column]:
    """The deals' columns for a terminal `width` cells wide: AGE, then CLOSE, are left out
    rather than DEAL or NEXT STEP be cut below READABLE cells (or their own width)."""
    from crmcli.commands._output import cell, cells, fit_widths

    if not any(c.key in GIVE_FIRST for c in columns):
        return columns
    for left_out in range(len(GIVE_FIRST) + 1):
        kept = [c for c in columns if c.key not in GIVE_FIRST[:left_out]]
        natural = [max(cells(c.header), *(cells(cell(r.get(c.key))) for r in rows)) for c in kept]
        widths = fit_widths(kept, natural, width)
        if all(
            (w or 0) >= min(n, c.max_width, READABLE)
            for c, n, w in zip(kept, natural, widths, strict=True)
            if c.key in ("title", "next_step")
        ):
            break
    return kept


def _header(sheet: Mapping[str, Any], now: datetime) -> list[tuple[str, Any]]:
    """Who, how to reach them, where they stand: what a rep reads while it rings.

    Status, score and tags share a line (`lead · score 26/100 · vip, technical`).
    """
    contact = sheet["contact"]
    who = ", ".join(x for x in (contact["title"], contact["company"]) if x)
    status = contact["status"] + (", archived" if contact["archived"] else "")
    standing = [status, f"score {sheet['score']}/100", ", ".join(contact["tags"])]
    emails = sorted(contact["emails"], key=lambda e: not e["primary"])
    return [
        ("Name", f"{contact['name']}{' — ' + who if who else ''}  #{contact['id']}"),
        ("Do not contact", "YES" if contact["do_not_contact"] else None),
        ("Phone", [p["number"] + _labels(p["label"]) for p in contact["phones"]]),
        ("Email", [e["email"] + _labels(e["label"]) for e in emails]),
        ("Status", " · ".join(x for x in standing if x)),
        ("Last touch", _last_touch(sheet["cadence"]["last_touch"], now)),
        ("Keep in touch", _cadence(sheet["cadence"])),
        (
            "Relations",
            [r["name"] + _labels(r["kind"], _ref(r["contact_id"])) for r in sheet["relations"]],
        ),
    ]


WHOLE_LINES = ("Phone", "Email")  # never cut: a cut number or address is no use


def _fitted(lines: list[tuple[str, Any]], width: int | None) -> list[tuple[str, str]]:
    """One phone and one address a line, the lines with a value; on a terminal `width`
    cells wide, other values cut to what is left of the line after the labels (a phone
    or an address wraps rather than be cut)."""
    from crmcli.commands._output import cell, cells, crop

    shown = [
        (
            label,
            "\n".join(value) if isinstance(value, list) and label in WHOLE_LINES else cell(value),
        )
        for label, value in lines
    ]
    shown = [(label, value) for label, value in shown if value]
    if width is None:
        return shown
    room = width - max((cells(label) for label, _ in shown), default=0) - 2
    return [
        (label, value if label in WHOLE_LINES else crop(value, max(room, 1)))
        for label, value in shown
    ]


def _header_rows(lines: list[tuple[str, str]], width: int) -> int:
    """Rows the header takes on a terminal `width` cells wide, a wrapped phone or address
    counted as the rows it wraps to."""
    from crmcli.commands._output import cells

    margin = max((cells(label) for label, _ in lines), default=0) + 2
    return sum(
        max(1, -(-(margin + cells(part)) // width))
        for _, value in lines
        for part in value.split("\n")
    )


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
                "due": _due(item["due"], today),
                "state": state_text,
                "note": item["note"],
                "deal": item["deal"],
            }
        )
    return rows


def _due(due: str, today: str) -> str:
    """A follow-up's due day as `crm today` says it, the time if it has one: `Wed 02 Dec`,
    `Wed 02 Dec 10:00`; the year too when it is not this year's (`Tue 05 Jan 2027`)."""
    from crmcli.commands._dates import short_date

    day, _, time = due.partition("T")
    year = f" {day[:4]}" if day[:4] != today[:4] else ""
    return f"{short_date(day)}{year}{' ' + time if time else ''}"


def _local_day(stamp: str) -> str:
    from crmcli.core import clock

    return clock.parse_stamp(stamp).astimezone().date().isoformat()


def _promises(sheet: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"when": _local_day(p["at"]), "what": p["kind"], "promise": p["text"]}
        for p in sheet["promises"]
    ]
