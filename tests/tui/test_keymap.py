"""The `?` key list, read from the bindings, and the TUI's parts that need no running app."""

from __future__ import annotations

import pytest

from crmcli.tui.app import CrmApp
from crmcli.tui.keymap import sections


def test_every_screen_lists_its_keys_under_its_name() -> None:
    listed = dict(sections(CrmApp.BINDINGS))
    assert list(listed) == [
        "Everywhere (outside text fields)",
        "Pipeline",
        "Deal",
        "Contacts",
        "Today",
        "Agenda",
        "Forms",
    ]
    everywhere = {what: keys for keys, what in listed["Everywhere (outside text fields)"]}
    assert everywhere["Keys"] == "?" and everywhere["Undo"] == "u"
    assert everywhere["Quit (even in a text field)"] == "ctrl+q"
    assert listed["Forms"] == [("escape", "Cancel"), ("ctrl+s, enter", "Save")]


def test_the_app_chooses_an_explicit_theme_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """`crm tui --theme X` reaches the app as X; `auto` asks the terminal (not here: no tty)."""
    from crmcli.tui import app as tui_app

    chosen: list[str | None] = []

    class FakeApp:
        def __init__(self, session: object, *, theme: str | None = None) -> None:
            chosen.append(theme)

        def run(self) -> None:
            pass

    class FakeSession:
        def __init__(self, store: object) -> None:
            pass

        def close(self) -> None:
            chosen.append("closed")

    monkeypatch.setattr(tui_app, "CrmApp", FakeApp)
    monkeypatch.setattr(tui_app, "Session", FakeSession)
    monkeypatch.delenv("COLORFGBG", raising=False)
    tui_app.run(object(), theme="nord")  # type: ignore[arg-type]
    tui_app.run(object(), theme="auto")  # type: ignore[arg-type]
    assert chosen == ["nord", "closed", "textual-dark", "closed"]
