"""The assistant's server, driven as a client would drive it: a real `crm mcp`
subprocess over stdio, through the official SDK's own client.

`mcp_call(args, calls)` starts one server on the test's database with the given
`crm mcp` arguments, runs `calls(client)` (an async function) against it, and stops
it; what the calls return comes back. The database is seeded by the CLI, in-process,
before the server starts.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

pytestmark = pytest.mark.subprocess

T = TypeVar("T")


def server_params(
    db: Path, *args: str, extra_env: dict[str, str] | None = None
) -> StdioServerParameters:
    env = {
        key: os.environ[key]
        for key in ("CRM_CONFIG", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "TZ", "LANG", "PATH")
        if key in os.environ
    }
    env["CRM_DB"] = str(db)
    if "CRM_NOW" in os.environ:
        env["CRM_NOW"] = os.environ["CRM_NOW"]
    env.update(extra_env or {})
    return StdioServerParameters(
        command=sys.executable, args=["-m", "crmcli", "mcp", *args], env=env
    )


def run_client(db: Path, args: list[str], calls: Callable[[Client], Awaitable[T]], **kw: Any) -> T:
    async def main() -> T:
        async with Client(server_params(db, *args, **kw)) as client:
            return await calls(client)

    return anyio.run(main)


def structured(result: Any) -> Any:
    """A tool result's JSON: its structured content, or its one text block parsed."""
    assert not result.is_error, result.content[0].text if result.content else result
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


def error_text(result: Any) -> str:
    assert result.is_error, f"expected a tool error, got {result}"
    return str(result.content[0].text)


@pytest.fixture
def mcp_call(db: Path) -> Callable[..., Any]:
    def call(args: list[str], calls: Callable[[Client], Awaitable[T]], **kw: Any) -> T:
        return run_client(db, args, calls, **kw)

    return call
