"""Eight processes logging 200 calls each through the core service, at the same time.

    python bench/concurrency.py
    python bench/concurrency.py --pg postgresql://postgres@127.0.0.1/postgres

Budget: the 1,600 logs done within 30 s on SQLite (every one its own short write
transaction, writers waiting their turn on the lock), and exactly 1,600 rows after.
With --pg the same run on a fresh PostgreSQL database, printed beside it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
import uuid
from pathlib import Path

WORKERS, EACH, BUDGET_S = 8, 200, 30.0


def _config(folder: str):  # type: ignore[no-untyped-def]
    from crmcli.core.config import Config

    return Config({"default_region": "FR", "busy_timeout": 120}, Path(folder) / "c.toml")


def _worker(target: str, folder: str, worker: int) -> None:
    from crmcli.core.activity import interactions
    from crmcli.core.activity.interactions import Kind
    from crmcli.core.db.opening import open_store

    store = open_store(target, _config(folder), write=True)
    for i in range(EACH):
        interactions.log(store, 1, Kind.call, f"worker {worker} call {i}")
    store.close()


def run(target: str, folder: str) -> tuple[float, int]:
    from crmcli.core.db.opening import open_store
    from crmcli.core.people import contacts
    from crmcli.core.people.contacts import ContactFields

    store = open_store(target, _config(folder), write=True)
    contacts.add(store, ContactFields(name="Ann Lee"))
    store.close()
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    procs = [context.Process(target=_worker, args=(target, folder, w)) for w in range(WORKERS)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
        if proc.exitcode != 0:
            raise SystemExit(f"a worker failed on {target}")
    elapsed = time.perf_counter() - started
    store = open_store(target, _config(folder), write=False)
    rows = int(store.value("SELECT count(*) FROM interaction"))
    store.close()
    return elapsed, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", metavar="ADMIN_URL", help="also on a fresh PostgreSQL database")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        targets = {"SQLite": str(Path(folder) / "crm.db")}
        name = f"crm_bench_conc_{uuid.uuid4().hex[:8]}"
        if args.pg:
            import psycopg

            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            targets["PostgreSQL"] = f"{args.pg.rsplit('/', 1)[0]}/{name}"
        try:
            print(f"{WORKERS} processes x {EACH} logs, each its own write transaction")
            for label, target in targets.items():
                elapsed, rows = run(target, folder)
                good = rows == WORKERS * EACH and (label != "SQLite" or elapsed <= BUDGET_S)
                ok &= good
                print(
                    f"  {label:11} {elapsed:6.1f} s  {rows / elapsed:7.0f} logs/s  rows {rows}"
                    f"{'  (budget 30 s)' if label == 'SQLite' else ''}"
                    f"{'' if good else '  FAILED'}"
                )
        finally:
            if args.pg:
                import psycopg

                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
