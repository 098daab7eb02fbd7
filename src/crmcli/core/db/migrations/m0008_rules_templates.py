"""Schema version 8: rules, what they did, and message templates (issue #23).

- `rule`: an automation rule as the rep wrote it (trigger, condition, actions as a
  JSON list of lines), enabled or not, in document order (`position`).
- `rule_effect`: one row per action a rule applied, naming the row it made or
  changed, written in the action's own undo batch: `crm rule why` reads it.
- `rule_fired`: a time rule's firing on one subject and occasion, unique, so
  `crm rule run` never fires it twice; kept out of undo batches.
- `template`: a message template (subject, body with merge fields).
- `sync_source` and `sync_item` (issue #21): each place `crm sync` reads, its cursor and
  last run; each item there as last seen, so a sync is a diff and a killed one resumes.
- `contact_email`'s address index becomes (email_norm, contact_id): the name search
  looks every query word up among addresses too, and read the table's row for each
  address it found; now the index alone answers (issue #22's lookup budget).
Frozen like every migration.
"""

VERSION = 8

SQLITE = [
    "DROP INDEX ix_contact_email_email_norm",
    "CREATE INDEX ix_contact_email_norm_contact ON contact_email (email_norm, contact_id)",
    "CREATE TABLE rule ( owner VARCHAR NOT NULL, version INTEGER DEFAULT '1' NOT NULL, created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL, id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, name VARCHAR NOT NULL, position INTEGER NOT NULL, when_text VARCHAR NOT NULL, if_text VARCHAR, then_text VARCHAR NOT NULL, enabled BOOLEAN DEFAULT 1 NOT NULL, description VARCHAR, UNIQUE (name) )",
    "CREATE INDEX ix_rule_owner ON rule (owner)",
    "CREATE TABLE rule_effect ( id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, rule_id INTEGER, rule_name VARCHAR NOT NULL, batch VARCHAR NOT NULL, at VARCHAR NOT NULL, action_text VARCHAR NOT NULL, reason VARCHAR NOT NULL, table_name VARCHAR NOT NULL, row_id INTEGER NOT NULL, contact_id INTEGER )",
    "CREATE INDEX ix_rule_effect_batch ON rule_effect (batch)",
    "CREATE INDEX ix_rule_effect_contact_id ON rule_effect (contact_id)",
    "CREATE INDEX ix_rule_effect_row ON rule_effect (table_name, row_id)",
    "CREATE INDEX ix_rule_effect_rule_id ON rule_effect (rule_id)",
    "CREATE TABLE rule_fired ( id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, rule_id INTEGER NOT NULL, subject VARCHAR NOT NULL, occasion VARCHAR NOT NULL, at VARCHAR NOT NULL, contact_id INTEGER, UNIQUE (rule_id, subject, occasion) )",
    "CREATE INDEX ix_rule_fired_contact_id ON rule_fired (contact_id)",
    "CREATE TABLE template ( owner VARCHAR NOT NULL, version INTEGER DEFAULT '1' NOT NULL, created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL, id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, name VARCHAR NOT NULL, subject VARCHAR NOT NULL, body VARCHAR NOT NULL, description VARCHAR, UNIQUE (name) )",
    "CREATE INDEX ix_template_owner ON template (owner)",
    'CREATE TABLE sync_source ( id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, kind VARCHAR NOT NULL, name VARCHAR NOT NULL, cursor VARCHAR, last_run_at VARCHAR, last_counts VARCHAR, last_error VARCHAR, UNIQUE (kind, name) )',
    'CREATE TABLE sync_item ( id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, source_id INTEGER NOT NULL, item VARCHAR NOT NULL, fingerprint VARCHAR, table_name VARCHAR, row_id INTEGER, seen_at VARCHAR NOT NULL, UNIQUE (source_id, item), FOREIGN KEY(source_id) REFERENCES sync_source (id) ON DELETE CASCADE )',
    'CREATE INDEX ix_sync_item_row ON sync_item (table_name, row_id)',
]

POSTGRESQL = [
    "DROP INDEX ix_contact_email_email_norm",
    "CREATE INDEX ix_contact_email_norm_contact ON contact_email (email_norm, contact_id)",
    "CREATE TABLE rule ( owner VARCHAR NOT NULL, version INTEGER DEFAULT '1' NOT NULL, created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL, id SERIAL NOT NULL, name VARCHAR NOT NULL, position INTEGER NOT NULL, when_text VARCHAR NOT NULL, if_text VARCHAR, then_text VARCHAR NOT NULL, enabled BOOLEAN DEFAULT true NOT NULL, description VARCHAR, PRIMARY KEY (id), UNIQUE (name) )",
    "CREATE INDEX ix_rule_owner ON rule (owner)",
    "CREATE TABLE rule_effect ( id SERIAL NOT NULL, rule_id INTEGER, rule_name VARCHAR NOT NULL, batch VARCHAR NOT NULL, at VARCHAR NOT NULL, action_text VARCHAR NOT NULL, reason VARCHAR NOT NULL, table_name VARCHAR NOT NULL, row_id INTEGER NOT NULL, contact_id INTEGER, PRIMARY KEY (id) )",
    "CREATE INDEX ix_rule_effect_batch ON rule_effect (batch)",
    "CREATE INDEX ix_rule_effect_contact_id ON rule_effect (contact_id)",
    "CREATE INDEX ix_rule_effect_row ON rule_effect (table_name, row_id)",
    "CREATE INDEX ix_rule_effect_rule_id ON rule_effect (rule_id)",
    "CREATE TABLE rule_fired ( id SERIAL NOT NULL, rule_id INTEGER NOT NULL, subject VARCHAR NOT NULL, occasion VARCHAR NOT NULL, at VARCHAR NOT NULL, contact_id INTEGER, PRIMARY KEY (id), UNIQUE (rule_id, subject, occasion) )",
    "CREATE INDEX ix_rule_fired_contact_id ON rule_fired (contact_id)",
    "CREATE TABLE template ( owner VARCHAR NOT NULL, version INTEGER DEFAULT '1' NOT NULL, created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL, id SERIAL NOT NULL, name VARCHAR NOT NULL, subject VARCHAR NOT NULL, body VARCHAR NOT NULL, description VARCHAR, PRIMARY KEY (id), UNIQUE (name) )",
    "CREATE INDEX ix_template_owner ON template (owner)",
    'CREATE TABLE sync_source ( id SERIAL NOT NULL, kind VARCHAR NOT NULL, name VARCHAR NOT NULL, cursor VARCHAR, last_run_at VARCHAR, last_counts VARCHAR, last_error VARCHAR, PRIMARY KEY (id), UNIQUE (kind, name) )',
    'CREATE TABLE sync_item ( id SERIAL NOT NULL, source_id INTEGER NOT NULL, item VARCHAR NOT NULL, fingerprint VARCHAR, table_name VARCHAR, row_id INTEGER, seen_at VARCHAR NOT NULL, PRIMARY KEY (id), UNIQUE (source_id, item), FOREIGN KEY(source_id) REFERENCES sync_source (id) ON DELETE CASCADE )',
    'CREATE INDEX ix_sync_item_row ON sync_item (table_name, row_id)',
]
