"""A text field that lists what the typed words may mean, under itself, as you type.

A form field for a contact or a company: typing `ines` lists the Inès the way
`crm find` ranks them; down and up walk the list, enter or tab takes the
highlighted one (the field then holds the name, and remembers the record it
stands for, so two people with one name stay apart), escape closes the list.
The same list is the pick list a form opens when a typed REF matches several.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, cast

from textual import work
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from textual.widget import Widget

    from crmcli.tui.session import Session

MIN_TYPED = 2  # one letter matches a large share of a big address book


@dataclass(frozen=True)
class Choice:
    """One line of the list: the text the field takes, what is shown, the record's id."""

    text: str
    label: Content
    key: int


Source = Callable[[str], Sequence[Choice]]


class Suggestions(OptionList):
    """The list under a completing field; it never takes the focus (the field keeps it)."""

    can_focus = False

    def __init__(self, owner: CompletingInput) -> None:
        super().__init__()
        self.owner = owner

    DEFAULT_CSS = """
    Suggestions {
        display: none;
        overlay: screen;
        constrain: none inside;
        height: auto;
        max-height: 10;
        border: round $accent;
        padding: 0;
        background: $panel;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    Suggestions.-open {
        display: block;
    }
    """

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click on a choice takes it, for the field the list belongs to."""
        event.stop()
        if event.option.id is not None:
            self.owner.take(self.owner.choices[int(event.option.id)])
            self.owner.focus()


class CompletingInput(Input):
    """An input with a list of choices under it; `chosen` is the id of the one taken."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "walk(1)", "Next match", show=False),
        Binding("up", "walk(-1)", "Previous match", show=False),
        Binding("tab", "take", "Take the match", show=False),
        Binding("escape", "close", "Close the list", show=False),
    ]

    def __init__(
        self,
        source: Source,
        *,
        value: str = "",
        chosen: int | None = None,
        placeholder: str = "",
        id: str | None = None,
    ) -> None:
        # Set before Input.__init__, which sets the value (and so calls `watch_value`).
        self.source = source
        self.list = Suggestions(self)
        self.choices: list[Choice] = []
        self._chosen = (chosen, value) if chosen is not None else None
        self._quiet = False  # set while the field is filled from a choice
        self.pending: list[Choice] = []  # a pick list to open when the field is focused
        super().__init__(value=value, placeholder=placeholder, id=id, compact=True)

    @property
    def chosen(self) -> int | None:
        """The id of the choice taken, while the field still holds its text."""
        if self._chosen is not None and self._chosen[1] == self.value:
            return self._chosen[0]
        return None

    @property
    def is_open(self) -> bool:
        return self.list.has_class("-open")

    def on_mount(self) -> None:
        # At the end of the field's box: below the field's own error, which names the
        # ambiguity the list resolves.
        if self.parent is not None:
            cast("Widget", self.parent).mount(self.list)

    # -- listing ------------------------------------------------------------------------
    def watch_value(self, value: str) -> None:
        if self._quiet or not self.has_focus:
            return
        if len(value.strip()) < MIN_TYPED or self.chosen is not None:
            self.close()
            return
        self._lookup(value)

    @work(thread=True, exclusive=True, group="complete")
    def _lookup(self, text: str) -> None:
        """Ask the core in a thread: a short word can take a while on a big index."""
        worker = get_current_worker()
        found = list(self.source(text))
        if not worker.is_cancelled:
            self.app.call_from_thread(self._listed, text, found)

    def _listed(self, text: str, found: list[Choice]) -> None:
        if text == self.value and self.has_focus:
            self.offer(found)

    def offer(self, found: Sequence[Choice]) -> None:
        """Show these choices under the field (none highlighted: enter still saves)."""
        self.choices = list(found)
        self.list.clear_options()
        if not self.choices:
            self.close()
            return
        self.list.add_options([Option(c.label, id=str(i)) for i, c in enumerate(self.choices)])
        self.list.highlighted = None
        self.list.add_class("-open")

    def close(self) -> None:
        self.pending = []
        self.list.remove_class("-open")

    def take(self, choice: Choice) -> None:
        """Fill the field with a choice and remember the record it stands for."""
        self._quiet = True
        try:
            self.value = choice.text
        finally:
            self._quiet = False
        self._chosen = (choice.key, choice.text)
        self.cursor_position = len(self.value)
        self.close()

    # -- keys ---------------------------------------------------------------------------
    def action_walk(self, step: int) -> None:
        if not self.is_open:
            raise SkipAction
        listing = self.list
        count = listing.option_count
        now = listing.highlighted
        listing.highlighted = (
            (0 if step > 0 else count - 1) if now is None else (now + step) % count
        )

    def _highlighted(self) -> Choice | None:
        index = self.list.highlighted
        if not self.is_open or index is None or index >= len(self.choices):
            return None
        return self.choices[index]

    def action_take(self) -> None:
        choice = self._highlighted()
        if choice is None:
            raise SkipAction  # tab moves on, as in any other field
        self.take(choice)
        self.screen.focus_next()

    def action_close(self) -> None:
        if not self.is_open:
            raise SkipAction  # escape cancels the form
        self.close()

    async def action_submit(self) -> None:
        """Enter takes the highlighted choice; with none highlighted, it saves the form."""
        choice = self._highlighted()
        if choice is not None:
            self.take(choice)
            return
        self.close()
        await super().action_submit()

    def on_blur(self) -> None:
        self.close()

    def on_focus(self) -> None:
        if self.pending:
            self.offer(self.pending)


def contacts(session: Session) -> Source:
    """Contacts by name, email, company or phone, as `crm find` ranks them."""
    from crmcli.core.search.complete import contact_choices

    def source(text: str) -> list[Choice]:
        with session.lock:
            rows = contact_choices(session.store, text)
        return [
            Choice(
                r["name"],
                Content.assemble(
                    (r["name"], "bold"),
                    ("  " + " · ".join(x for x in (r["company"], r["email"]) if x), "$text-muted"),
                ),
                r["id"],
            )
            for r in rows
        ]

    return source


def companies(session: Session) -> Source:
    """Companies whose name, or a word of it, starts with what was typed."""
    from crmcli.core.search.complete import company_choices

    def source(text: str) -> list[Choice]:
        with session.lock:
            rows = company_choices(session.store, text)
        return [
            Choice(
                r["name"],
                Content.assemble(
                    (r["name"], "bold"),
                    (
                        f"  {r['people']} {'person' if r['people'] == 1 else 'people'}",
                        "$text-muted",
                    ),
                ),
                r["id"],
            )
            for r in rows
        ]

    return source


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"
