"""The base of every form: fields in a grid, every error at once under its field, one core call.

A form reads all its fields with the same core functions the CLI uses (`parse`),
collecting every refusal, each shown once under its own field; only when none is
left does it make its one core call (`commit`, one transaction). On any error
nothing is saved and the form stays open. An error goes as soon as its field is
fixed: the fields are read again as the rep types, and a message that no longer
applies is taken away.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from crmcli.core.errors import Ambiguous, CrmError, NotFound
from crmcli.tui.context import session_of
from crmcli.tui.session import Session, error_message
from crmcli.tui.widgets.completing import CompletingInput

if TYPE_CHECKING:
    from crmcli.tui.widgets.completing import Choice

T = TypeVar("T")
FORM = "form"  # the error line under the whole form, for what belongs to no one field


class FieldError(Exception):
    """A field's value was refused; `field` says which one."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class FormModal(ModalScreen[Any]):
    """A dialog with labelled fields; enter or ctrl+s saves, escape cancels."""

    CSS_PATH = "forms.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Save"),
    ]

    def __init__(self, heading: str, save_label: str = "Save") -> None:
        super().__init__()
        self.heading = heading
        self.save_label = save_label
        self._hints: dict[str, str] = {}
        self._hinted: set[str] = set()  # fields whose hint shows when they have no error
        self._errors: dict[str, str] = {}  # found by the reading under way
        self._shown: dict[str, str] = {}  # on screen now
        self._picks: dict[str, list[Choice]] = {}  # pick lists for ambiguous REFs

    @property
    def session(self) -> Session:
        return session_of(self)

    def fields(self) -> ComposeResult:
        """The form's rows: yield `self.row(...)` for each field."""
        yield from ()

    def row(self, label: str, widget: Widget, hint: str = "") -> Widget:
        """A labelled field with room for its error (and a hint) below it."""
        name = widget.id or ""
        row = Grid(classes="form-row", id=f"row-{name}")
        row.compose_add_child(Label(label, classes="form-label"))
        box = Vertical(classes="form-field")
        box.compose_add_child(widget)
        box.compose_add_child(Static(hint, classes="form-hint", id=f"hint-{name}"))
        box.compose_add_child(Static("", classes="form-error", id=f"error-{name}", markup=False))
        row.compose_add_child(box)
        return row

    def with_row(self, contact_id: int | None, name: str) -> Widget:
        """The "With" field of the log and follow-up forms: the contact, completed as typed,
        filled in (and already picked) when the form was opened on someone."""
        from crmcli.tui.widgets.completing import contacts

        return self.row(
            "With",
            CompletingInput(
                contacts(self.session),
                value=name if contact_id is not None else "",
                chosen=contact_id,
                placeholder="type a name, email or company, then pick",
                id="contact",
            ),
        )

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Static(self.heading, classes="form-title", markup=False)
            with Vertical(classes="form-body"):
                yield from self.fields()
            yield Static("", classes="form-error", id=f"error-{FORM}", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button(self.save_label, variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        from crmcli.tui.widgets.when_input import WhenInput

        dates = {w.id for w in self.query(WhenInput)}
        for hint in self.query(".form-hint").results(Static):
            name = (hint.id or "").removeprefix("hint-")
            self._hints[name] = str(hint.content)
            hint.display = name in dates or bool(str(hint.content).strip())
            if hint.display:
                self._hinted.add(name)
        # The first field still to fill: a form opened on a contact starts at what happened.
        inputs = list(self.query(Input))
        empty = [i for i in inputs if not i.value]
        if inputs:
            (empty or inputs)[0].focus()

    # -- values -------------------------------------------------------------------------
    def text(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def choice(self, name: str) -> Any:
        value = self.query_one(f"#{name}", Select).value
        return None if value is Select.NULL else value

    def refuse(self, name: str, message: str) -> None:
        """Note a field's error (its first one: a field shows one message)."""
        self._errors.setdefault(name, message)

    def check(self, name: str, parse: Callable[[], T], default: Any = None) -> T:
        """Run one field's parsing; a refusal becomes that field's error, and `default`."""
        try:
            return parse()
        except CrmError as exc:
            self.refuse(name, exc.message)
            return default  # type: ignore[no-any-return]

    def pick_contact(self, name: str, *, required: bool = False) -> int | None:
        """The contact a completing field names: the one picked, else its text as a REF."""
        from crmcli.core.search.refs import resolve_contact

        store = self.session.store
        say = "say who: type a name, an email or an id" if required else None
        return self.picked(name, lambda text: resolve_contact(store, text), "contacts", say)

    def pick_company(self, name: str) -> int | None:
        """The company a completing field names: the one picked, else its text as a REF."""
        from crmcli.core.people.companies import resolve

        store = self.session.store
        return self.picked(name, lambda text: resolve(store, text), "companies")

    def picked(
        self, name: str, resolve: Callable[[str], int], noun: str, required: str | None = None
    ) -> int | None:
        """The record a completing field names: the choice taken, else its text resolved.

        A REF that matches several records (or none, with close ones) is an error
        with a pick list: the candidates open under the field, never a wall of text.
        """
        field = self.query_one(f"#{name}", CompletingInput)
        if field.chosen is not None:
            return field.chosen
        text = field.value.strip()
        if not text:
            if required:
                self.refuse(name, required)
            return None
        try:
            return resolve(text)
        except (Ambiguous, NotFound) as exc:
            picks = field.source(text)
            if isinstance(exc, Ambiguous):
                self.refuse(name, f"{text!r} matches several {noun}: pick one below")
            elif picks:
                self.refuse(name, f"no exact match for {text!r}: pick one below, or retype")
            else:
                self.refuse(name, exc.message)
            self._picks[name] = list(picks)
        except CrmError as exc:
            self.refuse(name, exc.message)
        return None

    # -- saving -------------------------------------------------------------------------
    def parse(self) -> Any:
        """Read every field (`check`, `refuse`, `pick_contact`...); return what `commit` needs."""
        return None

    def commit(self, values: Any) -> Any:
        """Make the one core call with the parsed values; return what to dismiss with."""
        raise NotImplementedError

    def field_of(self, exc: CrmError) -> str:
        """Which field a refusal from the core call is about (else the whole form's)."""
        return FORM

    def _read(self) -> tuple[Any, dict[str, str]]:
        """Parse every field, as the form now stands: (values, errors by field)."""
        self._errors = {}
        self._picks = {}
        with self.session.lock:
            values = self.parse()
        return values, dict(self._errors)

    def _set_error(self, name: str, message: str | None) -> None:
        """Show a field's error in place of its hint, or take it away: one message a field."""
        try:
            target = self.query_one(f"#error-{name}", Static)
        except Exception:
            name, target = FORM, self.query_one(f"#error-{FORM}", Static)
        target.update(message or "")
        target.set_class(bool(message), "-shown")
        if message:
            self._shown[name] = message
        else:
            self._shown.pop(name, None)
        with suppress(Exception):
            self.query_one(f"#hint-{name}", Static).display = not message and name in self._hinted

    def _show_errors(self, errors: dict[str, str]) -> None:
        for name in list(self._shown):
            if name not in errors:
                self._set_error(name, None)
        for name, message in errors.items():
            self._set_error(name, message)
        order = [(e.id or "").removeprefix("error-") for e in self.query(".form-error")]
        first = next((n for n in order if n in errors and n != FORM), None)
        if first is not None:
            with suppress(Exception):
                self.query_one(f"#{first}").focus()
        for name, picks in self._picks.items():
            with suppress(Exception):
                field = self.query_one(f"#{name}", CompletingInput)
                field.pending = picks
                if field.has_focus:
                    field.offer(picks)

    def action_submit(self) -> None:
        try:
            values, errors = self._read()
        except Exception as exc:
            message = error_message(exc)
            if message is None:
                raise
            self._show_errors({FORM: message})
            return
        if errors:
            self._show_errors(errors)
            return
        try:
            with self.session.lock:
                result = self.commit(values)
        except FieldError as exc:
            self._show_errors({exc.field: exc.message})
            return
        except Exception as exc:
            message = error_message(exc)
            if message is None:
                raise
            field = self.field_of(exc) if isinstance(exc, CrmError) else FORM
            self._show_errors({field: message})
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _recheck(self) -> None:
        """Read the fields again: a shown error whose field is now right goes away."""
        if not self._shown:
            return
        try:
            _values, errors = self._read()
        except Exception:
            return
        for name in list(self._shown):
            if name == FORM or name not in errors:
                self._set_error(name, None)
            elif errors[name] != self._shown[name]:
                self._set_error(name, errors[name])

    def on_input_changed(self, event: Input.Changed) -> None:
        """A date field says, while typing, which date it understood (or why not)."""
        from crmcli.tui.widgets.when_input import WhenInput

        field = event.input
        if isinstance(field, WhenInput):
            ok, text = field.preview(self.session)
            hint = self.query_one(f"#hint-{field.id}", Static)
            hint.update(text or self._hints.get(field.id or "", ""))
            hint.set_class(not ok, "-bad")
        self._recheck()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._recheck()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_submit()
        else:
            self.action_cancel()
