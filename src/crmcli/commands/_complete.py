"""Shell completion from the database: contacts, deals, stages and follow-up ids.

Each function runs on a TAB press, so it opens the store read-only (never creating
one), asks `crmcli.core.search.complete` for the candidates, and returns nothing at
all on any problem: an error message must never land in the rep's command line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

from crmcli.commands._typer_compat import Found

if TYPE_CHECKING:
    from crmcli.core.db.store import Store

Candidates = list[tuple[str, str]]


def _store(ctx: typer.Context) -> Store:
    from crmcli.core.books import open_store
    from crmcli.core.config import load

    root = ctx.find_root()
    db = root.params.get("db") if root.params else None
    return open_store(db, load(), write=False)


def _quiet(
    build: Callable[[Store, str], Candidates],
) -> Callable[[typer.Context, str], Candidates]:
    def complete(ctx: typer.Context, incomplete: str) -> Candidates:
        try:
            store = _store(ctx)
        except Exception:
            return []
        try:
            return build(store, incomplete)
        except Exception:
            return []
        finally:
            store.close()

    complete.__name__ = build.__name__
    return complete


def _contacts(store: Store, incomplete: str) -> Candidates:
    """Contacts as the rep knows them: by name, which is a valid REF when only one has it.

    "Ines Duarte" for `ine`, `duarte` or `inès`: what a shell shows and inserts reads
    like the person, and it resolves. A name several contacts share would be ambiguous,
    so each of those is offered by its email, else its id. The description is the name
    and company, as the shells that show one (zsh, fish) put it beside the value.
    """
    if not incomplete.strip():
        from crmcli.core.search.complete import contacts

        return [(Found(value), label) for value, label in contacts(store, incomplete)]
    from crmcli.core.search.find import describe, find
    from crmcli.core.values.text import fold

    rows = describe(store, find(store, incomplete, limit=20))
    names = [fold(row["name"]) for row in rows]
    out: Candidates = []
    for row, key in zip(rows, names, strict=True):
        shared = names.count(key) > 1 or not row["name"].strip()
        value = (row["email"] or f"#{row['id']}") if shared else row["name"]
        label = row["name"] + (f" ({row['company']})" if row["company"] else "")
        out.append((Found(value), label))
    return out


def _deals(store: Store, incomplete: str) -> Candidates:
    from crmcli.core.search.complete import deals

    return [(Found(value), label) for value, label in deals(store, incomplete)]


def _stages(store: Store, incomplete: str) -> Candidates:
    from crmcli.core.search.complete import stages

    return [(Found(value), label) for value, label in stages(store, incomplete)]


def _followups(store: Store, incomplete: str) -> Candidates:
    from crmcli.core.search.complete import followups

    return followups(store, incomplete)  # ids: Typer's own prefix filter is right for them


contacts = _quiet(_contacts)
deals = _quiet(_deals)
stages = _quiet(_stages)
followups = _quiet(_followups)
