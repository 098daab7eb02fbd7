"""Schema version 9: what a two-way sync last agreed on, per item (issue #21); company words
found through an index (issues #22 and #25).

- `sync_item.base` holds an item's fields as both sides last agreed on them (JSON:
  a contact's vCard fields, a follow-up's pushed event), the common ancestor of a
  three-way merge: a field changed on one side only since then is taken from that
  side; changed on both, it is a conflict, reported and never overwritten. Mail
  items keep NULL. A nullable column, the same DDL on both engines.
- SQLite: `company_fts`, an FTS5 index over `company.name_key` (external content,
  kept current by triggers, as m0002's are, so every writer keeps it right). `crm
  find` looks each query word up among company name words; `name_key LIKE 'w%' OR
  LIKE '% w%'` read every company, twice per word (1.4 ms at 12,500 companies, ten
  times that at a million contacts); a prefix query on this index reads the matching
  words only. PostgreSQL keeps the LIKE (team mode has no ratio budget).
- `deal`'s (stage_id, status) index gains the board's order (stage_entered_at, id): the
  board's first screen of each stage reads its first cards from the index and stops,
  where it joined and sorted every open deal of the stage (`crm tui`'s first paint).
Frozen like every migration.
"""

VERSION = 9

_COMPANY_FTS = [
    "CREATE VIRTUAL TABLE company_fts USING fts5(name_key, content='company', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER company_fts_ai AFTER INSERT ON company BEGIN "
    "INSERT INTO company_fts(rowid, name_key) VALUES (new.id, new.name_key); END",
    "CREATE TRIGGER company_fts_ad AFTER DELETE ON company BEGIN "
    "INSERT INTO company_fts(company_fts, rowid, name_key) VALUES ('delete', old.id, old.name_key); END",
    "CREATE TRIGGER company_fts_au AFTER UPDATE OF name_key ON company BEGIN "
    "INSERT INTO company_fts(company_fts, rowid, name_key) VALUES ('delete', old.id, old.name_key); "
    "INSERT INTO company_fts(rowid, name_key) VALUES (new.id, new.name_key); END",
    "INSERT INTO company_fts(company_fts) VALUES ('rebuild')",
]

_BOARD_ORDER = [
    "DROP INDEX ix_deal_stage_status",
    "CREATE INDEX ix_deal_stage_status ON deal (stage_id, status, stage_entered_at, id)",
]

SQLITE = ["ALTER TABLE sync_item ADD COLUMN base VARCHAR", *_COMPANY_FTS, *_BOARD_ORDER]

POSTGRESQL = ["ALTER TABLE sync_item ADD COLUMN base VARCHAR", *_BOARD_ORDER]

# Tables this migration creates outside the models (the schema test leaves them out).
EXTRA_TABLES = ("company_fts",)
