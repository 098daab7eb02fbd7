"""What a new user met on a fresh install: `crm brief` on a real terminal, and `crm mcp`
driven by a third-party client (the official MCP Inspector's CLI).

Each test asserts the behaviour a rep or a client expects; see /tmp/s10/requests/newcomer.md.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from rich.cells import cell_len

from tests.assistant.conftest import structured
from tests.conftest import invoke

NOW = "2026-03-02T09:00:00Z"  # Monday 2 March 2026, 10:00 in Paris


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", NOW)


def ok(*args: str) -> str:
    out = invoke(*args)
    assert out.exit_code == 0, out.stderr
    return out.stdout


@pytest.fixture
def harry(db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A demo-like contact: tags, a cadence, five interactions, two stale deals, two
    follow-ups (one overdue) -- the everyday shape of `crm demo`'s people."""
    ok(
        "contact", "add", "Harry Ricci", "--company", "Blue Sun AG", "--email",
        "harry.ricci@bluesun.es", "--phone", "+34 630 25 79 34", "--tag", "technical",
        "--every", "90d",
    )  # fmt: skip
    for at, kind, text in [
        ("2026-01-06 07:54", "email", "Sent the proposal"),
        ("2025-12-29 20:07", "meeting", "Quarterly business review"),
        ("2025-12-13 03:12", "email", "Replied about contract terms"),
        ("2025-11-07 02:08", "call", "Left a voicemail about the proposal"),
        ("2025-11-01 06:57", "email", "Replied about contract terms"),
    ]:
        ok("log", kind, "1", text, "--at", at)
    monkeypatch.setenv("CRM_NOW", "2026-02-10T09:00:00Z")  # 20 days in the stage
    ok(
        "deal", "add", "Piper pilot", "--contact", "1", "--amount", "25000", "--stage", "lead",
        "--next", "Get legal review", "--close", "2027-02-04",
    )  # fmt: skip
    ok(
        "deal", "add", "Horizon upgrade", "--contact", "1", "--amount", "48000",
        "--stage", "qualified", "--next", "Schedule kickoff", "--close", "2027-02-11",
    )  # fmt: skip
    monkeypatch.setenv("CRM_NOW", NOW)
    ok("followup", "add", "1", "2026-02-27", "Check the trial went well")
    ok("followup", "add", "1", "2026-03-06 10:30", "Send the revised quote")
    return db


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def screen(db: Path, monkeypatch: pytest.MonkeyPatch, columns: int, lines: int) -> list[str]:
    from crmcli.commands.hot.brief import show
    from crmcli.core.config import load
    from crmcli.core.db.opening import open_store
    from crmcli.core.overview.brief import build_brief

    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("LINES", str(lines))
    store = open_store(str(db), load(), write=False)
    try:
        out = FakeTTY()
        show(build_brief(store, 1), out=out)
    finally:
        store.close()
    return out.getvalue().splitlines()


def test_stale_is_never_cut_on_an_80_column_terminal(
    harry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The `IN STAGE` cell is a figure and a flag, not free text: at 80 columns the demo
    showed `18d/14d ST…`."""
    lines = screen(harry, monkeypatch, 80, 60)
    assert all(cell_len(line) <= 80 for line in lines), "\n".join(lines)
    deals = [line for line in lines if line.startswith(("1 ", "2 ")) and "EUR" in line]
    assert len(deals) == 2, "\n".join(lines)
    assert all("STALE" in line for line in deals), "\n".join(lines)


def test_the_sheet_fits_an_80x24_terminal(harry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ "In one screen": on a classic 80x24 terminal the name must not scroll off the top
    (24 rows, one kept for the shell prompt)."""
    lines = screen(harry, monkeypatch, 80, 24)
    assert lines[0].startswith("Name") and "Harry Ricci" in lines[0]
    assert len(lines) <= 23, f"{len(lines)} lines:\n" + "\n".join(lines)


def test_an_id_sent_as_a_json_number_is_an_id(crm: Any, mcp_call: Any) -> None:
    """The REF docs say "an id (12 or #12)", and clients send `{"ref": 12}`: the MCP
    Inspector's CLI turns `--tool-arg ref=1` into the number 1, and models do the same.
    It was refused with `ref: Input should be a valid string`."""
    assert crm("contact", "add", "Ann Lee", "--email", "ann@example.com").exit_code == 0
    assert crm("deal", "add", "Ann pilot", "--contact", "1").exit_code == 0

    async def calls(client: Client) -> Any:
        return (
            await client.call_tool("get_brief", {"ref": 1}),
            await client.call_tool("get_contact", {"ref": 1}),
            await client.call_tool("get_deal", {"ref": 1}),
            await client.call_tool(
                "log_interaction", {"ref": 1, "kind": "call", "summary": "Hi", "dry_run": True}
            ),
        )

    brief, contact, deal, logged = mcp_call(["--allow-writes"], calls)
    assert structured(brief)["contact"]["name"] == "Ann Lee"
    assert structured(contact)["name"] == "Ann Lee"
    assert structured(deal)["title"] == "Ann pilot"
    assert structured(logged)["dry_run"] is True


def test_list_changes_is_marked_read_only(crm: Any, mcp_call: Any) -> None:
    """`list_changes` "changes nothing" and answers on a read-only server, but carried no
    readOnlyHint: a client that auto-approves reads asks the rep every time."""
    assert crm("contact", "add", "Ann Lee").exit_code == 0  # a read-only server needs a book

    async def calls(client: Client) -> Any:
        return {t.name: t for t in (await client.list_tools()).tools}

    hints = mcp_call([], calls)["list_changes"].annotations
    assert hints is not None and hints.read_only_hint is True


def test_echoed_days_have_one_format(crm: Any, mcp_call: Any) -> None:
    """One server echoed `Fri 04 Dec 2026 11:00` (log_interaction's `when_local`) beside
    `Sat 5 Dec 2026 09:00` (add_followup's `due_local`); the shell says `Wed 04 Mar`."""
    assert crm("contact", "add", "Ann Lee").exit_code == 0
    assert "Wed 04 Mar 2026 10:00" in crm("followup", "add", "1", "2026-03-04 10:00", "x").stdout

    async def calls(client: Client) -> Any:
        return await client.call_tool(
            "add_followup",
            {"ref": "1", "when": "2026-03-04 10:00", "note": "Call", "dry_run": True},
        )

    assert structured(mcp_call(["--allow-writes"], calls))["due_local"] == "Wed 04 Mar 2026 10:00"
