"""One deal: its details, stage history and timeline; edit, win or lose it from here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.markup import escape
from textual.widgets import Footer, Static

from crmcli.core.clock import local_time
from crmcli.core.errors import Conflict, NotFound
from crmcli.core.pipeline import deals, stages
from crmcli.tui.format import money
from crmcli.tui.screens.base import DataScreen
from crmcli.tui.widgets.nav import NavBar

if TYPE_CHECKING:
    from crmcli.core.pipeline.rows import DealDetail


def _lines(pairs: list[tuple[str, Any]]) -> str:
    width = max(len(k) for k, _ in pairs)
    return "\n".join(
        f"[dim]{k.ljust(width)}[/dim]  {escape(str(v))}" for k, v in pairs if v not in (None, "")
    )


class DealScreen(DataScreen):
    """Details on the left, stage history and timeline on the right (stacked when narrow)."""

    CSS_PATH = "deal.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("e", "edit", "Edit"),
        Binding("w", "won", "Won"),
        Binding("x", "lost", "Lost"),
    ]

    def __init__(self, deal_id: int) -> None:
        super().__init__()
        self.deal_id = deal_id
        self.deal: DealDetail | None = None

    def compose(self) -> ComposeResult:
        yield NavBar("pipeline")
        with Horizontal(id="deal-panes"):
            with VerticalScroll(id="deal-left"):
                yield Static("", id="deal-title")
                yield Static("", id="deal-details")
            with VerticalScroll(id="deal-right"):
                yield Static("[b]Stage history[/b]", classes="section")
                yield Static("", id="deal-history")
                yield Static("[b]Timeline[/b]", classes="section")
                yield Static("", id="deal-timeline")
        yield Footer(show_command_palette=False)

    async def on_mount(self) -> None:
        await self.reload()
        self.mark_seen()
        self.query_one("#deal-left").focus()

    async def reload(self) -> None:
        store = self.session.store
        try:
            with self.session.lock:
                deal = deals.get(store, self.deal_id)
                history = deals.history(store, self.deal_id)
                timeline = deals.timeline(store, self.deal_id)
        except NotFound:
            self.notify(f"Deal #{self.deal_id} was deleted elsewhere", severity="warning")
            self.dismiss()
            return
        except Exception as exc:
            self.report(exc)
            return
        self.deal = deal
        status = deal["status"]
        stage = deal["stage"] if status == "open" else f"{deal['stage']} ({status})"
        days = f"{deal['days_in_stage']} days" + ("  ⚠ stale" if deal["stale"] else "")
        self.query_one("#deal-title", Static).update(
            f"[b]{escape(deal['title'])}[/b]  [dim]#{deal['id']}[/dim]"
        )
        self.query_one("#deal-details", Static).update(
            _lines(
                [
                    ("Stage", stage),
                    ("In stage", days if status == "open" else ""),
                    ("Contact", deal["contact"]),
                    ("Company", deal["company"]),
                    ("Amount", money(deal)),
                    ("Win chance", f"{deals.effective_probability(deal)}%"),
                    ("Close by", deal["expected_close"]),
                    ("Next step", deal["next_step"] or ("⚠ none" if status == "open" else "")),
                    ("Lost because", deal["lost_reason"]),
                    ("Contract end", deal["contract_end"]),
                    ("Source", deal["lead_source"]),
                    ("Owner", deal["owner"]),
                    ("Created", local_time(deal["created_at"])),
                    ("Updated", local_time(deal["updated_at"])),
                ]
            )
        )
        self.query_one("#deal-history", Static).update(
            "\n".join(
                f"[dim]{local_time(h['at'])}[/dim]  "
                f"{escape(h['from_stage'] or 'new')} → {escape(h['to_stage'] or '?')}"
                for h in history
            )
            or "[dim]no stage changes[/dim]"
        )
        self.query_one("#deal-timeline", Static).update(
            "\n".join(
                f"[dim]{local_time(t['at'])}[/dim]  [b]{escape(t['what'])}[/b]  "
                f"{escape(t['text'] or '')}"
                for t in timeline
            )
            or "[dim]nothing logged about this deal yet[/dim]"
        )

    def on_resize(self) -> None:
        self.set_class(self.size.width < 90, "-narrow")

    def action_back(self) -> None:
        self.dismiss()

    def action_edit(self) -> None:
        if self.deal is None:
            return
        from crmcli.tui.modals.deal_form import DealForm

        self.app.push_screen(DealForm(self.deal), self._edited)

    async def _edited(self, deal: DealDetail | None) -> None:
        if deal is not None:
            self.wrote()
            self.notify(f"Saved deal #{deal['id']}")
            await self.reload()

    async def action_won(self) -> None:
        if self.deal is None:
            return
        store = self.session.store
        try:
            with self.session.lock:
                won = str(stages.first_of_kind(store, "won")["id"])
                _deal, notes = deals.move(
                    store, self.deal_id, won, expect_version=int(self.deal["version"])
                )
        except (Conflict, NotFound) as exc:
            self.report(exc, severity="warning")
            await self.reload()
            return
        except Exception as exc:
            self.report(exc)
            return
        self.wrote()
        self.notify(f"Won: {self.deal['title']}")
        for note in notes:
            self.notify(note)
        await self.reload()

    def action_lost(self) -> None:
        if self.deal is None:
            return
        from crmcli.tui.modals.lost import LostModal

        self.app.push_screen(LostModal(self.deal), self._lost)

    async def _lost(self, result: tuple[DealDetail, list[str]] | None) -> None:
        if result is not None:
            self.wrote()
            self.notify(f"Lost: {result[0]['title']}")
            await self.reload()
