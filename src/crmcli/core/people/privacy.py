"""The data-protection duties: everything held about a person, and erasing it on request.

An erasure is final: the person's rows, everything that hangs off them, and every
change-log entry that mentions them go, under every id they ever had (contacts merged
into them included), so not even `crm undo` can bring them back. On SQLite the
erasure runs with `secure_delete` (freed pages are zeroed) and is followed by a
checkpoint that empties the write-ahead log, so the data does not linger in the
files either; when another program's open read keeps the log from being emptied,
the erasure says so instead of claiming success. Backups made earlier still hold
them, and the command says so.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmcli.core.db.store import Store, Tx, in_chunks
from crmcli.core.errors import StoreUnavailable
from crmcli.core.people.contacts import CHILD_TABLES

# What `people.merging.merge` names its batch: the merged-in id is the second number.
_MERGE = re.compile(r"^contact merge (\d+) (\d+)$")
# Tables whose rows point at a contact: a change-log image of one mentions the person.
_POINTING = (*CHILD_TABLES, "deal")


@dataclass
class Erasure:
    name: str
    erased: dict[str, int] = field(default_factory=dict)
    deals_unlinked: int = 0


@dataclass
class _Mentions:
    """The change-log entries about one person: `ids` maps each id they had to the last
    change-log id that can be theirs (a merged-away id may be given to someone new)."""

    ids: dict[int, int | None]
    entries: list[int]  # change-log ids that go
    deal_entries: list[int]  # deal images that point at them: the link is scrubbed


def _identities(store: Store, contact_id: int) -> dict[int, int | None]:
    """Every id the person has had: their own and, transitively, those merged into it.

    A merge that was undone gave the other record back a life of its own: it is not
    theirs any more. Each merged-in id is bounded by its merge's last change-log entry,
    since SQLite may hand a deleted contact's id to a later contact.
    """
    merges: dict[int, list[tuple[int, int]]] = {}
    for command, last in store.tuples(
        "SELECT command, max(id) FROM change_log WHERE command LIKE 'contact merge %' "
        "GROUP BY batch, command HAVING max(undone_at) IS NULL"
    ):
        found = _MERGE.match(str(command))
        if found:
            keep, other = int(found[1]), int(found[2])
            merges.setdefault(keep, []).append((other, int(last)))
    ids: dict[int, int | None] = {contact_id: None}
    frontier = [contact_id]
    while frontier:
        keep = frontier.pop()
        for other, last in merges.get(keep, []):
            if other not in ids:
                ids[other] = last
                frontier.append(other)
    return ids


def _mentions(store: Store, contact_id: int) -> _Mentions:
    """Find every change-log entry that mentions the person, under any id they had."""
    ids = _identities(store, contact_id)
    entries: set[int] = set()
    deal_entries: set[int] = set()
    pointing = ", ".join(f"'{t}'" for t in _POINTING)
    for person, last in ids.items():
        bound = "" if last is None else " AND id <= ?"
        extra: tuple[int, ...] = () if last is None else (last,)
        entries.update(
            int(row_id)
            for (row_id,) in store.tuples(
                "SELECT id FROM change_log WHERE (contact_id = ? OR (table_name = 'contact' "
                f"AND row_id = ? AND op <> 'insert-many')){bound}",
                (person, person, *extra),
            )
        )
        # An entry tagged with another contact (or none) whose image points at them.
        like = f'%"contact_id": {person}%'
        for row_id, table, before, after in store.tuples(
            f"SELECT id, table_name, before, after FROM change_log WHERE table_name IN "
            f"({pointing}) AND (before LIKE ? OR after LIKE ?){bound}",
            (like, like, *extra),
        ):
            images = [json.loads(image) for image in (before, after) if image]
            if any(image.get("contact_id") == person for image in images):
                (deal_entries if table == "deal" else entries).add(int(row_id))
    return _Mentions(ids, sorted(entries), sorted(deal_entries - entries))


def everything_about(store: Store, contact_id: int) -> dict[str, Any]:
    """All stored data about one person, for an access request: what `forget` erases."""
    from crmcli.core.people.directory import get, public_view

    person = public_view(get(store, contact_id))
    mentions = _mentions(store, contact_id)
    log_ids = sorted({*mentions.entries, *mentions.deal_entries})
    change_log = store.tuples_in(
        "SELECT id, at, command, table_name, row_id, op, before, after FROM change_log "
        "WHERE id IN ({ids}) ORDER BY id",
        log_ids,
    )
    names = ("id", "at", "command", "table_name", "row_id", "op", "before", "after")
    return {
        "contact": person,
        "merged_ids": sorted(i for i in mentions.ids if i != contact_id),
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
        "change_log": [
            {k: v for k, v in zip(names, row, strict=True) if k != "id"}
            for row in sorted(change_log)
        ],
        "rule_effects": store.rows(
            "SELECT rule_name, at, action_text, reason, table_name, row_id FROM rule_effect "
            "WHERE contact_id = ? ORDER BY id",
            (contact_id,),
        ),
    }


def forget(store: Store, contact_id: int) -> Erasure:
    """Erase a person and everything about them, past undoing."""
    from crmcli.core.people.directory import get

    name = str(get(store, contact_id)["display_name"])
    sqlite = store.dialect.name == "sqlite"
    if not sqlite:
        result = _erase(store, contact_id, name)
        _vacuum(store)
        return result
    conn = store.conn
    (was,) = conn.execute("PRAGMA secure_delete").fetchone()
    conn.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed, not left behind
    try:
        result = _erase(store, contact_id, name)
    finally:
        conn.execute(f"PRAGMA secure_delete = {int(was)}")
    _checkpoint(store, name)
    return result


def _erase(store: Store, contact_id: int, name: str) -> Erasure:
    """The erasure itself: one transaction, nothing logged (nothing to undo it from)."""

    result = Erasure(name)
    with store.write(f"contact forget {contact_id}", rules=False) as tx:
        mentions = _mentions(store, contact_id)  # inside the write lock: none added since
        for table in CHILD_TABLES:
            result.erased[table] = int(
                store.value(f"SELECT count(*) FROM {table} WHERE contact_id = ?", (contact_id,))
            )
            tx.execute(f"DELETE FROM {table} WHERE contact_id = ?", (contact_id,))
        result.deals_unlinked = int(
            store.value("SELECT count(*) FROM deal WHERE contact_id = ?", (contact_id,))
        )
        tx.execute("UPDATE deal SET contact_id = NULL WHERE contact_id = ?", (contact_id,))
        # Other people's relations that name this person ("spouse: <them>") are data
        # about them too: erased with the rest, not left as a name in someone's card.
        result.erased["named_in_relations"] = int(
            store.value("SELECT count(*) FROM contact_relation WHERE related_id = ?", (contact_id,))
        )
        tx.execute("DELETE FROM contact_relation WHERE related_id = ?", (contact_id,))
        for person in mentions.ids:
            tx.execute("DELETE FROM search_term WHERE contact_id = ?", (person,))
        # What rules did for them, and which time rules fired on them: their name is in
        # the explanations, and their ids in both (schema v8).
        for table in ("rule_effect", "rule_fired"):
            result.erased[table] = 0
            for chunk, marks in in_chunks(list(mentions.ids)):
                result.erased[table] += int(
                    store.value(
                        f"SELECT count(*) FROM {table} WHERE contact_id IN ({marks})", chunk
                    )
                )
                tx.execute(f"DELETE FROM {table} WHERE contact_id IN ({marks})", chunk)
        for chunk, marks in in_chunks(mentions.entries):
            tx.execute(f"DELETE FROM change_log WHERE id IN ({marks})", chunk)
        result.erased["change_log"] = len(mentions.entries)
        _unlink_deal_images(tx, mentions)
        # What a contacts sync last agreed on with a card (`sync_item.base`) is data about
        # them too; the link itself stays, so the next sync deletes their card there.
        tx.execute(
            "UPDATE sync_item SET base = NULL WHERE table_name = 'contact' AND row_id = ?",
            (contact_id,),
        )
        tx.execute("DELETE FROM contact WHERE id = ?", (contact_id,))
        result.erased["contact"] = 1
        if store.dialect.name == "sqlite":
            # FTS5 deletes by appending markers; merging drops the erased words for good.
            for (fts,) in store.tuples(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%\\_fts' "
                "ESCAPE '\\'"
            ):
                tx.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")
    return result


def _unlink_deal_images(tx: Tx, mentions: _Mentions) -> None:
    """Deals stay (business records), and so does their history, but no image of one
    points at the person: undoing a deal's change can never link it back to them."""
    for entry in mentions.deal_entries:
        row = tx.store.row("SELECT before, after FROM change_log WHERE id = ?", (entry,))
        if row is None:  # pragma: no cover - read under the same write lock
            continue
        images: list[str | None] = []
        for image in (row["before"], row["after"]):
            data = json.loads(image) if image else None
            if data is not None and data.get("contact_id") in mentions.ids:
                data["contact_id"] = None
            images.append(None if data is None else json.dumps(data, ensure_ascii=False))
        tx.execute("UPDATE change_log SET before = ?, after = ? WHERE id = ?", (*images, entry))


def _checkpoint(store: Store, name: str) -> None:
    """Copy the erasure into the database file and empty the write-ahead log.

    A reader in the middle of a read holds on to the log's old pages; SQLite's busy
    handler waits for it, and this retries, up to `busy_timeout`. A reader that stays
    longer gets a clear failure: the person is gone from the tables, but their old
    pages are still in the log file until the last program using the database closes.
    """
    deadline = time.monotonic() + float(store.config.get("busy_timeout"))
    while True:
        busy = store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if not busy:
            return
        if time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    wal = Path(f"{store.location.target}-wal").name
    raise StoreUnavailable(
        f"{name} is erased from the database, but another program is reading it, so its "
        f"write-ahead log ({wal}) still holds the old pages: close that program, then run "
        "any crm command (e.g. `crm status`) to clear it"
    )


def _vacuum(store: Store) -> None:
    """PostgreSQL keeps deleted rows as dead tuples until vacuumed: vacuum now."""

    erased = ("search_term", "change_log", "contact", "deal", "rule_effect", "rule_fired")
    for table in (*CHILD_TABLES, *erased):
        store.conn.execute(f"VACUUM {table}")
