"""Rules fire from every front end: the shell, the assistant, the full-screen interface."""

from __future__ import annotations

from pathlib import Path

from crmcli.core.db.store import Store
from crmcli.core.rules import hook
from tests.conftest import invoke
from tests.core.rules.engine_helpers import add_rule, book, person, tags

__all__ = ["book"]


def test_the_shell_fires_rules_and_undo_takes_them_back(book: Store) -> None:
    add_rule(book, "chase", "deal enters Proposal", "followup +3d: chase {deal.title}")
    person(book, "Ann Lee")
    done = invoke("deal", "add", "Acme pilot", "--contact", "Ann", "--stage", "Proposal")
    assert done.exit_code == 0, done.stderr
    assert book.value("SELECT note FROM followup") == "chase Acme pilot"
    assert invoke("undo").exit_code == 0
    assert book.value("SELECT count(*) FROM followup") == 0
    assert book.value("SELECT count(*) FROM rule_effect") == 0


def test_the_assistant_fires_rules_and_its_dry_run_shows_them(book: Store, db: Path) -> None:
    from crmcli.assistant.session import Session
    from crmcli.core.activity import interactions
    from crmcli.core.activity.interactions import Kind

    add_rule(book, "calls", "call logged", "tag called")
    ann = person(book, "Ann Lee")
    session = Session(str(db), book.config, allow_writes=True)

    def work(store: Store) -> None:
        interactions.log(store, ann, Kind.call, "rang")

    planned = session.write("log", True, work)
    assert isinstance(planned, dict)
    assert "rule_effect" in {c["table_name"] for c in planned["would_change"]}
    assert tags(book, ann) == []
    session.write("log", False, work)
    assert tags(book, ann) == ["called"]
    command = book.value("SELECT command FROM change_log WHERE table_name = 'rule_effect'")
    assert command == f"log call {ann} (via mcp)"  # in the assistant's own batch


def test_the_command_line_and_the_tui_share_one_opener(db: Path, book: Store) -> None:
    """`crm tui` takes its store from the same `AppState.store` every command uses."""
    from crmcli.commands._state import AppState

    state = AppState(db=str(db))
    try:
        assert state.store(write=True).on_write is hook.fire
        assert state.store(write=False).on_write is hook.fire
    finally:
        state.close()
