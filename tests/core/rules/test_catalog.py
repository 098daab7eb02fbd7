"""The stored rules: add, replace all, enable, remove; checked in full first, each change
one undoable batch; on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid, NotFound
from crmcli.core.query.parse import QueryError
from crmcli.core.rules import catalog, document
from crmcli.core.rules.grammar import parse_rule
from crmcli.core.rules.model import Rule
from crmcli.core.undo import undo


@pytest.fixture
def book(backend: str, tmp_path: Path, clock_at: Callable[[str], None]) -> Iterator[Store]:
    store = open_store(
        backend, Config({"default_region": "FR", "user": "me"}, tmp_path / "c.toml"), write=True
    )
    yield store
    store.close()


def rule(name: str, when: str, *then: str, if_: str | None = None) -> Rule:
    return parse_rule(name, when, list(then), if_)


CHASE = rule(
    "chase proposals", "deal enters Proposal", "followup +3d: relancer Hélène", if_="amount:>=5000"
)
VIP = rule("vip", "tag added vip", "cadence 30d", "followup +1d: welcome {first_name}")
WON = rule("won", "deal won", "tag customer", "set next_step = thank them")


def state(store: Store) -> list[tuple[object, ...]]:
    """Everything a rule edit may touch: the rules and the change log."""
    rules = store.tuples(
        "SELECT id, name, position, when_text, if_text, then_text, enabled FROM rule ORDER BY id"
    )
    log = store.tuples("SELECT batch, op, row_id FROM change_log ORDER BY id")
    return [tuple(r) for r in rules] + [tuple(r) for r in log]


def test_add_list_get(book: Store) -> None:
    saved = catalog.add(book, CHASE)
    assert saved.id is not None and saved.position == 1
    catalog.add(book, VIP)
    listed = catalog.list_rules(book)
    assert [r.name for r in listed] == ["chase proposals", "vip"]
    assert listed[0] == saved
    assert catalog.get(book, "  CHASE   Proposals ") == saved  # case and spacing ignored
    raw = book.row("SELECT then_text, enabled, owner FROM rule WHERE name = 'chase proposals'")
    assert raw is not None
    assert raw["then_text"] == '["followup +3d: relancer Hélène"]'  # JSON, accents as they are
    assert json.loads(raw["then_text"]) == ["followup +3d: relancer Hélène"]
    assert bool(raw["enabled"]) is True and raw["owner"] == "me"


def test_get_names_the_rules_there_are(book: Store) -> None:
    with pytest.raises(NotFound, match=r"^no rule named 'x' \(no rules yet: crm rule add NAME"):
        catalog.get(book, "x")
    catalog.add(book, CHASE)
    catalog.add(book, VIP)
    with pytest.raises(NotFound, match=r"^no rule named 'x' \(rules: chase proposals, vip\)$"):
        catalog.get(book, "x")
    assert catalog.find(book, "x") is None


def test_add_refuses_and_writes_nothing(book: Store) -> None:
    catalog.add(book, CHASE)
    before = state(book)
    with pytest.raises(Invalid, match=r"^a rule named 'chase proposals' exists \(crm rule edit"):
        catalog.add(book, replace(VIP, name="Chase Proposals"))
    with pytest.raises(
        Invalid, match=r"^rule 'x': unknown stage 'Propsal' in 'deal enters Propsal'"
    ):
        catalog.add(book, rule("x", "deal enters Propsal", "tag x"))
    with pytest.raises(
        Invalid,
        match=r"unknown stage 'Propsal' in pipeline Sales in 'move Sales/Propsal' \(stages: Lead",
    ):
        catalog.add(book, rule("x", "deal won", "move Sales/Propsal"))
    with pytest.raises(
        QueryError,
        match=r"cannot read the condition of rule 'x' at column 1: unknown field 'amout'",
    ):
        catalog.add(book, rule("x", "deal won", "tag x", if_="amout:>5"))
    with pytest.raises(QueryError, match=r"unknown field 'amount' for contacts"):  # a contact rule
        catalog.add(book, rule("x", "call logged", "tag x", if_="amount:>5"))
    with pytest.raises(QueryError, match=r"'>=' reads as words to look for"):
        catalog.add(book, rule("x", "deal won", "tag x", if_="amount >= 5000"))
    with pytest.raises(Invalid, match=r"^rules loop: self → self \(tag Z fires 'tag added z'\)$"):
        catalog.add(book, rule("self", "tag added z", "tag Z"))
    with pytest.raises(Invalid, match=r"^a rule name is at most 80 characters"):
        catalog.add(book, replace(VIP, name="v" * 81))
    assert state(book) == before


def test_add_loops_through_rules_already_there(book: Store) -> None:
    catalog.add(book, rule("a", "tag added hot", "tag warm"))
    with pytest.raises(Invalid) as caught:
        catalog.add(book, rule("b", "tag added warm", "tag hot"))
    assert caught.value.message == (
        "rules loop: a → b → a (tag warm fires 'tag added warm'; tag hot fires 'tag added hot')"
    )


def test_each_change_is_one_undoable_batch(book: Store) -> None:
    catalog.add(book, CHASE)
    catalog.add(book, VIP)
    assert [r[0] for r in book.tuples("SELECT command FROM change_log ORDER BY id")] == [
        "rule add chase proposals",
        "rule add vip",
    ]
    undo(book, "me")
    assert [r.name for r in catalog.list_rules(book)] == ["chase proposals"]
    catalog.add(book, VIP)
    catalog.set_enabled(book, "vip", False)
    catalog.remove(book, "chase proposals")
    assert [(r.name, r.enabled) for r in catalog.list_rules(book)] == [("vip", False)]
    undo(book, "me")  # the removal
    undo(book, "me")  # the disabling
    assert [(r.name, r.enabled) for r in catalog.list_rules(book)] == [
        ("chase proposals", True),
        ("vip", True),
    ]


def test_replace_all_adds_changes_removes_in_one_batch(book: Store) -> None:
    catalog.add(book, CHASE)
    catalog.add(book, VIP)
    before = catalog.list_rules(book)
    edited = [
        WON,
        replace(VIP, name="VIP", enabled=False),
        # chase proposals removed
    ]
    summary = catalog.replace_all(book, edited)
    assert (summary.added, summary.changed, summary.removed) == (
        ["won"],
        ["VIP"],
        ["chase proposals"],
    )
    after = catalog.list_rules(book)
    assert [(r.name, r.position, r.enabled) for r in after] == [("won", 1, True), ("VIP", 2, False)]
    assert after[1].id == before[1].id  # the same row, updated
    batches = book.tuples("SELECT DISTINCT batch FROM change_log WHERE command = 'rule edit'")
    assert len(batches) == 1
    same = catalog.replace_all(book, [replace(r, id=None) for r in after])
    assert same.nothing
    undo(book, "me")
    assert catalog.list_rules(book) == before


def test_replace_all_saves_nothing_when_one_rule_is_bad(book: Store) -> None:
    catalog.add(book, CHASE)
    before = state(book)
    for bad in (
        [VIP, WON, rule("bad", "deal enters Nowhere", "tag x")],
        [VIP, rule("bad if", "deal won", "tag x", if_="nope:1")],
        [VIP, rule("l1", "tag added a", "tag b"), rule("l2", "tag added b", "tag a")],
        [VIP, replace(WON, name="vip")],  # twice the same name
        [VIP, replace(WON, name="\x1bbad")],
    ):
        with pytest.raises(Invalid):
            catalog.replace_all(book, bad)
        assert state(book) == before


def test_replace_all_with_the_document(book: Store) -> None:
    catalog.add(book, CHASE)
    text = document.dump(catalog.list_rules(book))
    text = text.replace("relancer Hélène", 'relancer \\"Hélène\\"\\n2e ligne')
    text += '\n[[rule]]\nname = "vip"\nwhen = "tag added vip"\nthen = "cadence 2w"\n'
    summary = catalog.replace_all(book, document.load(text, book))
    assert (summary.added, summary.changed) == (["vip"], ["chase proposals"])
    rules = catalog.list_rules(book)
    assert rules[0].actions[0].note == 'relancer "Hélène"\n2e ligne'
    assert document.load(document.dump(rules)) == [replace(r, id=None) for r in rules]


def test_enabled_rules_in_firing_order(book: Store) -> None:
    catalog.replace_all(book, [WON, replace(CHASE, enabled=False), VIP])
    assert [r.name for r in catalog.enabled_rules(book)] == ["won", "vip"]
    catalog.set_enabled(book, "chase proposals", True)
    assert [r.name for r in catalog.enabled_rules(book)] == ["won", "chase proposals", "vip"]


def test_enabling_checks_the_rule_again(book: Store) -> None:
    catalog.add(book, replace(CHASE, enabled=False))
    with book.write("stage rename", rules=False) as tx:  # Proposal renamed since the rule was saved
        stage = book.value("SELECT id FROM stage WHERE name = 'Proposal'")
        tx.update("stage", int(stage), {"name": "Offer"})
    with pytest.raises(
        Invalid,
        match=r"unknown stage 'Proposal' in 'deal enters Proposal' "
        r"\(stages: Lead, Qualified, Demo, Offer",
    ):
        catalog.set_enabled(book, "chase proposals", True)
    assert catalog.get(book, "chase proposals").enabled is False
    assert (
        catalog.set_enabled(book, "chase proposals", False).enabled is False
    )  # disabling: no check


def test_remove(book: Store) -> None:
    catalog.add(book, CHASE)
    gone = catalog.remove(book, "Chase proposals")
    assert gone.name == "chase proposals"
    assert catalog.list_rules(book) == []
    with pytest.raises(NotFound, match="no rule named 'chase proposals'"):
        catalog.remove(book, "chase proposals")


def test_a_stored_rule_that_no_longer_reads_is_named(book: Store) -> None:
    catalog.add(book, CHASE)
    with book.write("damage", rules=False) as tx:
        tx.execute("UPDATE rule SET then_text = 'not json'")
    with pytest.raises(Invalid, match=r"^the saved rule 'chase proposals' has unreadable actions"):
        catalog.list_rules(book)
