"""Schema version 3: two covering indexes for what reports and the daily view read most.

- `ix_interaction_owner_at` (owner, occurred_at, kind): `crm report` counts your
  interactions by kind week by week; over a year of a million interactions the old
  occurred_at index made it visit every row's page (1.3 s), this one alone answers.
- `ix_contact_touch` (touch_due_at, last_touch_at), partial on the contacts with a
  live cadence: `crm today` orders everyone due for a touch by engagement score, which
  needs each one's last touch; with 30,000 due it no longer reads their rows.
Both are plain DDL, the same on both engines; frozen like every migration. On
PostgreSQL the folded lookup keys also get code-point collation (see below).
"""

VERSION = 3

_STATEMENTS = [
    "CREATE INDEX ix_interaction_owner_at ON interaction (owner, occurred_at, kind)",
    "CREATE INDEX ix_contact_touch ON contact (touch_due_at, last_touch_at) "
    "WHERE cadence_days IS NOT NULL AND NOT do_not_contact AND archived_at IS NULL",
]

SQLITE = list(_STATEMENTS)
# PostgreSQL compares text by the server's locale unless told otherwise; the folded
# keys that lookups scan by prefix range (`term >= 'ab' AND term < 'ab\U0010ffff'`)
# need plain code-point order, which SQLite always uses.
# PostgreSQL's text search over what `crm search` reads, indexed (GIN) on exactly the
# expression the search query uses, so a search does not read every row.
_FOLD = (
    "translate(lower({}), "
    "'àáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőŕřśšşťùúûüūůűųýÿźžż@._-/', "
    "'aaaaaaaaacccdeeeeeeeeiiiiiilnnnoooooooorrssstuuuuuuuuyyzzz     ')"
)
_SEARCHED = (
    ("interaction", "coalesce(summary, '') || ' ' || coalesce(body, '')"),
    ("followup", "coalesce(note, '')"),
    ("contact", "coalesce(notes, '')"),
)
POSTGRESQL = [
    *_STATEMENTS,
    *(
        f"CREATE INDEX ix_{table}_search ON {table} USING gin "
        f"(to_tsvector('simple', {_FOLD.format(text)}))"
        for table, text in _SEARCHED
    ),
    *(
        f'ALTER TABLE {table} ALTER COLUMN {column} TYPE VARCHAR COLLATE "C"'
        for table, column in (
            ("search_term", "term"),
            ("contact", "name_key"),
            ("company", "name_key"),
            ("contact_tag", "tag_key"),
        )
    ),
]
