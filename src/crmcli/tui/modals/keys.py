"""`?`: every key of every screen, as `crmcli.tui.keymap` reads them from the bindings."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

Sections = list[tuple[str, list[tuple[str, str]]]]


class KeysModal(ModalScreen[None]):
    """The key list, section by section; any of escape, q or ? closes it."""

    CSS_PATH = "keys.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", key_display="esc"),
    ]

    def __init__(self, sections: Sections) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        parts: list[str | tuple[str, str]] = []
        for title, rows in self.sections:
            parts.append((f"{title}\n", "bold $text-accent"))
            width = max((len(k) for k, _ in rows), default=0)
            for keys, what in rows:
                parts += ["  ", (keys.ljust(width), "bold"), f"  {what}\n"]
            parts.append("\n")
        parts.append(("Pipeline headers: total ≈ weighted, per currency.", "$text-muted"))
        with VerticalScroll(id="keys-box"):
            yield Static("Keys", id="keys-title")
            yield Static(Content.assemble(*parts), id="keys-list")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
