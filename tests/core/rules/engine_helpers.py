"""Shared by the engine's tests: a book opened as the front ends open it, rules, subjects."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crmcli.core.books import open_store
from crmcli.core.config import Config
from crmcli.core.db.columns import COLUMNS
from crmcli.core.db.store import Store
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields
from crmcli.core.pipeline import deals
from crmcli.core.pipeline.deals import DealFields
from crmcli.core.rules import catalog, grammar
from crmcli.core.rules.model import Rule

SETTINGS = {"default_region": "FR", "user": "me", "currency": "EUR"}


def open_book(target: str, folder: Path) -> Store:
    """The store as every front end gets it (`crmcli.core.books`): rules attached."""
    return open_store(target, Config(dict(SETTINGS), folder / "config.toml"), write=True)


@pytest.fixture
def book(db: Path, tmp_path: Path, clock_at: Callable[[str], None]) -> Iterator[Store]:
    store = open_book(str(db), tmp_path)
    yield store
    store.close()


def add_rule(
    store: Store, name: str, when: str, *then: str, if_: str | None = None, enabled: bool = True
) -> Rule:
    return catalog.add(store, grammar.parse_rule(name, when, list(then), if_, enabled))


def person(store: Store, name: str, **fields: Any) -> int:
    return int(contacts.add(store, ContactFields(name=name, **fields)).contact["id"])


def deal(store: Store, title: str, contact_id: int | None, stage: str = "Lead", **kw: Any) -> int:
    fields = DealFields(title=title, contact_id=contact_id, stage=stage, **kw)
    if contact_id is None:
        fields.company_id = company(store)
    return int(deals.add(store, fields)["id"])


def company(store: Store) -> int:
    found = store.value("SELECT id FROM company ORDER BY id LIMIT 1")
    if found is not None:
        return int(found)
    with store.write("company") as tx:
        return tx.insert("company", {"name": "Acme", "name_key": "acme"})


def last_batch(store: Store) -> str:
    return str(store.value("SELECT batch FROM change_log ORDER BY id DESC LIMIT 1"))


def batches(store: Store) -> int:
    return int(store.value("SELECT count(DISTINCT batch) FROM change_log"))


def effects(store: Store) -> list[tuple[str, str, str]]:
    """(rule, action, table) of every rule_effect row, in order."""
    return [
        (str(r[0]), str(r[1]), str(r[2]))
        for r in store.tuples(
            "SELECT rule_name, action_text, table_name FROM rule_effect ORDER BY id"
        )
    ]


def tags(store: Store, contact_id: int) -> list[str]:
    return [
        str(t)
        for (t,) in store.tuples(
            "SELECT tag FROM contact_tag WHERE contact_id = ? ORDER BY tag_key", (contact_id,)
        )
    ]


def snapshot(
    store: Store, *, leave: tuple[str, ...] = ("rule_fired", "change_log")
) -> dict[str, Any]:
    """Every table's rows (but `leave`'s), in id order: equal snapshots, equal data."""
    out: dict[str, Any] = {}
    for table, columns in sorted(COLUMNS.items()):
        if table in leave:
            continue
        order = "id" if "id" in columns else ", ".join(columns)
        out[table] = store.tuples(f"SELECT * FROM {table} ORDER BY {order}")
    return out
