"""The running app as screens, dialogs and widgets see it: its session and its change counter.

They sit below the app (`crmcli.tui.app` imports them to build itself), so they
reach it through this protocol rather than by importing it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from crmcli.tui.session import Session


class RunningApp(Protocol):
    """What of `CrmApp` the screens use."""

    session: Session
    generation: int

    def changed(self) -> None: ...


def app_of(node: DOMNode) -> RunningApp:
    """The running crm application, seen through what screens need of it."""
    return cast(RunningApp, node.app)


def session_of(node: DOMNode) -> Session:
    """The session (store, config, lock) of the app this node runs in."""
    return app_of(node).session
