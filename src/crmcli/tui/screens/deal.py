"""One deal: its details, stage history and timeline; and everything a rep does to it.

Log an interaction or add a follow-up with the deal's contact (tied to the deal),
move it a stage on, win it, lose it, edit it: each key acts on this deal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.markup import escape
from textual.widgets import Footer, Static

from crmcli.core.clock import local_time
from crmcli.core.errors import Conflict, NotFound, Refused
from crmcli.core.pipeline import deals, stages
from crmcli.tui.format import money
from crmcli.tui.screens.base import DataScreen
from crmcli.tui.widgets.nav import NavBar

if TYPE_CHECKING:
    from crmcli.core.pipeline.rows import DealDetail

Moved = tuple["DealDetail", list[str]]


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
        Binding("l", "log", "Log"),
        Binding("f", "followup", "Follow-up"),
        # One of the pair in the footer, so it fits 80 columns; both are under `?`.
        Binding("shift+left,[", "move_deal(-1)", "◀ Stage", key_display="[", show=False),
        Binding("shift+right,]", "move_deal(1)", "Stage ▶", key_display="]"),
        Binding("w", "won", "Won"),
        Binding("x", "lost", "Lost"),
        Binding("e", "edit", "Edit"),
        Binding("m", "mail", "Mail from a template", show=False),  # the footer is full at 80
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

    def contact_in_view(self) -> tuple[int, str] | None:
        """The deal's contact (what the palette's contact actions act on)."""
        deal = self.deal
        if deal is None or deal["contact_id"] is None:
            return None
        return int(deal["contact_id"]), str(deal["contact"])

    def _open_deal(self) -> DealDetail | None:
        """The deal, if it can still change; a closed one says how it ended, once."""
        deal = self.deal
        if deal is None:
            return None
        if deal["status"] != "open":
            self.notify(f"{deal['title']} is {deal['status']}", severity="warning", timeout=3)
            return None
        return deal

    def action_mail(self) -> None:
        """A template as a mail draft to the deal's contact, about this deal."""
        if self.deal is None:
            return
        from crmcli.tui.modals.template_pick import mail_from

        mail_from(self, self.deal_id, str(self.deal["title"]))

    def action_log(self) -> None:
        """Log with the deal's contact, tied to this deal (it shows in the deal's timeline)."""
        if self.deal is None:
            return
        from crmcli.tui.modals.log_form import LogForm

        known = self.contact_in_view()
        form = LogForm(
            known[0] if known else None,
            known[1] if known else "",
            deal_id=self.deal_id,
            deal=self.deal["title"],
        )
        self.app.push_screen(form, self._noted)

    def action_followup(self) -> None:
        """A follow-up with the deal's contact, tied to this deal."""
        if self.deal is None:
            return
        from crmcli.tui.modals.followup_form import FollowupForm

        known = self.contact_in_view()
        form = FollowupForm(
            known[0] if known else None,
            known[1] if known else "",
            deal_id=self.deal_id,
            deal=self.deal["title"],
        )
        self.app.push_screen(form, self._noted)

    async def _noted(self, said: str | None) -> None:
        if said:
            self.wrote()
            self.notify(said)
            await self.reload()

    async def _change(self, call: Callable[[], Moved], done: str) -> None:
        """One core change to this deal; changed or deleted elsewhere is a warning."""
        try:
            with self.session.lock:
                deal, notes = call()
        except (Conflict, NotFound, Refused) as exc:
            self.report(exc, severity="warning")
            await self.reload()
            return
        except Exception as exc:
            self.report(exc)
            return
        self.wrote()
        self.notify(done.format(stage=deal["stage"]))
        for note in notes:
            self.notify(note)
        await self.reload()

    async def action_move_deal(self, step: int) -> None:
        """Move this deal to the previous (-1) or next (+1) open stage."""
        deal = self._open_deal()
        if deal is None:
            return
        store = self.session.store
        with self.session.lock:
            own = deals.pipeline_of(store, self.deal_id)
            ladder = [s for s in stages.list_stages(store, own) if s["kind"] == "open"]
        ids = [s["id"] for s in ladder]
        here = ids.index(deal["stage_id"]) if deal["stage_id"] in ids else -1
        target = here + step
        if here < 0 or not 0 <= target < len(ids):
            where = "first" if step < 0 else "last"
            self.notify(f"{deal['title']} is already in the {where} open stage", timeout=3)
            return
        stage_id, version = str(ids[target]), int(deal["version"])
        await self._change(
            lambda: deals.move(store, self.deal_id, stage_id, expect_version=version),
            f"Moved {deal['title']} to {{stage}}",
        )

    async def action_won(self) -> None:
        deal = self._open_deal()
        if deal is None:
            return
        store = self.session.store
        version = int(deal["version"])

        def win() -> Moved:
            own = deals.pipeline_of(store, self.deal_id)
            won = str(stages.first_of_kind(store, "won", own)["id"])
            return deals.move(store, self.deal_id, won, expect_version=version)

        await self._change(win, f"Won: {deal['title']}")

    def action_lost(self) -> None:
        deal = self._open_deal()
        if deal is None:
            return
        from crmcli.tui.modals.lost import LostModal

        self.app.push_screen(LostModal(deal), self._lost)

    async def _lost(self, result: tuple[DealDetail, list[str]] | None) -> None:
        if result is not None:
            self.wrote()
            self.notify(f"Lost: {result[0]['title']} ({result[0]['lost_reason']})")
            await self.reload()
