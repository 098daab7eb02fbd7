"""Shell completion from the database: contacts, deals, stages and follow-up ids.

Each function runs on a TAB press, so it opens the store read-only (never creating
one), asks the same core queries the commands use, and returns nothing at all on
any problem: an error message must never land in the rep's command line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

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


def _store(ctx: typer.Context) -> Any:
    from crmcli.core.config import load
    from crmcli.core.db.store import open_store

    root = ctx.find_root()
    db = root.params.get("db") if root.params else None
    return open_store(db, load(), write=False)


def _quiet(build: Callable[[Any, str], Candidates]) -> Callable[[typer.Context, str], Candidates]:
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


def _contacts(store: Any, incomplete: str) -> Candidates:
    """One token that is a valid REF (the email, else the id), the name as description."""
    from crmcli.core.search.find import describe, find

    if incomplete.strip():
        rows = describe(store, find(store, incomplete, limit=20))
    else:  # nothing typed yet: the people most recently in touch
        from crmcli.core.people.contacts import LIST_SQL

        rows = store.rows(
            f"{LIST_SQL} WHERE c.archived_at IS NULL "
            "ORDER BY c.last_touch_at IS NULL, c.last_touch_at DESC LIMIT 20"
        )
    out: Candidates = []
    for row in rows:
        value = Found(row["email"] or str(row["id"]))
        label = row["name"] + (f" ({row['company']})" if row["company"] else "")
        out.append((value, label))
    return out


def _deals(store: Any, incomplete: str) -> Candidates:
    from crmcli.core.values.text import fold

    key = fold(incomplete)
    out: Candidates = []
    for deal_id, title, stage in store.tuples(  # open deals first, recently touched first
        "SELECT d.id, d.title, s.name FROM deal d JOIN stage s ON s.id = d.stage_id "
        "ORDER BY d.status <> 'open', d.updated_at DESC LIMIT 500"
    ):
        if not key or fold(title).startswith(key) or str(deal_id).startswith(incomplete):
            out.append((Found(deal_id), f"{title} ({stage})"))
    return out[:30]


def _stages(store: Any, incomplete: str) -> Candidates:
    from crmcli.core.values.text import fold

    return [
        (Found(name), f"{kind}, {probability}%")
        for name, kind, probability in store.tuples(
            "SELECT name, kind, probability FROM stage ORDER BY position"
        )
        if fold(name).startswith(fold(incomplete))
    ]


def _followups(store: Any, incomplete: str) -> Candidates:
    return [
        (str(fid), f"{contact}: {note or 'follow up'} (due {due})")
        for fid, contact, note, due in store.tuples(
            "SELECT f.id, c.display_name, f.note, f.due_date FROM followup f "
            "JOIN contact c ON c.id = f.contact_id WHERE f.status = 'open' "
            "ORDER BY f.due_at LIMIT 200"
        )
        if str(fid).startswith(incomplete)
    ][:30]


contacts = _quiet(_contacts)
deals = _quiet(_deals)
stages = _quiet(_stages)
followups = _quiet(_followups)
