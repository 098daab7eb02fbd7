"""The columns the runtime layer writes, table by table.

The store checks every insert and update against these lists, and
`tests/core/db/test_schema.py` checks these lists against the SQLModel models, so
the SQL the commands speak cannot drift from the schema the models declare.
"""

from __future__ import annotations

_OWNED = ("owner", "version", "created_at", "updated_at")

COLUMNS: dict[str, tuple[str, ...]] = {
    "company": ("id", "name", "name_key", "domain", "industry", "notes", "archived_at", *_OWNED),
    "contact": (
        "id",
        "display_name",
        "prefix",
        "first_name",
        "middle_name",
        "last_name",
        "suffix",
        "name_key",
        "title",
        "company_id",
        "lead_source",
        "status",
        "do_not_contact",
        "birthday",
        "notes",
        "cadence_days",
        "last_touch_at",
        "touch_due_at",
        "addresses",
        "external_ids",
        "custom_fields",
        "archived_at",
        *_OWNED,
    ),
    "contact_email": (
        "id",
        "contact_id",
        "email",
        "email_norm",
        "label",
        "is_primary",
        "valid",
        "position",
    ),
    "contact_phone": (
        "id",
        "contact_id",
        "raw",
        "e164",
        "extension",
        "formatted",
        "label",
        "position",
    ),
    "contact_url": ("id", "contact_id", "url", "url_norm", "kind", "position"),
    "contact_tag": ("id", "contact_id", "tag_key", "tag"),
    "search_term": ("term", "contact_id", "field"),
    "stage": ("id", "name", "position", "probability", "target_days", "kind", *_OWNED),
    "deal": (
        "id",
        "title",
        "contact_id",
        "company_id",
        "amount_minor",
        "currency",
        "stage_id",
        "probability",
        "expected_close",
        "next_step",
        "status",
        "lost_reason",
        "contract_end",
        "lead_source",
        "stage_entered_at",
        "closed_at",
        *_OWNED,
    ),
    "deal_stage_change": (
        "id",
        "deal_id",
        "from_stage_id",
        "to_stage_id",
        "at",
        "owner",
        "reason",
    ),
    "interaction": (
        "id",
        "contact_id",
        "deal_id",
        "kind",
        "direction",
        "occurred_at",
        "summary",
        "body",
        "duration_seconds",
        "outcome",
        "external_id",
        *_OWNED,
    ),
    "followup": (
        "id",
        "contact_id",
        "deal_id",
        "kind",
        "due_date",
        "due_time",
        "due_at",
        "tz",
        "note",
        "status",
        "done_at",
        "snooze_count",
        "original_due_date",
        *_OWNED,
    ),
    "reminder_log": ("followup_id", "due_at", "announced_at", "channel"),
    "goal": ("id", "kind", "target", "period", *_OWNED),
    "change_log": (
        "id",
        "batch",
        "at",
        "owner",
        "command",
        "table_name",
        "row_id",
        "op",
        "before",
        "after",
        "contact_id",
        "undone_at",
    ),
    "crm_meta": ("key", "value"),
}

# Tables whose rows carry owner/version/created_at/updated_at.
OWNED_TABLES = frozenset(name for name, cols in COLUMNS.items() if "version" in cols)

# Boolean columns: SQLite stores them as 0/1, PostgreSQL as true/false; a copy between
# the two converts them (checked against the models by the schema tests too).
BOOLEANS: dict[str, tuple[str, ...]] = {
    "contact": ("do_not_contact",),
    "contact_email": ("is_primary", "valid"),
}
