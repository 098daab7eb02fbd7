"""`crm mcp --http`: loopback only, a bearer token on every request, no DNS rebinding.

Each server is a real `python -m crmcli mcp --http ...` process on a free port; the
tools are called through the SDK's streamable-HTTP client, and the refusals with raw
HTTP requests (httpx2, the SDK's own HTTP library).
"""

from __future__ import annotations

import os
import selectors
import signal
import socket
import stat
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.assistant.conftest import server_params, structured

pytestmark = pytest.mark.subprocess

T = TypeVar("T")
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"},
    },
}
ACCEPT = {"accept": "application/json, text/event-stream"}


@dataclass
class Running:
    proc: subprocess.Popen[bytes]
    banner: str  # the one line the server printed on start
    url: str
    token_file: Path

    @property
    def token(self) -> str:
        return self.token_file.read_text().strip()

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].split("/")[0])


def start(db: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    """A `crm mcp` process and the first line of its stderr (or all of it, if it ended)."""
    env = server_params(db).env or {}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crmcli", "mcp", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    line = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + 30
        while not line.endswith(b"\n"):
            if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                proc.kill()
                raise AssertionError(f"no start-up line from crm mcp {args}")
            chunk = os.read(proc.stderr.fileno(), 1)
            if not chunk:
                break
            line += chunk
    return proc, line.decode()


def finished(proc: subprocess.Popen[bytes]) -> tuple[int, str]:
    """Wait for a process that should stop by itself: its exit code and the rest of stderr."""
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, err.decode()


@contextmanager
def serving(db: Path, *args: str) -> Iterator[Running]:
    proc, banner = start(db, "--http", *args)
    try:
        assert proc.poll() is None, banner
        url = banner.split("listening on ", 1)[1].split(" ", 1)[0]
        yield Running(proc, banner, url, db.parent / "mcp-token")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


def with_client(url: str, token: str, calls: Callable[[Client], Awaitable[T]]) -> T:
    """Run `calls` through the SDK's streamable-HTTP client, the token in its headers."""

    async def main() -> T:
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            Client(streamable_http_client(url, http_client=http)) as client,
        ):
            return await calls(client)

    return anyio.run(main)


async def lookup(client: Client) -> Any:
    tools = await client.list_tools()
    found = await client.call_tool("find_contacts", {"query": "helene"})
    return [tool.name for tool in tools.tools], structured(found)


def post(url: str, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.post(url, json=INIT, headers={**ACCEPT, **(headers or {})}, timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def seeded(crm: Any, db: Path) -> Path:
    assert crm("contact", "add", "Hélène Dupont", "--email", "helene@example.com").exit_code == 0
    return db


def test_the_token_is_required_checked_and_enough(seeded: Path) -> None:
    with serving(seeded, "127.0.0.1:0") as server:
        token = server.token
        # Where it listens, where the token is: one line, never the token itself.
        assert server.banner.count("\n") == 1
        assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/mcp")
        assert str(server.token_file) in server.banner and token not in server.banner
        assert stat.S_IMODE(server.token_file.stat().st_mode) == 0o600
        assert len(token) >= 40

        missing = post(server.url)
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert "tools" not in missing.text and "serverInfo" not in missing.text
        for wrong in (
            f"Bearer {token[:-1]}",
            f"Bearer {token}x",
            f"Basic {token}",
            token,
            "Bearer",
        ):
            refused = post(server.url, {"authorization": wrong})
            assert refused.status_code == 401, wrong
            assert "serverInfo" not in refused.text
        # Every path is guarded: a caller without the token cannot even tell what exists.
        root = server.url.removesuffix("/mcp")
        assert httpx2.get(root + "/", timeout=10).status_code == 401
        assert httpx2.get(root + "/nothing-here", timeout=10).status_code == 401

        # A DNS-rebinding page: the right token but a foreign Host, or a foreign Origin.
        bearer = {"authorization": f"Bearer {token}"}
        foreign_host = post(server.url, {**bearer, "host": f"evil.example:{server.port}"})
        assert foreign_host.status_code == 421
        foreign_origin = post(server.url, {**bearer, "origin": "http://evil.example"})
        assert foreign_origin.status_code == 403
        # The scheme is case-insensitive (RFC 6750); the raw handshake itself is served.
        answered = post(server.url, {"authorization": f"bearer {token}"})
        assert answered.status_code == 200 and "serverInfo" in answered.text

        # A kept-alive connection answers at once: the listening socket is flagged TCP so
        # asyncio sets TCP_NODELAY; unflagged, every answer after the first waited ~40 ms
        # for a delayed ACK.
        with httpx2.Client(headers={**ACCEPT, **bearer}, timeout=10) as http:
            spent = []
            for _ in range(9):
                started = time.perf_counter()
                assert http.post(server.url, json=INIT).status_code == 200
                spent.append(time.perf_counter() - started)
        assert statistics.median(spent[1:]) < 0.030, spent

        names, found = with_client(server.url, token, lookup)
        assert "find_contacts" in names
        assert [item["name"] for item in found["items"]] == ["Hélène Dupont"]

        # Ctrl-C: stopped, exit 130, no traceback.
        server.proc.send_signal(signal.SIGINT)
        code, err = finished(server.proc)
        assert code in (0, 130), err
        assert "Traceback" not in err


@pytest.mark.parametrize("address", ["0.0.0.0:{port}", "192.168.1.20:{port}", "[::]:{port}"])
def test_a_non_loopback_address_is_refused_at_start_up(db: Path, address: str) -> None:
    port = free_port()
    proc, line = start(db, "--http", address.format(port=port))
    code, rest = finished(proc)
    assert code == 2
    assert "not a loopback address" in line and "--unsafe-bind" in line
    assert line.count("\n") == 1 and rest == ""
    assert not (db.parent / "mcp-token").exists()  # refused before anything was made


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("localhost:abc", "port must be a number"),
        (":99999", "port must be a number"),
        ("127.0.0.1:65536", "port must be a number"),
        ("127.0.0.1", "is not HOST:PORT"),
        (":8765", "names no host"),
        ("::1:8765", "IPv6 address in brackets"),
        ("[::1]8765", "is not HOST:PORT"),
        ("crm.example.com:8765", "not an IP address or localhost"),
    ],
)
def test_a_bad_address_is_one_line_and_exit_2(crm: Any, address: str, says: str) -> None:
    result = crm("mcp", "--http", address)
    assert result.exit_code == 2
    assert says in result.stderr and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_unsafe_bind_listens_on_every_interface_still_behind_the_token(seeded: Path) -> None:
    with serving(seeded, "0.0.0.0:0", "--unsafe-bind") as server:
        assert "NOT loopback" in server.banner
        url = f"http://127.0.0.1:{server.port}/mcp"
        assert post(url).status_code == 401
        _, found = with_client(url, server.token, lookup)
        assert found["items"][0]["name"] == "Hélène Dupont"


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_ipv6_loopback_is_loopback(seeded: Path) -> None:
    with serving(seeded, "[::1]:0") as server:
        assert server.url.startswith("http://[::1]:")
        _, found = with_client(server.url, server.token, lookup)
        assert found["total"] == 1


def test_localhost_on_a_chosen_port(seeded: Path) -> None:
    port = free_port()
    with serving(seeded, f"localhost:{port}") as server:
        assert server.port == port
        url = f"http://localhost:{port}/mcp"
        _, found = with_client(url, server.token, lookup)
        assert found["total"] == 1
        # A second server on the same port: one line, not a log record.
        proc, line = start(seeded, "--http", f"127.0.0.1:{port}")
        code, rest = finished(proc)
        assert code == 1 and f"cannot listen on 127.0.0.1:{port}: the port is in use" in line
        assert "Traceback" not in line + rest


def test_show_and_new_token(crm: Any, db: Path) -> None:
    token_file = db.parent / "mcp-token"
    shown = crm("mcp", "--show-token")
    assert shown.exit_code == 0
    first = shown.stdout.strip()
    assert first == token_file.read_text().strip()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert crm("mcp", "--show-token").stdout.strip() == first  # shown, not remade

    renewed = crm("mcp", "--new-token")
    assert renewed.exit_code == 0
    second = renewed.stdout.strip()
    assert second != first and second == token_file.read_text().strip()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600

    both = crm("mcp", "--show-token", "--new-token")
    assert both.exit_code == 2 and both.stderr.count("\n") == 1
    alone = crm("mcp", "--unsafe-bind")
    assert alone.exit_code == 2 and "--http" in alone.stderr


def test_a_rotated_token_replaces_the_old_one_at_the_next_start(crm: Any, seeded: Path) -> None:
    old = crm("mcp", "--show-token").stdout.strip()
    new = crm("mcp", "--new-token").stdout.strip()
    with serving(seeded, "127.0.0.1:0") as server:
        assert post(server.url, {"authorization": f"Bearer {old}"}).status_code == 401
        assert post(server.url, {"authorization": f"Bearer {new}"}).status_code == 200


def test_a_token_file_others_can_read_is_refused(crm: Any, seeded: Path) -> None:
    crm("mcp", "--show-token")
    token_file = seeded.parent / "mcp-token"
    token_file.chmod(0o644)
    proc, line = start(seeded, "--http", "127.0.0.1:0")
    code, _ = finished(proc)
    assert code == 1
    assert "open to other users" in line and "chmod 600" in line
