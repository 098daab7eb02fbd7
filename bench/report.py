"""`crm report` as whole processes, beside the Typer floor, at any data size.

    python bench/report.py                        # 100,000 contacts, 1,000,000 interactions
    python bench/report.py --contacts 1000000     # and 10,000,000 interactions

Budgets (issue #25): the 90-day report within 1.0 s whatever the size, up to 1,000,000
contacts and 10,000,000 interactions; the longer periods and other formats within 2 s.
Each run alternates with the floor (printed beside it, as everywhere in bench/) so
noise shows. The data sets are bench/make_data.py's, the same as bench/hot.py's at each
size (deals and follow-ups at the generator's proportions: a sixth and a fifth of the
contacts).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import HERE, bench_env, crm_exe, timed
from make_data import build

BUDGETS_S = {
    "report (90 days)": 1.0,
    "report --period ytd --json": 2.0,
    "report -p 1y -f csv -s sources": 2.0,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interactions", type=int)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    db = build(args.contacts, args.interactions)
    conn = sqlite3.connect(db)
    deals, interactions = conn.execute(
        "SELECT (SELECT count(*) FROM deal), (SELECT count(*) FROM interaction)"
    ).fetchone()
    conn.close()
    commands = {
        "report (90 days)": ["report"],
        "report --period ytd --json": ["report", "--period", "ytd", "--json"],
        "report -p 1y -f csv -s sources": ["report", "-p", "1y", "-f", "csv", "-s", "sources"],
    }
    # The data belongs to the user "bench": the activity section counts only your own.
    config = db.parent / "bench-user.toml"
    config.write_text('user = "bench"\n')
    crm, env = crm_exe(), {**bench_env(db), "CRM_CONFIG": str(config)}
    floor_cmd = [sys.executable, str(HERE / "floor.py"), "query", str(db)]
    for argv in commands.values():  # warm the page cache and the bytecode
        timed([crm, *argv], env)
    floor: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, argv in commands.items():
            floor.append(timed(floor_cmd, env))
            times[name].append(timed([crm, *argv], env))
    floor_s = statistics.median(floor)
    print(
        f"data: {db.name} ({deals:,} deals, {interactions:,} interactions)  runs: {args.runs}  "
        f"load average: {os.getloadavg()[0]:.1f}"
    )
    print(f"{'command':34} {'median s':>9} {'max s':>7} {'x floor':>8} {'budget':>7}")
    print(f"{'typer floor':34} {floor_s:9.2f} {max(floor):7.2f} {1.0:8.2f}")
    ok = True
    for name, values in times.items():
        median = statistics.median(values)
        within = median <= BUDGETS_S[name]
        ok &= within
        print(
            f"{name:34} {median:9.2f} {max(values):7.2f} {median / floor_s:8.2f} "
            f"{BUDGETS_S[name]:6.1f}s{'' if within else '  OVER BUDGET'}"
        )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
