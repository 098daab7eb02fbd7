"""Filtered lists read a page at a time, for the assistant's list tools.

The same core calls as the shell's lists (`directory.list_contacts`, its filter and
owner rule), with a count beside the page so a client can page through them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmcli.core.db.store import Store

if TYPE_CHECKING:
    from crmcli.core.people.rows import ContactSummary


def count_contacts(store: Store, where: tuple[str, list[Any]] | None) -> int:
    """How many live contacts `crm contact list` would list with `where` (a compiled
    fragment on `c`), under the same owner rule."""
    from crmcli.core.db import owners
    from crmcli.core.people import directory

    clause, params = directory.contact_filter(
        owner_term=owners.clause(store, None, "c"), where=where
    )
    return int(store.value(f"SELECT count(*) FROM contact c {clause}", params) or 0)


def contacts_slice(
    store: Store, where: tuple[str, list[Any]] | None, offset: int, limit: int
) -> list[ContactSummary]:
    """The `limit` contacts from `offset` on, by name, as `crm contact list` lists them."""
    from crmcli.core.people import directory

    if limit < 1:
        return []
    return directory.list_contacts(store, where=where, limit=offset + limit)[offset:]
