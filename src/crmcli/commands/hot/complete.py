"""What a TAB press offers from the database: contacts, deals, stages and follow-up ids.

Each runs on a TAB press, so it opens the store read-only (never creating one), asks
`crmcli.core.search.complete` for the candidates, and returns nothing at all on any
problem: an error message must never land in the rep's command line. Free of Typer:
Typer's completion calls these through `commands/_complete.py`, and the fast path
(`crmcli.fastpath.complete`) calls them directly for bash.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crmcli.core.db.store import Store

Candidates = list[tuple[str, str]]


class Found(str):
    """A candidate found by meaning, not by spelling: `dup` finds helene.dupre@acme.fr.

    Typer keeps only candidates that start with the typed text, which would drop every
    contact found by name, accent-free or with a typo. These values opt out of that
    filter, so the shell is offered the valid REF (bash replaces the word with it; zsh
    and fish apply their own matching).
    """

    def startswith(self, *args: object, **kwargs: object) -> bool:
        return True


# What bash needs escaped in a value it puts on the command line as it is.
_BASH_SPECIAL = re.compile(r"([^\w@.,:/+=%-])")


def for_bash(value: str) -> str:
    """A candidate as bash inserts it: a value found by meaning escaped, an id as it is."""
    return _BASH_SPECIAL.sub(r"\\\1", value) if isinstance(value, Found) else str(value)


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


BUILDERS: dict[str, Callable[[Store, str], Candidates]] = {
    "contacts": _contacts,
    "deals": _deals,
    "stages": _stages,
    "followups": _followups,
}


def quietly(
    build: Callable[[Store, str], Candidates], db: str | None, incomplete: str
) -> Candidates:
    """What `build` offers for `incomplete` in the database `db`; [] on any problem."""
    from crmcli.core.books import open_store
    from crmcli.core.config import load

    try:
        store = open_store(db, load(), write=False)
    except Exception:
        return []
    try:
        return build(store, incomplete)
    except Exception:
        return []
    finally:
        store.close()
