"""The base of every form: fields in a grid, errors shown inline, one core call on save.

A form parses each field with the same core functions the CLI uses, showing a
field's error beside it; then makes one core call (one transaction). On any
error nothing is saved and the form stays open with the message, so nothing
is ever half-saved.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any, ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from crmcli.core.errors import CrmError
from crmcli.tui.context import session_of
from crmcli.tui.session import Session, error_message

T = TypeVar("T")


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
        box.compose_add_child(Static("", classes="form-error", id=f"error-{name}"))
        row.compose_add_child(box)
        return row

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Static(self.heading, classes="form-title", markup=False)
            with Vertical(classes="form-body"):
                yield from self.fields()
            yield Static("", classes="form-error", id="error-form")
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
        inputs = self.query(Input)
        if inputs:
            inputs.first().focus()

    # -- values -------------------------------------------------------------------------
    def text(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def choice(self, name: str) -> Any:
        value = self.query_one(f"#{name}", Select).value
        return None if value is Select.NULL else value

    def check(self, name: str, parse: Callable[[], T]) -> T:
        """Run one field's parsing; a refusal becomes that field's error."""
        try:
            return parse()
        except CrmError as exc:
            raise FieldError(name, exc.message) from exc

    # -- saving -------------------------------------------------------------------------
    def save(self) -> Any:
        """Parse the fields and make the one core call; return what to dismiss with."""
        raise NotImplementedError

    def _show_error(self, name: str, message: str) -> None:
        try:
            target = self.query_one(f"#error-{name}", Static)
        except Exception:
            target = self.query_one("#error-form", Static)
        target.update(message)
        target.add_class("-shown")
        if name != "form":
            with suppress(Exception):
                self.query_one(f"#{name}").focus()

    def clear_errors(self) -> None:
        for error in self.query(".form-error").results(Static):
            error.update("")
            error.remove_class("-shown")

    def action_submit(self) -> None:
        self.clear_errors()
        try:
            with self.session.lock:
                result = self.save()
        except FieldError as exc:
            self._show_error(exc.field, exc.message)
            return
        except Exception as exc:
            message = error_message(exc)
            if message is None:
                raise
            self._show_error("form", message)
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_changed(self, event: Input.Changed) -> None:
        """A date field says, while typing, which date it understood (or why not)."""
        from crmcli.tui.widgets.when_input import WhenInput

        field = event.input
        if isinstance(field, WhenInput):
            ok, text = field.preview(self.session)
            hint = self.query_one(f"#hint-{field.id}", Static)
            hint.update(text or self._hints.get(field.id or "", ""))
            hint.set_class(not ok, "-bad")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_submit()
        else:
            self.action_cancel()
