"""`crm db copy`: move everything from one crm database to another (file or server).

How a rep's solo file joins the team's PostgreSQL database, and how a server
database is taken home as a file. Everything is copied in one transaction on the
target: companies, stages, contacts with their emails, phones, profiles, tags and
search terms, deals with their stage history, interactions, follow-ups (and which
reminders were already announced), and goals.

- Ids are the target's own: every reference is rewritten, so several reps' files
  can join one database without colliding.
- Companies with the same (folded) name, pipelines with the same name and, within
  them, stages with the same name are shared, not duplicated; saved views with the
  same owner and name too; every other record keeps its owner.
- Counts are verified before committing: for each table, rows read from the source
  = rows written + rows matched on the target; otherwise nothing is kept.
- The target remembers each source database it received (by the source's own id in
  `crm_meta`), so copying the same database again copies nothing.
- The change log (undo history) stays with the source: a copy is not undone with
  `crm undo`; a wrong copy is removed by restoring the target's backup.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crmcli.core.db.columns import BOOLEANS, COLUMNS
from crmcli.core.db.store import Store, Tx
from crmcli.core.errors import Refused

BATCH = 1000

# (table, {column: table its id refers to}), parents before children.
PLAN: tuple[tuple[str, dict[str, str]], ...] = (
    ("company", {}),
    ("pipeline", {}),
    ("stage", {"pipeline_id": "pipeline"}),
    ("contact", {"company_id": "company"}),
    ("contact_email", {"contact_id": "contact"}),
    ("contact_phone", {"contact_id": "contact"}),
    ("contact_url", {"contact_id": "contact"}),
    ("contact_tag", {"contact_id": "contact"}),
    ("contact_relation", {"contact_id": "contact", "related_id": "contact"}),
    ("contact_date", {"contact_id": "contact"}),
    ("contact_handle", {"contact_id": "contact"}),
    ("contact_photo", {"contact_id": "contact"}),
    ("deal", {"contact_id": "contact", "company_id": "company", "stage_id": "stage"}),
    (
        "deal_stage_change",
        {"deal_id": "deal", "from_stage_id": "stage", "to_stage_id": "stage"},
    ),
    ("interaction", {"contact_id": "contact", "deal_id": "deal"}),
    ("followup", {"contact_id": "contact", "deal_id": "deal"}),
    ("goal", {}),
    ("saved_view", {}),
    ("rule", {}),
    ("template", {}),
)
# Not copied: `rule_effect` and `rule_fired` name rows by id in any table, which a copy
# renumbers; the copy's rules start afresh (a time rule may fire once more there).
# Nor `sync_source`/`sync_item`: a copy syncs afresh (mail is known again by its
# Message-ID, so nothing is logged twice).
# Tables without an id of their own, copied after their parents.
KEYLESS: tuple[tuple[str, dict[str, str]], ...] = (
    ("search_term", {"contact_id": "contact"}),
    ("reminder_log", {"followup_id": "followup"}),
)


@dataclass
class CopyReport:
    source: str
    target: str
    already: str | None = None  # when this source was copied before
    tables: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "already_copied_at": self.already,
            "tables": self.tables,
        }


def database_id(store: Store) -> str:
    """This database's own id (made on first use), by which targets know it again."""
    found = store.value("SELECT value FROM crm_meta WHERE key = 'database_id'")
    if found:
        return str(found)
    new = uuid.uuid4().hex
    with store.write("database id") as tx:
        tx.execute(
            "INSERT INTO crm_meta (key, value) VALUES ('database_id', ?) "
            "ON CONFLICT (key) DO NOTHING",
            (new,),
        )
    return str(store.value("SELECT value FROM crm_meta WHERE key = 'database_id'"))


def _existing(tx: Tx, table: str) -> Callable[[dict[str, Any]], int | None]:
    """How a source row finds the target row it should become, where one is shared."""
    store = tx.store
    if table == "company":
        found = {k: int(i) for i, k in store.tuples("SELECT id, name_key FROM company")}
        return lambda row: found.get(row["name_key"])
    if table == "pipeline":
        pipelines = {n.lower(): int(i) for i, n in store.tuples("SELECT id, name FROM pipeline")}
        return lambda row: pipelines.get(str(row["name"]).lower())
    if table == "stage":  # matched within its pipeline: its pipeline_id is the target's here
        stages = {
            (int(p), n.lower()): int(i)
            for i, p, n in store.tuples("SELECT id, pipeline_id, name FROM stage")
        }
        return lambda row: stages.get((int(row["pipeline_id"]), str(row["name"]).lower()))
    if table == "saved_view":
        views = {
            (o, n): int(i) for i, o, n in store.tuples("SELECT id, owner, name FROM saved_view")
        }
        return lambda row: views.get((row["owner"], row["name"]))
    if table in ("rule", "template"):  # one of each name per database
        named = {n: int(i) for i, n in store.tuples(f"SELECT id, name FROM {table}")}
        return lambda row: named.get(row["name"])
    if table == "goal":
        goals = {
            (o, k, p): int(i)
            for i, o, k, p in store.tuples("SELECT id, owner, kind, period FROM goal")
        }
        return lambda row: goals.get((row["owner"], row["kind"], row["period"]))
    return lambda row: None


def copy_database(source: Store, target: Store) -> CopyReport:
    """Copy everything in `source` into `target`, in one transaction on the target."""
    from crmcli.core.db.store import shown_url

    report = CopyReport(shown_url(source.location.target), shown_url(target.location.target))
    source_id = database_id(source)
    if source.location.target == target.location.target or database_id(target) == source_id:
        raise Refused("the source and the target are the same database (or copies of one file)")
    marker = f"copied_from:{source_id}"
    earlier = target.value("SELECT value FROM crm_meta WHERE key = ?", (marker,))
    if earlier:
        report.already = json.loads(earlier)["at"]
        return report
    ids: dict[str, dict[int, int]] = {}
    with target.write("db copy") as tx:
        for table, refs in PLAN:
            ids[table], report.tables[table] = _copy_table(source, tx, table, refs, ids)
        for table, refs in KEYLESS:
            report.tables[table] = _copy_keyless(source, tx, table, refs, ids)
        _verify(source, report)
        tx.execute(
            "INSERT INTO crm_meta (key, value) VALUES (?, ?)",
            (marker, json.dumps({"at": tx.stamp, "tables": report.tables})),
        )
    return report


def _copy_table(
    source: Store, tx: Tx, table: str, refs: dict[str, str], ids: dict[str, dict[int, int]]
) -> tuple[dict[int, int], dict[str, int]]:
    """Copy one table with ids: new ids on the target, references rewritten."""
    target = tx.store
    matcher = _existing(tx, table)
    columns = [c for c in COLUMNS[table] if c != "id"]
    mapping: dict[int, int] = {}
    counts = {"read": 0, "written": 0, "matched": 0}
    # A new stage goes after the target's own in its pipeline.
    positions = {
        int(p): int(n)
        for p, n in target.tuples("SELECT pipeline_id, max(position) FROM stage GROUP BY 1")
    }
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        if not batch:
            return
        new_ids = target.dialect.next_ids(target.conn, table, len(batch))
        values = []
        for row, new_id in zip(batch, new_ids, strict=True):
            mapping[int(row["id"])] = new_id
            values.append((new_id, *(row[c] for c in columns)))
        tx.insert_many(table, ("id", *columns), values)
        counts["written"] += len(batch)
        batch.clear()

    names, rows = source.stream_tuples(
        f"SELECT {', '.join(COLUMNS[table])} FROM {table} ORDER BY id"
    )
    flags = BOOLEANS.get(table, ())
    for values in rows:
        row = dict(zip(names, values, strict=True))
        counts["read"] += 1
        for flag in flags:  # 0/1 on SQLite, true/false on PostgreSQL
            row[flag] = None if row[flag] is None else bool(row[flag])
        for column, parent in refs.items():  # before matching: a stage's pipeline is the target's
            if row[column] is not None:
                row[column] = ids[parent][int(row[column])]
        same = matcher(row)
        if same is not None:
            mapping[int(row["id"])] = same
            counts["matched"] += 1
            continue
        if table == "stage":  # a new stage goes after the target's own in its pipeline
            pipeline = int(row["pipeline_id"])
            positions[pipeline] = positions.get(pipeline, 0) + 1
            row["position"] = positions[pipeline]
        batch.append(row)
        if len(batch) >= BATCH:
            flush()
    flush()
    return mapping, counts


def _copy_keyless(
    source: Store, tx: Tx, table: str, refs: dict[str, str], ids: dict[str, dict[int, int]]
) -> dict[str, int]:
    """Copy a table keyed by its parent (search terms, announced reminders)."""
    columns = COLUMNS[table]
    [(parent_column, parent)] = refs.items()
    at = columns.index(parent_column)
    counts = {"read": 0, "written": 0, "matched": 0}
    batch: list[tuple[Any, ...]] = []
    _, rows = source.stream_tuples(f"SELECT {', '.join(columns)} FROM {table}")
    for values in rows:
        counts["read"] += 1
        row = list(values)
        row[at] = ids[parent][int(row[at])]
        batch.append(tuple(row))
        if len(batch) >= BATCH:
            tx.insert_many(table, columns, batch)
            counts["written"] += len(batch)
            batch = []
    tx.insert_many(table, columns, batch)
    counts["written"] += len(batch)
    return counts


def _verify(source: Store, report: CopyReport) -> None:
    """Every source row was written or matched, and the source still holds as many."""
    from crmcli.core.errors import StoreUnavailable

    for table, counts in report.tables.items():
        now = int(source.value(f"SELECT count(*) FROM {table}"))
        if counts["read"] != now or counts["written"] + counts["matched"] != counts["read"]:
            raise StoreUnavailable(
                f"copy of {table} does not add up (source {now}, read {counts['read']}, "
                f"written {counts['written']}, matched {counts['matched']}): nothing copied"
            )
