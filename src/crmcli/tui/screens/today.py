"""Today: overdue and today's follow-ups, how many are coming, touches due, deals at risk."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from crmcli.core.overview import agenda
from crmcli.tui.format import fit, local_day, money
from crmcli.tui.messages import TodayRefreshed
from crmcli.tui.screens.base import RecordList
from crmcli.tui.widgets.nav import NavBar

if TYPE_CHECKING:
    from crmcli.core.activity.rows import FollowUp
    from crmcli.core.overview.rows import TouchDue
    from crmcli.core.pipeline.rows import Deal

LIMIT = 100  # rows per section; the heading gives the whole count
AHEAD = 14  # days after today the agenda shows, and Today counts as "coming up"


def heading(title: str, total: int | None = None, shown: int = 0, note: str = "") -> Option:
    """A section's title line (not selectable): `Overdue · 3`, `(first 100)` when cut."""
    count = "" if total is None else f" · {total}"
    more = f"  (first {shown})" if total is not None and total > shown else ""
    return Option(
        Content.assemble((f"{title}{count}", "bold $text-accent"), more, (note, "$text-muted")),
        disabled=True,
    )


def followup_option(row: FollowUp, when: str, *, late: bool) -> Option:
    """A follow-up's row: when, who, the note (never an empty one), the deal."""
    note = f" — {fit(row['note'], 60)}" if row["note"] else ""
    deal = f"  [{row['deal']}]" if row["deal"] else ""
    style = "$text-error" if late else "$text-primary"
    return Option(
        Content.assemble(
            (f"{when:>12}  ", style),
            (str(row["contact"]), "bold"),
            note,
            (deal, "$text-muted"),
        ),
        id=f"f{row['id']}",
    )


def followup_when(row: Mapping[str, Any], *, late: bool) -> str:
    """`3 days late`, `14:30`, `today`: the first column of a follow-up's row."""
    if late:
        return f"{row['late']} late"
    return str(row["due_time"] or "all day")


class TodayScreen(RecordList):
    """One list in four sections; space completes a follow-up, s snoozes it.

    Only overdue and today's follow-ups are listed; a line says how many come in
    the next days and that the agenda (a) shows them, so none is out of sight.
    """

    CSS_PATH = "today.tcss"
    LIST_ID = "today-list"

    def compose(self) -> ComposeResult:
        yield NavBar("today")
        yield Static("", id="today-summary")
        yield OptionList(id="today-list")
        yield Footer(show_command_palette=False)

    async def on_mount(self) -> None:
        await self.reload()
        self.mark_seen()
        self.listing.focus()

    async def reload(self) -> None:
        session = self.session
        try:
            with session.lock:
                now = session.local_now()
                day = agenda.today(session.store, now, limit=LIMIT)
                tomorrow = now.date() + timedelta(days=1)
                coming = agenda.due_between(
                    session.store, now, tomorrow, now.date() + timedelta(days=AHEAD)
                )
        except Exception as exc:
            self.report(exc)
            return
        items: dict[str, dict[str, Any]] = {}
        options: list[Option] = []
        options.append(heading("Overdue", day.overdue.total, len(day.overdue.rows)))
        options += [self._followup(items, r, late=True) for r in day.overdue.rows]
        options.append(heading("Due today", day.due_today.total, len(day.due_today.rows)))
        options += [self._followup(items, r, late=False) for r in day.due_today.rows]
        options.append(
            heading(
                "Coming up",
                coming,
                coming,
                f"  in the next {AHEAD} days · a: Agenda",
            )
        )
        options.append(heading("Keep in touch", day.touch.total, len(day.touch.rows)))
        options += [self._touch(items, r) for r in day.touch.rows]
        options.append(heading("Deals needing attention", day.deals.total, len(day.deals.rows)))
        options += [self._deal(items, r) for r in day.deals.rows]
        self.fill(options, items)
        self.query_one("#today-summary", Static).update(
            f"[b]{now:%a} {now.day} {now:%b}[/b]  "
            f"[$text-error]{day.overdue.total} overdue[/] · {day.due_today.total} today · "
            f"{coming} coming · {day.touch.total} to touch · "
            f"[$text-warning]{day.deals.total} deal{'' if day.deals.total == 1 else 's'} at risk[/]"
        )
        self.call_after_refresh(self.post_message, TodayRefreshed())

    def _followup(self, items: dict[str, Any], row: FollowUp, *, late: bool) -> Option:
        items[f"f{row['id']}"] = {"type": "followup", **row}
        return followup_option(row, followup_when(row, late=late), late=late)

    def _touch(self, items: dict[str, Any], row: TouchDue) -> Option:
        key = f"c{row['id']}"
        items[key] = {"type": "touch", **row}
        last = local_day(row["last_touch_at"]) or "never"
        company = f" · {row['company']}" if row["company"] else ""
        return Option(
            Content.assemble(
                (f"{'touch':>12}  ", "$text-secondary"),
                (str(row["contact"]), "bold"),
                (company, "$text-muted"),
                f" — every {row['cadence_days']} days, last {last}",
                (f" · score {row['score']}", "$text-muted"),
            ),
            id=key,
        )

    def _deal(self, items: dict[str, Any], row: Deal) -> Option:
        key = f"d{row['id']}"
        items[key] = {"type": "deal", **row}
        why = "stale" if row["stale"] else "no next step"
        who = f" · {row['contact']}" if row["contact"] else ""
        return Option(
            Content.assemble(
                (f"{why:>12}  ", "$text-warning"),
                (str(row["title"]), "bold"),
                (who, "$text-muted"),
                f" — {row['stage']}, {row['days_in_stage']}d  {money(row)}",
            ),
            id=key,
        )
