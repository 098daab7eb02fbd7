"""The data-protection duties: everything held about a person, and erasing it on request.

An erasure is final: the person's rows, everything that hangs off them, and their
entries in the change log go, so not even `crm undo` can bring them back; the freed
pages are overwritten (SQLite's secure_delete) and the WAL checkpointed, so the data
does not linger in the file either. Backups made earlier still hold them, and the
command says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crmcli.core.db.store import Store


@dataclass
class Erasure:
    name: str
    erased: dict[str, int] = field(default_factory=dict)
    deals_unlinked: int = 0


def everything_about(store: Store, contact_id: int) -> dict[str, Any]:
    """All stored data about one person, for an access request."""
    from crmcli.core.people.directory import get, public_view

    person = public_view(get(store, contact_id))
    return {
        "contact": person,
        "interactions": store.rows(
            "SELECT id, kind, direction, occurred_at, summary, body, duration_seconds, outcome, "
            "deal_id, created_at FROM interaction WHERE contact_id = ? ORDER BY occurred_at",
            (contact_id,),
        ),
        "followups": store.rows(
            "SELECT id, kind, due_date, due_time, note, status, done_at, deal_id, created_at "
            "FROM followup WHERE contact_id = ? ORDER BY due_at",
            (contact_id,),
        ),
        "deals": store.rows(
            "SELECT d.id, d.title, d.amount_minor, d.currency, s.name AS stage, d.status, "
            "d.expected_close, d.next_step, d.created_at FROM deal d "
            "JOIN stage s ON s.id = d.stage_id WHERE d.contact_id = ? ORDER BY d.id",
            (contact_id,),
        ),
        "change_log": store.rows(
            "SELECT at, command, table_name, op, before, after FROM change_log "
            "WHERE contact_id = ? ORDER BY id",
            (contact_id,),
        ),
    }


def forget(store: Store, contact_id: int) -> Erasure:
    """Erase a person and everything about them, past undoing."""
    from crmcli.core.people.contacts import CHILD_TABLES
    from crmcli.core.people.directory import get

    name = str(get(store, contact_id)["display_name"])
    result = Erasure(name)
    conn = store.conn
    if store.dialect.name == "sqlite":
        conn.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed, not left behind
    with store.write(f"contact forget {contact_id}") as tx:
        for table in CHILD_TABLES:
            result.erased[table] = int(
                store.value(f"SELECT count(*) FROM {table} WHERE contact_id = ?", (contact_id,))
            )
            tx.execute(f"DELETE FROM {table} WHERE contact_id = ?", (contact_id,))
        result.deals_unlinked = int(
            store.value("SELECT count(*) FROM deal WHERE contact_id = ?", (contact_id,))
        )
        tx.execute("UPDATE deal SET contact_id = NULL WHERE contact_id = ?", (contact_id,))
        tx.execute("DELETE FROM search_term WHERE contact_id = ?", (contact_id,))
        result.erased["change_log"] = int(
            store.value(
                "SELECT count(*) FROM change_log WHERE contact_id = ? OR "
                "(table_name = 'contact' AND row_id = ? AND op <> 'insert-many')",
                (contact_id, contact_id),
            )
        )
        tx.execute(
            "DELETE FROM change_log WHERE contact_id = ? OR "
            "(table_name = 'contact' AND row_id = ? AND op <> 'insert-many')",
            (contact_id, contact_id),
        )
        tx.execute("DELETE FROM contact WHERE id = ?", (contact_id,))
        result.erased["contact"] = 1
        # Nothing is logged: an erasure must leave nothing to undo from.
        if store.dialect.name == "sqlite":
            # FTS5 deletes by appending markers; merging drops the erased words for good.
            for (fts,) in store.tuples(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%\\_fts' "
                "ESCAPE '\\'"
            ):
                tx.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")
    if store.dialect.name == "sqlite":
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:  # PostgreSQL keeps deleted rows as dead tuples until vacuumed: vacuum now
        for table in (*CHILD_TABLES, "search_term", "change_log", "contact"):
            conn.execute(f"VACUUM {table}")
    return result
