"""The `crm tui` application: four main screens, the keys, the palette, and live refresh."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

from crmcli.tui.messages import DataChanged, FirstPaint
from crmcli.tui.palette import ActionsProvider
from crmcli.tui.screens.base import DataScreen
from crmcli.tui.screens.pipeline import PipelineScreen
from crmcli.tui.session import Session

if TYPE_CHECKING:
    from textual.screen import Screen

    from crmcli.core.db.store import Store

POLL_SECONDS = 0.5  # changes from another shell show within two polls at most


# The board is the first screen; the others are imported when first shown, not at start
# (with what they import, the filter language and the agenda, about a fifth of crm's own
# start-up): Textual calls a mode's factory when the mode is first entered. What a screen
# imports lives as long as the interface: frozen out of the collector's full passes, as
# start-up's objects are (see PipelineScreen._complete).


def _contacts() -> Screen[None]:
    from crmcli.tui.screens.contacts import ContactsScreen

    gc.freeze()
    return ContactsScreen()


def _today() -> Screen[None]:
    from crmcli.tui.screens.today import TodayScreen

    gc.freeze()
    return TodayScreen()


def _agenda() -> Screen[None]:
    from crmcli.tui.screens.agenda import AgendaScreen

    gc.freeze()
    return AgendaScreen()


class CrmApp(App[None]):
    """Pipeline, contacts, today and the agenda, over one long-lived store connection."""

    CSS_PATH = "app.tcss"
    TITLE = "crm"
    MODES: ClassVar = {
        "pipeline": PipelineScreen,
        "contacts": _contacts,
        "today": _today,
        "agenda": _agenda,
    }
    DEFAULT_MODE = "pipeline"
    COMMANDS = App.COMMANDS | {ActionsProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "switch_mode('pipeline')", "Pipeline", show=False),
        Binding("c", "switch_mode('contacts')", "Contacts", show=False),
        Binding("t", "switch_mode('today')", "Today", show=False),
        Binding("a", "switch_mode('agenda')", "Agenda", show=False),
        Binding("question_mark", "keys", "Keys", key_display="?"),
        Binding("u", "undo", "Undo", show=False),  # listed under ? and in the palette
        Binding("q", "quit_app", "Quit"),
    ]

    def __init__(
        self, session: Session, *, theme: str | None = None, poll_seconds: float = POLL_SECONDS
    ) -> None:
        super().__init__()
        self.poll_seconds = poll_seconds
        self.session = session
        self.generation = 0  # bumped on every change: screens compare it with what they saw
        self.painted = False  # the first frame is on the terminal
        self._version = session.data_version()
        self._requested_theme = theme

    def on_mount(self) -> None:
        wanted = self._requested_theme
        if wanted and wanted in self.available_themes:
            self.theme = wanted
        elif wanted:
            names = ", ".join(sorted(self.available_themes))
            self.notify(f"unknown theme {wanted!r} (themes: {names})", severity="warning")
        self.set_interval(self.poll_seconds, self.poll)
        self.run_time_rules()

    def on_ready(self) -> None:
        """Textual has laid the first frame out; the next refresh writes it to the terminal.

        Nothing reaches the terminal until the start-up's work is done (Textual batches
        it), so what can wait for the first frame is told only after it (`FirstPaint`).
        """
        self.call_after_refresh(self._first_paint)

    def _first_paint(self) -> None:
        self.painted = True
        for screen in self.screen_stack:
            screen.post_message(FirstPaint())

    def run_time_rules(self) -> None:
        """Run the time rules first, as `crm today` does, in a worker: the screens show at
        once, and the rules' follow-ups when they are made. Without an enabled time rule
        this is one small read and nothing more."""
        from crmcli.core.rules.hook import has_timed

        try:
            with self.session.lock:
                wanted = has_timed(self.session.store)
        except Exception:  # an older or locked file: the rules wait for `crm rule run`
            return
        if wanted:
            self.run_worker(self._time_rules, thread=True, group="rules", exit_on_error=False)

    def _time_rules(self) -> None:
        """In a worker thread: one run (one undoable batch), then a word to the rep."""
        from crmcli.core.errors import CrmError
        from crmcli.core.rules import timed

        try:
            with self.session.lock:
                report = timed.run(self.session.store)
        except CrmError as exc:
            self.call_from_thread(self.notify, f"Rules not run: {exc.message}", severity="warning")
            return
        if report.outcomes:
            self.call_from_thread(self._time_rules_done, len(report.applied), len(report.skipped))

    def _tell_rules(self) -> None:
        """What change rules did in this interface's own writes (a move that set a chaser),
        said once, as `crm` says it on the shell after a command."""
        fired = self.session.store.fired
        if not fired:
            return
        done = list(fired)
        fired.clear()
        applied = sum(1 for o in done if o.applied)
        names = ", ".join(f"'{n}'" for n in dict.fromkeys(o.rule for o in done))
        undo = " (u takes back the change and the rules' work)" if applied else ""
        said = _counts(applied, len(done) - applied)
        self.notify(f"Rules {names}: {said}{undo}", title="Rules", timeout=8)

    def _time_rules_done(self, applied: int, skipped: int) -> None:
        undo = " (u takes them back)" if applied else ""
        self.notify(f"Rules: {_counts(applied, skipped)}{undo}", title="Time rules", timeout=8)
        if applied:
            self.changed()
            self._reload_visible()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In a dialog, q, u and the screen keys are the dialog's (ctrl+q still quits)."""
        return not (
            action in ("quit_app", "switch_mode", "undo") and isinstance(self.screen, ModalScreen)
        )

    async def action_quit_app(self) -> None:
        await self.action_quit()

    def changed(self) -> None:
        """Data changed (here or elsewhere): every screen must read again before showing."""
        self.generation += 1

    def action_undo(self) -> None:
        """Take back the most recent change (a stray move or win is one key from reverted)."""
        from crmcli.core.errors import CrmError
        from crmcli.core.undo import undo

        try:
            with self.session.lock:
                batch = undo(self.session.store, str(self.session.config.get("user")))
        except CrmError as exc:
            self.notify(exc.message, severity="warning")
            return
        self.notify(f"Undone: {batch.command}", timeout=3)
        self.changed()
        self._reload_visible()

    def _reload_visible(self) -> None:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, DataScreen):
                screen.post_message(DataChanged())
                break

    def poll(self) -> None:
        """Reload the visible screen when another connection has committed."""
        self._tell_rules()
        try:
            version = self.session.data_version()
        except Exception:  # a locked or vanished file: try again at the next tick
            return
        if version is None or version == self._version:
            return
        self._version = version
        self.changed()
        self._reload_visible()

    async def show_contact(self, contact_id: int) -> None:
        """Put one contact on the contacts screen (Enter on a follow-up, a touch...).

        The screen first reads whatever changed while it was hidden, then takes the
        contact: done the other way round, that late reload put the screen's old
        selection back, and the next key acted on someone else.
        """
        from crmcli.tui.screens.contacts import ContactsScreen

        await self.switch_mode("contacts")
        while len(self.screen_stack) > 1:  # back to the mode's main screen
            await self.pop_screen()
        screen = self.screen
        if isinstance(screen, ContactsScreen):
            await screen.catch_up()
            screen.select_contact(contact_id)

    def show_deal(self, deal_id: int) -> None:
        """Open one deal on its own screen, over the current one (escape comes back)."""
        from crmcli.tui.screens.deal import DealScreen

        self.push_screen(DealScreen(deal_id))

    def action_keys(self) -> None:
        # Deferred: the key list imports every screen (the deal screen too), start-up none.
        from crmcli.tui.keymap import sections
        from crmcli.tui.modals.keys import KeysModal

        if not isinstance(self.screen, KeysModal):
            self.push_screen(KeysModal(sections(CrmApp.BINDINGS)))


def run(store: Store, *, theme: str | None = "auto") -> None:
    """Run the interface until the user quits; the store is closed afterwards.

    `theme` is a Textual theme name, or "auto" (or None): light or dark, as the
    terminal's background is (asked before Textual takes the terminal over).
    """
    from crmcli.tui.theme import pick

    chosen = pick(theme)
    session = Session(store)
    try:
        CrmApp(session, theme=chosen).run()
    finally:
        session.close()


def _counts(applied: int, skipped: int) -> str:
    """ "2 actions done, 1 action skipped": what rules did, for a notification."""
    from crmcli.tui.format import plural

    done = [plural(applied, "action") + " done"] if applied else []
    done += [plural(skipped, "action") + " skipped"] if skipped else []
    return ", ".join(done)
