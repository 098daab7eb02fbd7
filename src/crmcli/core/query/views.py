"""Saved views: a filter-language query kept under a name, for one list (`--view NAME`).

A view holds the query's text, not its SQL: it is compiled each time it is used, so a
date word (`touched:>30d`, `due:<today`) means the day it is used, as it would typed.
It is still compiled when saved, so a view that cannot be read is never kept. Views
are the rep's own (the `user` setting), like goals: two reps on one server may each
have a "hot" view. Each save, replacement or removal is one undoable batch.
"""

from __future__ import annotations

from typing import Any, TypedDict

from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid, NotFound, Refused
from crmcli.core.query.compile import compile_where
from crmcli.core.values.text import collapse, fold

# The lists a view can be of (`crm view save --list`); the first is the default.
LISTS = ("contacts", "deals", "followups", "companies")
NAME_MAX = 60
_COLUMNS = "id, name, entity, query, created_at, updated_at"


class SavedView(TypedDict):
    """A view as the front ends show it: its name, the list it filters, its query."""

    id: int
    name: str
    list: str
    query: str
    created_at: str
    updated_at: str


def _view(row: dict[str, Any]) -> SavedView:
    return {
        "id": int(row["id"]),
        "name": str(row["name"]),
        "list": str(row["entity"]),
        "query": str(row["query"]),
        "created_at": str(row["created_at"]),
        "updated_at": str(row["updated_at"]),
    }


def _owner(store: Store) -> str:
    return str(store.config.get("user"))


def list_views(store: Store, list_name: str | None = None) -> list[SavedView]:
    """Your views by name (accents and case ignored), or only those of one list."""
    sql = f"SELECT {_COLUMNS} FROM saved_view WHERE owner = ?"
    params: list[Any] = [_owner(store)]
    if list_name is not None:
        sql += " AND entity = ?"
        params.append(list_name)
    rows = [_view(r) for r in store.rows(sql, params)]
    return sorted(rows, key=lambda v: (fold(v["name"]), v["name"]))


def find(store: Store, name: str) -> SavedView | None:
    """Your view of that name (accents and case ignored), or None."""
    key = fold(collapse(name))
    for view in list_views(store):
        if fold(view["name"]) == key:
            return view
    return None


def get(store: Store, name: str) -> SavedView:
    """Your view of that name; NotFound (listing your views) when there is none."""
    view = find(store, name)
    if view is None:
        names = ", ".join(v["name"] for v in list_views(store))
        known = f" (views: {names})" if names else " (no views yet: crm view save NAME QUERY)"
        raise NotFound(f"no view named {collapse(name)!r}{known}")
    return view


def check_name(name: str) -> str:
    """A view name as kept: one line, white space collapsed, with a letter or digit."""
    value = collapse(name)
    if not fold(value):
        raise Invalid("a view name needs a letter or a digit")
    if len(value) > NAME_MAX:
        raise Invalid(f"a view name is at most {NAME_MAX} characters")
    if value.startswith("-"):
        raise Invalid(f"a view name cannot start with '-': {value!r}")
    return value


def check_list(list_name: str) -> str:
    value = list_name.strip().lower()
    if value not in LISTS:
        raise Invalid(f"unknown list {list_name!r} (one of {', '.join(LISTS)})")
    return value


def check_query(store: Store, list_name: str, query: str) -> str:
    """The query as kept (trimmed), once it compiles for `list_name`: else a `QueryError`."""
    text = query.strip()
    if not text:
        raise Invalid("a view needs a query (crm view save NAME 'tag:vip')")
    compile_where(store, check_list(list_name), text, label="the query")
    return text


def save(
    store: Store, name: str, query: str, list_name: str = LISTS[0], *, replace: bool = False
) -> tuple[SavedView, bool]:
    """Keep `query` as a view of `list_name`; returns (the view, whether it replaced one).

    The query is compiled first: one that cannot be read is a `QueryError` (exit 2) and
    nothing is saved. A name you already use is `Refused` unless `replace`, which keeps
    the view's id and creation time and changes its list and query.
    """
    value = check_name(name)
    entity = check_list(list_name)
    text = check_query(store, entity, query)
    with store.write(f"view save {value}") as tx:
        existing = find(store, value)  # again inside the write: a save meanwhile counts
        if existing is not None and not replace:
            raise Refused(f"you already have a view named {existing['name']!r} (--replace)")
        if existing is None:
            tx.insert(
                "saved_view",
                {
                    "name": value,
                    "entity": entity,
                    "query": text,
                    "owner": tx.owner,
                    "created_at": tx.stamp,
                    "updated_at": tx.stamp,
                },
            )
        else:
            changes = {"name": value, "entity": entity, "query": text, "updated_at": tx.stamp}
            tx.update("saved_view", existing["id"], changes)
    return get(store, value), existing is not None


def remove(store: Store, name: str) -> SavedView:
    """Remove your view of that name (one undoable batch); returns it as it was."""
    view = get(store, name)
    with store.write(f"view rm {view['name']}") as tx:
        if tx.get("saved_view", view["id"]) is None:
            raise NotFound(f"view {view['name']!r} was just removed")
        tx.delete("saved_view", view["id"])
    return view


def compiled_view(store: Store, list_name: str, name: str) -> tuple[str, list[Any]]:
    """A view as a WHERE fragment on `list_name`; a view of another list is refused (exit 2)."""
    view = get(store, name)
    if view["list"] != list_name:
        raise Invalid(
            f"view {view['name']!r} filters {view['list']}, not {list_name} "
            f"(views of {list_name}: {_names(store, list_name)})"
        )
    return compile_where(store, list_name, view["query"], label=f"view {view['name']!r}")


def _names(store: Store, list_name: str) -> str:
    return ", ".join(v["name"] for v in list_views(store, list_name)) or "none"


def where(
    store: Store, list_name: str, *, view: str | None = None, query: str | None = None
) -> tuple[str, list[Any]] | None:
    """`--view` and `--where` as one WHERE fragment on the list's alias (both given: ANDed);
    None when neither is. Each is compiled on its own, so an error's column is its own."""
    parts: list[tuple[str, list[Any]]] = []
    if view is not None:
        parts.append(compiled_view(store, list_name, view))
    if query is not None:
        parts.append(compile_where(store, list_name, query))
    return both(*parts)


def both(*parts: tuple[str, list[Any]]) -> tuple[str, list[Any]] | None:
    """Compiled fragments ANDed, their parameters in order; None for none."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    sql = " AND ".join(f"({p[0]})" for p in parts)
    return sql, [value for p in parts for value in p[1]]


def search_words(store: Store, list_name: str, text: str) -> tuple[str, list[Any]] | None:
    """Words typed in a search box over a filtered list, as the filter language's free text:
    each word a quoted phrase (so `:` or `(` in it is only text), all of them ANDed; None
    when nothing was typed."""
    words = [w.replace("\\", "\\\\").replace('"', '\\"') for w in text.split()]
    if not words:
        return None
    return compile_where(store, list_name, " ".join(f'"{w}"' for w in words), label="search")
