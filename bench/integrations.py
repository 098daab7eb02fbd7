"""The shell integrations' cost: the prompt segment, the start-up digest, TAB completion.

    python bench/integrations.py

Budgets (10,000 contacts): `crm status --prompt` within 2x `python -c "import sqlite3"`
(it runs on every prompt); `crm today --brief` and each completion call within 1.5x
the Typer floor (they run at every shell start and on every TAB).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import bench_env, compare, crm_exe  # noqa: E402
from make_data import build  # noqa: E402


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def prompt(db: Path, runs: int) -> bool:
    env = bench_env(db)
    base = [sys.executable, "-c", "import sqlite3"]
    cmd = [crm_exe(), "status", "--prompt"]
    timed(cmd, env)
    floor, ours = [], []
    for _ in range(runs):
        floor.append(timed(base, env))
        ours.append(timed(cmd, env))
    f, o = statistics.median(floor) * 1000, statistics.median(ours) * 1000
    ok = o <= 2 * f
    label = 'python -c "import sqlite3"'
    print(f"{label:36} {f:8.1f} ms")
    print(
        f"{'crm status --prompt':36} {o:8.1f} ms   x{o / f:.2f} (budget 2.0x)"
        f"{'' if ok else '  OVER BUDGET'}"
    )
    return ok


def completion_env(line: str) -> dict[str, str]:
    parts = line.split(" ")
    return {"_CRM_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(parts) - 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    db = build(args.contacts)
    print(f"data: {db.name}")
    ok = prompt(db, args.runs * 2)
    commands = {"today --brief": ["today", "--brief"]}
    ok &= compare(db, commands, budget=1.5, runs=args.runs, label=db.name)
    # Completion: the same harness, with the completion variables in the environment.
    for line in (
        "crm contact show hel",
        "crm log call dup",
        "crm deal move 1 pro",
        "crm followup done ",
    ):
        os.environ.update(completion_env(line))
        try:
            ok &= compare(
                db,
                {f"complete: {line}": []},
                budget=1.5,
                runs=args.runs,
                label=db.name,
                count_modules=False,
            )
        finally:
            for key in ("_CRM_COMPLETE", "COMP_WORDS", "COMP_CWORD"):
                os.environ.pop(key, None)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
