"""`crm today` and `crm report` in-process at each data size, and the plans of their queries.

    python bench/scale.py                                # 10k, 100k and 1M contacts
    python bench/scale.py --contacts 100000 --runs 9 --plans

The whole-process figures (bench/hot.py, bench/report.py) carry start-up and whatever
else the machine is doing; these time the core's own work on an open store, each
section alone (medians of process CPU time, and of wall time), the steadier figure for
how each one grows with the data. With `--plans`, every statement the two make is shown
with its EXPLAIN QUERY PLAN, and any that reads a whole table (a SCAN without an index)
is flagged: every one should be an index range, or a partial index read whole.
The data sets are those of bench/make_data.py (built first when missing).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_data import build


def sections(store: Any, now: Any) -> dict[str, Callable[[], object]]:
    from crmcli.core.overview import agenda, reports
    from crmcli.core.pipeline.attention import needing_attention
    from crmcli.core.pipeline.pipelines import scope

    period = reports.parse_period("90d", now.date())
    pipeline = scope(store, None)  # what `crm report` reads by default: the first pipeline
    return {
        "today: overdue": lambda: agenda.overdue(store, now, limit=20),
        "today: due today": lambda: agenda.due_on(store, now, now.date(), limit=20, after_now=True),
        "today: due for a touch": lambda: agenda.touch_due(store, now, limit=20),
        "today: deals at risk": lambda: needing_attention(store, now, limit=20),
        "today (all four)": lambda: agenda.today(store, now, limit=20),
        "report: pipeline": lambda: reports.pipeline_rows(store, now, pipeline_id=pipeline),
        "report: forecast": lambda: reports.forecast_rows(store, now.date(), 3, 75, pipeline),
        "report: conversion": lambda: reports.conversion(store, period, pipeline_id=pipeline),
        "report: activity": lambda: reports.activity(store, period, now),
        "report: health": lambda: reports.health(store, now, 90, 10),
        "report 90 days (all)": lambda: reports.build(store, period, now, pipeline_id=pipeline),
    }


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median CPU and wall milliseconds of `runs` calls (after one to warm the cache)."""
    fn()
    cpu, wall = [], []
    for _ in range(runs):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000


def plans(store: Any, fn: Callable[[], object]) -> list[tuple[str, list[str]]]:
    """Each distinct statement `fn` runs, with its query plan."""
    seen: dict[str, list[str]] = {}
    run = store._run

    def explain(sql: str, params: Any = ()) -> Any:
        text = store.dialect.sql(sql)
        if text not in seen:
            rows = store.conn.execute("EXPLAIN QUERY PLAN " + text, params).fetchall()
            seen[text] = [str(r[3]) for r in rows]
        return run(sql, params)

    store._run = explain
    try:
        fn()
    finally:
        store._run = run
    return list(seen.items())


# Tables (and their aliases in crm's SQL) that stay small whatever the data: stages,
# pipelines, goals, and the counts a query sums.
SMALL = {"stage", "s", "pipeline", "p", "goal", "t", "counts", "r"}


def whole_scans(plan: list[str]) -> list[str]:
    """The plan's lines that read a table whole, without an index, other than small ones."""
    return [
        line
        for line in plan
        if line.startswith("SCAN ") and " USING " not in line and line.split()[1] not in SMALL
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, action="append")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--plans", action="store_true", help="print every statement's plan")
    args = parser.parse_args()
    from crmcli.core import clock
    from crmcli.core.config import Config
    from crmcli.core.db.opening import open_store

    sizes = args.contacts or [10_000, 100_000, 1_000_000]
    results: dict[int, dict[str, tuple[float, float]]] = {}
    for size in sizes:
        db = build(size)
        config = Config({"user": "bench"}, db.parent / "bench-user.toml")
        store = open_store(str(db), config, write=False)
        now = clock.local_now()
        results[size] = {name: timed(fn, args.runs) for name, fn in sections(store, now).items()}
        if args.plans:
            print(f"\n== plans, {size:,} contacts")
            for text, plan in plans(store, sections(store, now)["report 90 days (all)"]) + plans(
                store, sections(store, now)["today (all four)"]
            ):
                flag = "  <-- reads a whole table" if whole_scans(plan) else ""
                print(f"\n{text[:160]}{flag}")
                for line in plan:
                    print(f"    {line}")
        store.close()
    print(f"\nin-process, median of {args.runs} (CPU ms / wall ms)")
    print(f"{'section':26}" + "".join(f"{f'{n:,} contacts':>22}" for n in sizes))
    for name in results[sizes[0]]:
        cells = "".join(f"{results[n][name][0]:>11.1f} /{results[n][name][1]:>8.1f}" for n in sizes)
        print(f"{name:26}{cells}")


if __name__ == "__main__":
    main()
