"""Schema version 5: why a deal changed stage, kept on its history row.

`crm deal move ... --reason` took a reason and dropped it (only a lost deal kept one,
on the deal). A nullable column with the same DDL on both engines; existing rows keep
NULL. Frozen like every migration.
"""

VERSION = 5

SQLITE = ["ALTER TABLE deal_stage_change ADD COLUMN reason VARCHAR"]

POSTGRESQL = ["ALTER TABLE deal_stage_change ADD COLUMN reason VARCHAR"]
