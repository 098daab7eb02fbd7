"""Whole-process timings of crm's hot commands beside the Typer floor.

    python bench/hot.py                      # 10,000 contacts, 100,000 interactions
    python bench/hot.py --contacts 100000    # the find budget on 100,000 contacts

Runs alternate (floor, command, floor, command, ...) so machine noise hits
both alike; the report gives medians, the ratio to the floor, the budget, and
how many modules each command imports (its cold-start weight).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_data import build  # noqa: E402


def crm_exe() -> str:
    script = Path(sys.executable).with_name("crm")
    return str(script) if script.exists() else "crm"


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed: {result.stderr.decode()}")
    return elapsed


def module_count(args: list[str], env: dict[str, str]) -> int:
    code = (
        "import sys\nfrom crmcli.cli import run\n"
        f"rc = run({args!r})\nsys.stderr.write('MODULES %d\\n' % len(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    for line in out.stderr.splitlines():
        if line.startswith("MODULES "):
            return int(line.split()[1])
    raise SystemExit(f"module count failed for {args}: {out.stderr}")


def samples(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    cid, first, last, email = conn.execute(
        "SELECT c.id, c.first_name, c.last_name, e.email FROM contact c "
        "JOIN contact_email e ON e.contact_id = c.id WHERE c.company_id IS NOT NULL "
        "AND length(c.last_name) > 4 ORDER BY c.id LIMIT 1 OFFSET 137"
    ).fetchone()
    e164 = conn.execute("SELECT e164 FROM contact_phone WHERE contact_id = ?", (cid,)).fetchone()[0]
    conn.close()
    return {
        "id": str(cid),
        "full": f"{first} {last}",
        "partial": f"{first[:4]} {last[:3]}",
        "typo": f"{last[:-1]}{last[-1]}{last[-1]}",
        "email": email,
        "phone": e164,
        "national": "0" + e164[3:] if e164.startswith("+33") else e164,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--interactions", type=int)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="also write bench/results/hot-N.json")
    args = parser.parse_args()

    db = build(args.contacts, args.interactions)
    s = samples(db)
    crm = crm_exe()
    env = {
        **os.environ,
        "CRM_DB": str(db),
        "CRM_CONFIG": str(HERE / "data" / "none.toml"),
        "NO_COLOR": "1",
    }
    budget = 1.5 if args.contacts <= 10_000 else 2.0
    commands: dict[str, list[str]] = {
        "find (full name)": ["find", s["full"]],
        "find (partial words)": ["find", s["partial"]],
        "find (typo)": ["find", s["typo"]],
        "find (phone, national)": ["find", s["national"]],
        "find (email)": ["find", s["email"]],
        "contact show": ["contact", "show", s["id"]],
        "contact show (by name)": ["contact", "show", s["email"]],
        "log (note)": ["log", "note", s["id"], "bench note"],
        "log (call, --next)": [
            "log",
            "call",
            s["email"],
            "bench call",
            "--duration",
            "15m",
            "--next",
            "fri 10am",
        ],
        "today": ["today"],
        "search": ["search", "pricing"],
    }
    floor_cmd = [sys.executable, str(HERE / "floor.py"), "query", str(db)]
    floor: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():  # warm the page cache and the bytecode
        timed([crm, *argv], env)
    timed(floor_cmd, env)
    for _ in range(args.runs):
        for name, argv in commands.items():
            floor.append(timed(floor_cmd, env))
            times[name].append(timed([crm, *argv], env))
    floor_ms = statistics.median(floor) * 1000
    print(f"data: {db.name}  runs: {args.runs}  python: {sys.version.split()[0]}")
    print(f"{'command':28} {'median ms':>10} {'x floor':>8} {'budget':>7} {'modules':>8}")
    print(f"{'typer floor':28} {floor_ms:10.0f} {1.0:8.2f} {'':>7} {'':>8}")
    results = {"floor_ms": floor_ms, "commands": {}}
    failed = False
    for name, argv in commands.items():
        ms = statistics.median(times[name]) * 1000
        ratio = ms / floor_ms
        mods = module_count(argv, env)
        ok = ratio <= budget
        failed |= not ok
        results["commands"][name] = {"ms": ms, "ratio": ratio, "modules": mods}
        print(
            f"{name:28} {ms:10.0f} {ratio:8.2f} {budget:6.1f}x {mods:8d}"
            f"{'' if ok else '  OVER BUDGET'}"
        )
    if args.json:
        out = HERE / "results"
        out.mkdir(exist_ok=True)
        (out / f"hot-{args.contacts}.json").write_text(json.dumps(results, indent=2))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
