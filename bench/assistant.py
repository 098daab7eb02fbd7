"""The assistant's server (`crm mcp`), timed through the SDK's own client, over stdio and HTTP.

    python bench/assistant.py                  # 100,000 contacts, 1,000,000 interactions
    python bench/assistant.py --contacts 10000 # smaller
    python bench/assistant.py --calls 300      # more calls per tool

Two figures, each beside its floor:
- start-up: from spawning `crm mcp` to the answer of its first tool call (find_contacts),
  whole processes, alternated with the Typer floor (bench/floor.py) and `crm find` (the
  same lookup from the shell);
- latency: p50 and p95 of find_contacts, get_contact and log_interaction on a warm server,
  beside a `list_prompts` round trip (the transport's floor: the SDK's client, JSON-RPC
  and the pipe or socket, no crm code).

Budget (issue #22): p50 <= 20 ms for reads, <= 40 ms for writes, warm server. The writes
are real (`--allow-writes`), into a copy of the bench database made for the run: a
thousand notes piled on the one sample contact would slow every later get_contact (and
bench/hot.py's `contact show`) on the shared file.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import anyio
import httpx2
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from harness import HERE, bench_env, copy, crm_exe, timed
from hot import samples
from make_data import build

BUDGET_MS = {"read": 20.0, "write": 40.0}


# -- the server, both ways ----------------------------------------------------------------


@asynccontextmanager
async def stdio_server(db: Path, env: dict[str, str]) -> AsyncIterator[Client]:
    params = StdioServerParameters(
        command=crm_exe(), args=["mcp", "--allow-writes"], env={**env, "CRM_DB": str(db)}
    )
    async with Client(params) as client:
        yield client


@asynccontextmanager
async def http_server(db: Path, env: dict[str, str]) -> AsyncIterator[Client]:
    """`crm mcp --http 127.0.0.1:0`, its URL read from its start-up line, and a client."""
    proc = subprocess.Popen(
        [crm_exe(), "mcp", "--allow-writes", "--http", "127.0.0.1:0"],
        env={**env, "CRM_DB": str(db)},
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = await anyio.to_thread.run_sync(proc.stderr.readline)
        found = re.search(r"listening on (\S+)", line)
        if found is None:
            raise SystemExit(f"crm mcp --http did not start: {line}{proc.stderr.read()}")
        token = (Path(env["CRM_CONFIG"]).parent / "mcp-token").read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=60) as http,
            Client(streamable_http_client(found.group(1), http_client=http)) as client,
        ):
            yield client
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


SERVERS = {"stdio": stdio_server, "http": http_server}


# -- the calls ------------------------------------------------------------------------------


def calls(s: dict[str, str]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Each timed call: read or write, the tool, its arguments (the forms hot.py times)."""
    call_next = {"duration": "15m", "next": "fri 10am"}
    return {
        "find_contacts (full name)": ("read", "find_contacts", {"query": s["full"]}),
        "find_contacts (partial)": ("read", "find_contacts", {"query": s["partial"]}),
        "find_contacts (email)": ("read", "find_contacts", {"query": s["email"]}),
        "find_contacts (phone)": ("read", "find_contacts", {"query": s["national"]}),
        "get_contact (id)": ("read", "get_contact", {"ref": s["id"]}),
        "get_contact (email)": ("read", "get_contact", {"ref": s["email"]}),
        "log_interaction (note)": (
            "write",
            "log_interaction",
            {"ref": s["id"], "kind": "note", "summary": "bench note"},
        ),
        "log_interaction (call, next)": (
            "write",
            "log_interaction",
            {"ref": s["email"], "kind": "call", "summary": "bench call", **call_next},
        ),
    }


async def call(client: Client, tool: str, args: dict[str, Any]) -> float:
    started = time.perf_counter()
    result = await client.call_tool(tool, args)
    elapsed = time.perf_counter() - started
    if result.is_error:
        raise SystemExit(f"{tool}({args}) failed: {result.content[0].text}")  # type: ignore[union-attr]
    return elapsed


async def floor(client: Client) -> float:
    """One round trip that runs no crm code: the SDK lists the (three) prompts it holds.

    (`ping` is no method of the protocol version the client negotiates.)
    """
    started = time.perf_counter()
    await client.list_prompts()
    return time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


async def latencies(
    db: Path, env: dict[str, str], s: dict[str, str], n: int
) -> dict[str, dict[str, list[float]]]:
    """Per transport, per call: the seconds each of `n` calls took, on warm servers.

    Both servers run at once and take turns call by call, so a burst of load on the
    machine lands on both transports alike.
    """
    plan = calls(s)
    times: dict[str, dict[str, list[float]]] = {
        t: {"floor": [], **{name: [] for name in plan}} for t in SERVERS
    }
    async with stdio_server(db, env) as stdio, http_server(db, env) as http:
        clients = {"stdio": stdio, "http": http}
        for client in clients.values():
            for _ in range(5):  # warm: imports, page cache, prepared plans
                for _, tool, args in plan.values():
                    await call(client, tool, args)
        for _ in range(n):
            for transport, client in clients.items():
                times[transport]["floor"].append(await floor(client))
                for name, (_, tool, args) in plan.items():
                    times[transport][name].append(await call(client, tool, args))
    return times


# -- start-up -------------------------------------------------------------------------------


async def first_answer(server: Callable[..., Any], db: Path, env: dict[str, str], q: str) -> float:
    """Seconds from spawning the server to the answer of its first find_contacts."""
    started = time.perf_counter()
    async with server(db, env) as client:
        await call(client, "find_contacts", {"query": q})
        return time.perf_counter() - started


def startup(db: Path, env: dict[str, str], s: dict[str, str], runs: int) -> dict[str, list[float]]:
    crm = crm_exe()
    floor_cmd = [sys.executable, str(HERE / "floor.py"), "query", str(db)]
    find_cmd = [crm, "find", s["full"]]
    out: dict[str, list[float]] = {"typer floor": [], "crm find (shell)": []}
    out.update({f"crm mcp ({name})": [] for name in SERVERS})
    timed(floor_cmd, env)
    timed(find_cmd, env)
    for _ in range(runs):
        out["typer floor"].append(timed(floor_cmd, env))
        out["crm find (shell)"].append(timed(find_cmd, env))
        for name, server in SERVERS.items():
            out[f"crm mcp ({name})"].append(anyio.run(first_answer, server, db, env, s["full"]))
    return out


# -- report ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interactions", type=int)
    parser.add_argument("--calls", type=int, default=200, help="timed calls per tool")
    parser.add_argument("--runs", type=int, default=7, help="start-ups timed per transport")
    args = parser.parse_args()

    source = build(args.contacts, args.interactions)
    s = samples(source)
    with tempfile.TemporaryDirectory(dir=source.parent) as home:
        db = copy(source, Path(home) / source.name)
        # A config folder of its own: the HTTP server writes its token beside the config.
        env = {**bench_env(db), "CRM_CONFIG": str(Path(home) / "config.toml")}
        load = os.getloadavg()[0]
        print(
            f"data: {db.name}  date: {date.today()}  python: {sys.version.split()[0]}  "
            f"load: {load:.1f} on {os.cpu_count()} cores"
        )
        print(f"\nstart-up to first answer (whole processes, median of {args.runs})")
        print(f"{'':28} {'median ms':>10} {'x floor':>8}")
        first = startup(db, env, s, args.runs)
        floor_ms = statistics.median(first["typer floor"]) * 1000
        for name, values in first.items():
            ms = statistics.median(values) * 1000
            print(f"{name:28} {ms:10.0f} {ms / floor_ms:8.2f}")

        ok = True
        plan = calls(s)
        measured = anyio.run(latencies, db, env, s, args.calls)
        for transport, times in measured.items():
            base = pct(times["floor"], 0.5)
            print(f"\nwarm {transport} server, {args.calls} calls each (floor: list_prompts)")
            print(f"{'call':30} {'p50 ms':>8} {'p95 ms':>8} {'x floor':>8} {'budget':>8}")
            for name, values in times.items():
                p50, p95 = pct(values, 0.5), pct(values, 0.95)
                kind = plan[name][0] if name != "floor" else None
                limit = BUDGET_MS[kind] if kind else None
                over = limit is not None and p50 > limit
                ok &= not over
                shown = f"{limit:6.0f}ms" if limit else ""
                print(
                    f"{name:30} {p50:8.1f} {p95:8.1f} {p50 / base:8.1f} {shown:>8}"
                    f"{'  OVER BUDGET' if over else ''}"
                )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
