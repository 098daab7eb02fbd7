"""Agenda: the follow-ups of the coming days, grouped by day, with the keys of Today."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, OptionList, Static

from crmcli.core.overview import agenda
from crmcli.tui.messages import AgendaRefreshed
from crmcli.tui.screens.base import RecordList
from crmcli.tui.screens.today import AHEAD, followup_option, followup_when, heading
from crmcli.tui.widgets.nav import NavBar

if TYPE_CHECKING:
    from textual.widgets.option_list import Option

    from crmcli.core.activity.rows import FollowUp

LIMIT = 100  # rows per day; the day's heading gives the whole count
STEP = 7  # days added or taken away by + and -
MOST = 366  # as far as `crm agenda --days` goes


def day_title(day: date, today: date) -> str:
    """`Today · Tue 24 Nov`, `Tomorrow · Wed 25 Nov`, `Thursday 26 Nov`: how a rep names days."""
    short = f"{day:%a} {day.day} {day:%b}"
    if day == today:
        return f"Today · {short}"
    if day == today + timedelta(days=1):
        return f"Tomorrow · {short}"
    return f"{day:%A} {day.day} {day:%b}" + (f" {day.year}" if day.year != today.year else "")


class AgendaScreen(RecordList):
    """Overdue, then today and each coming day that has follow-ups (+ and - change how many).

    Days with nothing due are left out, except today and tomorrow, so the list
    stays a list of things to do; the last line says how many lie beyond it.
    """

    CSS_PATH = "agenda.tcss"
    LIST_ID = "agenda-list"
    BINDINGS: ClassVar[list[BindingType]] = [
        *RecordList.BINDINGS,
        Binding("plus,equals_sign", "days(1)", "More days", key_display="+"),
        Binding("minus", "days(-1)", "Fewer days", key_display="-", show=False),  # under ?
    ]

    def __init__(self) -> None:
        super().__init__()
        self.ahead = AHEAD  # days after today

    def compose(self) -> ComposeResult:
        yield NavBar("agenda")
        yield Static("", id="agenda-summary")
        yield OptionList(id="agenda-list")
        yield Footer(show_command_palette=False)

    async def on_mount(self) -> None:
        await self.reload()
        self.mark_seen()
        self.listing.focus()

    async def action_days(self, step: int) -> None:
        """Show a week more (1) or a week fewer (-1), never less than one week."""
        ahead = max(STEP, min(MOST - 1, self.ahead + step * STEP))
        if ahead != self.ahead:
            self.ahead = ahead
            await self.reload()

    async def reload(self) -> None:
        session = self.session
        try:
            with session.lock:
                now = session.local_now()
                groups = agenda.days_ahead(session.store, now, self.ahead + 1, limit=LIMIT)
                last = now.date() + timedelta(days=self.ahead)
                later = agenda.due_between(session.store, now, last + timedelta(days=1))
        except Exception as exc:
            self.report(exc)
            return
        today = now.date()
        items: dict[str, dict[str, Any]] = {}
        options: list[Option] = []
        late = coming = 0
        for day, section in groups:
            if day == "overdue":
                late = section.total
                options.append(heading("Overdue", section.total, len(section.rows)))
                options += [self._followup(items, r, late=True) for r in section.rows]
                continue
            when = date.fromisoformat(day)
            coming += section.total
            if not section.total and when > today + timedelta(days=1):
                continue
            empty = "" if section.total else "  nothing due"
            title = day_title(when, today)
            options.append(heading(title, section.total, len(section.rows), empty))
            options += [self._followup(items, r, late=False) for r in section.rows]
        more = f" · +: {STEP} more days" if later else ""
        after = f"{last:%a} {last.day} {last:%b}"
        options.append(heading("Later", later, later, f"  after {after}{more}"))
        self.fill(options, items)
        self.query_one("#agenda-summary", Static).update(
            f"[b]{today:%a} {today.day} {today:%b} – {after}[/b]  "
            f"[$text-error]{late} overdue[/] · {coming} due · {later} later"
        )
        self.call_after_refresh(self.post_message, AgendaRefreshed(self.ahead))

    def _followup(self, items: dict[str, Any], row: FollowUp, *, late: bool) -> Option:
        items[f"f{row['id']}"] = {"type": "followup", **row}
        return followup_option(row, followup_when(row, late=late), late=late)
