"""What the main screens share: the session, reading the data again when it changed, and a
list whose highlighted row is the record every key acts on, through any change."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import OptionList

from crmcli.core.activity import followups
from crmcli.core.errors import NotFound, Refused
from crmcli.tui.context import app_of, session_of
from crmcli.tui.messages import DataChanged

if TYPE_CHECKING:
    from textual.widgets.option_list import Option

    from crmcli.core.activity.rows import FollowUp
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

    async def catch_up(self) -> None:
        """Read the data now if it changed since this screen last did.

        Called before another screen puts a record on this one: otherwise the
        reload that showing the screen schedules would come after the record was
        put there, and put the screen's old selection back in its place.
        """
        if self.seen != app_of(self).generation:
            await self.reload()
            self.mark_seen()

    async def on_screen_resume(self) -> None:
        await self.catch_up()

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


def keep_place(before: Sequence[str], key: str | None, now: Sequence[str]) -> str | None:
    """The record the cursor goes to when a list is read again.

    The same record while it is listed. When it left the list (done, snoozed away,
    deleted in another shell), the first record that followed it and is still
    listed, else the nearest one before it; the first row when nothing is known.
    Decided on the records, never on the row number: a row added or removed above
    the cursor must not change which record the next key acts on.
    """
    present = set(now)
    if key in present:
        return key
    if key is not None and key in before:
        at = before.index(key)
        for other in (*before[at + 1 :], *reversed(before[:at])):
            if other in present:
                return other
    return now[0] if now else None


class Opens(Protocol):
    """What of the app a list uses to open a row's record on its own screen.

    The app imports the screens, so the screens reach it through this protocol.
    """

    def show_contact(self, contact_id: int) -> Awaitable[None]: ...

    def show_deal(self, deal_id: int) -> None: ...


class RecordList(DataScreen):
    """A screen built on one list of records (follow-ups, contacts due for a touch, deals).

    The highlighted row is the selection: every key reads the record under the
    cursor when it runs, and a reload (after done, snooze, undo, a change in
    another shell) keeps the cursor on the same record, or on its neighbour when
    it left the list (`keep_place`). There is no second notion of "current".
    """

    LIST_ID: ClassVar[str] = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "done", "Done"),
        Binding("s", "snooze", "Snooze"),
        Binding("l", "log", "Log"),
        Binding("f", "followup", "Follow-up"),
        Binding("enter", "open", "Open"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, dict[str, Any]] = {}

    @property
    def listing(self) -> OptionList:
        return self.query_one(f"#{self.LIST_ID}", OptionList)

    def selected_key(self) -> str | None:
        """The id of the highlighted row (None on an empty list)."""
        option = self.listing.highlighted_option
        return None if option is None or option.disabled else option.id

    def selected(self) -> dict[str, Any] | None:
        return self.items.get(self.selected_key() or "")

    def fill(self, options: list[Option], items: dict[str, dict[str, Any]]) -> None:
        """Show freshly read rows, the cursor kept on its record (see `keep_place`)."""
        listing = self.listing
        before = [o.id for o in listing.options if o.id in self.items]
        key = self.selected_key()
        top = listing.scroll_y
        self.items = items
        listing.clear_options()
        listing.add_options(options)
        target = keep_place(before, key, [o.id for o in options if o.id in items])
        listing.scroll_to(y=top, animate=False, immediate=True)
        listing.highlighted = None if target is None else listing.get_option_index(target)

    # -- actions: each on the highlighted row -------------------------------------------
    def _followup_selected(self) -> FollowUp | None:
        item = self.selected()
        if item is None or item["type"] != "followup":
            self.notify("Select a follow-up first", severity="warning", timeout=3)
            return None
        return cast("FollowUp", item)  # a follow-up's row, tagged with its "type"

    def contact_in_view(self) -> tuple[int, str] | None:
        """(id, name) of the highlighted row's contact: what the palette's contact actions use."""
        return self._contact_of(self.selected())

    def _contact_of(self, item: dict[str, Any] | None) -> tuple[int, str] | None:
        """The contact a row is about: a follow-up's, a touch's, a deal's (if it has one)."""
        if item is None:
            return None
        if item["type"] == "touch":
            return int(item["id"]), str(item["contact"])
        if item.get("contact_id") is None:
            return None
        return int(item["contact_id"]), str(item["contact"])

    async def action_done(self) -> None:
        item = self._followup_selected()
        if item is None:
            return
        try:
            with self.session.lock:
                followups.done(self.session.store, int(item["id"]))
        except (NotFound, Refused) as exc:
            self.report(exc, severity="warning")
            await self.reload()
            return
        except Exception as exc:
            self.report(exc)
            return
        self.wrote()
        self.notify(f"Done: {item['contact']} — {item['note'] or 'follow-up'}", timeout=3)
        await self.reload()

    def action_snooze(self) -> None:
        item = self._followup_selected()
        if item is None:
            return
        from crmcli.tui.modals.snooze import SnoozeForm

        self.app.push_screen(SnoozeForm(item), self._saved)

    def action_log(self) -> None:
        """Log an interaction with the highlighted row's contact (a call just made)."""
        who = self._contact_of(self.selected())
        if who is None:
            self.notify("No contact on this row", severity="warning", timeout=3)
            return
        from crmcli.tui.modals.log_form import LogForm

        self.app.push_screen(LogForm(*who), self._saved)

    def action_followup(self) -> None:
        """Add a follow-up for the highlighted row's contact."""
        who = self._contact_of(self.selected())
        if who is None:
            self.notify("No contact on this row", severity="warning", timeout=3)
            return
        from crmcli.tui.modals.followup_form import FollowupForm

        self.app.push_screen(FollowupForm(*who), self._saved)

    async def _saved(self, said: str | None) -> None:
        if said:
            self.wrote()
            self.notify(said, timeout=3)
            await self.reload()

    async def action_open(self) -> None:
        await self.open_key(self.selected_key())

    async def open_key(self, key: str | None) -> None:
        """Open a row's record: a deal on its screen, anyone else's contact on Contacts."""
        item = self.items.get(key or "")
        if item is None:
            return
        opens = cast(Opens, self.app)
        if item["type"] == "deal":
            opens.show_deal(int(item["id"]))
            return
        who = self._contact_of(item)
        if who is not None:
            await opens.show_contact(who[0])

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """On a section's first row, keep its heading in view (Home showed no "Overdue");
        on the last row, the closing line under it ("Later · 7 ...").

        The rows are one line each (the lists do not wrap), so an index is a line.
        """
        index = event.option_index
        listing = event.option_list
        above = index - 1
        if above >= 0 and listing.get_option_at_index(above).disabled and listing.scroll_y > above:
            listing.scroll_to(y=above, animate=False, immediate=True)
        if index == listing.option_count - 2 and listing.get_option_at_index(index + 1).disabled:
            listing.scroll_end(animate=False, immediate=True)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or a click: open the row it was given on, whatever happens meanwhile."""
        event.stop()
        self.run_worker(self.open_key(event.option.id))
