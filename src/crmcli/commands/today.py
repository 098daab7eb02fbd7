"""`crm today` and `crm agenda`: the rep's day, and the days ahead."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.commands._options import JsonFlag, OwnerOpt
from crmcli.commands._output import style
from crmcli.commands._render import every
from crmcli.commands._state import state
from crmcli.commands._words import plural

if TYPE_CHECKING:
    from crmcli.core.activity.rows import FollowUp
    from crmcli.core.pipeline.rows import Deal

SHOWN = 20  # per section on screen; --all and --json show everything


def _money(row: Deal) -> str:
    minor = row.get("amount_minor")
    if minor is None:
        return ""
    from crmcli.core.values.money import format_amount

    return format_amount(int(minor), row["currency"] or "")


def _followup_cells(row: FollowUp, late: bool) -> tuple[str, str, str]:
    """A follow-up's kind and id, when it is due, and who with its note (only if it has one).

    A `late` one is an overdue row (`LateFollowUp`).
    """
    from crmcli.commands._dates import short_date

    when = row["due_time"] or "all day"
    if late:
        overdue: Mapping[str, Any] = row
        when = f"{short_date(row['due_date'])}{' ' + row['due_time'] if row['due_time'] else ''}"
        when += f", {overdue['late']} late"
    note = f": {row['note']}" if row["note"] else ""
    deal = f" [{row['deal']}]" if row["deal"] else ""
    return f"follow-up #{row['id']}", when, f"{row['contact']}{note}{deal}"


def _print_rows(rows: Sequence[tuple[str, ...]]) -> None:
    """Rows of cells, each cell but the last padded to its column's widest.

    The first cells are short ASCII (`follow-up #7`, `all day`); the last is free text
    (a name, a note) of any width, so nothing after it needs aligning.
    """
    if not rows:
        return
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=False)]
        print("  " + "  ".join([*cells, row[-1]]).rstrip())


def _header(title: str, shown: int, total: int) -> str:
    return style(f"{title} ({total})", "1")


def _more(shown: int, total: int, hint: str) -> None:
    if total > shown:
        print(f"  … and {total - shown} more ({hint})")


def today(
    ctx: typer.Context,
    show_all: Annotated[
        bool, typer.Option("--all", help="Show every item, not the first 20.")
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="Items shown per section.")
    ] = SHOWN,
    brief: Annotated[
        bool,
        typer.Option(
            "--brief",
            help="A few lines for a shell's start-up file; nothing "
            "when nothing is due or there is no database.",
        ),
    ] = False,
    owner: OwnerOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Overdue follow-ups (oldest first), today's, contacts due for a touch, deals at risk.

    Time rules (crm rule run) run first; what they did is one line on stderr.
    """
    from crmcli.commands._rules_first import run_first
    from crmcli.core import clock
    from crmcli.core.overview.agenda import today as build

    run_first(state(ctx))  # the time rules' follow-ups belong in the day shown
    if brief:
        _brief(ctx)
        return
    store = state(ctx).store()
    now = clock.local_now()
    view = build(store, now, limit=None if (show_all or as_json) else limit, owner=owner)
    if as_json:
        import json

        doc = {
            "now": now.isoformat(timespec="seconds"),
            "overdue": view.overdue.rows,
            "today": view.due_today.rows,
            "touch": view.touch.rows,
            "deals": view.deals.rows,
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        return
    print(style(now.strftime("%A %d %B %Y, %H:%M"), "1"))
    if view.empty:
        print("Nothing due. Enjoy the quiet.")
        return
    if view.overdue.total:
        print("\n" + _header("Overdue", len(view.overdue.rows), view.overdue.total))
        _print_rows([_followup_cells(row, late=True) for row in view.overdue.rows])
        _more(len(view.overdue.rows), view.overdue.total, "crm today --all")
    if view.due_today.total:
        print("\n" + _header("Today", len(view.due_today.rows), view.due_today.total))
        _print_rows([_followup_cells(due, late=False) for due in view.due_today.rows])
        _more(len(view.due_today.rows), view.due_today.total, "crm today --all")
    if view.touch.total:
        print("\n" + _header("Due for a touch", len(view.touch.rows), view.touch.total))
        lines = []
        for touch in view.touch.rows:
            last = touch["last_touch_at"][:10] if touch["last_touch_at"] else "never"
            company = f" ({touch['company']})" if touch["company"] else ""
            lines.append(
                (
                    f"contact #{touch['id']}",
                    f"{touch['contact']}{company}: {every(int(touch['cadence_days'] or 0))}, "
                    f"last touch {last}, score {touch['score']}",
                )
            )
        _print_rows(lines)
        _more(len(view.touch.rows), view.touch.total, "crm today --all")
    if view.deals.total:
        print("\n" + _header("Deals needing attention", len(view.deals.rows), view.deals.total))
        deal_lines = []
        for deal in view.deals.rows:
            flags = []
            if deal["stale"]:
                flags.append(
                    f"STALE: {plural(deal['days_in_stage'], 'day')} in {deal['stage']} "
                    f"(target {deal['target_days']})"
                )
            if deal["no_next_step"]:
                flags.append("NO NEXT STEP")
            who = ", ".join(x for x in (deal["contact"] or deal["company"], _money(deal)) if x)
            title = deal["title"] + (f" — {who}" if who else "")
            deal_lines.append((f"deal #{deal['id']}", f"{title}  [{'; '.join(flags)}]"))
        _print_rows(deal_lines)
        _more(len(view.deals.rows), view.deals.total, "crm today --all")


def _brief(ctx: typer.Context) -> None:
    """Counts and the most urgent item, or nothing; never an error in a start-up file."""
    from crmcli.core import clock
    from crmcli.core.errors import CrmError
    from crmcli.core.overview.agenda import today as build
    from crmcli.core.pipeline.attention import count_stale

    try:
        store = state(ctx).store()
    except CrmError:  # no database yet, or one this crm cannot read: stay quiet
        return
    now = clock.local_now()
    view = build(store, now, limit=1)
    stale = count_stale(store, now)
    counts = [
        (view.overdue.total, "overdue"),
        (view.due_today.total, "due today"),
        (stale, "stale deal" if stale == 1 else "stale deals"),
        (view.touch.total, "to keep in touch with"),
    ]
    parts = [f"{n} {label}" for n, label in counts if n]
    if not parts:
        return
    print("crm: " + ", ".join(parts))
    urgent: FollowUp | None = None
    if view.overdue.rows:
        urgent = view.overdue.rows[0]
        when = f"{view.overdue.rows[0]['late']} late"
    elif view.due_today.rows:
        urgent = view.due_today.rows[0]
        when = urgent["due_time"] or "today"
    if urgent is not None:
        note = f" — {urgent['note']}" if urgent["note"] else ""
        print(f"  next: follow-up #{urgent['id']} {urgent['contact']}{note} ({when})")


def agenda(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="How many days ahead.")] = 7,
    as_json: JsonFlag = False,
) -> None:
    """The coming days' follow-ups, grouped by day (overdue ones first)."""
    from crmcli.commands._dates import short_date
    from crmcli.core import clock
    from crmcli.core.overview.agenda import agenda as build

    store = state(ctx).store()
    groups = build(store, clock.local_now(), days)
    if as_json:
        import json

        print(
            json.dumps(
                [{"day": day, "followups": rows} for day, rows in groups],
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )
        return
    cells = [[_followup_cells(row, late=day == "overdue") for row in rows] for day, rows in groups]
    # One column width for every day, so the days line up under each other.
    widths = [max((len(c[i]) for day in cells for c in day), default=0) for i in (0, 1)]
    for (day, rows), day_cells in zip(groups, cells, strict=True):
        title = "Overdue" if day == "overdue" else short_date(day)
        print(style(title, "1") + ("" if rows else "  —"))
        for label, when, who in day_cells:
            print(f"  {label.ljust(widths[0])}  {when.ljust(widths[1])}  {who}".rstrip())
