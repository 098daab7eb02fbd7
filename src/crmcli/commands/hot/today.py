"""`crm today`: the rep's day (overdue, due today, due for a touch, deals at risk)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from crmcli.commands._output import style
from crmcli.commands._render import every
from crmcli.commands._words import plural

if TYPE_CHECKING:
    from crmcli.commands._state import AppState
    from crmcli.core.activity.rows import FollowUp
    from crmcli.core.pipeline.rows import Deal

SHOWN = 20  # per section on screen; --all and --json show everything


def _money(row: Deal) -> str:
    minor = row.get("amount_minor")
    if minor is None:
        return ""
    from crmcli.core.values.money import format_amount

    return format_amount(int(minor), row["currency"] or "")


def followup_cells(row: FollowUp, late: bool) -> tuple[str, str, str]:
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
    app: AppState, *, show_all: bool, limit: int, brief: bool, owner: str | None, as_json: bool
) -> int:
    """Overdue follow-ups (oldest first), today's, contacts due for a touch, deals at risk.

    Time rules (crm rule run) run first; what they did is one line on stderr.
    """
    from crmcli.commands._rules_first import run_first
    from crmcli.core import clock
    from crmcli.core.overview.agenda import today as build

    run_first(app)  # the time rules' follow-ups belong in the day shown
    if brief:
        _brief(app)
        return 0
    store = app.store()
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
        return 0
    print(style(now.strftime("%A %d %B %Y, %H:%M"), "1"))
    if view.empty:
        print("Nothing due. Enjoy the quiet.")
        return 0
    if view.overdue.total:
        print("\n" + _header("Overdue", len(view.overdue.rows), view.overdue.total))
        _print_rows([followup_cells(row, late=True) for row in view.overdue.rows])
        _more(len(view.overdue.rows), view.overdue.total, "crm today --all")
    if view.due_today.total:
        print("\n" + _header("Today", len(view.due_today.rows), view.due_today.total))
        _print_rows([followup_cells(due, late=False) for due in view.due_today.rows])
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
    return 0


def _brief(app: AppState) -> None:
    """Counts and the most urgent item, or nothing; never an error in a start-up file."""
    from crmcli.core import clock
    from crmcli.core.errors import CrmError
    from crmcli.core.overview.agenda import today as build
    from crmcli.core.pipeline.attention import count_stale

    try:
        store = app.store()
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
