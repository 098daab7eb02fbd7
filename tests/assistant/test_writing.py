"""The write tools through the real server: each does what its shell command does, as one
`(via mcp)` batch, and echoes the dates it read.

The clock is pinned to Wednesday 2 December 2026, 11:00 in Paris, so "fri 3pm" (past) is
Friday 27 November and "fri 10am" (future) is Friday 4 December.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from tests.assistant.conftest import structured
from tests.conftest import dump

pytestmark = pytest.mark.subprocess

NOW = "2026-12-02T10:00:00Z"  # a Wednesday; 11:00 in Paris

# Left out of a snapshot: the change log (an undo marks its batch there), the id counters
# (AUTOINCREMENT never hands an id out twice) and the full-text indexes' segment pages
# (FTS5 records a delete as a tombstone until it merges; what they index is compared
# through the tables themselves).
UNCOMPARED = ("change_log", "sqlite_sequence", "_fts_data", "_fts_idx")


def snapshot(db: Path) -> str:
    """The database's content as SQL text, less what an undo may not restore bit for bit."""
    lines = [line for line in dump(db).splitlines() if not any(t in line for t in UNCOMPARED)]
    with _reading(db) as conn:
        for (table,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%fts5%' "
            "ORDER BY name"
        ).fetchall():
            lines += [repr(row) for row in conn.execute(f"SELECT rowid, * FROM {table}")]
    return "\n".join(lines)


class _reading:
    """A plain sqlite3 connection for a test's look at the file, closed after."""

    def __init__(self, db: Path) -> None:
        self.conn = sqlite3.connect(db)

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


def query(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with _reading(db) as conn:
        return conn.execute(sql, params).fetchall()


def digest(db: Path) -> str:
    """sha256 of the database file and of any journal beside it: byte-identical or not."""
    h = hashlib.sha256()
    for path in sorted(db.parent.glob(db.name + "*")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def batches(db: Path) -> list[tuple[int, str]]:
    """Each batch in the change log, oldest first: (its first id, its command)."""
    return [
        (int(r[0]), str(r[1]))
        for r in query(
            db, "SELECT min(id), min(command) FROM change_log GROUP BY batch ORDER BY min(id)"
        )
    ]


def undo_list(crm: Any) -> list[dict[str, Any]]:
    """`crm undo --list --json`, as the rep sees it."""
    result = crm("undo", "--list", "--json")
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout))


@pytest.fixture
def seeded(crm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hélène at Acme with three open deals and a follow-up (#1), all made in the shell."""
    monkeypatch.setenv("CRM_NOW", NOW)
    for line in (
        ("contact", "add", "Hélène Dupont", "--email", "helene@example.com", "-c", "Acme"),
        ("deal", "add", "Acme renewal", "--contact", "helene@example.com", "-a", "5000"),
        ("deal", "add", "Acme upsell", "--contact", "helene@example.com"),
        ("deal", "add", "Acme pilot", "--contact", "helene@example.com"),
        ("followup", "add", "helene@example.com", "tomorrow", "send the quote"),
    ):
        assert crm(*line).exit_code == 0


CALLS: list[tuple[str, dict[str, Any]]] = [
    (
        "create_contact",
        {
            "name": "Marc Petit",
            "email": "marc@example.com",
            "phone": "+33 6 12 34 56 78",
            "company": "Globex",
            "title": "CTO",
            "tags": ["vip", "paris"],
            "notes": "met at the fair",
        },
    ),
    (
        "update_contact",
        {
            "ref": "marc@example.com",
            "title": "CEO",
            "status": "prospect",
            "add_email": "marc.petit@globex.com",
            "add_tags": ["board"],
            "remove_tags": ["paris"],
        },
    ),
    (
        "log_interaction",
        {
            "ref": "Hélène Dupont",
            "kind": "call",
            "summary": "She wants the revised quote by Friday\nand ten percent off",
            "when": "fri 3pm",
            "duration": "25m",
            "outcome": "connected",
            "direction": "out",
            "deal": "Acme renewal",
            "next": "fri 10am",
            "next_note": "send the revised quote",
        },
    ),
    (
        "add_followup",
        {"ref": "helene@example.com", "when": "next mon", "note": "call back", "deal": "Acme up"},
    ),
    ("complete_followup", {"id": 1}),
    ("snooze_followup", {"id": 3, "when": "2026-12-10 09:30"}),
    (
        "create_deal",
        {
            "title": "Globex platform",
            "contact": "marc@example.com",
            "amount": 12000,
            "currency": "EUR",
            "stage": "Qualified",
            "close": "eom",
        },
    ),
    ("move_deal", {"ref": "Globex platform", "stage": "Proposal", "reason": "demo went well"}),
    ("win_deal", {"ref": "Acme renewal"}),
    ("lose_deal", {"ref": "#3", "reason": "no budget"}),
]


def test_every_write_tool_does_its_work_as_one_mcp_batch(
    db: Path, crm: Any, mcp_call: Any, seeded: None
) -> None:
    async def calls(client: Client) -> list[tuple[Any, list[tuple[int, str]]]]:
        out = []
        for name, args in CALLS:
            before = batches(db)
            result = structured(await client.call_tool(name, args))
            new = [b for b in batches(db) if b not in before]
            out.append((result, new))
        return out

    results = mcp_call(["--allow-writes"], calls)
    for (name, _), (_, new) in zip(CALLS, results, strict=True):
        assert len(new) == 1, (name, new)  # exactly one batch per call...
        assert new[0][1].endswith(" (via mcp)"), (name, new)  # ...marked as the assistant's
    made, updated, logged, promised, done, snoozed, opened, moved, won, lost = (
        r for r, _ in results
    )

    assert made["contact"]["name"] == "Marc Petit"
    assert made["created_company"] == "Globex"
    assert updated["contact"]["title"] == "CEO"
    assert updated["contact"]["status"] == "prospect"
    assert sorted(updated["contact"]["tags"]) == ["board", "vip"]
    assert [e["email"] for e in updated["contact"]["emails"]] == [
        "marc@example.com",
        "marc.petit@globex.com",
    ]

    # the dates as read, echoed back
    assert logged["when"] == "2026-11-27T15:00:00+01:00"
    assert logged["when_text"] == "fri 3pm"
    assert logged["when_local"] == "Fri 27 Nov 2026 15:00"
    assert logged["next"] == "2026-12-04T10:00:00+01:00"
    assert logged["next_text"] == "fri 10am"
    assert logged["interaction"]["summary"] == "She wants the revised quote by Friday"
    assert logged["followup"]["note"] == "send the revised quote"
    assert promised["due"] == "2026-12-07"
    assert promised["due_local"] == "Mon 07 Dec 2026 (all day)"
    assert promised["followup"]["deal"] == "Acme upsell"
    assert done["followup"]["status"] == "done"
    assert snoozed["due"] == "2026-12-10T09:30:00+01:00"
    assert snoozed["followup"]["original_due_date"] == "2026-12-07"
    assert opened["close"] == "2026-12-31"
    assert opened["deal"]["amount_minor"] == 1_200_000
    assert opened["deal"]["currency"] == "EUR"
    assert moved["deal"]["stage"] == "Proposal"
    assert won["deal"]["status"] == "won"
    assert lost["deal"]["status"] == "lost"

    # ...and the database says the same
    interaction = query(
        db,
        "SELECT kind, summary, body, occurred_at, duration_seconds, outcome, direction, "
        "deal_id FROM interaction",
    )
    assert interaction == [
        (
            "call",
            "She wants the revised quote by Friday",
            "She wants the revised quote by Friday\nand ten percent off",
            "2026-11-27T14:00:00.000000Z",
            1500,
            "connected",
            "out",
            1,
        )
    ]
    assert query(
        db, "SELECT id, status, due_date, due_time, deal_id FROM followup ORDER BY id"
    ) == [
        (1, "done", "2026-12-03", None, None),
        (2, "open", "2026-12-04", "10:00", 1),
        (3, "open", "2026-12-10", "09:30", 2),
    ]
    assert query(
        db,
        "SELECT d.title, s.name, d.status, d.lost_reason FROM deal d "
        "JOIN stage s ON s.id = d.stage_id ORDER BY d.id",
    ) == [
        ("Acme renewal", "Won", "won", None),
        ("Acme upsell", "Lead", "open", None),
        ("Acme pilot", "Lost", "lost", "no budget"),
        ("Globex platform", "Proposal", "open", None),
    ]
    assert query(db, "SELECT reason FROM deal_stage_change WHERE reason IS NOT NULL") == [
        ("demo went well",),
        ("no budget",),
    ]
    assert query(db, "SELECT status FROM contact WHERE display_name = 'Hélène Dupont'") == [
        ("customer",)  # won deal: a lead becomes a customer
    ]

    # `crm undo --list` shows what the assistant did, newest first
    listed = undo_list(crm)
    assert [row["command"].endswith(" (via mcp)") for row in listed] == [True] * 10 + [False] * 5


def test_a_log_with_no_time_is_now_and_a_promise_in_the_past_is_kept_with_a_warning(
    db: Path, mcp_call: Any, seeded: None
) -> None:
    async def calls(client: Client) -> tuple[Any, Any]:
        logged = await client.call_tool(
            "log_interaction",
            {"ref": "1", "kind": "note", "summary": "met at the fair", "next": "yesterday"},
        )
        promised = await client.call_tool(
            "add_followup", {"ref": "#1", "when": "mon", "note": "missed it"}
        )
        return structured(logged), structured(promised)

    logged, promised = mcp_call(["--allow-writes"], calls)
    assert logged["when"] == "2026-12-02T11:00:00+01:00"
    assert logged["when_text"] is None
    assert query(db, "SELECT occurred_at FROM interaction") == [("2026-12-02T10:00:00.000000Z",)]
    assert logged["next"] == "2026-12-01"
    assert logged["warnings"] == ["yesterday is in the past: follow-up #2 is overdue already"]
    assert promised["due"] == "2026-12-07"  # "mon" is the coming Monday
    assert promised["warnings"] == []


def test_list_changes_tells_the_assistants_changes_from_the_reps(
    db: Path, crm: Any, mcp_call: Any, seeded: None
) -> None:
    async def calls(client: Client) -> Any:
        await client.call_tool("log_interaction", {"ref": "1", "kind": "note", "summary": "hi"})
        assert crm("contact", "add", "Bob Ray").exit_code == 0  # the rep, meanwhile
        return structured(await client.call_tool("list_changes", {"limit": 3}))

    listed = mcp_call(["--allow-writes"], calls)
    assert [(c["command"], c["via_mcp"]) for c in listed["items"]] == [
        ("contact add", False),
        ("log note 1 (via mcp)", True),
        ("followup add 1", False),
    ]
    assert [c["id"] for c in listed["items"]] == [b[0] for b in reversed(batches(db))][:3]


def test_the_database_file_is_untouched_by_a_listing(db: Path, mcp_call: Any, seeded: None) -> None:
    before = digest(db)

    async def calls(client: Client) -> Any:
        return structured(await client.call_tool("list_changes", {}))

    assert len(mcp_call([], calls)["items"]) == 5  # a read: allowed without --allow-writes
    assert digest(db) == before
