"""The assistant's server under attack: what a careless or hostile client may send.

Each test drives a real `crm mcp` subprocess (the SDK's own client, or raw JSON-RPC
lines) and then looks at the database file itself: a misspelled `dry_run`, a shell
change dressed as the assistant's, a JSON number read as text, a date in year one,
control characters in names, a locked or killed database, a racing undo, hostile
REFs and resource URIs, garbage on the wire, and the same on PostgreSQL.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError

from tests.assistant.conftest import error_text, server_params, structured
from tests.assistant.test_server import RawServer
from tests.assistant.test_writing import NOW, digest, query

pytestmark = pytest.mark.subprocess

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # C0 controls but tab and newline, and DEL


@pytest.fixture
def book(crm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Anne Martin (#1) and Anne Marie (#2), a deal each, a follow-up (#1): all shell work."""
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
    assert "\n" not in text and "Traceback" not in text, text
    return text


# -- a misspelled dry_run must not write ---------------------------------------------------


def test_an_unknown_argument_is_refused_so_a_misspelled_dry_run_never_writes(
    db: Path, mcp_call: Any, book: None
) -> None:
    """A model that writes `dryrun`, `dry-run` or `dryRun` meant a dry run: the SDK drops
    arguments it does not know, so today each of these calls WRITES. Refused, they are
    one line naming the argument, and the file is untouched."""
    before = digest(db)
    calls_made: list[tuple[str, dict[str, Any]]] = [
        ("create_contact", {"name": "Ghost One", "dryrun": True}),
        ("update_contact", {"ref": "Anne Marie", "title": "CTO", "dry-run": True}),
        ("add_followup", {"ref": "#2", "when": "tomorrow", "note": "ghost", "dryRun": True}),
        ("win_deal", {"ref": "Licence A", "dry_run ": True}),
        ("update_contact", {"ref": "Anne Marie", "titel": "CTO", "notes": "kept?"}),
    ]

    async def calls(client: Client) -> list[Any]:
        return [await client.call_tool(name, args) for name, args in calls_made]

    results = mcp_call(["--allow-writes"], calls)
    assert digest(db) == before, "a call with an unknown argument wrote to the book"
    for (name, args), result in zip(calls_made, results, strict=True):
        text = one_line(error_text(result))
        unknown = next(k for k in args if k not in {"name", "ref", "title", "when", "note"})
        assert unknown.strip() in text, (name, text)


# -- the assistant's undo takes back only the assistant's work ------------------------------


def test_a_shell_change_whose_text_ends_in_via_mcp_is_not_the_assistants(
    crm: Any, db: Path, mcp_call: Any, book: None
) -> None:
    """`crm deal add "Pilot (via mcp)"` is the rep's own work: its batch's command ends in
    ` (via mcp)` only because the title does. The undo tool must not take it back."""
    assert crm("deal", "add", "Pilot (via mcp)", "--contact", "Anne Marie").exit_code == 0

    async def calls(client: Client) -> tuple[Any, Any]:
        listed = structured(await client.call_tool("list_changes", {"limit": 1}))
        return listed, await client.call_tool("undo", {})

    listed, undone = mcp_call(["--allow-writes"], calls)
    # The shell's batch says whose it is, since the text the rep typed ends like a mark.
    assert listed["items"][0]["command"] == "deal add Pilot (via mcp) (shell)"
    assert listed["items"][0]["via_mcp"] is False
    assert "nothing made via mcp" in error_text(undone)
    assert query(db, "SELECT title FROM deal WHERE title = 'Pilot (via mcp)'") == [
        ("Pilot (via mcp)",)
    ]


# -- a JSON number is a number ----------------------------------------------------------------


def test_an_amount_sent_as_a_json_number_is_never_read_as_thousands(
    db: Path, mcp_call: Any, book: None
) -> None:
    """`amount: 1.234` is one euro and 23.4 cents, not 1 234 EUR: the tool turns the number
    into the text "1.234", which the shell's reader takes as a grouped thousand. A number
    with more decimals than the currency has is refused; one with two or fewer is exact."""
    before = digest(db)
    cases: list[float] = [1.234, 0.001, 1.005]

    async def calls(client: Client) -> tuple[list[Any], list[Any]]:
        refused = [
            await client.call_tool("create_deal", {"title": "F", "contact": "1", "amount": a})
            for a in cases
        ]
        exact = [
            structured(
                await client.call_tool(
                    "create_deal", {"title": "F", "contact": "1", "amount": a, "dry_run": True}
                )
            )
            for a in (12.5, 2.25, 1234.5)
        ]
        return refused, exact

    refused, exact = mcp_call(["--allow-writes"], calls)
    assert digest(db) == before, query(db, "SELECT title, amount_minor FROM deal")
    for amount, result in zip(cases, refused, strict=True):
        assert "decimals" in one_line(error_text(result)), amount
    assert [r["would_change"][0]["after"]["amount_minor"] for r in exact] == [1250, 225, 123450]


# -- a date the book cannot keep ------------------------------------------------------------


def test_a_date_in_year_one_is_refused_or_kept_so_the_shell_can_still_read_it(
    crm: Any, db: Path, mcp_call: Any, book: None
) -> None:
    """`when: "0001-01-01"` is accepted today and stored as '1-01-01T…Z' (strftime's %Y is
    not zero-padded on Linux): not fixed-width, not sortable, and `crm contact show 1`
    then fails with an internal error until the row is undone."""

    async def calls(client: Client) -> list[Any]:
        return [
            await client.call_tool(
                "log_interaction", {"ref": "1", "kind": "call", "summary": "ancient", "when": w}
            )
            for w in ("0001-01-01", "0999-12-31 10:00")
        ]

    for result in mcp_call(["--allow-writes"], calls):
        if result.is_error:
            one_line(error_text(result))
    for (stamp,) in query(db, "SELECT occurred_at FROM interaction"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", stamp), stamp
    shown = crm("contact", "show", "1")
    assert shown.exit_code == 0, shown.stderr


# -- control characters ---------------------------------------------------------------------


def test_control_characters_sent_by_the_assistant_never_reach_the_book(
    crm: Any, db: Path, mcp_call: Any, book: None
) -> None:
    """A terminal escape in a deal title is replayed raw by `crm deal list` in the rep's
    terminal (colours, a retitled window, OSC 52 writing the clipboard); a NUL cuts a
    name short in SQLite's functions and is refused outright by PostgreSQL. Each write is
    refused (one line) or stored without them, as `log_interaction` already refuses them
    in a summary."""
    esc = "\x1b]52;c;ZXZpbA==\x07"
    hostile: list[tuple[str, dict[str, Any]]] = [
        ("create_deal", {"title": f"Pilot{esc}", "contact": "1"}),
        ("create_contact", {"name": "Evil\x00Name", "company": "Ac\x00me"}),
        ("create_contact", {"name": "Tag Test", "tags": ["a\x1bb"]}),
        ("add_followup", {"ref": "1", "when": "tomorrow", "note": "ring\x07"}),
        ("update_contact", {"ref": "2", "title": "C\x1b[2JTO", "notes": "x\x00y"}),
        ("lose_deal", {"ref": "Licence B", "reason": "gone\x1b[31m"}),
    ]

    async def calls(client: Client) -> list[Any]:
        return [await client.call_tool(name, args) for name, args in hostile]

    for result in mcp_call(["--allow-writes"], calls):
        if result.is_error:
            one_line(error_text(result))
    stored = query(
        db,
        "SELECT display_name FROM contact UNION ALL SELECT coalesce(title, '') FROM contact "
        "UNION ALL SELECT coalesce(notes, '') FROM contact UNION ALL SELECT name FROM company "
        "UNION ALL SELECT title FROM deal UNION ALL SELECT coalesce(lost_reason, '') FROM deal "
        "UNION ALL SELECT note FROM followup UNION ALL SELECT tag FROM contact_tag",
    )
    assert [text for (text,) in stored if CONTROL.search(text)] == []
    listed = crm("deal", "list")
    assert "\x1b" not in listed.stdout


# -- dry runs with odd inputs ---------------------------------------------------------------


def test_dry_runs_with_odd_inputs_leave_the_file_byte_identical(
    db: Path, mcp_call: Any, book: None
) -> None:
    """Emoji, right-to-left overrides, long names, a new company, a shared email, the far
    future: every dry run goes to its end and is rolled back, WAL included."""
    before = digest(db)
    odd: list[tuple[str, dict[str, Any]]] = [
        ("create_contact", {"name": "Zoë 😀 \u202eNamé", "company": "Nouvelle Société"}),
        ("create_contact", {"name": "A" * 10_000, "email": "ANNE@example.com"}),
        ("update_contact", {"ref": "anne@example.com", "name": "Anne-Marie Martin", "company": ""}),
        ("log_interaction", {"ref": "#1", "kind": "meeting", "summary": "🎉\nbody", "next": "+3d"}),
        ("add_followup", {"ref": "1", "when": "9999-12-31 23:59", "note": "far away"}),
        ("snooze_followup", {"id": 1, "when": "in 5 years"}),
        ("create_deal", {"title": "'; DROP TABLE deal; --", "contact": "1", "amount": "12 000,50"}),
        ("create_deal", {"title": "%_", "company": "Nouvelle", "currency": "usd", "amount": 7}),
        ("move_deal", {"ref": "#2", "stage": "Won"}),
        ("lose_deal", {"ref": "Licence A", "reason": "x" * 20_000}),
        ("complete_followup", {"id": "1"}),
        ("undo", {}),
    ]

    async def calls(client: Client) -> list[Any]:
        return [await client.call_tool(n, {**a, "dry_run": True}) for n, a in odd]

    results = mcp_call(["--allow-writes"], calls)
    assert digest(db) == before
    for (name, _), result in zip(odd, results, strict=True):
        if result.is_error:
            one_line(error_text(result))
        else:
            assert structured(result)["dry_run"] is True, name


def test_a_duplicate_email_is_created_with_a_warning_naming_the_other_contact(
    db: Path, mcp_call: Any, book: None
) -> None:
    async def calls(client: Client) -> Any:
        return structured(
            await client.call_tool(
                "create_contact", {"name": "Anne C", "email": "ANNE@example.com"}
            )
        )

    made = mcp_call(["--allow-writes"], calls)
    assert any("#1 Anne Martin" in w for w in made["warnings"]), made["warnings"]


# -- a locked database ----------------------------------------------------------------------

LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE contact SET title = 'locker' WHERE id = 2")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


@pytest.mark.slow
def test_a_write_while_another_process_holds_the_lock_waits_or_says_busy_in_one_line(
    crm: Any, db: Path, mcp_call: Any, book: None
) -> None:
    """busy_timeout 2 s: a lock held 1 s is waited out and the write lands; one held 4 s
    gives the busy line after about 2 s, writes nothing, and the next write works. The
    locker's own write is never lost."""
    assert crm("config", "set", "busy_timeout", "2").exit_code == 0

    def lock(seconds: float) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-c", LOCKER, str(db), str(seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        return proc

    async def calls(client: Client) -> list[tuple[Any, float]]:
        out = []
        for hold, summary in ((1.0, "waited"), (4.0, "refused")):
            locker = lock(hold)
            start = time.monotonic()
            args = {"ref": "1", "kind": "note", "summary": summary}
            out.append((await client.call_tool("log_interaction", args), time.monotonic() - start))
            assert locker.wait(timeout=30) == 0
        args = {"ref": "1", "kind": "note", "summary": "after"}
        out.append((await client.call_tool("log_interaction", args), 0.0))
        return out

    (waited, t1), (refused, t2), (after, _) = mcp_call(["--allow-writes"], calls)
    assert structured(waited)["interaction"]["summary"] == "waited" and t1 >= 0.5
    assert "database busy" in one_line(error_text(refused)) and 1.5 <= t2 < 3.9
    structured(after)
    assert query(db, "SELECT summary FROM interaction ORDER BY id") == [("waited",), ("after",)]
    assert query(db, "SELECT title FROM contact WHERE id = 2") == [("locker",)]


# -- a server killed mid-burst --------------------------------------------------------------


def test_a_server_killed_in_a_burst_of_writes_loses_no_acknowledged_write(
    crm: Any, db: Path, book: None
) -> None:
    pidfile = db.parent / "server.pid"
    base = server_params(db, "--allow-writes")
    params = StdioServerParameters(
        command="/bin/sh",
        args=["-c", f'echo $$ > "{pidfile}"; exec "$0" "$@"', base.command, *base.args],
        env=base.env,
    )
    acked: list[int] = []

    async def main() -> None:
        async with Client(params) as client:
            pid = int(pidfile.read_text())

            async def killer() -> None:
                await anyio.sleep(0.8)
                os.kill(pid, signal.SIGKILL)

            async with anyio.create_task_group() as group:
                group.start_soon(killer)
                for n in range(100_000):
                    args = {"ref": "1", "kind": "note", "summary": f"burst {n}"}
                    with anyio.fail_after(15):
                        result = await client.call_tool("log_interaction", args)
                    assert not result.is_error, result
                    acked.append(n)

    with pytest.raises(BaseExceptionGroup):  # the client loses its server
        anyio.run(main)
    assert len(acked) >= 3, "the burst never got going"
    stored = {s for (s,) in query(db, "SELECT summary FROM interaction")}
    assert {f"burst {n}" for n in acked} <= stored
    assert len(stored) <= len(acked) + 1  # at most the one in flight
    # every stored interaction is a whole batch (the row and its change-log entry)
    logged = query(
        db, "SELECT count(DISTINCT batch) FROM change_log WHERE command LIKE 'log note%(via mcp)'"
    )
    assert logged == [(len(stored),)]
    doctor = crm("doctor")
    assert "integrity      ok" in doctor.stdout, doctor.stdout


# -- undo racing the shell ------------------------------------------------------------------


@pytest.mark.slow
def test_an_undo_racing_a_shell_edit_of_the_same_contact_never_overwrites_the_shell(
    db: Path, mcp_call: Any, book: None
) -> None:
    """The assistant sets a title, then undoes it while the shell sets the notes of the
    same contact: whichever lands first, the shell's notes survive (an undo after the
    edit is refused, one before it is harmless)."""
    rounds = 4

    def shell(n: int, failures: list[str]) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "crmcli", "contact", "edit", "2", "--note", f"shell {n}"],
            capture_output=True,
            text=True,
            env=dict(os.environ),
            timeout=60,
        )
        if done.returncode != 0:
            failures.append(done.stderr)

    async def calls(client: Client) -> list[tuple[str | None, str | None, bool]]:
        seen = []
        for n in range(rounds):
            structured(await client.call_tool("update_contact", {"ref": "2", "title": f"mcp {n}"}))
            failures: list[str] = []
            worker = threading.Thread(target=shell, args=(n, failures))
            worker.start()
            await anyio.sleep(0.05 * n)  # a different interleaving each round
            undone = await client.call_tool("undo", {})
            worker.join()
            assert failures == []
            if undone.is_error:
                one_line(error_text(undone))
            ((title, notes),) = query(db, "SELECT title, notes FROM contact WHERE id = 2")
            seen.append((title, notes, not undone.is_error))
        return seen

    for n, (title, notes, undid) in enumerate(mcp_call(["--allow-writes"], calls)):
        assert notes == f"shell {n}", (n, title, notes)
        assert title == (None if undid else f"mcp {n}") or (undid and title == f"mcp {n - 1}")


# -- hostile REFs and ids -------------------------------------------------------------------


def test_hostile_refs_and_ids_are_one_line_errors_and_never_act_on_a_guess(
    db: Path, mcp_call: Any, book: None
) -> None:
    before = digest(db)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("log_interaction", {"ref": "%", "kind": "note", "summary": "x"}),
        ("log_interaction", {"ref": "_", "kind": "note", "summary": "x"}),
        ("log_interaction", {"ref": "A%", "kind": "note", "summary": "x"}),
        ("log_interaction", {"ref": "'; DROP TABLE contact; --", "kind": "note", "summary": "x"}),
        ("log_interaction", {"ref": "\u202eAnne", "kind": "note", "summary": "x"}),
        ("log_interaction", {"ref": "😀", "kind": "note", "summary": "x"}),
        ("log_interaction", {"ref": "#0", "kind": "note", "summary": "x"}),
        ("log_interaction", {"ref": str(2**63), "kind": "note", "summary": "x"}),
        ("log_interaction", {"ref": "#" + str(2**64), "kind": "note", "summary": "x"}),
        ("log_interaction", {"ref": "1.5", "kind": "note", "summary": "x"}),
        ("move_deal", {"ref": "%", "stage": "Won"}),
        ("win_deal", {"ref": "_"}),
        ("complete_followup", {"id": 2**63}),
        ("complete_followup", {"id": 2**64}),
        ("complete_followup", {"id": -(2**63)}),
        ("complete_followup", {"id": 1.5}),
        ("undo", {"batch": 2**63 - 1}),
        ("snooze_followup", {"id": 1, "when": "in 10000 years"}),
        ("add_followup", {"ref": "1", "when": "0000-01-01", "note": "x"}),
        ("create_deal", {"title": "X", "contact": "1", "amount": "1e308"}),
        ("create_deal", {"title": "X", "contact": "1", "amount": "NaN"}),
        ("create_deal", {"title": "X", "contact": "1", "amount": 1e308}),
        ("create_deal", {"title": "X", "contact": "1", "amount": 5, "currency": "XXX"}),
        ("create_deal", {"title": "X", "contact": "1", "amount": 5, "currency": "€"}),
        ("update_contact", {"ref": "2", "name": ""}),
        ("update_contact", {"ref": "2", "name": "   "}),
    ]

    async def calls(client: Client) -> list[Any]:
        return [await client.call_tool(name, args) for name, args in cases]

    results = mcp_call(["--allow-writes"], calls)
    assert digest(db) == before
    for (name, args), result in zip(cases, results, strict=True):
        assert result.is_error, (name, args)
        one_line(error_text(result))
    texts = [error_text(r) for r in results]
    assert "Anne Marie" in texts[2] and "Anne Martin" in texts[2]  # A%: the candidates
    assert "Licence A" in texts[10] and "Licence B" in texts[10]  # %: both deals, not one


# -- resources ------------------------------------------------------------------------------


def test_resource_uris_that_try_to_walk_elsewhere_find_nothing(
    db: Path, mcp_call: Any, book: None
) -> None:
    before = digest(db)
    uris = [
        "crm://contact/../deal/1",
        "crm://contact/%2e%2e",
        "crm://contact/%2e%2e%2fdeal%2f1",
        "crm://pipeline/../contact/1",
        "crm://contact/1/",
        "crm://contact/1?x=1",
        "crm://contact/1%00",
        "crm://CONTACT/1",
        "file:///etc/passwd",
        "crm://contact/" + "9" * 5000,
        "crm://deal/1.0",
    ]

    async def calls(client: Client) -> list[str]:
        said = []
        for uri in uris:
            with pytest.raises(MCPError) as caught:
                await client.read_resource(uri)
            said.append(caught.value.message)
        return said

    for uri, message in zip(uris, mcp_call([], calls), strict=True):
        assert "Licence" not in message and "root:" not in message, uri
    assert digest(db) == before


# -- read-only mode reads without writing ---------------------------------------------------


def test_every_read_resource_and_prompt_leaves_a_read_only_servers_file_untouched(
    db: Path, mcp_call: Any, book: None
) -> None:
    before = digest(db)

    reads: list[tuple[str, dict[str, Any]]] = [
        ("find_contacts", {"query": "anne"}),
        ("get_contact", {"ref": "1"}),
        ("get_brief", {"ref": "1"}),
        ("today", {}),
        ("agenda", {"days": 90}),
        ("list_deals", {}),
        ("get_deal", {"ref": "1"}),
        ("pipeline", {}),
        ("forecast", {}),
        ("search_notes", {"text": "quote"}),
        ("report", {}),
        ("dedupe_candidates", {}),
        ("list_changes", {}),
    ]

    async def calls(client: Client) -> None:
        for name, args in reads:
            structured(await client.call_tool(name, args))
        for uri in ("crm://contact/1", "crm://deal/1", "crm://pipeline", "crm://today"):
            await client.read_resource(uri)
        for prompt in (await client.list_prompts()).prompts:
            args = {a.name: "1" for a in prompt.arguments or [] if a.required}
            await client.get_prompt(prompt.name, args)

    mcp_call([], calls)
    assert digest(db) == before


# -- the wire -------------------------------------------------------------------------------


def test_garbage_lines_and_lone_surrogates_leave_the_server_answering_on_a_clean_stdout(
    db: Path, book: None
) -> None:
    """Not JSON, a request before `initialize`, an unknown tool, a lone surrogate in a
    REF and in a name: the server keeps answering, writes nothing, and stdout carries
    nothing but JSON-RPC. (The SDK drops a line it cannot parse without an answer: a
    client waiting on it times out; that is the SDK's, not crm's.)"""
    before = digest(db)
    server = RawServer(db, "--allow-writes")
    early = server.request("tools/list")
    assert "error" in early or "result" in early
    server.initialize()
    assert server.proc.stdin is not None
    for raw in (
        "not json at all",
        '{"jsonrpc":"2.0","id":900,"method":"tools/call","params":{"name":"get_contact",'
        '"arguments":{"ref":"Anne \\ud800"}}}',
        '{"jsonrpc":"2.0","id":901,"method":"tools/call","params":{"name":"create_contact",'
        '"arguments":{"name":"Bad \\udfff Name"}}}',
    ):
        server.proc.stdin.write(raw + "\n")
    server.proc.stdin.flush()
    unknown = server.request("tools/call", {"name": "forget_contact", "arguments": {"ref": "1"}})
    assert unknown.get("error") or unknown["result"]["isError"]
    found = server.request("tools/call", {"name": "find_contacts", "arguments": {"query": "anne"}})
    assert found["result"]["structuredContent"]["total"] == 2
    code, stderr = server.finish()
    assert code == 0 and "Traceback" not in stderr
    for line in server.lines:
        assert line.startswith('{"jsonrpc":"2.0"'), line
    assert digest(db) == before


# -- team mode ------------------------------------------------------------------------------


@pytest.mark.pg
def test_a_write_a_dry_run_and_an_undo_on_postgresql(
    crm: Any, pg_url: str, mcp_call: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    monkeypatch.setenv("CRM_DB", pg_url)
    monkeypatch.setenv("CRM_NOW", NOW)
    assert crm("contact", "add", "Anne Martin", "--email", "anne@example.com").exit_code == 0
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")

    def rows(sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(plain) as conn:
            return list(conn.execute(sql).fetchall())

    async def calls(client: Client) -> tuple[Any, ...]:
        dry = structured(
            await client.call_tool(
                "create_contact", {"name": "Marc Petit", "company": "Globex", "dry_run": True}
            )
        )
        after_dry = rows("SELECT count(*) FROM contact"), rows("SELECT count(*) FROM company")
        logged = structured(
            await client.call_tool(
                "log_interaction",
                {"ref": "anne@example.com", "kind": "call", "summary": "quote", "next": "fri"},
            )
        )
        after_log = rows("SELECT summary FROM interaction"), rows("SELECT note FROM followup")
        undone = structured(await client.call_tool("undo", {}))
        bad = await client.call_tool("create_contact", {"name": "Nul\x00Byte"})
        return dry, after_dry, logged, after_log, undone, bad

    dry, after_dry, logged, after_log, undone, bad = mcp_call(
        ["--allow-writes"], calls, extra_env={"CRM_DB": pg_url}
    )
    assert dry["dry_run"] is True and after_dry == ([(1,)], [(0,)])
    assert logged["next"] == "2026-12-04" and after_log == ([("quote",)], [(None,)])
    assert undone["undone"]["command"].startswith("log call 1")
    assert rows("SELECT count(*) FROM interaction") == [(0,)]
    assert rows("SELECT count(*) FROM followup") == [(0,)]
    assert rows("SELECT count(*) FROM change_log WHERE undone_at IS NULL AND command LIKE "
                "'%(via mcp)'") == [(0,)]  # fmt: skip
    if bad.is_error:  # PostgreSQL refuses a NUL: said in one line, as crm says errors
        text = one_line(error_text(bad))
        assert "Error executing tool create_contact" != text.strip()
        assert "NUL" in text or "control" in text, text
    assert rows("SELECT count(*) FROM contact") in ([(1,)], [(2,)])
