"""The pipeline screen: the kanban board, and the keys that move, win, lose and add deals.

It shows one pipeline at a time, the first at start; P switches to the next one.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer, Input, Label

from crmcli.core.errors import Conflict, NotFound
from crmcli.core.pipeline import board as deal_board
from crmcli.core.pipeline import deals, pipelines, stages
from crmcli.tui.context import app_of
from crmcli.tui.messages import BoardRefreshed, FirstPaint
from crmcli.tui.screens.base import DataScreen
from crmcli.tui.widgets.board import Board
from crmcli.tui.widgets.nav import NavBar, StageStrip

if TYPE_CHECKING:
    from crmcli.core.pipeline.rows import Deal, DealDetail

Moved = tuple["DealDetail", list[str]]


# Cards read per stage for the first paint: more than the tallest terminal shows (a card
# is five lines); the rest follow right after (`PipelineScreen._complete`).
FIRST_CARDS = 40


class PipelineScreen(DataScreen):
    """One column per open stage; the selected deal moves with shift+arrows or [ and ]."""

    CSS_PATH = "pipeline.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_deal", "New deal"),
        # Listed under ? (and on the pipeline line when there are several), not in the
        # footer: it would no longer fit 80 columns.
        Binding("P", "next_pipeline", "Next pipeline", key_display="P", show=False),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("m", "mail", "Mail from a template", show=False),  # listed under ?
    ]

    pipeline_id: int | None = None  # the pipeline on screen (the first, until P)

    def compose(self) -> ComposeResult:
        with self.session.lock:
            first = pipelines.first(self.session.store)
            several = pipelines.several(self.session.store)
        self.pipeline_id = int(first["id"])
        yield NavBar("pipeline")
        name = Label(f"Pipeline: {first['name']}  (P: next)", id="pipeline-name")
        name.display = several
        yield name
        yield StageStrip(id="stage-strip")
        with Horizontal(id="filter-bar"):
            yield Label("Filter ", id="filter-label")
            yield Input(placeholder="title, contact, company…", id="filter", compact=True)
        with self.session.lock:
            columns = self._board(per_stage=FIRST_CARDS)
        partial = any(len(c.cards) < c.count for c in columns)
        yield Board(columns, id="board", partial=partial)
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.mark_seen()
        board = self.query_one(Board)
        board.focus()
        if board.partial and app_of(self).painted:  # else at the first paint
            self.call_after_refresh(self._complete)

    async def on_first_paint(self, _message: FirstPaint) -> None:
        await self._complete()

    async def _complete(self) -> None:
        """Read every card, once the first screen of them is on the terminal.

        On the main thread, so no write can come between the read and the load: at
        5,000 open deals this is about a tenth of a second, once, after the board shows.
        Done at start-up, before the first frame is written, it delayed it as much.
        """
        board = self.board
        if not board.partial:  # a reload came first
            return
        keep = board.current["id"] if board.current else None
        try:
            with self.session.lock:
                columns = self._board()
        except Exception as exc:
            self.report(exc)
            return
        await board.load(columns, keep)
        # Start-up is over: what exists now (Textual's app and screen, every card) lives as
        # long as the interface. Left to the collector, each of its full passes walked it
        # all again, 0.1 s or more at 5,000 deals, and a move or keystroke met one now and
        # then; frozen, those passes walk only what came after.
        gc.freeze()

    @property
    def board(self) -> Board:
        return self.query_one(Board)

    def _board(self, per_stage: int | None = None) -> list[deal_board.Column]:
        """The board of the pipeline on screen (the caller holds the session's lock)."""
        session = self.session
        return deal_board.board(
            session.store, session.now(), per_stage=per_stage, pipeline_id=self.pipeline_id
        )

    async def action_next_pipeline(self) -> None:
        """Show the next pipeline's board (after the last, the first again)."""
        with self.session.lock:
            found = pipelines.list_pipelines(self.session.store)
        ids = [int(p["id"]) for p in found]
        if len(ids) < 2:
            self.notify("There is one pipeline (add another with `crm pipeline add NAME`)")
            return
        at = ids.index(self.pipeline_id) if self.pipeline_id in ids else -1
        chosen = found[(at + 1) % len(ids)]
        self.pipeline_id = int(chosen["id"])
        label = self.query_one("#pipeline-name", Label)
        label.update(f"Pipeline: {chosen['name']}  (P: next)")
        label.display = True
        try:
            with self.session.lock:
                columns = self._board()
        except Exception as exc:
            self.report(exc)
            return
        await self.board.load(columns, None)
        self.notify(f"Pipeline: {chosen['name']}", timeout=2)
        self._painted(None)

    async def reload(self) -> None:
        board = self.board
        keep = board.current["id"] if board.current else None
        try:
            with self.session.lock:
                if self.pipeline_id not in {
                    int(p["id"]) for p in pipelines.list_pipelines(self.session.store)
                }:  # removed in another shell: back to the first
                    self.pipeline_id = int(pipelines.first(self.session.store)["id"])
                columns = self._board()
        except Exception as exc:
            self.report(exc)
            return
        await board.load(columns, keep)
        self._painted(keep)

    def _painted(self, deal_id: int | None) -> None:
        """Say so once the board is on screen (tests and the bench wait for this)."""
        self.call_after_refresh(self.post_message, BoardRefreshed(deal_id))

    # -- changing deals -----------------------------------------------------------------
    async def _change(self, card: Deal, call: Callable[[], Moved], done: str) -> bool:
        """Run one core change to a deal, then update the board in place.

        A deal changed or deleted in another shell since the board was read is a
        notification and a fresh board, never a silent overwrite.
        """
        session = self.session
        try:
            with session.lock:
                deal, notes = call()
                heads = self._board(per_stage=0)
        except (Conflict, NotFound) as exc:
            self.report(exc, severity="warning")
            await self.reload()
            return False
        except Exception as exc:
            self.report(exc)
            return False
        self.wrote()
        board = self.board
        board.set_headers(heads)
        board.place(int(card["id"]), deal)
        for note in notes:
            self.notify(note)
        if done:
            self.notify(done)
        self._painted(int(card["id"]))
        return True

    def _selected(self) -> Deal | None:
        card = self.board.current
        if card is None:
            self.notify("No deal selected", severity="warning")
        return card

    async def action_move_deal(self, step: int) -> None:
        """Move the selected deal to the previous (-1) or next (+1) open stage."""
        card = self._selected()
        if card is None:
            return
        board = self.board
        target = board.col + step
        if not 0 <= target < len(board.columns):
            where = "first" if step < 0 else "last"
            self.notify(f"{card['title']} is already in the {where} open stage", timeout=3)
            return
        stage_id = str(board.columns[target].stage["id"])
        version = int(card["version"])
        store = self.session.store
        await self._change(
            card, lambda: deals.move(store, int(card["id"]), stage_id, expect_version=version), ""
        )

    def action_mail(self) -> None:
        """A template as a mail draft to the selected card's contact, about that deal."""
        card = self._selected()
        if card is None:
            return
        from crmcli.tui.modals.template_pick import mail_from

        mail_from(self, int(card["id"]), str(card["title"]))

    async def action_won(self) -> None:
        card = self._selected()
        if card is None:
            return
        store = self.session.store
        version = int(card["version"])

        def win() -> Moved:
            pipeline_id = deals.pipeline_of(store, int(card["id"]))
            won = str(stages.first_of_kind(store, "won", pipeline_id)["id"])
            return deals.move(store, int(card["id"]), won, expect_version=version)

        await self._change(card, win, f"Won: {card['title']}")

    def action_lost(self) -> None:
        card = self._selected()
        if card is None:
            return
        from crmcli.tui.modals.lost import LostModal

        self.app.push_screen(LostModal(card), self._lost)

    async def _lost(self, result: Moved | None) -> None:
        """After the lost dialog: the deal is already saved as lost; update the board."""
        if result is None:
            return
        deal, _notes = result
        with self.session.lock:
            heads = self._board(per_stage=0)
        self.wrote()
        self.board.set_headers(heads)
        self.board.place(int(deal["id"]), deal)
        self.notify(f"Lost: {deal['title']} ({deal['lost_reason']})")
        self._painted(int(deal["id"]))

    def action_open_deal(self) -> None:
        card = self._selected()
        if card is None:
            return
        from crmcli.tui.screens.deal import DealScreen

        self.app.push_screen(DealScreen(int(card["id"])))

    def action_new_deal(self) -> None:
        from crmcli.tui.modals.deal_form import DealForm

        self.app.push_screen(DealForm(), self._added)

    async def _added(self, deal: DealDetail | None) -> None:
        if deal is None:
            return
        self.wrote()
        self.notify(f"Added deal #{deal['id']} {deal['title']} in {deal['stage']}")
        await self.reload()
        self.board.select(int(deal["id"]))
        self.board.refresh_view()

    # -- which stages are on screen ------------------------------------------------------
    def on_board_window_changed(self, message: Board.WindowChanged) -> None:
        self.query_one(StageStrip).show(message.names, message.first, message.on_screen)

    def on_stage_strip_jump(self, message: StageStrip.Jump) -> None:
        self.board.jump(message.column)

    # -- filter -------------------------------------------------------------------------
    def action_filter(self) -> None:
        self.query_one("#filter-bar").add_class("-open")
        # At once, not at the next idle: "/wayne" typed fast had its w taken as Won.
        self.set_focus(self.query_one("#filter", Input))

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if not box.value and not box.has_focus:
            return
        box.value = ""
        self.query_one("#filter-bar").remove_class("-open")
        self.board.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.board.filter_text = event.value
            self._painted(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            if not event.value:
                self.query_one("#filter-bar").remove_class("-open")
            self.board.focus()
