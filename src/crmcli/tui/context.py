"""The running app as screens, dialogs and widgets see it: its session, its change counter,
and the contact a screen is showing.

They sit below the app (`crmcli.tui.app` imports them to build itself), so they
reach it through these protocols rather than by importing it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, cast, runtime_checkable

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from crmcli.tui.session import Session


class RunningApp(Protocol):
    """What of `CrmApp` the screens use."""

    session: Session
    generation: int
    painted: bool  # the first frame is on the terminal (see `FirstPaint`)

    def changed(self) -> None: ...


def app_of(node: DOMNode) -> RunningApp:
    """The running crm application, seen through what screens need of it."""
    return cast(RunningApp, node.app)


def session_of(node: DOMNode) -> Session:
    """The session (store, config, lock) of the app this node runs in."""
    return app_of(node).session


@runtime_checkable
class ShowsContact(Protocol):
    """A screen that can say which contact it shows (the palette acts on that one)."""

    def contact_in_view(self) -> tuple[int, str] | None: ...


def in_view(screen: object) -> tuple[int, str] | None:
    """(id, name) of the contact the screen shows: its own answer, else the board's card.

    A screen says it with `contact_in_view` (contacts, a deal, today, the agenda).
    The pipeline is read the way its keys read it: the selected card's contact.
    """
    if isinstance(screen, ShowsContact):
        return screen.contact_in_view()
    board = getattr(screen, "board", None)
    card = getattr(board, "current", None)
    if isinstance(card, Mapping) and card.get("contact_id") is not None:
        return int(card["contact_id"]), str(card.get("contact") or f"#{card['contact_id']}")
    return None
