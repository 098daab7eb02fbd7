"""The command palette's list of every action, each run on the screen it belongs to."""

from __future__ import annotations

from collections.abc import Awaitable
from functools import partial
from typing import Any, Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider


class _RunsPaletteActions(Protocol):
    """The app, as the palette uses it (the app imports this module, not the reverse)."""

    def run_palette_action(self, mode: str | None, action: str) -> Awaitable[None]: ...


# (title, help, mode it runs in (None: anywhere), action on that screen)
ACTIONS: tuple[tuple[str, str, str | None, str], ...] = (
    ("Go to pipeline", "The board of open deals (p)", "pipeline", ""),
    ("Go to contacts", "Search contacts and see their history (c)", "contacts", ""),
    ("Go to today", "Follow-ups due, touches due, deals at risk (t)", "today", ""),
    ("New deal", "Add a deal (n on the pipeline)", "pipeline", "new_deal"),
    ("Filter cards", "Filter the board as you type (/)", "pipeline", "filter"),
    ("Move deal to next stage", "The selected deal (] or shift+right)", "pipeline", "move_deal(1)"),
    (
        "Move deal to previous stage",
        "The selected deal ([ or shift+left)",
        "pipeline",
        "move_deal(-1)",
    ),
    ("Mark deal won", "The selected deal (w)", "pipeline", "won"),
    ("Mark deal lost", "The selected deal, with a reason (x)", "pipeline", "lost"),
    ("Open deal", "Details, history, timeline, edit (enter)", "pipeline", "open_deal"),
    ("Search contacts", "Type to search (/ on contacts)", "contacts", "search"),
    ("Log an interaction", "Call, email, meeting... with the contact (l)", "contacts", "log"),
    ("Add a follow-up", "For the selected contact (f)", "contacts", "followup"),
    ("Edit contact", "The selected contact's fields (e)", "contacts", "edit"),
    ("Mark follow-up done", "The selected follow-up on today (space)", "today", "done"),
    ("Snooze follow-up", "Move the selected follow-up to a new date (s)", "today", "snooze"),
    ("Undo", "Take back your most recent change (u)", None, "app.undo"),
    ("Show keys", "Every key, screen by screen (?)", None, "app.keys"),
    ("Quit", "Leave crm (q, ctrl+q)", None, "app.quit"),
)


class ActionsProvider(Provider):
    """Every crm action, found by name."""

    def _command(self, mode: str | None, action: str) -> Any:
        app = cast(_RunsPaletteActions, self.app)
        return partial(app.run_palette_action, mode, action)

    async def discover(self) -> Hits:
        for title, help_text, mode, action in ACTIONS:
            yield DiscoveryHit(title, self._command(mode, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, mode, action in ACTIONS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), self._command(mode, action), help=help_text
                )
