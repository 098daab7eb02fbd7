"""A contact's history in one list: interactions, follow-ups and deal stage changes.

Each row says what a front end needs to show it as stored: a call's duration and
outcome, why a deal moved, and `day` for an open follow-up due on a day rather than
at a time (its `at` is then local midnight: a front end shows "all day", never 00:00).
An email in a conversation carries `thread`: its key, how many messages of it are
logged (with anyone: a thread can cross contacts), the subject it started with, and
whether this is its first logged message; counted for the whole page in one grouped
query, not one per row.
"""

from __future__ import annotations

from typing import Any

from crmcli.core.db.store import Store

# One UNION ALL, ordered in SQL: the newest (and upcoming follow-ups) first.
TIMELINE_SQL = """
SELECT 'interaction' AS type, i.id AS id, i.occurred_at AS at, i.kind AS what,
       i.summary AS text, i.direction AS direction, i.outcome AS outcome,
       i.duration_seconds AS duration_seconds, d.title AS deal, NULL AS day,
       i.thread AS thread, i.external_id AS message_id
  FROM interaction i LEFT JOIN deal d ON d.id = i.deal_id
 WHERE i.contact_id = ?
UNION ALL
SELECT 'followup', f.id, CASE WHEN f.status = 'done' THEN f.done_at ELSE f.due_at END,
       CASE WHEN f.status = 'done' THEN 'follow-up done' ELSE 'follow-up due' END,
       f.note, NULL, NULL, NULL, d.title,
       CASE WHEN f.status <> 'done' AND f.due_time IS NULL THEN f.due_date END, NULL, NULL
  FROM followup f LEFT JOIN deal d ON d.id = f.deal_id
 WHERE f.contact_id = ?
UNION ALL
SELECT 'stage', h.id, h.at, 'stage',
       d.title || ': ' || coalesce(s1.name || ' -> ', '') || coalesce(s2.name, '?')
       || coalesce(' (' || h.reason || ')', ''),
       NULL, NULL, NULL, d.title, NULL, NULL, NULL
  FROM deal_stage_change h JOIN deal d ON d.id = h.deal_id
  LEFT JOIN stage s1 ON s1.id = h.from_stage_id LEFT JOIN stage s2 ON s2.id = h.to_stage_id
 WHERE d.contact_id = ?
ORDER BY at DESC, type, id DESC
"""


def timeline(store: Store, contact_id: int, *, limit: int | None = None) -> list[dict[str, Any]]:
    sql = TIMELINE_SQL
    params: list[Any] = [contact_id, contact_id, contact_id]
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    rows = store.rows(sql, params)
    threads = thread_facts(store, {r["thread"] for r in rows if r["thread"] is not None})
    for row in rows:
        message_id = row.pop("message_id")
        key = row["thread"]
        if key is None or key not in threads:
            row["thread"] = None
            continue
        messages, subject, first_id = threads[key]
        row["thread"] = {
            "id": key,
            "messages": messages,
            "subject": subject,
            "first": message_id is not None and message_id == first_id,
        }
    return rows


# Per thread: its distinct messages (a message logged on two contacts counts once), and
# the subject and Message-ID of its earliest logged one.
THREADS_SQL = """
SELECT t.thread, t.messages,
       (SELECT f.summary FROM interaction f WHERE f.thread = t.thread
         ORDER BY f.occurred_at, f.id LIMIT 1) AS subject,
       (SELECT f.external_id FROM interaction f WHERE f.thread = t.thread
         ORDER BY f.occurred_at, f.id LIMIT 1) AS first_id
  FROM (SELECT thread, count(DISTINCT coalesce(external_id, CAST(id AS VARCHAR))) AS messages
          FROM interaction WHERE thread IN ({marks}) GROUP BY thread) t
"""


def thread_facts(store: Store, keys: set[str]) -> dict[str, tuple[int, str, str | None]]:
    """Each thread's (messages logged, first subject, first Message-ID), in one query."""
    if not keys:
        return {}
    ordered = sorted(keys)
    sql = THREADS_SQL.format(marks=", ".join("?" * len(ordered)))
    return {
        str(key): (int(messages), str(subject), first_id)
        for key, messages, subject, first_id in store.tuples(sql, ordered)
    }
