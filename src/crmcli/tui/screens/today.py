"""Today: overdue and today's follow-ups, contacts due for a touch, deals needing attention."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from crmcli.core.activity import followups
from crmcli.core.errors import NotFound, Refused
from crmcli.core.overview import agenda
from crmcli.tui.format import fit, local_day, money
from crmcli.tui.messages import TodayRefreshed
from crmcli.tui.screens.base import DataScreen
from crmcli.tui.widgets.nav import NavBar

if TYPE_CHECKING:
    from crmcli.core.activity.rows import FollowUp
    from crmcli.core.overview.rows import TouchDue
    from crmcli.core.pipeline.rows import Deal

LIMIT = 100  # rows per section; the heading gives the whole count


def _heading(title: str, total: int, shown: int) -> Option:
    more = f"  (first {shown})" if total > shown else ""
    return Option(
        Content.assemble((f"{title} · {total}", "bold $text-accent"), more), disabled=True
    )


class TodayScreen(DataScreen):
    """One list in four sections; space completes a follow-up, s snoozes it."""

    CSS_PATH = "today.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "done", "Done"),
        Binding("s", "snooze", "Snooze"),
        Binding("enter", "open", "Open"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, dict[str, Any]] = {}

    def compose(self) -> ComposeResult:
        yield NavBar("today")
        yield Static("", id="today-summary")
        yield OptionList(id="today-list")
        yield Footer(show_command_palette=False)

    async def on_mount(self) -> None:
        await self.reload()
        self.mark_seen()
        self.listing.focus()

    @property
    def listing(self) -> OptionList:
        return self.query_one("#today-list", OptionList)

    def _selected_key(self) -> str | None:
        listing = self.listing
        if listing.highlighted is None:
            return None
        return listing.get_option_at_index(listing.highlighted).id

    async def reload(self) -> None:
        listing = self.listing
        keep = self._selected_key()
        index = listing.highlighted
        session = self.session
        try:
            with session.lock:
                now = session.local_now()
                day = agenda.today(session.store, now, limit=LIMIT)
        except Exception as exc:
            self.report(exc)
            return
        self.items.clear()
        options: list[Option] = []
        options.append(_heading("Overdue", day.overdue.total, len(day.overdue.rows)))
        options += [self._followup(r, late=True) for r in day.overdue.rows]
        options.append(_heading("Due today", day.due_today.total, len(day.due_today.rows)))
        options += [self._followup(r, late=False) for r in day.due_today.rows]
        options.append(_heading("Keep in touch", day.touch.total, len(day.touch.rows)))
        options += [self._touch(r) for r in day.touch.rows]
        options.append(_heading("Deals needing attention", day.deals.total, len(day.deals.rows)))
        options += [self._deal(r) for r in day.deals.rows]
        listing.clear_options()
        listing.add_options(options)
        self.query_one("#today-summary", Static).update(
            f"[b]{now.strftime('%a %d %b %Y')}[/b]  "
            f"[$text-error]{day.overdue.total} overdue[/] · {day.due_today.total} today · "
            f"{day.touch.total} to touch · [$text-warning]{day.deals.total} deals at risk[/]"
        )
        self._restore(keep, index)
        self.call_after_refresh(self.post_message, TodayRefreshed())

    def _restore(self, key: str | None, index: int | None) -> None:
        """Back on the same row if it is still listed, else on the row now at its place."""
        listing = self.listing
        target = None
        if key is not None and key in self.items:
            target = listing.get_option_index(key)
        elif index is not None:
            target = min(index, listing.option_count - 1)
        if target is None:
            target = 0
        # Skip headings: the first enabled row at or after the target, else before it.
        order = list(range(target, listing.option_count)) + list(range(target - 1, -1, -1))
        for i in order:
            if not listing.get_option_at_index(i).disabled:
                listing.highlighted = i
                return

    def _followup(self, row: FollowUp, *, late: bool) -> Option:
        key = f"f{row['id']}"
        self.items[key] = {"type": "followup", **row}
        overdue: Mapping[str, Any] = row  # a `late` row is a LateFollowUp
        when = f"{overdue['late']} late" if late else (row["due_time"] or "today")
        note = row["note"] or "(no note)"
        deal = f"  [{row['deal']}]" if row["deal"] else ""
        style = "$text-error" if late else "$text-primary"
        return Option(
            Content.assemble(
                (f"{when:>12}  ", style),
                (str(row["contact"]), "bold"),
                f" — {fit(note, 60)}",
                (deal, "$text-muted"),
            ),
            id=key,
        )

    def _touch(self, row: TouchDue) -> Option:
        key = f"c{row['id']}"
        self.items[key] = {"type": "touch", **row}
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

    def _deal(self, row: Deal) -> Option:
        key = f"d{row['id']}"
        self.items[key] = {"type": "deal", **row}
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

    # -- actions ------------------------------------------------------------------------
    def _followup_selected(self) -> FollowUp | None:
        key = self._selected_key()
        item = self.items.get(key or "")
        if item is None or item["type"] != "followup":
            self.notify("Select a follow-up first", severity="warning", timeout=3)
            return None
        return cast("FollowUp", item)  # a follow-up's row, tagged with its "type"

    async def action_done(self) -> None:
        item = self._followup_selected()
        if item is None:
            return
        try:
            with self.session.lock:
                followups.done(self.session.store, int(item["id"]))
        except (NotFound, Refused) as exc:
            self.report(exc, severity="warning")
            await self.reload()
            return
        except Exception as exc:
            self.report(exc)
            return
        self.wrote()
        self.notify(f"Done: {item['contact']} — {item['note'] or 'follow-up'}", timeout=3)
        await self.reload()

    def action_snooze(self) -> None:
        item = self._followup_selected()
        if item is None:
            return
        from crmcli.tui.modals.snooze import SnoozeForm

        self.app.push_screen(SnoozeForm(item), self._snoozed)

    async def _snoozed(self, said: str | None) -> None:
        if said:
            self.wrote()
            self.notify(said, timeout=3)
            await self.reload()

    async def action_open(self) -> None:
        key = self._selected_key()
        item = self.items.get(key or "")
        if item is None:
            return
        if item["type"] == "deal":
            from crmcli.tui.screens.deal import DealScreen

            self.app.push_screen(DealScreen(int(item["id"])))
            return
        contact_id = int(item["contact_id"] if item["type"] == "followup" else item["id"])
        await self.app.switch_mode("contacts")
        screen = self.app.screen
        from crmcli.tui.screens.contacts import ContactsScreen

        if isinstance(screen, ContactsScreen):
            screen.select_contact(contact_id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.run_worker(self.action_open())
