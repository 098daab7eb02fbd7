"""Contacts: search as you type (the matching of `crm find`), the list beside one contact.

Keys act on the highlighted contact while the list has the focus: `/` (or just
typing a letter that is no key) goes to the search box, where every key types;
enter, escape or down come back to the list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from crmcli.core.activity import timeline
from crmcli.core.clock import local_time
from crmcli.core.errors import CrmError
from crmcli.core.people import directory, relations
from crmcli.core.search import find as search
from crmcli.tui.context import app_of
from crmcli.tui.format import fit, money
from crmcli.tui.messages import ContactsListed
from crmcli.tui.screens.base import DataScreen, keep_place
from crmcli.tui.widgets.nav import NavBar

if TYPE_CHECKING:
    from crmcli.core.people.relations import Relation
    from crmcli.core.people.rows import ContactDetail, ContactLine
    from crmcli.core.pipeline.rows import Deal

LIMIT = 30  # results listed (`crm find` shows 20): a screenful, and quick to repaint


def _prompt(row: ContactLine) -> Content:
    """One result: the name, then company and email dimmed."""
    extra = " · ".join(str(x) for x in (row.get("company"), row.get("email")) if x)
    return Content.assemble((str(row["name"]), "bold"), ("  " + extra, "$text-muted"))


class ContactsScreen(DataScreen):
    """The search box and results on the left, the selected contact on the right."""

    CSS_PATH = "contacts.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/"),
        Binding("n", "new_contact", "New"),
        Binding("e", "edit_contact", "Edit"),
        Binding("l", "log", "Log"),
        Binding("f", "followup", "Follow-up"),
        Binding("escape", "leave_search", "To list", show=False),
        Binding("down", "leave_search", "To list", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        self.rows: Sequence[ContactLine] = []
        self.contact_id: int | None = None  # the one in the detail pane
        self.only: int | None = None  # listed alone (opened from another screen)

    def compose(self) -> ComposeResult:
        yield NavBar("contacts")
        with Horizontal(id="contacts-panes"):
            with Vertical(id="contacts-left"):
                yield Input(
                    placeholder="search: name, company, email, phone, tag  (/)",
                    id="search",
                    select_on_focus=False,  # a letter typed on the list goes on the end
                )
                yield Static("", id="contacts-status")
                yield OptionList(id="contacts-list")
            with VerticalScroll(id="contact-pane"):
                yield Static("", id="contact-details")
                yield Static("", id="contact-relations")
                yield Static("", id="contact-deals")
                yield Static("", id="contact-timeline")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.listing.focus()
        self.run_search("")
        self.mark_seen()

    @property
    def listing(self) -> OptionList:
        return self.query_one("#contacts-list", OptionList)

    async def reload(self) -> None:
        self.run_search(self.query_text, keep=self._highlighted(), only=self.only)

    def _highlighted(self) -> int | None:
        """The contact under the cursor: the one every key acts on."""
        option = self.listing.highlighted_option
        return int(option.id) if option is not None and option.id else None

    def select_contact(self, contact_id: int) -> None:
        """Show one contact (from another screen), listed alone until the search changes."""
        box = self.query_one("#search", Input)
        with self.prevent(Input.Changed):
            box.value = ""
        self.query_text = ""
        self.only = self.contact_id = contact_id
        self.run_search("", keep=contact_id, only=contact_id)
        self.listing.focus()

    def contact_in_view(self) -> tuple[int, str] | None:
        """The highlighted contact (what the palette's contact actions act on)."""
        contact_id = self._highlighted()
        if contact_id is None:
            return None
        return contact_id, self._contact_name(contact_id)

    def on_key(self, event: events.Key) -> None:
        """On the list, a letter that is no key starts a search with it."""
        box = self.query_one("#search", Input)
        if box.has_focus or not event.is_printable or not event.character:
            return
        if event.key in self.active_bindings:
            return
        event.stop()
        event.prevent_default()
        box.focus()
        box.value += event.character
        box.cursor_position = len(box.value)

    # -- searching ----------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self.query_text = event.value
            self.only = None
            self.run_search(event.value, keep=None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            self.listing.focus()

    def run_search(self, text: str, keep: int | None = None, only: int | None = None) -> None:
        """Show the results for `text`: at once when the search is cheap, else off-thread.

        `crm find`'s matching costs a few milliseconds once every word has three
        letters, but a one- or two-letter word matches a large share of a big
        index (hundreds of ms): such a search runs in a worker thread, so typing
        never waits, and only the latest query's results are ever shown.
        """
        self.workers.cancel_group(self, "search")
        words = text.split()
        if only is not None or not words or all(len(w) >= 3 for w in words):
            rows, message = self._query(text, only)
            self._show(text, rows, message, keep)
        else:
            self._search_in_thread(text, keep)

    def _query(self, text: str, only: int | None = None) -> tuple[Sequence[ContactLine], str]:
        """(rows, message) for a query, through the same core calls as `crm find`."""
        session = self.session
        with session.lock:
            try:
                if only is not None:
                    return search.describe(session.store, [search.Hit(only, 1.0)]), ""
                if not text.strip():
                    return directory.list_contacts(session.store, limit=LIMIT), ""
                hits = search.find(session.store, text, limit=LIMIT)
                rows = search.describe(session.store, hits)
            except CrmError as exc:
                return [], exc.message
        return rows, "" if rows else f"no contact matches {text.strip()!r}"

    @work(thread=True, exclusive=True, group="search")
    def _search_in_thread(self, text: str, keep: int | None) -> None:
        worker = get_current_worker()
        if worker.is_cancelled:
            return
        rows, message = self._query(text)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_if_current, text, rows, message, keep)

    def _show_if_current(
        self, text: str, rows: Sequence[ContactLine], message: str, keep: int | None
    ) -> None:
        if text == self.query_text:
            self._show(text, rows, message, keep)

    def _show(self, text: str, rows: Sequence[ContactLine], message: str, keep: int | None) -> None:
        before = [str(r["id"]) for r in self.rows]
        self.rows = rows
        listing = self.listing
        listing.clear_options()
        listing.add_options([Option(_prompt(r), id=str(r["id"])) for r in rows])
        status = message or (
            f"{len(rows)} contacts" if not text.strip() else f"{len(rows)} found for {text!r}"
        )
        if not text.strip() and not message:
            status = "type to search · first contacts by name"
        self.query_one("#contacts-status", Static).update(status)
        # The same contact, or its neighbour if it left the list (see keep_place).
        ids = [str(r["id"]) for r in rows]
        target = keep_place(before, None if keep is None else str(keep), ids)
        index = ids.index(target) if target is not None else 0
        if rows:
            listing.highlighted = index
        # The list is painted first; the detail pane follows on the next frame, so a
        # keystroke's results never wait for a contact's timeline to be drawn.
        self.call_after_refresh(self.post_message, ContactsListed(text, len(rows)))
        chosen = int(rows[index]["id"]) if rows else None
        self.call_after_refresh(self._detail_after_list, chosen, True)

    def _detail_after_list(self, contact_id: int | None, again: bool = False) -> None:
        """Show a contact in the pane (`again`: even the one shown, its data changed)."""
        if again or contact_id != self.contact_id:
            self.show_contact(contact_id)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None:
            self.call_after_refresh(self._detail_after_list, int(event.option.id))

    # -- the detail pane ----------------------------------------------------------------
    def show_contact(self, contact_id: int | None) -> None:
        self.contact_id = contact_id
        details = self.query_one("#contact-details", Static)
        related = self.query_one("#contact-relations", Static)
        deals_box = self.query_one("#contact-deals", Static)
        events = self.query_one("#contact-timeline", Static)
        if contact_id is None:
            details.update("[dim]no contact selected[/dim]")
            related.display = False
            deals_box.update("")
            events.update("")
            return
        session = self.session
        try:
            with session.lock:
                person = directory.get(session.store, contact_id)
                kin = relations.listing(session.store, contact_id)
                history = timeline.timeline(session.store, contact_id, limit=30)
            owned = session.deals_of(contact_id, app_of(self).generation)
        except Exception as exc:
            self.report(exc)
            return
        details.update(_details(person))
        related.update(_relations(kin))
        related.display = bool(kin)  # no empty heading for the many without any
        deals_box.update(_deals(owned))
        events.update(_timeline(history))

    # -- actions ------------------------------------------------------------------------
    def action_search(self) -> None:
        """To the search box, its text selected: typing replaces the search."""
        box = self.query_one("#search", Input)
        box.focus()
        box.select_all()

    def action_leave_search(self) -> None:
        if self.query_one("#search", Input).has_focus:
            self.listing.focus()

    def _current(self) -> int | None:
        """The highlighted contact (the pane follows a frame later: a fast key must not
        act on the one the pane still shows)."""
        contact_id = self._highlighted()
        if contact_id is None:
            self.notify("No contact selected", severity="warning")
        elif contact_id != self.contact_id:
            self.show_contact(contact_id)
        return contact_id

    def action_log(self) -> None:
        contact_id = self._current()
        if contact_id is not None:
            from crmcli.tui.modals.log_form import LogForm

            self.app.push_screen(LogForm(contact_id, self._contact_name(contact_id)), self._saved)

    def action_followup(self) -> None:
        contact_id = self._current()
        if contact_id is not None:
            from crmcli.tui.modals.followup_form import FollowupForm

            self.app.push_screen(
                FollowupForm(contact_id, self._contact_name(contact_id)), self._saved
            )

    def action_new_contact(self) -> None:
        from crmcli.tui.modals.contact_form import ContactForm

        self.app.push_screen(ContactForm(), self._added)

    def _added(self, saved: tuple[str, int] | None) -> None:
        """A new contact is shown at once, listed alone until the search changes."""
        if saved:
            self.wrote()
            self.notify(saved[0])
            self.select_contact(saved[1])

    def action_edit_contact(self) -> None:
        contact_id = self._current()
        if contact_id is None:
            return
        from crmcli.tui.modals.contact_form import ContactForm

        try:
            with self.session.lock:
                person = directory.get(self.session.store, contact_id)
        except Exception as exc:
            self.report(exc)
            return
        self.app.push_screen(ContactForm(person), self._edited)

    def _edited(self, saved: tuple[str, int] | None) -> None:
        self._saved(saved[0] if saved else None)

    def _contact_name(self, contact_id: int) -> str:
        for row in self.rows:
            if row["id"] == contact_id:
                return str(row["name"])
        return f"#{contact_id}"

    def _saved(self, said: str | None) -> None:
        if said:
            self.wrote()
            self.notify(said)
            self.run_search(self.query_text, keep=self._highlighted(), only=self.only)


def _details(c: ContactDetail) -> str:
    pairs: list[tuple[str, Any]] = [
        ("Company", c["company"]),
        ("Title", c["title"]),
        ("Email", ", ".join(e["email"] for e in c["emails"])),
        ("Phone", ", ".join(p["display"] for p in c["phones"])),
        ("Tags", ", ".join(c["tags"])),
        ("Status", c["status"]),
        ("Touch every", f"{c['cadence_days']} days" if c["cadence_days"] else ""),
        ("Last touch", local_time(c["last_touch_at"])),
        ("Do not contact", "YES" if c["do_not_contact"] else ""),
        ("Notes", c["notes"]),
    ]
    width = max(len(k) for k, _ in pairs)
    lines = [f"[b $text-primary]{escape(c['display_name'])}[/]  [dim]#{c['id']}[/dim]", ""]
    lines += [
        f"[dim]{k.ljust(width)}[/dim]  {escape(str(v))}" for k, v in pairs if v not in (None, "")
    ]
    return "\n".join(lines)


def _relations(rows: list[Relation]) -> str:
    """Relations both ways: who, what they are to this contact, their REF."""
    lines = ["", "[b $text-accent]Relations[/]"]
    for r in rows:
        ref = f"  [dim]#{r['contact_id']}[/dim]" if r["contact_id"] is not None else ""
        kind = f"  [dim]{escape(r['label'])}[/dim]" if r["label"] else ""
        lines.append(f"{escape(r['name'])}{kind}{ref}")
    return "\n".join(lines)


def _deals(rows: list[Deal]) -> str:
    if not rows:
        return "\n[b $text-accent]Deals[/]\n[dim]none[/dim]"
    lines = ["", "[b $text-accent]Deals[/]"]
    for d in rows:
        state = d["stage"] if d["status"] == "open" else d["status"]
        flag = "  [$text-warning]⚠ stale[/]" if d["stale"] else ""
        lines.append(
            f"{escape(fit(d['title'], 40))}  [dim]{escape(state)}[/dim]  {escape(money(d))}{flag}"
        )
    return "\n".join(lines)


def _timeline(rows: list[dict[str, Any]]) -> str:
    lines = ["", "[b $text-accent]Timeline[/]"]
    if not rows:
        return "\n".join([*lines, "[dim]nothing logged yet[/dim]"])
    for t in rows:
        lines.append(
            f"[dim]{local_time(t['at'])}[/dim]  [b]{escape(str(t['what']))}[/b]  "
            f"{escape(str(t['text'] or ''))}"
        )
    return "\n".join(lines)
