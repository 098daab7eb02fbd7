"""Schema version 7: several pipelines, and the saved views' table.

- `pipeline` (id, name unique): every existing stage, and so every deal, goes into
  the first one, "Sales", owned by whoever owned the first stage, dated as it. A
  database without a stage gets none (a new database's pipeline is seeded by
  `defaults.seed`).
- `stage.pipeline_id` (not null), and a stage name is unique within its pipeline, not
  across all of them (each pipeline has its own Won and Lost). SQLite cannot drop the
  old UNIQUE (name), so `stage` is rebuilt. Foreign keys stay on (an upgrade runs in
  one transaction, where SQLite ignores `PRAGMA foreign_keys`), so dropping the old
  table would set every `deal_stage_change` stage to NULL: those ids are kept aside
  and put back, deals' references are checked at commit (`defer_foreign_keys`), and
  the AUTOINCREMENT counter is restored, so a removed stage's id is never reused
  (undo re-inserts it). PostgreSQL alters the table in place.
- `saved_view` (name unique per owner, entity, query): for `crm view` (issue #24).
Frozen like every migration.
"""

VERSION = 7

_PIPELINE = (
    "INSERT INTO pipeline (owner, version, created_at, updated_at, name) "
    "SELECT owner, 1, created_at, created_at, 'Sales' FROM stage ORDER BY id LIMIT 1"
)

SQLITE = [
    "CREATE TABLE pipeline ( owner VARCHAR NOT NULL, version INTEGER DEFAULT '1' NOT NULL, "
    "created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL, "
    "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, name VARCHAR NOT NULL, UNIQUE (name) )",
    "CREATE INDEX ix_pipeline_owner ON pipeline (owner)",
    _PIPELINE,
    "PRAGMA defer_foreign_keys = ON",
    "CREATE TEMP TABLE m0007_stage AS SELECT * FROM stage",
    "CREATE TEMP TABLE m0007_moves ( id INTEGER PRIMARY KEY, from_stage_id INTEGER, "
    "to_stage_id INTEGER )",
    "INSERT INTO m0007_moves SELECT id, from_stage_id, to_stage_id FROM deal_stage_change "
    "WHERE from_stage_id IS NOT NULL OR to_stage_id IS NOT NULL",
    "CREATE TEMP TABLE m0007_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'stage'",
    "DROP TABLE stage",
    "CREATE TABLE stage ( owner VARCHAR NOT NULL, version INTEGER DEFAULT '1' NOT NULL, "
    "created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL, "
    "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, name VARCHAR NOT NULL, "
    "position INTEGER NOT NULL, probability INTEGER NOT NULL, target_days INTEGER, "
    "kind VARCHAR DEFAULT 'open' NOT NULL, pipeline_id INTEGER NOT NULL, "
    "UNIQUE (pipeline_id, name), FOREIGN KEY(pipeline_id) REFERENCES pipeline (id) )",
    "CREATE INDEX ix_stage_owner ON stage (owner)",
    "INSERT INTO stage (owner, version, created_at, updated_at, id, name, position, "
    "probability, target_days, kind, pipeline_id) SELECT owner, version, created_at, "
    "updated_at, id, name, position, probability, target_days, kind, "
    "(SELECT min(id) FROM pipeline) FROM m0007_stage ORDER BY id",
    # Dropping the old table set these to NULL (ON DELETE SET NULL): put them back.
    "UPDATE deal_stage_change SET "
    "from_stage_id = (SELECT m.from_stage_id FROM m0007_moves m WHERE m.id = deal_stage_change.id), "
    "to_stage_id = (SELECT m.to_stage_id FROM m0007_moves m WHERE m.id = deal_stage_change.id) "
    "WHERE id IN (SELECT id FROM m0007_moves)",
    "UPDATE sqlite_sequence SET seq = (SELECT max(seq) FROM m0007_seq) "
    "WHERE name = 'stage' AND seq < (SELECT max(seq) FROM m0007_seq)",
    "INSERT INTO sqlite_sequence (name, seq) SELECT 'stage', max(seq) FROM m0007_seq "
    "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'stage') "
    "HAVING max(seq) IS NOT NULL",
    "DROP TABLE m0007_stage",
    "DROP TABLE m0007_moves",
    "DROP TABLE m0007_seq",
    "CREATE TABLE saved_view ( id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "
    'name VARCHAR NOT NULL, entity VARCHAR NOT NULL, "query" VARCHAR NOT NULL, '
    "owner VARCHAR NOT NULL, created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL, "
    "UNIQUE (owner, name) )",
]

POSTGRESQL = [
    "CREATE TABLE pipeline ( owner VARCHAR NOT NULL, version INTEGER DEFAULT '1' NOT NULL, "
    "created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL, id SERIAL NOT NULL, "
    "name VARCHAR NOT NULL, PRIMARY KEY (id), UNIQUE (name) )",
    "CREATE INDEX ix_pipeline_owner ON pipeline (owner)",
    _PIPELINE,
    "ALTER TABLE stage ADD COLUMN pipeline_id INTEGER",
    "UPDATE stage SET pipeline_id = (SELECT min(id) FROM pipeline)",
    "ALTER TABLE stage ALTER COLUMN pipeline_id SET NOT NULL",
    "ALTER TABLE stage ADD FOREIGN KEY (pipeline_id) REFERENCES pipeline (id)",
    "ALTER TABLE stage DROP CONSTRAINT stage_name_key",
    "ALTER TABLE stage ADD UNIQUE (pipeline_id, name)",
    "CREATE TABLE saved_view ( id SERIAL NOT NULL, name VARCHAR NOT NULL, "
    "entity VARCHAR NOT NULL, query VARCHAR NOT NULL, owner VARCHAR NOT NULL, "
    "created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL, PRIMARY KEY (id), "
    "UNIQUE (owner, name) )",
]
