"""`?`: every key of every screen, read from the bindings themselves so it never drifts."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


def _rows(bindings: list[BindingType]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for item in bindings:
        binding = item if isinstance(item, Binding) else Binding(*item)
        keys = binding.key_display or binding.key
        keys = ", ".join(_key(k) for k in binding.key.split(",")) if "," in binding.key else keys
        description = binding.description or binding.action
        if description in seen:  # h j k l beside the arrows they mirror
            index = seen[description]
            rows[index] = (f"{rows[index][0]}, {_key(binding.key)}", description)
            continue
        seen[description] = len(rows)
        rows.append((_key(keys), description))
    return rows


def _key(key: str) -> str:
    names = {
        "slash": "/",
        "question_mark": "?",
        "space": "space",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
    }
    return names.get(key, key)


def sections() -> list[tuple[str, list[tuple[str, str]]]]:
    """(section, [(keys, what)]) for the whole application."""
    from crmcli.tui.app import CrmApp
    from crmcli.tui.modals.form import FormModal
    from crmcli.tui.screens.contacts import ContactsScreen
    from crmcli.tui.screens.deal import DealScreen
    from crmcli.tui.screens.pipeline import PipelineScreen
    from crmcli.tui.screens.today import TodayScreen
    from crmcli.tui.widgets.board import Board

    everywhere = [*CrmApp.BINDINGS, Binding("ctrl+q", "quit", "Quit (even in a text field)")]
    everywhere.append(Binding("ctrl+p", "command_palette", "Command palette: every action"))
    return [
        ("Everywhere (outside text fields)", _rows(everywhere)),
        ("Pipeline", _rows([*Board.BINDINGS, *PipelineScreen.BINDINGS])),
        ("Deal", _rows(DealScreen.BINDINGS)),
        ("Contacts", _rows(ContactsScreen.BINDINGS)),
        ("Today", _rows(TodayScreen.BINDINGS)),
        ("Forms", _rows([*FormModal.BINDINGS, Binding("enter", "submit", "Save")])),
    ]


class KeysModal(ModalScreen[None]):
    """The key list; any of escape, q or ? closes it."""

    CSS_PATH = "keys.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", key_display="esc"),
    ]

    def compose(self) -> ComposeResult:
        parts: list[str | tuple[str, str]] = []
        for title, rows in sections():
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
