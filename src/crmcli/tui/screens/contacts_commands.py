"""The contacts screen's own command palette entries: saved views, the filter, the marks, mail.

Registered on the screen (`ContactsScreen.COMMANDS`), so they are offered while the
contacts screen is on view, beside the app's actions; every view is there, not only
the nine with a digit key.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from crmcli.core.query.views import SavedView


class ShowsViews(Protocol):
    """What of the contacts screen the entries use (it imports this module, not the reverse)."""

    views: list[SavedView]

    def use_view(self, name: str) -> None: ...


# (title, help, the screen's action)
ACTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "Filter contacts",
        "The --where language: tag:vip touched:>30d (w)",
        "filter",
    ),
    ("Clear the filter", "Every contact again (0)", "view(0)"),
    ("Mark all listed contacts", "For tag, untag or archive; again: none (*)", "mark_all"),
    ("Tag the marked contacts", "Or the one under the cursor; one undo (+)", "tag"),
    ("Untag the marked contacts", "Or the one under the cursor; one undo (-)", "untag"),
    (
        "Archive the marked contacts",
        "Or the one under the cursor; u undoes (x)",
        "archive",
    ),
)


def mail_from(screen: Any) -> None:
    """The template picker for the contact under the cursor (`m`)."""
    from crmcli.tui.modals.template_pick import mail_from as pick  # the TUI's start skips it

    pick(screen)


class ContactViewsProvider(Provider):
    """Your saved views of contacts, and the filter and mark actions, found by name."""

    def _entries(self) -> list[tuple[str, str, Callable[[], Any]]]:
        screen = cast(ShowsViews, self.screen)  # registered on the contacts screen only
        entries: list[tuple[str, str, Callable[[], Any]]] = [
            (f"View: {v['name']}", v["query"], partial(screen.use_view, v["name"]))
            for v in screen.views
        ]
        entries += [
            (title, help_text, partial(self.app.run_action, action, self.screen))
            for title, help_text, action in ACTIONS
        ]
        entries.append(
            (
                "Mail from a template",
                "A draft to the contact under the cursor, in $EDITOR (m)",
                partial(mail_from, self.screen),
            )
        )
        return entries

    async def discover(self) -> Hits:
        for title, help_text, command in self._entries():
            yield DiscoveryHit(title, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, command in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, help=help_text)
