"""Schema version 9: what a two-way sync last agreed on, per item (issue #21).

`sync_item.base` holds an item's fields as both sides last agreed on them (JSON:
a contact's vCard fields, a follow-up's pushed event), the common ancestor of a
three-way merge: a field changed on one side only since then is taken from that
side; changed on both, it is a conflict, reported and never overwritten. Mail
items keep NULL. A nullable column, the same DDL on both engines. Frozen like
every migration.
"""

VERSION = 9

SQLITE = ["ALTER TABLE sync_item ADD COLUMN base VARCHAR"]

POSTGRESQL = ["ALTER TABLE sync_item ADD COLUMN base VARCHAR"]
