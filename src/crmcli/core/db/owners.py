"""Whose records a list shows: yours by default in team mode, anyone's on request.

On a shared server each record has an owner (the `user` setting of the rep who
made it, or whom it was assigned to): lists, the pipeline and the daily view
show your own unless `--owner USER` or `--owner all` says otherwise. A local file
holds one rep's records, whatever the owner names in it, so it is never filtered
unless asked.
"""

from __future__ import annotations

from typing import Any

from crmcli.core.db.store import Store

ALL = "all"


def clause(store: Store, owner: str | None, alias: str) -> tuple[str, list[Any]]:
    """SQL (on table `alias`) keeping the records `owner` asks for; "" for all of them."""
    if owner is None:
        if not store.location.is_url:
            return "", []
        owner = str(store.config.get("user"))
    if owner.strip().lower() == ALL:
        return "", []
    return f"{alias}.owner = ?", [owner.strip()]


def where(store: Store, owner: str | None, alias: str) -> tuple[str, list[Any]]:
    """`clause` as an AND term to append ("" when there is nothing to filter)."""
    sql, params = clause(store, owner, alias)
    return (f" AND {sql}" if sql else ""), params
