"""Schema version 2: full-text search over interactions, follow-up notes and contact notes.

SQLite: FTS5 tables over the existing rows (external content, kept current by
triggers, so every writer, bulk loads included, keeps them right), folding
accents. PostgreSQL: nothing yet; its own full-text search arrives with team mode.
Hand-written: FTS5 virtual tables are engine-specific, not part of the models.
"""

VERSION = 2

_TOKENIZE = "tokenize='unicode61 remove_diacritics 2'"


def _fts(table: str, columns: tuple[str, ...]) -> list[str]:
    """An FTS5 index over `columns` of `table`, kept current by triggers.

    Rows whose indexed columns are all empty are never indexed (most contacts have no
    notes): skipping them keeps bulk imports fast and the index small.
    """
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    has_new = " OR ".join(f"new.{c} IS NOT NULL" for c in columns)
    has_old = " OR ".join(f"old.{c} IS NOT NULL" for c in columns)
    fts = f"{table}_fts"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', "
        f"content_rowid='id', {_TOKENIZE})",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} WHEN {has_new} BEGIN "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} WHEN {has_old} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) SELECT 'delete', old.id, {old} "
        f"WHERE {has_old}; "
        f"INSERT INTO {fts}(rowid, {cols}) SELECT new.id, {new} WHERE {has_new}; END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


SQLITE = [
    *_fts("interaction", ("summary", "body")),
    *_fts("followup", ("note",)),
    *_fts("contact", ("notes",)),
]

POSTGRESQL: list[str] = []

# Tables this migration creates outside the models (the schema test leaves them out).
EXTRA_TABLES = ("interaction_fts", "followup_fts", "contact_fts")
