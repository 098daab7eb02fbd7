"""Contacts: search as you type (the matching of `crm find`), the list beside one contact.

Keys act on the highlighted contact while the list has the focus: `/` (or just
typing a letter that is no key) goes to the search box, where every key types;
enter, escape or down come back to the list.

`w` opens the filter box, which takes the filter language of `--where` (the same parser: an
error is shown under the box with its column, the list left as it was); the digits switch to
your saved views of contacts (`crm view save`), listed under the box, and `0` back to all. Over
a filter, the search box narrows it by the words typed. Space marks the contact under the cursor
(`*` all those listed); tag (`+`), untag (`-`) and archive (`x`) then act on the marked ones,
else on the one under the cursor, in one transaction: one `u` takes it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.markup import escape
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from crmcli.core.errors import CrmError
from crmcli.core.people import bulk_tags, directory
from crmcli.core.query import views
from crmcli.core.query.compile import compile_where
from crmcli.core.search import find as search
from crmcli.core.search import prefix
from crmcli.tui.context import app_of
from crmcli.tui.messages import ContactsListed
from crmcli.tui.screens.base import DataScreen, keep_place
from crmcli.tui.screens.contacts_commands import ContactViewsProvider
from crmcli.tui.widgets.contact_pane import ContactPane
from crmcli.tui.widgets.nav import NavBar

if TYPE_CHECKING:
    from crmcli.core.people.rows import ContactLine
    from crmcli.core.query.views import SavedView

LIMIT = 30  # results listed (`crm find` shows 20): a screenful, and quick to repaint
FILTERED = 500  # a filter's matches listed: a segment to work through, marked at once
RETRY = 0.05  # seconds before the detail pane asks again for a store a search holds
VIEW_KEYS = 9  # views 1 to 9 have a digit key; the palette reaches every one


def _prompt(row: ContactLine, marked: bool = False) -> Content:
    """One result: the name, then company and email dimmed; a mark before a marked one."""
    extra = " · ".join(str(x) for x in (row.get("company"), row.get("email")) if x)
    mark = [("● ", "bold $accent")] if marked else []
    return Content.assemble(*mark, (str(row["name"]), "bold"), ("  " + extra, "$text-muted"))


class ContactsScreen(DataScreen):
    """The search box and results on the left, the selected contact on the right."""

    CSS_PATH = "contacts.tcss"
    COMMANDS: ClassVar = {ContactViewsProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/"),
        Binding("n", "new_contact", "New"),
        Binding("e", "edit_contact", "Edit"),
        Binding("l", "log", "Log"),
        Binding("f", "followup", "Follow-up"),
        Binding("m", "mail", "Mail from a template", show=False),  # listed under ?
        Binding("escape", "leave_search", "To list", show=False),
        Binding("down", "leave_search", "To list", show=False),
        Binding("w", "filter", "Filter (the --where language)", show=False),
        *[
            Binding(str(n), f"view({n})", "Saved view 1-9 (0: all)", show=False)
            for n in range(VIEW_KEYS + 1)
        ],
        Binding("space", "mark", "Mark / unmark, then down", show=False),
        Binding("asterisk", "mark_all", "Mark all listed (again: none)", show=False),
        Binding("plus", "tag", "Tag the marked (or this one)", show=False),
        Binding("minus", "untag", "Untag the marked (or this one)", show=False),
        Binding("x", "archive", "Archive the marked (or this one)", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        self.rows: Sequence[ContactLine] = []
        self.contact_id: int | None = None  # the one in the detail pane
        self.only: int | None = None  # listed alone (opened from another screen)
        self.filter_text = ""  # the filter language's query the list is filtered by
        self.view: str | None = None  # the saved view it came from, while unchanged
        self.views: list[SavedView] = []  # your views of contacts, by name
        self.marked: set[int] = set()  # contacts marked for a bulk action

    def compose(self) -> ComposeResult:
        yield NavBar("contacts")
        with Horizontal(id="contacts-panes"):
            with Vertical(id="contacts-left"):
                yield Input(
                    placeholder="search: name, company, email, phone, tag  (/)",
                    id="search",
                    select_on_focus=False,  # a letter typed on the list goes on the end
                )
                yield Input(
                    placeholder="filter: tag:vip touched:>30d -tag:dnc  (enter)",
                    id="filter",
                    select_on_focus=False,
                    compact=True,  # one line: at 80x24 the list keeps its rows
                )
                yield Static("", id="filter-caret", markup=False)  # the query, ^ under
                yield Static("", id="filter-error", markup=False)  # why, wrapped
                yield Static("", id="contacts-views")
                yield Static("", id="contacts-status")
                yield OptionList(id="contacts-list")
            yield ContactPane(id="contact-pane")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.listing.focus()
        self.read_views()
        self.run_search("")
        self.mark_seen()

    @property
    def listing(self) -> OptionList:
        return self.query_one("#contacts-list", OptionList)

    async def reload(self) -> None:
        self.read_views()
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
        if self._typing() or not event.is_printable or not event.character:
            return
        if event.key in self.active_bindings:
            return
        event.stop()
        event.prevent_default()
        self._type_in_search(event.character)

    def _typing(self) -> bool:
        """A text box has the focus: every key types."""
        return any(box.has_focus for box in self.query(Input))

    def _type_in_search(self, character: str) -> None:
        box = self.query_one("#search", Input)
        self.set_focus(box)  # now, not at the next idle: the keys already typed follow it
        box.value += character
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
        elif event.input.id == "filter":
            self.apply_filter(event.value)

    def run_search(self, text: str, keep: int | None = None, only: int | None = None) -> None:
        """Show the results for `text`: at once when the search is cheap, else off-thread.

        One word of one or two letters lists the names it begins (`prefix`, a screenful
        read). Several words, one that short ("ann b"), and any search while one runs (it
        holds the store), run in an exclusive worker thread: typing never waits.
        """
        busy = any(w.group == "search" and w.is_running for w in self.workers)
        self.workers.cancel_group(self, "search")
        short = not self.filter_text and prefix.short_word(text) is not None
        cheap = all(len(w) >= 3 for w in text.split()) or short  # (nothing typed: cheap)
        if only is not None or (cheap and not busy):
            rows, message = self._query(text, only)
            self._show(text, rows, message, keep)
        else:
            self._search_in_thread(text, keep)

    def _query(self, text: str, only: int | None = None) -> tuple[Sequence[ContactLine], str]:
        """(rows, message) for a query, through the same core calls as `crm find`, or, over a
        filter, as `crm contact list --where` (the words typed narrowing it)."""
        session = self.session
        with session.lock:
            try:
                if only is not None:
                    return search.describe(session.store, [search.Hit(only, 1.0)]), ""
                if self.filter_text:
                    return self._filtered(text)
                if not text.strip():
                    return directory.list_contacts(session.store, limit=LIMIT), ""
                word = prefix.short_word(text)  # (no filter here: see above)
                if word is not None:
                    hits = prefix.starting(session.store, word, limit=LIMIT)
                else:
                    hits = search.find(session.store, text, limit=LIMIT)
                rows = search.describe(session.store, hits)
            except CrmError as exc:
                return [], exc.message
        return rows, "" if rows else f"no contact matches {text.strip()!r}"

    def _compiled_filter(self, text: str) -> tuple[str, list[Any]]:
        """The filter as SQL for the list: the saved view's own while it is unchanged."""
        store = self.session.store
        if self.view is not None and self._view_query(self.view) == text:
            return views.compiled_view(store, "contacts", self.view)
        return compile_where(store, "contacts", text, label="the filter")

    def _filtered(self, text: str) -> tuple[Sequence[ContactLine], str]:
        """The filter's matches (the first FILTERED), narrowed by the words typed."""
        from crmcli.core.query.lists import count_contacts

        store = self.session.store
        where = views.both(
            self._compiled_filter(self.filter_text),
            *filter(None, [views.search_words(store, "contacts", text)]),
        )
        rows = directory.list_contacts(store, where=where, limit=FILTERED)
        total = len(rows) if len(rows) < FILTERED else count_contacts(store, where)
        what = f"view {self.view}" if self.view is not None else "the filter"
        words = f" and {text.strip()!r}" if text.strip() else ""
        if not rows:
            return rows, f"no contact matches {what}{words}"
        shown = f"first {len(rows)} of {total}" if total > len(rows) else f"{total}"
        return rows, f"{shown} match {what}{words}"

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
        self.marked &= {int(r["id"]) for r in rows}  # never act on a contact not listed
        listing = self.listing
        listing.clear_options()
        listing.add_options(
            [Option(_prompt(r, int(r["id"]) in self.marked), id=str(r["id"])) for r in rows]
        )
        found = f"first {LIMIT}" if len(rows) >= LIMIT else f"{len(rows)} found"  # capped: say so
        status = message or (f"{found} for {text!r}" if text.strip() else f"{len(rows)} contacts")
        if not text.strip() and not message:
            status = "type to search · first contacts by name"
        self._status = status
        self._show_status()
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
        pane = self.query_one(ContactPane)
        if contact_id is None:
            pane.show_none()
            return
        try:
            view = self.session.contact_view(contact_id, app_of(self).generation)
        except Exception as exc:
            self.report(exc)
            return
        if view is None:  # a search holds the store: again shortly, unless its list's own
            self.contact_id = None  # redraw (it follows each result) showed the pane first
            self.set_timer(RETRY, lambda: self._detail_after_list(self._highlighted()))
            return
        person, kin, owned, history = view
        pane.show(person, kin, owned, history)

    # -- actions ------------------------------------------------------------------------
    def action_search(self) -> None:
        """To the search box, its text selected: typing replaces the search."""
        box = self.query_one("#search", Input)
        self.set_focus(box)  # (box.focus() waits: "/oliver" typed fast lost its l and e)
        box.select_all()

    def action_leave_search(self) -> None:
        """From the search or filter box back to the list; on the list, escape unmarks all."""
        if self._typing():
            self.listing.focus()
        elif self.marked:
            self.marked.clear()
            self._repaint_marks()

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

    def action_mail(self) -> None:
        """A template as a mail draft to the contact under the cursor."""
        if self._current() is not None:
            from crmcli.tui.screens.contacts_commands import mail_from

            mail_from(self)

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

    # -- the filter and the saved views ---------------------------------------------------
    def read_views(self) -> None:
        """Your saved views of contacts, listed under the filter box with their keys."""
        try:
            with self.session.lock:
                self.views = views.list_views(self.session.store, "contacts")
        except CrmError as exc:
            self.report(exc, severity="warning")
            return
        if self.view is not None and self._view_query(self.view) is None:
            self.view = None  # removed meanwhile: what it filtered stays, as a plain filter
        self._show_views()

    def _view_query(self, name: str) -> str | None:
        for view in self.views:
            if view["name"] == name:
                return view["query"]
        return None

    def _show_views(self) -> None:
        strip = self.query_one("#contacts-views", Static)
        strip.display = bool(self.views)
        if not self.views:
            return
        keys = [
            f"[b]{n}[/b] {'[reverse]' if v['name'] == self.view else ''}{escape(v['name'])}"
            f"{'[/reverse]' if v['name'] == self.view else ''}"
            for n, v in enumerate(self.views[:VIEW_KEYS], 1)
        ]
        more = len(self.views) - VIEW_KEYS
        tail = [f"+{more} (ctrl+p)"] if more > 0 else []
        strip.update("views: " + " · ".join([*keys, *tail, "[b]0[/b] all"]))

    def _show_filter_box(self, shown: bool) -> None:
        self.query_one("#filter", Input).display = shown

    def action_filter(self) -> None:
        """To the filter box (shown from now on), its text selected."""
        box = self.query_one("#filter", Input)
        self._show_filter_box(True)
        self.set_focus(box)  # (at once: see action_search)
        box.select_all()

    def apply_filter(self, text: str, view: str | None = None) -> bool:
        """Filter the list by `text` (a view's query when `view` is named); an unreadable
        query is shown under the box with its column, and the list stays as it was."""
        text = text.strip()
        box = self.query_one("#filter", Input)
        if view is None and self.view is not None and text == self._view_query(self.view):
            view = self.view  # the view's own query submitted again: still the view
        if text:
            try:
                with self.session.lock:
                    if view is not None:
                        views.compiled_view(self.session.store, "contacts", view)
                    else:
                        compile_where(self.session.store, "contacts", text, label="the filter")
            except CrmError as exc:
                self._show_error(exc)
                return False
        self._show_error(None)
        with self.prevent(Input.Changed):
            box.value = text
        self._show_filter_box(bool(text) or box.has_focus)
        self.filter_text, self.view, self.only = text, view, None
        self._show_views()
        self.listing.focus()
        self.run_search(self.query_text, keep=self._highlighted())
        return True

    def _show_error(self, exc: CrmError | None) -> None:
        """Under the filter box: the query with a caret at the column (never wrapped, so the
        caret stays under it), then why it cannot be read (wrapped, whole at 80 columns)."""
        from crmcli.core.query.parse import QueryError

        caret = self.query_one("#filter-caret", Static)
        error = self.query_one("#filter-error", Static)
        lines = exc.message.splitlines()[1:] if isinstance(exc, QueryError) else []
        where = "\n".join(line[1:] for line in lines)  # in the box's own column: one in
        caret.update(where)
        caret.display = bool(where)
        error.update(
            "" if exc is None else exc.headline if isinstance(exc, QueryError) else exc.message
        )
        error.display = exc is not None

    def action_view(self, number: int) -> None:
        """Switch to saved view `number` (0: no filter); a digit no view has starts a search."""
        if number == 0 and (self.filter_text or self.only is not None):
            self.apply_filter("")
        elif 1 <= number <= min(len(self.views), VIEW_KEYS):
            self.use_view(self.views[number - 1]["name"])
        else:
            self._type_in_search(str(number))

    def use_view(self, name: str) -> None:
        """Filter the list by one of your views (from its key or the palette)."""
        query = self._view_query(name)
        if query is None:
            self.read_views()
            query = self._view_query(name)
        if query is None:
            self.notify(f"no view named {name!r}", severity="warning")
            return
        self.apply_filter(query, view=name)

    # -- marking, and what acts on the marked ---------------------------------------------
    def _show_status(self) -> None:
        marked = f" · {len(self.marked)} marked (+ - x, escape: none)" if self.marked else ""
        self.query_one("#contacts-status", Static).update(getattr(self, "_status", "") + marked)

    def _repaint_marks(self) -> None:
        listing = self.listing
        for row in self.rows:
            listing.replace_option_prompt(
                str(row["id"]), _prompt(row, int(row["id"]) in self.marked)
            )
        self._show_status()

    def action_mark(self) -> None:
        """Mark (or unmark) the contact under the cursor, then go down one."""
        contact_id = self._highlighted()
        if contact_id is None:
            return
        self.marked ^= {contact_id}
        self._repaint_marks()
        self.listing.action_cursor_down()

    def action_mark_all(self) -> None:
        """Mark every contact listed; when all are marked already, unmark them."""
        shown = {int(r["id"]) for r in self.rows}
        self.marked = set() if shown and shown <= self.marked else shown
        self._repaint_marks()

    def _chosen(self) -> list[int]:
        """What a bulk key acts on: the marked contacts, else the one under the cursor."""
        if self.marked:
            return [int(r["id"]) for r in self.rows if int(r["id"]) in self.marked]
        contact_id = self._current()
        return [] if contact_id is None else [contact_id]

    def action_tag(self) -> None:
        self._tag_form(remove=False)

    def action_untag(self) -> None:
        self._tag_form(remove=True)

    def _tag_form(self, *, remove: bool) -> None:
        ids = self._chosen()
        if not ids:
            return
        from crmcli.tui.modals.bulk_tag import BulkTagForm

        hint = ""
        if remove:
            tags = sorted(
                {t for r in self.rows if int(r["id"]) in ids for t in _tags_of(r)}, key=str.lower
            )
            hint = f"they have: {', '.join(tags)}" if tags else ""
        self.app.push_screen(BulkTagForm(ids, remove=remove, hint=hint), self._bulk_done)

    def action_archive(self) -> None:
        """Archive the marked contacts (or the one under the cursor): `u` brings them back."""
        ids = self._chosen()
        if not ids:
            return
        try:
            with self.session.lock:
                done = bulk_tags.archive(self.session.store, ids)
        except Exception as exc:
            self.report(exc)
            return
        self._bulk_done(f"Archived {_count(done.changed)} (u to undo)")

    def _bulk_done(self, said: str | None) -> None:
        if said:
            self.marked.clear()
            self._saved(said)

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


def _tags_of(row: ContactLine) -> list[str]:
    """A listed contact's tags: a filtered list's rows have them (`crm contact list`'s)."""
    tags = row.get("tags")
    return [str(t) for t in tags] if isinstance(tags, list) else []


def _count(n: int) -> str:
    return "1 contact" if n == 1 else f"{n} contacts"
