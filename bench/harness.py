"""Shared benchmark machinery: whole-process timings alternated with the Typer floor.

Runs alternate (floor, command, floor, command, ...) so machine noise hits both
alike; the report gives medians, the ratio to the floor, the budget, and how
many modules each command imports (its cold-start weight).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def crm_exe() -> str:
    ensure_bytecode()
    script = Path(sys.executable).with_name("crm")
    return str(script) if script.exists() else "crm"


def ensure_bytecode() -> None:
    """Compile crmcli's modules once, as any installed copy has them compiled.

    An editable install run with PYTHONDONTWRITEBYTECODE=1 (as on the CI machine)
    never writes `.pyc` files, so every process would recompile the package from
    source: tens of milliseconds that no installed `crm` pays, on every command.
    """
    import compileall

    import crmcli

    compileall.compile_dir(Path(crmcli.__file__).parent, quiet=1)


def bench_env(db: Path | str) -> dict[str, str]:
    """The environment a bench command runs in: no config file on a local file; on a
    server, one that names the rep "bench", the owner of every bench record, so that
    team mode's lists (yours by default) show what the same command shows locally."""
    config = HERE / "data" / "none.toml"
    if "://" in str(db):
        config = HERE / "data" / "team.toml"
        if not config.exists():
            config.parent.mkdir(exist_ok=True)
            config.write_text('user = "bench"\n')
    return {**os.environ, "CRM_DB": str(db), "CRM_CONFIG": str(config), "NO_COLOR": "1"}


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed: {result.stderr.decode()}")
    return elapsed


def module_count(args: list[str], env: dict[str, str]) -> int:
    # As the console script runs it: the fast path first, the CLI when it declines.
    code = (
        "import sys\nfrom crmcli.fastpath.dispatch import run as fast\n"
        f"rc = fast({args!r})\n"
        "if rc is None:\n    from crmcli.cli import run\n"
        f"    rc = run({args!r})\n"
        "sys.stderr.write('MODULES %d\\n' % len(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    for line in out.stderr.splitlines():
        if line.startswith("MODULES "):
            return int(line.split()[1])
    raise SystemExit(f"module count failed for {args}: {out.stderr}")


def compare(
    db: Path | str,
    commands: dict[str, list[str]],
    *,
    budget: float | dict[str, float] | None,
    runs: int,
    label: str,
    save: str | None = None,
    count_modules: bool = True,
    floor_db: Path | None = None,
) -> bool:
    """Time each command against the floor; print the table; True when all are in budget
    (`budget` None: none, as for team mode, whose figures are only shown beside SQLite's).

    `db` may be a database URL (team mode); the floor then queries `floor_db`, the
    SQLite file of the same data, so both tables share one yardstick.
    """
    crm = crm_exe()
    env = bench_env(db)
    floor_cmd = [sys.executable, str(HERE / "floor.py"), "query", str(floor_db or db)]
    floor: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():  # warm the page cache and the bytecode
        timed([crm, *argv], env)
    timed(floor_cmd, env)
    for _ in range(runs):
        for name, argv in commands.items():
            floor.append(timed(floor_cmd, env))
            times[name].append(timed([crm, *argv], env))
    floor_ms = statistics.median(floor) * 1000
    print(f"data: {label}  runs: {runs}  python: {sys.version.split()[0]}")
    print(f"{'command':30} {'median ms':>10} {'x floor':>8} {'budget':>7} {'modules':>8}")
    print(f"{'typer floor':30} {floor_ms:10.0f} {1.0:8.2f} {'':>7} {'':>8}")
    results: dict[str, object] = {"floor_ms": floor_ms, "commands": {}}
    ok_all = True
    for name, argv in commands.items():
        ms = statistics.median(times[name]) * 1000
        ratio = ms / floor_ms
        limit = budget[name] if isinstance(budget, dict) else budget
        mods = module_count(argv, env) if count_modules else 0
        ok = limit is None or ratio <= limit
        ok_all &= ok
        results["commands"][name] = {"ms": ms, "ratio": ratio, "modules": mods}  # type: ignore[index]
        shown = "" if limit is None else f"{limit:6.1f}x"
        print(
            f"{name:30} {ms:10.0f} {ratio:8.2f} {shown:>7} {mods:8d}{'' if ok else '  OVER BUDGET'}"
        )
    if save:
        out = HERE / "results"
        out.mkdir(exist_ok=True)
        (out / f"{save}.json").write_text(json.dumps(results, indent=2))
    return ok_all


def copy(source: Path, target: Path) -> Path:
    """The bench database, copied whole (SQLite's backup API: consistent, WAL included)."""
    import sqlite3

    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target
