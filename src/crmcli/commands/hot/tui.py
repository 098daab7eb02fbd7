"""`crm tui`: the full-screen interface, started without Typer on the fast path.

The interface is a long-lived process the rep opens several times a day, and its
first paint is what they wait for: taken by the fast path, `crm tui` skips Typer's
import and its pydantic coercion (about 150 ms) that a plain Textual program does
not pay either (issue #25).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crmcli.commands._state import AppState


def tui(app: AppState, *, theme: str) -> int:
    """Open the full-screen interface until the rep quits; 0."""
    # The one body that imports the TUI, here and only here: no other command pays for
    # Textual (the import contracts list this line as their one exception).
    from crmcli.tui.app import run

    store = app.store(write=True)
    run(store, theme=theme)
    # What rules did was told on screen as it happened (a notification a second after the
    # write at most): not told again on the shell once the interface closes.
    store.fired.clear()
    return 0
