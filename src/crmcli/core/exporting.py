"""Records streamed out for other tools: one generator per entity, flat memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crmcli.core.store import Store

FOLLOWUP_EXPORT_SQL = (
    "SELECT f.id, f.contact_id, c.display_name AS contact_name, "
    "(SELECT email FROM contact_email e WHERE e.contact_id = c.id "
    " ORDER BY e.is_primary DESC, e.position LIMIT 1) AS contact_email, "
    "(SELECT coalesce(formatted, raw) FROM contact_phone p WHERE p.contact_id = c.id "
    " ORDER BY p.position LIMIT 1) AS contact_phone, "
    "f.deal_id, d.title AS deal_title, f.kind, f.due_date, f.due_time, f.due_at, f.tz, f.note, "
    "f.status, f.done_at, f.snooze_count, f.version, f.created_at, f.updated_at "
    "FROM followup f JOIN contact c ON c.id = f.contact_id LEFT JOIN deal d ON d.id = f.deal_id"
)

FOLLOWUP_COLUMNS = (
    "id",
    "contact_id",
    "contact_name",
    "contact_email",
    "contact_phone",
    "deal_id",
    "deal_title",
    "kind",
    "due_date",
    "due_time",
    "due_at",
    "tz",
    "note",
    "status",
    "done_at",
)


def calendar_domain(store: Store) -> str:
    """A UID domain unique to this database, so two databases' events never collide."""
    import hashlib

    created = store.value("SELECT value FROM crm_meta WHERE key = 'created_at'") or ""
    digest = hashlib.sha256(f"{created}".encode()).hexdigest()[:12]
    return f"{digest}.crmcli"


def followups(store: Store, *, include_done: bool = False) -> Iterator[dict[str, Any]]:
    """Follow-ups (open ones unless `include_done`) by due time."""
    where = "" if include_done else " WHERE f.status = 'open'"
    return store.stream(f"{FOLLOWUP_EXPORT_SQL}{where} ORDER BY f.due_at, f.id")
