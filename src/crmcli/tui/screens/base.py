"""What the main screens share: the session, and reading the data again when it changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from crmcli.tui.context import app_of, session_of
from crmcli.tui.messages import DataChanged

if TYPE_CHECKING:
    from crmcli.tui.session import Session


class DataScreen(Screen[Any]):
    """A screen that shows stored data and reads it again when it changes.

    The app counts changes (`generation`): a screen on view reloads at once when
    another connection commits; a screen in the background reloads when it is
    shown again, so only the visible data is ever read.
    """

    seen = -1

    @property
    def session(self) -> Session:
        return session_of(self)

    async def reload(self) -> None:
        """Read this screen's data again, keeping the selection where it can."""

    def mark_seen(self) -> None:
        self.seen = app_of(self).generation

    def wrote(self) -> None:
        """This screen changed data itself: other screens must read it again."""
        app_of(self).changed()
        self.mark_seen()

    async def on_screen_resume(self) -> None:
        if self.seen != app_of(self).generation:
            await self.reload()
            self.mark_seen()

    async def on_data_changed(self, message: DataChanged) -> None:
        message.stop()
        await self.reload()
        self.mark_seen()

    def report(self, exc: BaseException, *, severity: str = "error") -> None:
        """Show a user-facing error as a notification; re-raise a genuine bug."""
        from crmcli.tui.session import error_message

        text = error_message(exc)
        if text is None:
            raise exc
        self.notify(text, severity="warning" if severity == "warning" else "error", timeout=6)
