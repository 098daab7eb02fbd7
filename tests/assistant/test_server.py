"""`crm mcp` as a process: start-up, the protocol's lists, stopping, and a clean stdout.

Some tests speak JSON-RPC over the pipes themselves, line by line, so that every
byte the server writes to stdout is seen: one stray print and a client's stream is
corrupt. The others go through the SDK's own client (`mcp_call`).
"""

from __future__ import annotations

import json
import queue
import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from crmcli import __version__
from crmcli.core.db.migrations import CURRENT
from tests.assistant.conftest import server_params

pytestmark = pytest.mark.subprocess

FIXTURES = Path(__file__).parent.parent / "fixtures"
WAIT = 30  # seconds: far beyond a healthy start (about one), short of a hung suite

# The tools the issue names: each must be listed (more may be).
ISSUE_TOOLS = {
    "find_contacts", "get_contact", "create_contact", "update_contact", "log_interaction",
    "add_followup", "complete_followup", "snooze_followup", "today", "agenda", "list_deals",
    "get_deal", "move_deal", "win_deal", "lose_deal", "pipeline", "forecast", "search_notes",
    "report", "dedupe_candidates", "undo",
}  # fmt: skip


class RawServer:
    """`crm mcp` on pipes, spoken to one JSON-RPC line at a time; every stdout line kept."""

    def __init__(self, db: Path, *args: str) -> None:
        params = server_params(db, *args)
        self.proc = subprocess.Popen(
            [params.command, *params.args],
            env=params.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: list[str] = []  # everything the server wrote to stdout, in order
        self._inbox: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._next_id = 0

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._inbox.put(line)
        self._inbox.put(None)

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a request; return its response (lines before it are kept, not answered)."""
        self._next_id += 1
        self.send({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params or {}})
        while True:
            line = self._inbox.get(timeout=WAIT)
            assert line is not None, f"the server closed stdout: {self.finish()[1]}"
            self.lines.append(line)
            message = json.loads(line)
            if message.get("id") == self._next_id:
                return dict(message)

    def initialize(self) -> dict[str, Any]:
        answer = self.request(
            "initialize",
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "1"},
            },
        )
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return answer

    def finish(self) -> tuple[int, str]:
        """Close stdin, as a client does when it quits; the exit code and stderr."""
        assert self.proc.stdin is not None and self.proc.stderr is not None
        if not self.proc.stdin.closed:
            self.proc.stdin.close()
        code = self.proc.wait(timeout=WAIT)
        while (line := self._inbox.get(timeout=WAIT)) is not None:
            self.lines.append(line)
        return code, self.proc.stderr.read()


def run_crm_mcp(db: Path, *args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """`crm mcp ARGS` to its end, stdin closed at once (or `python -c CODE` in its place)."""
    params = server_params(db, *args)
    argv = [params.command, "-c", code] if code else [params.command, *params.args]
    return subprocess.run(
        argv, env=params.env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=WAIT
    )


def test_initialize_names_the_server_and_its_version(crm: Any, mcp_call: Any) -> None:
    assert crm("contact", "add", "Ann Lee").exit_code == 0

    async def calls(client: Client) -> Any:
        return client.server_info, client.server_capabilities, client.instructions

    info, capabilities, instructions = mcp_call([], calls)
    assert info is not None and (info.name, info.version) == ("crm", __version__)
    assert capabilities.tools and capabilities.resources and capabilities.prompts
    assert instructions and "find_contacts" in instructions


def test_everything_listed_is_described_for_a_model_and_a_client(crm: Any, mcp_call: Any) -> None:
    assert crm("contact", "add", "Ann Lee").exit_code == 0

    async def calls(client: Client) -> Any:
        return (
            (await client.list_tools()).tools,
            (await client.list_resource_templates()).resource_templates,
            (await client.list_resources()).resources,
            (await client.list_prompts()).prompts,
        )

    tools, templates, resources, prompts = mcp_call([], calls)
    names = [t.name for t in tools]
    assert len(names) == len(set(names))
    assert ISSUE_TOOLS <= set(names), ISSUE_TOOLS - set(names)
    assert not {"forget", "delete_contact", "remove_contact"} & set(names)
    for tool in tools:
        assert tool.description and len(tool.description) >= 40, tool.name
        schema = tool.input_schema
        assert schema["type"] == "object", tool.name
        for param, spec in schema.get("properties", {}).items():
            assert spec.get("description"), f"{tool.name}({param}) has no description"

    assert {t.uri_template: t.mime_type for t in templates} == {
        "crm://contact/{id}": "application/json",
        "crm://deal/{id}": "application/json",
    }
    assert {str(r.uri): r.mime_type for r in resources} == {
        "crm://pipeline": "application/json",
        "crm://today": "application/json",
    }
    for item in [*templates, *resources]:
        assert item.title and item.description and len(item.description) >= 40, item.name

    arguments = {p.name: {a.name: a.required for a in p.arguments or ()} for p in prompts}
    assert arguments == {
        "prepare_call": {"ref": True},
        "weekly_pipeline_review": {},
        "draft_followup_email": {"ref": True, "about": False},
    }
    for prompt in prompts:
        assert prompt.title and prompt.description, prompt.name
        for argument in prompt.arguments or ():
            assert argument.description, f"{prompt.name}({argument.name})"


def test_help(crm: Any) -> None:
    shown = crm("mcp", "--help")
    assert shown.exit_code == 0, shown.stderr
    assert "--allow-writes" in shown.stdout and "MCP" in shown.stdout


BLOCK_MCP = """
import sys
class NoMcp:
    def find_spec(self, name, path=None, target=None):
        if name == "mcp" or name.startswith("mcp."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, NoMcp())
sys.argv = ["crm", "mcp"]
from crmcli.entry import main
main()
"""


def test_without_the_sdk_one_line_names_the_extra(crm: Any, db: Path, tmp_path: Path) -> None:
    assert crm("contact", "add", "Ann Lee").exit_code == 0
    # Checked first: with no database either, the missing SDK is what is said.
    for where in (db, tmp_path / "nowhere.db"):
        done = run_crm_mcp(where, code=BLOCK_MCP)
        assert done.returncode == 3, done.stderr
        assert done.stdout == ""
        (line,) = done.stderr.splitlines()
        assert "pip install 'crmcli[assistant]'" in line


def test_the_server_stops_cleanly_when_the_client_closes_stdin(crm: Any, db: Path) -> None:
    assert crm("contact", "add", "Ann Lee").exit_code == 0
    server = RawServer(db)
    assert server.initialize()["result"]["serverInfo"]["name"] == "crm"
    tools = server.request("tools/list")["result"]["tools"]
    assert "find_contacts" in {t["name"] for t in tools}
    code, stderr = server.finish()
    assert code == 0
    assert "Traceback" not in stderr
    assert all(json.loads(line)["jsonrpc"] == "2.0" for line in server.lines)


def test_a_missing_database_is_refused_at_start_up(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    done = run_crm_mcp(missing)
    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("crm: no crm database at ") and str(missing) in line
    assert not missing.exists()


def test_an_old_schema_needs_writes_to_upgrade_and_upgrading_keeps_stdout_clean(
    db: Path,
) -> None:
    shutil.copy(FIXTURES / "schema_v1.db", db)
    refused = run_crm_mcp(db)  # read-only: no upgrade, and it says what to do
    assert refused.returncode == 3 and refused.stdout == ""
    (line,) = refused.stderr.splitlines()
    assert "crm db upgrade" in line

    server = RawServer(db, "--allow-writes")  # upgrades on opening, before the first message
    server.initialize()
    found = server.request("tools/call", {"name": "find_contacts", "arguments": {"query": "dupre"}})
    assert not found["result"].get("isError"), found
    items = found["result"]["structuredContent"]["items"]
    assert [item["name"] for item in items] == ["Dr. Hélène Dupré"]
    code, stderr = server.finish()
    assert code == 0 and "Traceback" not in stderr
    for line in server.lines:  # nothing but protocol messages on stdout
        assert json.loads(line)["jsonrpc"] == "2.0", line
    assert len(server.lines) == 2  # the two answers, and not a byte more

    with sqlite3.connect(db) as conn:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
    assert version == CURRENT
