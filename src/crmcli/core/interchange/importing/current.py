"""What the contacts a chunk may match hold now, read for the whole chunk in a few queries.

A re-import matches nearly every row to a contact already there, and most of them
bring nothing new. Reading each one's whole record (`directory.get`: nine queries)
before finding that out was 56% of the writing process's time in a re-import of
100,000 rows (py-spy). So the writer reads, once a chunk, what `ContactWriter.update`
and `extras.new_extras` compare for every contact the chunk's rows could match: one
`IN` query per table, whatever the size of the chunk. The shape is `directory.get`'s,
limited to those keys: a key either reads must be added here too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from crmcli.core.db.store import Store

# The contact columns `ContactWriter.update` reads, besides the child rows below.
_COLUMNS = (
    "id", "display_name", "prefix", "first_name", "middle_name", "last_name", "suffix",
    "nickname", "title", "lead_source", "birthday", "notes", "do_not_contact", "company_id",
    "external_ids", "custom_fields",
)  # fmt: skip
# Child rows: key in the record, then the query (contact id first, then the columns).
# Orders as `directory.get` and `extras.read` give them (positions follow their count).
_CHILDREN = (
    (
        "emails",
        "SELECT contact_id, id, email_norm FROM contact_email WHERE contact_id IN ({ids}) "
        "ORDER BY contact_id, is_primary DESC, position, id",
    ),
    (
        "phones",
        "SELECT contact_id, raw, e164 FROM contact_phone WHERE contact_id IN ({ids}) "
        "ORDER BY contact_id, position, id",
    ),
    (
        "urls",
        "SELECT contact_id, url_norm FROM contact_url WHERE contact_id IN ({ids}) "
        "ORDER BY contact_id, position, id",
    ),
    (
        "tag_rows",
        "SELECT contact_id, tag_key FROM contact_tag WHERE contact_id IN ({ids}) "
        "ORDER BY contact_id, tag_key",
    ),
    (
        "relations",
        "SELECT contact_id, name, kind, related_id FROM contact_relation "
        "WHERE contact_id IN ({ids}) "
        "ORDER BY contact_id, position, id",
    ),
    (
        "dates",
        "SELECT contact_id, label, date FROM contact_date WHERE contact_id IN ({ids}) "
        "ORDER BY contact_id, position, id",
    ),
    (
        "handles",
        "SELECT contact_id, service, handle FROM contact_handle WHERE contact_id IN ({ids}) "
        "ORDER BY contact_id, position, id",
    ),
)
_CHILD_COLUMNS = {
    "emails": ("id", "email_norm"),
    "phones": ("raw", "e164"),
    "urls": ("url_norm",),
    "tag_rows": ("tag_key",),
    "relations": ("name", "kind", "related_id"),
    "dates": ("label", "date"),
    "handles": ("service", "handle"),
}


def read_current(store: Store, contact_ids: Iterable[int]) -> dict[int, Mapping[str, Any]]:
    """The stored state of these contacts (those that exist), by id: the contact's columns
    `ContactWriter.update` compares, its emails, phones, URLs, tag rows, relations, dates,
    handles (lists of dicts) and whether it has a photo (`photo`: True or None)."""
    ids = sorted(set(contact_ids))
    out: dict[int, dict[str, Any]] = {}
    if not ids:
        return {}
    for values in store.tuples_in(
        f"SELECT {', '.join(_COLUMNS)} FROM contact WHERE id IN ({{ids}})", ids
    ):
        row = dict(zip(_COLUMNS, values, strict=True))
        for key in ("external_ids", "custom_fields"):
            row[key] = json.loads(row[key]) if row[key] else None
        row.update({key: [] for key in _CHILD_COLUMNS}, photo=None)
        out[int(row["id"])] = row
    for key, sql in _CHILDREN:
        names = _CHILD_COLUMNS[key]
        for contact_id, *cells in store.tuples_in(sql, ids):
            out[int(contact_id)][key].append(dict(zip(names, cells, strict=True)))
    for (contact_id,) in store.tuples_in(
        "SELECT contact_id FROM contact_photo WHERE contact_id IN ({ids})", ids
    ):
        out[int(contact_id)]["photo"] = True
    found: dict[int, Mapping[str, Any]] = dict(out)
    return found
