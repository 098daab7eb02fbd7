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
- `interaction.thread` (issue #21): the conversation an email belongs to, the first
  Message-ID of its References, else its In-Reply-To, else its own Message-ID, so a
  reply is shown with its thread; indexed, as the timeline counts a thread's messages
  in one grouped query. Mail logged before v9 keeps NULL (no header is stored to
  rebuild it from); a later reply that refers to it fills it in.
- Issue #25, `crm today` and `crm report` as fast on a million contacts as on ten
  thousand, the same rows and figures (each block below says what and why):
  `contact.touch_rank`, a bound of the engagement score read through an index
  (`crm today`'s first few due for a touch among hundreds of thousands); partial
  indexes of open follow-ups and open deals for the daily view's counts and first
  rows (ix_followup_open_due replaces ix_followup_status_due); the report's weeks of
  interactions by kind (ix_interaction_owner_kind_at replaces ix_interaction_owner_at),
  quiet customers, follow-ups done, open deals' money (the board's index widened); and
  what its conversion figures read per deal and per stage change (`deal.reach`,
  `deal.contact_source`, `deal_stage_change.stay_stage_id` and `stay_us`), and hourly
  counts of interactions (`interaction_count`) for its weeks. The derived columns and
  counts are kept by triggers on both engines, as the full-text indexes are, so every
  writer (imports, undo, merges, `crm db copy`, the demo) keeps them right; the rows
  already there are filled through those same triggers, by a write that changes
  nothing (the counts, by one grouped INSERT).
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
    # Then (issue #25) the money the pipeline and forecast sum, so those read it alone:
    # a partial index of open deals' money lost to this one in SQLite's choice, which
    # then read 125,000 deals at a million contacts.
    "CREATE INDEX ix_deal_stage_status ON deal (stage_id, status, stage_entered_at, id, "
    "currency, amount_minor, probability, expected_close)",
]

# -- contact.touch_rank ------------------------------------------------------------------
# At most the score (crmcli.core.activity.scoring) a due contact touched within the last
# 180 days can have, `now` days after its cadence fell due, once (2/9) * days overdue is
# taken off: recency is 40 - (2/9) * days since the last touch, and that is the days
# from the last touch to the due date plus the days overdue; the frequency part counts
# at most the interactions since 90 days before the due date (the window can only move
# on from there), capped at 10 as the score caps it; the pipeline part is exactly the
# best open deal's. Truncated to an integer and plus one, so never below the bound.
_TOUCH_LIVE = "cadence_days IS NOT NULL AND last_touch_at IS NOT NULL AND touch_due_at IS NOT NULL"
# The frequency window's start for contact `c`, to the second (counting a few more is
# still a bound).
_SQLITE_SINCE = "strftime('%Y-%m-%dT%H:%M:%S', substr({c}.touch_due_at, 1, 19), '-90 days')"
_SQLITE_RANK = (
    "CASE WHEN {c}.cadence_days IS NULL OR {c}.last_touch_at IS NULL "
    "OR {c}.touch_due_at IS NULL THEN NULL ELSE CAST(40.0 - 2.0 * "
    "(julianday({c}.touch_due_at) - julianday({c}.last_touch_at)) / 9.0 "
    "+ 3 * min(10, (SELECT count(*) FROM interaction i WHERE i.contact_id = {c}.id "
    f"AND i.occurred_at >= {_SQLITE_SINCE})) "
    "+ 0.3 * coalesce((SELECT max(coalesce(d.probability, s.probability)) FROM deal d "
    "JOIN stage s ON s.id = d.stage_id WHERE d.contact_id = {c}.id AND d.status = 'open'), 0) "
    "AS INTEGER) + 1 END"
).format(c="contact")


def _sqlite_refresh(which: str) -> str:
    """The statement a trigger runs: the rank of the contacts `which` names, worked out again."""
    return f"UPDATE contact SET touch_rank = {_SQLITE_RANK} WHERE {which}; "


_SQLITE_TOUCH_RANK = [
    "ALTER TABLE contact ADD COLUMN touch_rank INTEGER",
    # A contact: when its cadence, last touch or due date is written (also by an undo,
    # which writes every column back), and when it is inserted already touched.
    "CREATE TRIGGER contact_touch_rank_ai AFTER INSERT ON contact WHEN new.cadence_days "
    "IS NOT NULL AND new.last_touch_at IS NOT NULL AND new.touch_due_at IS NOT NULL BEGIN "
    + _sqlite_refresh("id = new.id")
    + "END",
    "CREATE TRIGGER contact_touch_rank_au AFTER UPDATE OF cadence_days, last_touch_at, "
    "touch_due_at ON contact WHEN new.cadence_days IS NOT NULL OR new.touch_rank IS NOT NULL "
    "BEGIN " + _sqlite_refresh("id = new.id") + "END",
    # Its interactions: one inside the frequency window added or removed, or one moved.
    "CREATE TRIGGER interaction_touch_rank_ai AFTER INSERT ON interaction BEGIN "
    + _sqlite_refresh(
        f"id = new.contact_id AND {_TOUCH_LIVE} AND new.occurred_at >= "
        + _SQLITE_SINCE.format(c="contact")
    )
    + "END",
    "CREATE TRIGGER interaction_touch_rank_ad AFTER DELETE ON interaction BEGIN "
    + _sqlite_refresh(
        f"id = old.contact_id AND {_TOUCH_LIVE} AND old.occurred_at >= "
        + _SQLITE_SINCE.format(c="contact")
    )
    + "END",
    "CREATE TRIGGER interaction_touch_rank_au AFTER UPDATE OF contact_id, occurred_at "
    "ON interaction BEGIN "
    + _sqlite_refresh(f"id IN (old.contact_id, new.contact_id) AND {_TOUCH_LIVE}")
    + "END",
    # Its open deals: one added, removed, closed, reopened, moved, re-weighed or re-assigned.
    "CREATE TRIGGER deal_touch_rank_ai AFTER INSERT ON deal WHEN new.status = 'open' "
    "AND new.contact_id IS NOT NULL BEGIN "
    + _sqlite_refresh(f"id = new.contact_id AND {_TOUCH_LIVE}")
    + "END",
    "CREATE TRIGGER deal_touch_rank_ad AFTER DELETE ON deal WHEN old.status = 'open' "
    "AND old.contact_id IS NOT NULL BEGIN "
    + _sqlite_refresh(f"id = old.contact_id AND {_TOUCH_LIVE}")
    + "END",
    "CREATE TRIGGER deal_touch_rank_au AFTER UPDATE OF contact_id, status, probability, "
    "stage_id ON deal WHEN old.status = 'open' OR new.status = 'open' BEGIN "
    + _sqlite_refresh(f"id IN (old.contact_id, new.contact_id) AND {_TOUCH_LIVE}")
    + "END",
    # A stage's probability: every contact with an open deal there that takes it.
    "CREATE TRIGGER stage_touch_rank_au AFTER UPDATE OF probability ON stage BEGIN "
    + _sqlite_refresh(
        "id IN (SELECT contact_id FROM deal WHERE stage_id = new.id AND status = 'open' "
        f"AND probability IS NULL) AND {_TOUCH_LIVE}"
    )
    + "END",
    # The contacts already there, through the trigger above (the same arithmetic).
    f"UPDATE contact SET last_touch_at = last_touch_at WHERE {_TOUCH_LIVE}",
]

_POSTGRESQL_TOUCH_RANK = [
    "ALTER TABLE contact ADD COLUMN touch_rank INTEGER",
    # The same bound in PostgreSQL's arithmetic (numeric: exact, still a bound), on the
    # values a row has or is about to have.
    "CREATE FUNCTION crm_touch_rank(cid integer, cadence integer, last_touch varchar, "
    "due varchar) RETURNS integer LANGUAGE sql STABLE AS $$ SELECT CASE WHEN cadence IS NULL "
    "OR last_touch IS NULL OR due IS NULL THEN NULL ELSE CAST(floor(40.0 - 2.0 * extract(epoch "
    "FROM (CAST(due AS timestamptz) - CAST(last_touch AS timestamptz))) / 86400.0 / 9.0 "
    "+ 3 * least(10, (SELECT count(*) FROM interaction i WHERE i.contact_id = cid AND "
    "i.occurred_at >= to_char((CAST(due AS timestamptz) AT TIME ZONE 'UTC') - interval "
    "'90 days', 'YYYY-MM-DD\"T\"HH24:MI:SS'))) + 0.3 * coalesce((SELECT max(coalesce("
    "d.probability, s.probability)) FROM deal d JOIN stage s ON s.id = d.stage_id WHERE "
    "d.contact_id = cid AND d.status = 'open'), 0)) AS integer) + 1 END $$",
    "CREATE FUNCTION crm_refresh_touch_rank(cid integer) RETURNS void LANGUAGE sql AS $$ "
    "UPDATE contact SET touch_rank = crm_touch_rank(id, cadence_days, last_touch_at, "
    f"touch_due_at) WHERE id = cid AND {_TOUCH_LIVE} $$",
    "CREATE FUNCTION crm_contact_touch_rank() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "NEW.touch_rank := crm_touch_rank(NEW.id, NEW.cadence_days, NEW.last_touch_at, "
    "NEW.touch_due_at); RETURN NEW; END $$",
    "CREATE TRIGGER contact_touch_rank BEFORE INSERT OR UPDATE OF cadence_days, last_touch_at, "
    "touch_due_at ON contact FOR EACH ROW WHEN (NEW.cadence_days IS NOT NULL OR "
    "NEW.touch_rank IS NOT NULL) EXECUTE FUNCTION crm_contact_touch_rank()",
    "CREATE FUNCTION crm_interaction_touch_rank() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP <> 'INSERT' THEN PERFORM crm_refresh_touch_rank(OLD.contact_id); END IF; "
    "IF TG_OP <> 'DELETE' THEN PERFORM crm_refresh_touch_rank(NEW.contact_id); END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER interaction_touch_rank AFTER INSERT OR DELETE OR UPDATE OF contact_id, "
    "occurred_at ON interaction FOR EACH ROW EXECUTE FUNCTION crm_interaction_touch_rank()",
    "CREATE FUNCTION crm_deal_touch_rank() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP <> 'INSERT' AND OLD.status = 'open' AND OLD.contact_id IS NOT NULL THEN "
    "PERFORM crm_refresh_touch_rank(OLD.contact_id); END IF; "
    "IF TG_OP <> 'DELETE' AND NEW.status = 'open' AND NEW.contact_id IS NOT NULL THEN "
    "PERFORM crm_refresh_touch_rank(NEW.contact_id); END IF; RETURN NULL; END $$",
    "CREATE TRIGGER deal_touch_rank AFTER INSERT OR DELETE OR UPDATE OF contact_id, status, "
    "probability, stage_id ON deal FOR EACH ROW EXECUTE FUNCTION crm_deal_touch_rank()",
    "CREATE FUNCTION crm_stage_touch_rank() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE contact SET touch_rank = crm_touch_rank(id, cadence_days, last_touch_at, "
    "touch_due_at) WHERE id IN (SELECT contact_id FROM deal WHERE stage_id = NEW.id AND "
    f"status = 'open' AND probability IS NULL) AND {_TOUCH_LIVE}; RETURN NULL; END $$",
    "CREATE TRIGGER stage_touch_rank AFTER UPDATE OF probability ON stage FOR EACH ROW "
    "EXECUTE FUNCTION crm_stage_touch_rank()",
    f"UPDATE contact SET touch_rank = crm_touch_rank(id, cadence_days, last_touch_at, "
    f"touch_due_at) WHERE {_TOUCH_LIVE}",
]

# `crm today` reads due contacts by rank, and within a rank by due date, from here.
# A partial index's own condition columns are listed too: SQLite (3.40 here) reads a
# row to test them otherwise, and a count or a range read from the index alone is the
# point of each of these.
_LIVE = "cadence_days, do_not_contact, archived_at"
_TOUCH_WHERE = "WHERE cadence_days IS NOT NULL AND NOT do_not_contact AND archived_at IS NULL"
_TOUCH_INDEX = [
    f"CREATE INDEX ix_contact_touch_rank ON contact (touch_rank, touch_due_at, {_LIVE}) "
    f"{_TOUCH_WHERE}",
    # v3's (touch_due_at, last_touch_at): the count of due contacts from the index alone.
    "DROP INDEX ix_contact_touch",
    f"CREATE INDEX ix_contact_touch ON contact (touch_due_at, last_touch_at, {_LIVE}) "
    f"{_TOUCH_WHERE}",
]

# -- the daily view's other sections, on open records only ------------------------------
# Overdue follow-ups in due order, with what the overdue test reads (count and first
# rows from the index alone); a day's open follow-ups in the order they are shown; open
# deals by how long they have been in their stage (the oldest, nearly all stale, first);
# and the open deals with no next step, as `attention.annotate` means it: NULL, empty,
# or nothing but what Python's str.isspace() calls space.
_SPACES = (9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 133, 160, 5760, *range(8192, 8203))
_SPACES += (8232, 8233, 8239, 8287, 12288)
_OPEN_INDEXES = [
    # The open ones by due time replace (status, due_at): every query of it asks for
    # open follow-ups, and this one also answers what they test.
    "DROP INDEX ix_followup_status_due",
    "CREATE INDEX ix_followup_open_due ON followup (due_at, id, due_date, due_time, status, "
    "owner) WHERE status = 'open'",
    "CREATE INDEX ix_followup_open_day ON followup (due_date, due_time, id, due_at, status, "
    "owner) WHERE status = 'open'",
    "CREATE INDEX ix_deal_open_entered ON deal (stage_entered_at, id) WHERE status = 'open'",
]
_NO_STEP = (
    "CREATE INDEX ix_deal_open_no_step ON deal (stage_entered_at, id, stage_id, next_step, "
    "status) "
    "WHERE status = 'open' AND {}"
)
_SQLITE_NO_STEP = _NO_STEP.format(
    f"(next_step IS NULL OR trim(next_step, char({', '.join(map(str, _SPACES))})) = '')"
)
_POSTGRESQL_NO_STEP = _NO_STEP.format(
    f"(next_step IS NULL OR btrim(next_step, {' || '.join(f'chr({c})' for c in _SPACES)}) = '')"
)

_THREAD = [
    "ALTER TABLE interaction ADD COLUMN thread VARCHAR",
    "CREATE INDEX ix_interaction_thread ON interaction (thread)",
]

# -- `crm report` -----------------------------------------------------------------------
# A rep's interactions by kind, week by week: each kind's week is a range of this index
# (the old (owner, occurred_at, kind) made each week a scan and a sort; goals progress
# asks by owner and kind too). Follow-ups done in the period, with what the on-time
# test reads. Customers by last touch (never touched first): the quiet ones.
_REPORT_INDEXES = [
    "DROP INDEX ix_interaction_owner_at",
    "CREATE INDEX ix_interaction_owner_kind_at ON interaction (owner, kind, occurred_at)",
    "CREATE INDEX ix_followup_done ON followup (done_at, due_date, owner, status) "
    "WHERE status = 'done'",
    "CREATE INDEX ix_contact_customer_touch ON contact (last_touch_at, status, archived_at) "
    "WHERE status = 'customer' AND archived_at IS NULL",
]

# -- the report's conversion figures, kept per deal and per stage change ------------------
# A period's new deals and stage changes run to hundreds of thousands at a million
# contacts; working out each one's furthest stage (its whole history), its lead source
# (its contact's) and each stay (the change before it) took seconds. Triggers keep
# those on the rows themselves, for every writer (as the full-text indexes are), so a
# period reads one index range:
# - `deal.reach`: the stages its history went to, as their ids (comma-separated, each
#   once); the report ranks them with the stage order of the moment it runs;
# - `deal.contact_source`: the lead source its contact gives: the contact's own, else
#   `referral` when the contact was referred by someone (a "referred by" relation);
# - `deal_stage_change.stay_stage_id` / `stay_us`: the stage the deal was in until this
#   change (the previous change's, by time then id) and for how many microseconds.
_SQLITE_US = (
    "(CAST(strftime('%s', substr({x}, 1, 19)) AS INTEGER) * 1000000 "
    "+ CAST(substr({x}, 21, 6) AS INTEGER))"
)
_SQLITE_PREVIOUS = (
    "FROM deal_stage_change p WHERE p.deal_id = deal_stage_change.deal_id "
    "AND (p.at < deal_stage_change.at OR (p.at = deal_stage_change.at "
    "AND p.id < deal_stage_change.id)) ORDER BY p.at DESC, p.id DESC LIMIT 1"
)
_SQLITE_STAY = (
    f"UPDATE deal_stage_change SET stay_stage_id = (SELECT p.to_stage_id {_SQLITE_PREVIOUS}), "
    f"stay_us = (SELECT {_SQLITE_US.format(x='deal_stage_change.at')} - "
    f"{_SQLITE_US.format(x='p.at')} {_SQLITE_PREVIOUS}) WHERE id IN ({{}}); "
)
_SQLITE_NEXT = (
    "(SELECT s.id FROM deal_stage_change s WHERE s.deal_id = {r}.deal_id AND (s.at > {r}.at "
    "OR (s.at = {r}.at AND s.id > {r}.id)) ORDER BY s.at, s.id LIMIT 1)"
)
_SQLITE_REACH = (
    "(SELECT group_concat(DISTINCT h.to_stage_id) FROM deal_stage_change h "
    "WHERE h.deal_id = deal.id AND h.to_stage_id IS NOT NULL)"
)
_SQLITE_SOURCE = (
    "coalesce(nullif((SELECT c.lead_source FROM contact c WHERE c.id = {cid}), ''), "
    "CASE WHEN EXISTS (SELECT 1 FROM contact_relation r WHERE r.contact_id = {cid} "
    "AND r.kind = 'referred by') THEN 'referral' END)"
)
_SQLITE_DEAL = (
    f"UPDATE deal SET reach = {_SQLITE_REACH}, "
    f"contact_source = {_SQLITE_SOURCE.format(cid='deal.contact_id')} WHERE id = new.id; "
)
_SQLITE_REACH_OF = f"UPDATE deal SET reach = {_SQLITE_REACH} WHERE id IN ({{}}); "
_SQLITE_SOURCE_OF = (
    f"UPDATE deal SET contact_source = {_SQLITE_SOURCE.format(cid='deal.contact_id')} "
    "WHERE contact_id IN ({}); "
)
_SQLITE_CONVERSION = [
    "ALTER TABLE deal ADD COLUMN reach VARCHAR",
    "ALTER TABLE deal ADD COLUMN contact_source VARCHAR",
    "ALTER TABLE deal_stage_change ADD COLUMN stay_stage_id INTEGER",
    "ALTER TABLE deal_stage_change ADD COLUMN stay_us BIGINT",
    "CREATE TRIGGER deal_stage_change_stay_ai AFTER INSERT ON deal_stage_change BEGIN "
    + _SQLITE_STAY.format(f"new.id, {_SQLITE_NEXT.format(r='new')}")
    + _SQLITE_REACH_OF.format("new.deal_id")
    + "END",
    "CREATE TRIGGER deal_stage_change_stay_ad AFTER DELETE ON deal_stage_change BEGIN "
    + _SQLITE_STAY.format(_SQLITE_NEXT.format(r="old"))
    + _SQLITE_REACH_OF.format("old.deal_id")
    + "END",
    "CREATE TRIGGER deal_stage_change_stay_au AFTER UPDATE OF deal_id, at, to_stage_id "
    "ON deal_stage_change BEGIN "
    + _SQLITE_STAY.format(f"new.id, {_SQLITE_NEXT.format(r='new')}, {_SQLITE_NEXT.format(r='old')}")
    + _SQLITE_REACH_OF.format("old.deal_id, new.deal_id")
    + "END",
    # A deal inserted (`crm db copy` brings its history after it), or given another
    # contact, or written back whole by an undo (which sets every column, contact_id too).
    "CREATE TRIGGER deal_conversion_ai AFTER INSERT ON deal BEGIN " + _SQLITE_DEAL + "END",
    "CREATE TRIGGER deal_conversion_au AFTER UPDATE OF contact_id ON deal BEGIN "
    + _SQLITE_DEAL
    + "END",
    "CREATE TRIGGER contact_source_au AFTER UPDATE OF lead_source ON contact BEGIN "
    + _SQLITE_SOURCE_OF.format("new.id")
    + "END",
    "CREATE TRIGGER contact_relation_source_ai AFTER INSERT ON contact_relation BEGIN "
    + _SQLITE_SOURCE_OF.format("new.contact_id")
    + "END",
    "CREATE TRIGGER contact_relation_source_ad AFTER DELETE ON contact_relation BEGIN "
    + _SQLITE_SOURCE_OF.format("old.contact_id")
    + "END",
    "CREATE TRIGGER contact_relation_source_au AFTER UPDATE OF contact_id, kind "
    "ON contact_relation BEGIN "
    + _SQLITE_SOURCE_OF.format("old.contact_id, new.contact_id")
    + "END",
    # What is there already, through the triggers above (the same SQL).
    "UPDATE deal SET contact_id = contact_id",
    "UPDATE deal_stage_change SET at = at",
]

_PG_PREVIOUS = (
    "FROM deal_stage_change p WHERE p.deal_id = x.deal_id AND (p.at < x.at OR (p.at = x.at "
    "AND p.id < x.id)) ORDER BY p.at DESC, p.id DESC LIMIT 1"
)
_PG_NEXT = (
    "(SELECT s.id FROM deal_stage_change s WHERE s.deal_id = {r}.deal_id AND (s.at > {r}.at "
    "OR (s.at = {r}.at AND s.id > {r}.id)) ORDER BY s.at, s.id LIMIT 1)"
)
_POSTGRESQL_CONVERSION = [
    "ALTER TABLE deal ADD COLUMN reach VARCHAR",
    "ALTER TABLE deal ADD COLUMN contact_source VARCHAR",
    "ALTER TABLE deal_stage_change ADD COLUMN stay_stage_id INTEGER",
    "ALTER TABLE deal_stage_change ADD COLUMN stay_us BIGINT",
    "CREATE FUNCTION crm_deal_reach(did integer) RETURNS varchar LANGUAGE sql STABLE AS $$ "
    "SELECT string_agg(DISTINCT h.to_stage_id::text, ',') FROM deal_stage_change h "
    "WHERE h.deal_id = did AND h.to_stage_id IS NOT NULL $$",
    "CREATE FUNCTION crm_contact_source(cid integer) RETURNS varchar LANGUAGE sql STABLE AS $$ "
    "SELECT coalesce(nullif((SELECT c.lead_source FROM contact c WHERE c.id = cid), ''), "
    "CASE WHEN EXISTS (SELECT 1 FROM contact_relation r WHERE r.contact_id = cid "
    "AND r.kind = 'referred by') THEN 'referral' END) $$",
    "CREATE FUNCTION crm_stage_stays(ids integer[]) RETURNS void LANGUAGE sql AS $$ "
    f"UPDATE deal_stage_change x SET stay_stage_id = (SELECT p.to_stage_id {_PG_PREVIOUS}), "
    "stay_us = (SELECT CAST((extract(epoch FROM CAST(x.at AS timestamptz)) - extract(epoch "
    f"FROM CAST(p.at AS timestamptz))) * 1000000 AS bigint) {_PG_PREVIOUS}) "
    "WHERE x.id = ANY(ids) $$",
    "CREATE FUNCTION crm_stage_change_conversion() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN IF TG_OP = 'INSERT' THEN "
    f"PERFORM crm_stage_stays(ARRAY[NEW.id, {_PG_NEXT.format(r='NEW')}]); "
    "UPDATE deal SET reach = crm_deal_reach(id) WHERE id = NEW.deal_id; "
    "ELSIF TG_OP = 'DELETE' THEN "
    f"PERFORM crm_stage_stays(ARRAY[{_PG_NEXT.format(r='OLD')}]); "
    "UPDATE deal SET reach = crm_deal_reach(id) WHERE id = OLD.deal_id; "
    "ELSE "
    f"PERFORM crm_stage_stays(ARRAY[NEW.id, {_PG_NEXT.format(r='NEW')}, "
    f"{_PG_NEXT.format(r='OLD')}]); "
    "UPDATE deal SET reach = crm_deal_reach(id) WHERE id IN (OLD.deal_id, NEW.deal_id); "
    "END IF; RETURN NULL; END $$",
    "CREATE TRIGGER deal_stage_change_conversion AFTER INSERT OR DELETE OR UPDATE OF deal_id, "
    "at, to_stage_id ON deal_stage_change FOR EACH ROW "
    "EXECUTE FUNCTION crm_stage_change_conversion()",
    "CREATE FUNCTION crm_deal_conversion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "NEW.reach := crm_deal_reach(NEW.id); "
    "NEW.contact_source := crm_contact_source(NEW.contact_id); RETURN NEW; END $$",
    "CREATE TRIGGER deal_conversion BEFORE INSERT OR UPDATE OF contact_id ON deal "
    "FOR EACH ROW EXECUTE FUNCTION crm_deal_conversion()",
    "CREATE FUNCTION crm_contact_source_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN UPDATE deal SET contact_source = crm_contact_source(contact_id) "
    "WHERE contact_id = NEW.id; RETURN NULL; END $$",
    "CREATE TRIGGER contact_source AFTER UPDATE OF lead_source ON contact FOR EACH ROW "
    "EXECUTE FUNCTION crm_contact_source_changed()",
    "CREATE FUNCTION crm_relation_source() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP <> 'INSERT' THEN UPDATE deal SET contact_source = crm_contact_source(contact_id) "
    "WHERE contact_id = OLD.contact_id; END IF; "
    "IF TG_OP <> 'DELETE' THEN UPDATE deal SET contact_source = crm_contact_source(contact_id) "
    "WHERE contact_id = NEW.contact_id; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER contact_relation_source AFTER INSERT OR DELETE OR UPDATE OF contact_id, "
    "kind ON contact_relation FOR EACH ROW EXECUTE FUNCTION crm_relation_source()",
    "UPDATE deal SET contact_id = contact_id",
    "SELECT crm_stage_stays(array_agg(id)) FROM deal_stage_change",
]

# A period's new deals, with what the funnel groups them by; the stays its stage changes
# end, stage by stage; its closed deals, with what the closing figures read: each from
# the index alone.
_CONVERSION_INDEXES = [
    "CREATE INDEX ix_deal_created ON deal (created_at, status, stage_id, reach, lead_source, "
    "contact_source)",
    "CREATE INDEX ix_deal_closed ON deal (closed_at, status, created_at, amount_minor, "
    "currency, lead_source, contact_source)",
    "CREATE INDEX ix_deal_stage_change_stays ON deal_stage_change (stay_stage_id, at, stay_us)",
]

# -- the report's weeks of interactions, from hourly counts ------------------------------
# `interaction_count`: per owner, kind and UTC hour (the stamp's first 13 characters),
# kept by triggers; a week is the sum of its hours (a local midnight not on the UTC hour
# leaves part of an hour at each end, counted from ix_interaction_owner_kind_at).
_COUNT_TABLE = (
    "CREATE TABLE interaction_count ( owner VARCHAR NOT NULL, kind VARCHAR NOT NULL, "
    "hour VARCHAR NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (owner, kind, hour) )"
)
_COUNT_ADD = (
    "INSERT INTO interaction_count (owner, kind, hour, n) VALUES ({r}.owner, {r}.kind, "
    "substr({r}.occurred_at, 1, 13), 1) ON CONFLICT (owner, kind, hour) "
    "DO UPDATE SET n = interaction_count.n + 1; "
)
# An hour back at none is no row at all: a book with an interaction logged and taken
# back (`crm undo`) is the book it was.
_COUNT_TAKE = (
    "UPDATE interaction_count SET n = n - 1 WHERE owner = {r}.owner AND kind = {r}.kind "
    "AND hour = substr({r}.occurred_at, 1, 13); "
    "DELETE FROM interaction_count WHERE owner = {r}.owner AND kind = {r}.kind "
    "AND hour = substr({r}.occurred_at, 1, 13) AND n <= 0; "
)
_COUNT_FILL = (
    "INSERT INTO interaction_count (owner, kind, hour, n) SELECT owner, kind, "
    "substr(occurred_at, 1, 13), count(*) FROM interaction GROUP BY 1, 2, 3"
)
_SQLITE_COUNTS = [
    f"{_COUNT_TABLE} WITHOUT ROWID",
    "CREATE TRIGGER interaction_count_ai AFTER INSERT ON interaction BEGIN "
    + _COUNT_ADD.format(r="new")
    + "END",
    "CREATE TRIGGER interaction_count_ad AFTER DELETE ON interaction BEGIN "
    + _COUNT_TAKE.format(r="old")
    + "END",
    "CREATE TRIGGER interaction_count_au AFTER UPDATE OF owner, kind, occurred_at "
    "ON interaction BEGIN " + _COUNT_TAKE.format(r="old") + _COUNT_ADD.format(r="new") + "END",
    _COUNT_FILL,
]
_POSTGRESQL_COUNTS = [
    _COUNT_TABLE,
    "CREATE FUNCTION crm_interaction_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP <> 'INSERT' THEN {_COUNT_TAKE.format(r='OLD')}END IF; "
    f"IF TG_OP <> 'DELETE' THEN {_COUNT_ADD.format(r='NEW')}END IF; RETURN NULL; END $$",
    "CREATE TRIGGER interaction_count AFTER INSERT OR DELETE OR UPDATE OF owner, kind, "
    "occurred_at ON interaction FOR EACH ROW EXECUTE FUNCTION crm_interaction_count()",
    _COUNT_FILL,
]

SQLITE = [
    "ALTER TABLE sync_item ADD COLUMN base VARCHAR",
    *_THREAD,
    *_COMPANY_FTS,
    *_BOARD_ORDER,
    *_SQLITE_TOUCH_RANK,
    *_TOUCH_INDEX,
    *_OPEN_INDEXES,
    _SQLITE_NO_STEP,
    *_REPORT_INDEXES,
    *_SQLITE_CONVERSION,
    *_CONVERSION_INDEXES,
    *_SQLITE_COUNTS,
]

POSTGRESQL = [
    "ALTER TABLE sync_item ADD COLUMN base VARCHAR",
    *_THREAD,
    *_BOARD_ORDER,
    *_POSTGRESQL_TOUCH_RANK,
    *_TOUCH_INDEX,
    *_OPEN_INDEXES,
    _POSTGRESQL_NO_STEP,
    *_REPORT_INDEXES,
    *_POSTGRESQL_CONVERSION,
    *_CONVERSION_INDEXES,
    *_POSTGRESQL_COUNTS,
]

# Tables this migration creates outside the models (the schema test leaves them out).
EXTRA_TABLES = ("company_fts",)
