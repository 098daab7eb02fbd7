"""Every key of every screen, read from the bindings themselves so the `?` list never drifts.

Above the screens, dialogs and widgets whose bindings it reads, and below the app,
which passes its own bindings in (the app imports this module, not the reverse).
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from crmcli.tui.modals.form import FormModal
from crmcli.tui.modals.keys import Sections
from crmcli.tui.screens.agenda import AgendaScreen
from crmcli.tui.screens.contacts import ContactsScreen
from crmcli.tui.screens.deal import DealScreen
from crmcli.tui.screens.pipeline import PipelineScreen
from crmcli.tui.screens.today import TodayScreen
from crmcli.tui.widgets.board import Board


def sections(app_bindings: list[BindingType]) -> Sections:
    """(section, [(keys, what)]) for the whole application, given the app's own bindings."""
    everywhere = [*app_bindings, Binding("ctrl+q", "quit", "Quit (even in a text field)")]
    everywhere.append(Binding("ctrl+p", "command_palette", "Command palette: every action"))
    return [
        ("Everywhere (outside text fields)", _rows(everywhere)),
        ("Pipeline", _rows([*Board.BINDINGS, *PipelineScreen.BINDINGS])),
        ("Deal", _rows(DealScreen.BINDINGS)),
        ("Contacts", _rows(ContactsScreen.BINDINGS)),
        ("Today", _rows(TodayScreen.BINDINGS)),
        ("Agenda", _rows(AgendaScreen.BINDINGS)),
        ("Forms", _rows([*FormModal.BINDINGS, Binding("enter", "submit", "Save")])),
    ]


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
        "plus": "+",
        "equals_sign": "=",
        "minus": "-",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
    }
    return names.get(key, key)
