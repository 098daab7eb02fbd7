"""Resolving a REF (what a rep types to name a contact) to exactly one contact.

A REF is an id (`12` or `#12`), an email, an exact name (accent- and
case-insensitive), or a name prefix that only one contact has. Anything else
fails, listing the close candidates (fuzzy ones included) so the rep can
retype: a command that changes data never acts on a fuzzy guess.
"""

from __future__ import annotations

from typing import Any

from crmcli.core.db.store import Store
from crmcli.core.errors import Ambiguous, Invalid, NotFound
from crmcli.core.values import emails as email_mod
from crmcli.core.values.text import name_key

MAX_LISTED = 5


def _label(row: dict[str, Any]) -> str:
    text = f"#{row['id']} {row['name']}"
    if row.get("company"):
        text += f" ({row['company']})"
    if row.get("email"):
        text += f" <{row['email']}>"
    return text


def _describe(store: Store, ids: list[int]) -> list[str]:
    from crmcli.core.people.directory import LIST_SQL

    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    rows = {r["id"]: r for r in store.rows(f"{LIST_SQL} WHERE c.id IN ({marks})", ids)}
    return [_label(rows[i]) for i in ids if i in rows]


def resolve_contact(store: Store, ref: str) -> int:
    """The id of the one contact `ref` names, or NotFound / Ambiguous with candidates."""
    text = ref.strip()
    if not text:
        raise Invalid("empty contact reference: give an id, an email or a name")
    bare = text.removeprefix("#")
    if bare.isdigit():
        if store.value("SELECT 1 FROM contact WHERE id = ?", (int(bare),)) is None:
            raise NotFound(f"no contact #{bare}")
        return int(bare)
    if "@" in text:
        ids = [
            int(r[0])
            for r in store.tuples(
                "SELECT DISTINCT contact_id FROM contact_email WHERE email_norm = ? "
                "ORDER BY contact_id",
                (email_mod.normalise(text),),
            )
        ]
        return _one(store, ref, ids, "email")
    key = name_key(text)
    if not key:
        raise Invalid(f"cannot read {ref!r} as a contact reference")
    exact = [
        int(r[0])
        for r in store.tuples(
            "SELECT id FROM contact WHERE name_key = ? ORDER BY archived_at IS NOT NULL, id", (key,)
        )
    ]
    if exact:
        return _one(store, ref, exact, "name")
    prefixed = [
        int(r[0])
        for r in store.tuples(
            "SELECT id FROM contact WHERE name_key >= ? AND name_key < ? "
            "ORDER BY archived_at IS NOT NULL, name_key, id LIMIT ?",
            (key, key + "\U0010ffff", MAX_LISTED + 1),
        )
    ]
    return _one(store, ref, prefixed, "name prefix")


def _one(store: Store, ref: str, ids: list[int], how: str) -> int:
    if len(ids) == 1:
        return ids[0]
    if len(ids) > 1:
        listed = _describe(store, ids[:MAX_LISTED])
        more = " …" if len(ids) > MAX_LISTED else ""
        hint = "use the id" if how == "email" else "use the id or the email"
        raise Ambiguous(
            f"{ref!r} matches several contacts by {how}: {'; '.join(listed)}{more} — {hint}",
            listed,
        )
    from crmcli.core.search.find import find

    try:
        close = [h.contact_id for h in find(store, ref, limit=MAX_LISTED)]
    except Invalid:
        close = []
    listed = _describe(store, close)
    if listed:
        raise NotFound(f"no contact is named {ref!r}; close matches: {'; '.join(listed)}")
    raise NotFound(f"no contact matches {ref!r}")
