"""A bulk edit of 10,000 contacts in one transaction, on a copy of the 100,000-contact database.

    python bench/bulk.py                 # 100,000 contacts, 1,000,000 interactions
    python bench/bulk.py --runs 3        # a fresh copy per run

Times the whole `crm contact edit --where 'id:<=10000' --set status=customer --add-tag q4
--yes` process (the diff of 10,000 contacts printed, one write transaction, one undo
batch), then `crm undo` of it, each on its own copy of the bench database (an edit
already made would change nothing the next time). Budget (issue #24): under 10 s.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_env, copy, crm_exe
from make_data import build

BUDGET_S = 10.0
EDIT = ["contact", "edit", "--where", "id:<=10000", "--set", "status=customer"]
EDIT += ["--add-tag", "q4", "--yes"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if out.returncode:
        raise SystemExit(f"{' '.join(argv)} failed ({out.returncode}): {out.stderr}")
    return elapsed, out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interactions", type=int)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    source = build(args.contacts, args.interactions)
    crm = crm_exe()
    edits: list[float] = []
    undos: list[float] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(dir=source.parent) as home:
            db = copy(source, Path(home) / source.name)
            env = {**bench_env(db), "CRM_CONFIG": str(Path(home) / "config.toml")}
            seconds, out = timed([crm, *EDIT], env)
            edits.append(seconds)
            last = out.strip().splitlines()[-1]
            conn = sqlite3.connect(db)
            tagged = conn.execute(
                "SELECT count(*) FROM contact_tag WHERE tag_key = 'q4'"
            ).fetchone()[0]
            batches = conn.execute(
                "SELECT count(DISTINCT batch) FROM change_log WHERE command LIKE 'contact edit%'"
            ).fetchone()[0]
            conn.close()
            print(f"edit: {seconds:.2f} s  ({last}; {tagged} tagged q4; {batches} batch)")
            seconds, _ = timed([crm, "undo"], env)
            undos.append(seconds)
            print(f"undo: {seconds:.2f} s")
    edit_s, undo_s = statistics.median(edits), statistics.median(undos)
    verdict = "within" if edit_s < BUDGET_S else "OVER"
    print(
        f"data: {source.name}  runs: {args.runs}  python: {sys.version.split()[0]}\n"
        f"bulk edit of 10,000 contacts: median {edit_s:.2f} s ({verdict} the {BUDGET_S:.0f} s "
        f"budget); its undo: median {undo_s:.2f} s"
    )


if __name__ == "__main__":
    main()
