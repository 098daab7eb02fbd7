"""What keeps the assistant's writes safe, each driven through the real server.

Read-only unless --allow-writes (the tools listed, each refusing); a dry run of every
write tool changes not a byte; each write is one `(via mcp)` batch that `crm undo`
and the `undo` tool take back exactly; the undo tool never takes back the rep's own
shell work; an ambiguous or mistyped REF never acts; the rep's shell writes while the
server runs are never lost; malformed arguments are one-line tool errors that write
nothing; a database that cannot be opened stops the server at start-up.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from tests.assistant.conftest import error_text, structured
from tests.assistant.test_writing import NOW, digest, query, snapshot, undo_list

pytestmark = pytest.mark.subprocess

# Every write tool, with arguments that would work on the `book` below.
WRITES: dict[str, dict[str, Any]] = {
    "create_contact": {"name": "Marc Petit", "email": "marc@example.com"},
    "update_contact": {"ref": "anne@example.com", "title": "CFO", "add_tags": ["vip"]},
    "log_interaction": {
        "ref": "Anne Martin",
        "kind": "call",
        "summary": "wants the quote",
        "when": "fri 3pm",
        "next": "fri 10am",
    },
    "add_followup": {"ref": "anne@example.com", "when": "tomorrow", "note": "call back"},
    "complete_followup": {"id": 1},
    "snooze_followup": {"id": 1, "when": "next mon"},
    "create_deal": {"title": "Platform", "contact": "anne@example.com", "amount": "12k"},
    "move_deal": {"ref": "Licence A", "stage": "Proposal"},
    "win_deal": {"ref": "Licence A"},
    "lose_deal": {"ref": "Licence A", "reason": "no budget"},
    "undo": {},
}


@pytest.fixture
def book(crm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Anne Martin and Anne Marie, two deals, a follow-up (#1): all made in the shell."""
    monkeypatch.setenv("CRM_NOW", NOW)
    for line in (
        ("contact", "add", "Anne Martin", "--email", "anne@example.com"),
        ("contact", "add", "Anne Marie"),
        ("deal", "add", "Licence A", "--contact", "anne@example.com"),
        ("deal", "add", "Licence B", "--contact", "Anne Marie"),
        ("followup", "add", "anne@example.com", "tomorrow", "send the quote"),
    ):
        assert crm(*line).exit_code == 0


def one_line(text: str) -> str:
    assert "\n" not in text, text
    assert "Traceback" not in text, text
    return text


# -- read-only by default -------------------------------------------------------------------


def test_read_only_lists_every_write_tool_and_each_refuses_naming_allow_writes(
    db: Path, mcp_call: Any, book: None
) -> None:
    before = digest(db)

    async def calls(client: Client) -> tuple[set[str], dict[str, str]]:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        refused = {}
        for name, args in WRITES.items():
            refused[name] = error_text(await client.call_tool(name, args))
            dry = error_text(await client.call_tool(name, {**args, "dry_run": True}))
            assert "--allow-writes" in dry
        return listed, refused

    listed, refused = mcp_call([], calls)
    assert set(WRITES) <= listed
    for name, text in refused.items():
        assert "--allow-writes" in one_line(text), name
        assert "nothing was changed" in text
    assert digest(db) == before  # byte for byte, after the server stopped


# -- dry runs ---------------------------------------------------------------------------------


def test_a_dry_run_of_every_write_tool_shows_what_would_change_and_changes_nothing(
    db: Path, mcp_call: Any, book: None
) -> None:
    def write_once(client: Client) -> Any:  # an assistant's change, for undo to take back
        return client.call_tool("update_contact", {"ref": "Anne Marie", "title": "CTO"})

    async def calls(client: Client) -> tuple[str, dict[str, Any]]:
        structured(await write_once(client))
        before = digest(db)  # the server holds no connection between calls
        planned = {}
        for name, args in WRITES.items():
            planned[name] = structured(await client.call_tool(name, {**args, "dry_run": True}))
        return before, planned

    before, planned = mcp_call(["--allow-writes"], calls)
    assert digest(db) == before
    for name, result in planned.items():
        assert result["dry_run"] is True, name
        assert result["command"].endswith(" (via mcp)"), name
        assert result["would_change"], name

    def changed(name: str, table: str, op: str) -> list[dict[str, Any]]:
        return [
            c for c in planned[name]["would_change"] if c["table_name"] == table and c["op"] == op
        ]

    assert changed("create_contact", "contact", "insert")[0]["after"]["display_name"] == (
        "Marc Petit"
    )
    assert changed("update_contact", "contact", "update")[0]["after"]["title"] == "CFO"
    assert changed("log_interaction", "interaction", "insert")[0]["after"]["summary"] == (
        "wants the quote"
    )
    assert changed("log_interaction", "followup", "insert")
    assert planned["log_interaction"]["when"] == "2026-11-27T15:00:00+01:00"  # echoed too
    assert planned["log_interaction"]["next"] == "2026-12-04T10:00:00+01:00"
    assert changed("add_followup", "followup", "insert")[0]["after"]["note"] == "call back"
    assert changed("complete_followup", "followup", "update")[0]["after"]["status"] == "done"
    assert changed("snooze_followup", "followup", "update")[0]["after"]["due_date"] == (
        "2026-12-07"
    )
    assert changed("create_deal", "deal", "insert")[0]["after"]["amount_minor"] == 1_200_000
    assert changed("win_deal", "deal", "update")[0]["after"]["status"] == "won"
    assert changed("lose_deal", "deal", "update")[-1]["after"]["lost_reason"] == "no budget"
    assert changed("move_deal", "deal_stage_change", "insert")
    (undoing,) = changed("undo", "contact", "update")  # the inverse of the assistant's edit
    assert (undoing["before"]["title"], undoing["after"]["title"]) == ("CTO", None)
    assert query(db, "SELECT title FROM contact WHERE display_name = 'Anne Marie'") == [("CTO",)]


# -- one batch each, and the way back -------------------------------------------------------------


def test_crm_undo_takes_back_an_assistants_write_exactly(
    db: Path, crm: Any, mcp_call: Any, book: None
) -> None:
    before = snapshot(db)

    async def calls(client: Client) -> None:
        structured(await client.call_tool("log_interaction", WRITES["log_interaction"]))

    mcp_call(["--allow-writes"], calls)
    newest = undo_list(crm)[0]
    assert newest["command"] == "log call 1 (via mcp)"
    assert newest["changes"] == 3  # the interaction, the contact's last touch, the follow-up
    undone = crm("undo", str(newest["id"]))
    assert undone.exit_code == 0, undone.stderr
    assert snapshot(db) == before


def test_the_undo_tool_takes_back_the_assistants_last_write_and_never_the_reps(
    db: Path, crm: Any, mcp_call: Any, book: None
) -> None:
    before = snapshot(db)

    async def calls(client: Client) -> dict[str, Any]:
        out: dict[str, Any] = {}
        structured(await client.call_tool("log_interaction", WRITES["log_interaction"]))
        assert crm("contact", "add", "Bob Ray").exit_code == 0  # the rep, in the shell
        shell_id = undo_list(crm)[0]["id"]
        out["undone"] = structured(await client.call_tool("undo", {}))
        out["bob"] = query(db, "SELECT count(*) FROM contact WHERE display_name = 'Bob Ray'")
        out["kept"] = digest(db)
        out["shell"] = error_text(await client.call_tool("undo", {"batch": shell_id}))
        out["none_left"] = error_text(await client.call_tool("undo", {}))
        out["unknown"] = error_text(await client.call_tool("undo", {"batch": 99999}))
        out["shell_id"] = shell_id
        return out

    out = mcp_call(["--allow-writes"], calls)
    assert out["undone"]["undone"]["command"] == "log call 1 (via mcp)"
    assert out["bob"] == [(1,)]  # the rep's contact, added after, is still there
    shell_id = out["shell_id"]
    assert f"`crm undo {shell_id}`" in one_line(out["shell"])
    assert "made in the shell" in out["shell"]
    assert "nothing made via mcp is left to undo" in one_line(out["none_left"])
    assert "no change #99999" in one_line(out["unknown"])
    assert digest(db) == out["kept"]  # the refusals changed nothing
    assert crm("undo").exit_code == 0  # the rep takes back their own: Bob
    assert snapshot(db) == before


def test_an_assistants_write_the_rep_built_on_is_not_undone(
    db: Path, crm: Any, mcp_call: Any, book: None
) -> None:
    async def calls(client: Client) -> tuple[str, str, str]:
        structured(await client.call_tool("update_contact", {"ref": "Anne Marie", "title": "CTO"}))
        assert crm("contact", "edit", "Anne Marie", "--title", "CEO").exit_code == 0
        kept = digest(db)
        refused = error_text(await client.call_tool("undo", {}))
        return kept, refused, digest(db)

    kept, refused, after = mcp_call(["--allow-writes"], calls)
    assert "undo it first" in one_line(refused)
    assert after == kept
    assert query(db, "SELECT title FROM contact WHERE display_name = 'Anne Marie'") == [("CEO",)]


# -- REFs --------------------------------------------------------------------------------------


def test_an_ambiguous_or_mistyped_ref_lists_candidates_and_writes_nothing(
    db: Path, mcp_call: Any, book: None
) -> None:
    before = digest(db)
    ambiguous: list[tuple[str, dict[str, Any]]] = [
        ("update_contact", {"ref": "Anne", "title": "CFO"}),
        ("log_interaction", {"ref": "Anne", "kind": "call", "summary": "hi"}),
        ("log_interaction", {"ref": "anne", "kind": "call", "summary": "hi", "dry_run": True}),
        ("add_followup", {"ref": "Anne", "when": "tomorrow", "note": "call"}),
        ("create_deal", {"title": "Platform", "contact": "Anne"}),
    ]
    mistyped: list[tuple[str, dict[str, Any]]] = [
        ("update_contact", {"ref": "Anne Martn", "title": "CFO"}),
        ("log_interaction", {"ref": "Ann Martin", "kind": "call", "summary": "hi"}),
        ("add_followup", {"ref": "anne@exemple.com", "when": "tomorrow", "note": "call"}),
    ]

    async def calls(client: Client) -> tuple[list[str], list[str], list[str]]:
        return (
            [error_text(await client.call_tool(n, a)) for n, a in ambiguous],
            [error_text(await client.call_tool(n, a)) for n, a in mistyped],
            [
                error_text(await client.call_tool("win_deal", {"ref": "Licence"})),
                error_text(await client.call_tool("win_deal", {"ref": "Licnce A"})),
            ],
        )

    several, typos, deals = mcp_call(["--allow-writes"], calls)
    for text in several:
        assert "Anne Martin" in one_line(text) and "Anne Marie" in text, text
    for text in typos:
        assert "no contact" in one_line(text), text
    assert "close matches: #1 Anne Martin" in typos[0]
    assert "#1 Licence A" in one_line(deals[0]) and "#2 Licence B" in deals[0]
    assert "no deal matches 'Licnce A'" in one_line(deals[1])
    assert digest(db) == before


# -- the rep's shell, writing at the same time ------------------------------------------------


@pytest.mark.slow
def test_shell_writes_while_the_server_writes_lose_nothing(
    db: Path, mcp_call: Any, book: None
) -> None:
    failures: list[str] = []

    def shell() -> None:
        for n in range(30):
            done = subprocess.run(
                [sys.executable, "-m", "crmcli", "log", "call", "Anne Martin", f"shell {n}"],
                capture_output=True,
                text=True,
                env=dict(os.environ),
                timeout=60,
            )
            if done.returncode != 0:
                failures.append(done.stderr)

    async def calls(client: Client) -> None:
        worker = threading.Thread(target=shell)
        worker.start()
        try:
            for n in range(30):
                args = {"ref": "Anne Martin", "kind": "note", "summary": f"assistant {n}"}
                structured(await client.call_tool("log_interaction", args))
        finally:
            worker.join()

    mcp_call(["--allow-writes"], calls)
    assert failures == []
    summaries = {r[0] for r in query(db, "SELECT summary FROM interaction")}
    assert summaries == {f"shell {n}" for n in range(30)} | {f"assistant {n}" for n in range(30)}
    via = query(db, "SELECT count(DISTINCT batch) FROM change_log WHERE command LIKE '%(via mcp)'")
    assert via == [(30,)]


# -- malformed arguments -------------------------------------------------------------------------

HUGE = "x" * 20_001

REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("log_interaction", {"ref": "1", "kind": "call", "summary": "hi", "duration": -5}, "negative"),
    ("log_interaction", {"ref": "1", "kind": "call", "summary": "hi", "duration": "-5m"}, "negat"),
    ("log_interaction", {"ref": "1", "kind": "call", "summary": HUGE}, "the most is 20000"),
    ("log_interaction", {"ref": HUGE, "kind": "call", "summary": "hi"}, "the most is 20000"),
    ("create_contact", {"name": HUGE}, "the most is 20000"),
    ("create_contact", {"name": "Marc", "tags": ["ok", HUGE]}, "the most is 20000"),
    ("add_followup", {"ref": "1", "when": "tomorrow", "note": HUGE}, "the most is 20000"),
    ("lose_deal", {"ref": "Licence A", "reason": HUGE}, "the most is 20000"),
    ("log_interaction", {"ref": "1", "kind": "call", "summary": "a\x00b"}, "control characters"),
    ("log_interaction", {"ref": "#999", "kind": "call", "summary": "hi"}, "no contact #999"),
    ("log_interaction", {"ref": "1", "kind": "call", "summary": "hi", "deal": "#99"}, "no deal"),
    ("log_interaction", {"ref": "1", "kind": "call", "summary": "hi", "outcome": "great"}, "outc"),
    ("log_interaction", {"ref": "1", "kind": "call", "summary": "hi", "when": "someday"}, "date"),
    ("log_interaction", {"ref": "1", "kind": "call", "summary": "hi", "when": "tomorrow"}, "futu"),
    ("log_interaction", {"ref": "1", "kind": "call", "summary": "hi", "next": "blah"}, "date"),
    ("log_interaction", {"ref": "1", "kind": "call", "summary": "hi", "next_note": "x"}, "next"),
    ("log_interaction", {"ref": "1", "kind": "call", "summary": "  "}, "must not be empty"),
    ("add_followup", {"ref": "1", "when": "31/02", "note": "call"}, "31/02"),
    ("snooze_followup", {"id": 1, "when": "never"}, "date"),
    ("complete_followup", {"id": 999}, "no follow-up #999"),
    ("complete_followup", {"id": 0}, "is not an id"),
    ("snooze_followup", {"id": 10**30, "when": "tomorrow"}, "is not an id"),
    ("undo", {"batch": 999}, "no change #999"),
    ("undo", {"batch": -1}, "is not an id"),
    ("move_deal", {"ref": "#999", "stage": "Proposal"}, "no deal #999"),
    ("move_deal", {"ref": "Licence A", "stage": "Nowhere"}, "unknown stage 'Nowhere'"),
    ("create_deal", {"title": "X", "contact": "1", "stage": "Won"}, "open stage"),
    ("create_deal", {"title": "X"}, "needs a contact or a company"),
    ("create_deal", {"title": "X", "contact": "1", "amount": "lots"}, "lots"),
    ("create_deal", {"title": "X", "contact": "1", "close": "whenever"}, "date"),
    ("create_deal", {"title": "X", "contact": "1", "amount": 1e30}, "too large"),
    ("update_contact", {"ref": "1"}, "nothing to change"),
    ("update_contact", {"ref": "1", "add_email": "not-an-email"}, "not-an-email"),
]
# Refused by the tool's schema before the tool runs (wrong type, value outside an enum).
MISTYPED: list[tuple[str, dict[str, Any], str]] = [
    ("log_interaction", {"ref": "1", "kind": "dance", "summary": "hi"}, "kind"),
    ("log_interaction", {"ref": "1", "kind": "call", "summary": 5}, "summary"),
    ("log_interaction", {"ref": "1", "kind": "call", "summary": "hi", "direction": "up"}, "dire"),
    ("complete_followup", {"id": "abc"}, "id"),
    ("create_contact", {"name": "Marc", "tags": "vip"}, "tags"),
    ("update_contact", {"ref": "1", "status": "friend"}, "status"),
    ("win_deal", {"ref": ["Licence A"]}, "ref"),
    ("win_deal", {}, "ref"),
    ("win_deal", {"ref": "Licence A", "dry_run": "perhaps"}, "dry_run"),
]


def _refusals(db: Path, mcp_call: Any, cases: list[tuple[str, dict[str, Any], str]]) -> list[str]:
    before = digest(db)

    async def calls(client: Client) -> list[str]:
        return [error_text(await client.call_tool(name, args)) for name, args, _ in cases]

    texts = mcp_call(["--allow-writes"], calls)
    assert digest(db) == before  # nothing written, by any of them
    for (name, _, expected), text in zip(cases, texts, strict=True):
        assert expected in text, (name, text)
    return list(texts)


def test_malformed_arguments_are_one_line_tool_errors_that_write_nothing(
    db: Path, mcp_call: Any, book: None
) -> None:
    for text in _refusals(db, mcp_call, REFUSED):
        one_line(text)


def test_arguments_of_the_wrong_type_are_one_line_tool_errors_that_write_nothing(
    db: Path, mcp_call: Any, book: None
) -> None:
    for text in _refusals(db, mcp_call, MISTYPED):
        one_line(text)


# -- a database that cannot be opened --------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "args", "said"),
    [
        (lambda p: None, [], "no crm database at"),
        (
            lambda p: p.write_text("hello, not a database\n"),
            ["--allow-writes"],
            "not a crm database",
        ),
        (lambda p: p.mkdir(), ["--allow-writes"], "is a folder, not a database file"),
    ],
    ids=["missing", "not-a-database", "folder"],
)
def test_a_server_on_a_database_it_cannot_open_stops_at_start_up_saying_why(
    tmp_path: Path, make: Any, args: list[str], said: str
) -> None:
    target = tmp_path / "book.db"
    make(target)
    done = subprocess.run(
        [sys.executable, "-m", "crmcli", "mcp", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**os.environ, "CRM_DB": str(target)},
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stdout == ""  # nothing on the protocol's channel
    (line,) = done.stderr.splitlines()
    assert line.startswith("crm: ") and said in line, line
