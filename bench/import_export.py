"""Import and export throughput, beside tools that do less, in the same run.

    python bench/import_export.py                # 100,000-row CSV import, 1,000,000-row export
    python bench/import_export.py --rows 1000000 # the flat-memory check on a bigger file

Import: `crm import contacts` (validation, normalisation, duplicate detection, one
transaction) against `sqlite-utils insert --csv` (no validation at all) on the same
file. Budget: no slower than sqlite-utils, peak memory under 150 MB and not growing
with the file. Export: `crm export interactions` against `sqlite3 -csv` on the same
table; budget at least 100,000 rows a second with flat memory.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import crm_exe  # noqa: E402
from make_data import DATA, build  # noqa: E402


def make_csv(rows: int) -> Path:
    """A spreadsheet export like a rep's: accents, national phone numbers, ~3% duplicates."""
    from crmcli.core.demo.data import COMPANY_WORDS, FIRST, LAST
    from crmcli.core.values.text import fold

    path = DATA / f"import-{rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    rng = random.Random(11)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "First Name",
                "Last Name",
                "Email",
                "Phone",
                "Company",
                "Job Title",
                "Tags",
                "Notes",
                "Birthday",
            ]
        )
        for i in range(rows):
            if i > 100 and rng.random() < 0.03:  # a duplicate of an earlier row's person
                j = rng.randrange(i)
                rng_dup = random.Random(j)
                first, last = rng_dup.choice(FIRST), rng_dup.choice(LAST)
                n = j
            else:
                first, last, n = rng.choice(FIRST), rng.choice(LAST), i
            email = f"{fold(first)}.{fold(last)}.{n}@{fold(rng.choice(COMPANY_WORDS))}.example"
            email = email.replace(" ", "")
            phone = f"06 {n % 100:02d} {(n // 100) % 100:02d} {(n // 10000) % 100:02d} 1{n % 10}"
            writer.writerow(
                [
                    first,
                    last,
                    email,
                    phone,
                    f"{rng.choice(COMPANY_WORDS)} {rng.choice(('SAS', 'SA', 'GmbH'))}",
                    rng.choice(("CFO", "Head of Sales", "CTO", "Buyer", "")),
                    rng.choice(("vip", "partner", "", "newsletter")),
                    rng.choice(("", "Met at the fair", "Prefers email")),
                    rng.choice(
                        (
                            "",
                            f"{rng.randint(1, 28):02d}/0{rng.randint(1, 9)}/198{rng.randint(0, 9)}",
                        )
                    ),
                ]
            )
    return path


class Run(NamedTuple):
    wall: float  # seconds
    peak: float  # MB, the largest process's peak RSS
    cpu: float  # seconds of user + system time, every process of the run together


def run(argv: list[str], env: dict[str, str], stdout: int | None = None) -> Run:
    """Wall time, peak RSS and CPU time of one command (with its worker processes)."""
    started = time.perf_counter()
    # A fresh process per measurement: RUSAGE_CHILDREN's maxrss is the largest child so far,
    # so each run is wrapped in its own python process that reports its child's peak.
    code = (
        "import resource, subprocess, sys\n"
        f"p = subprocess.run({argv!r}, stdout=subprocess.DEVNULL if {stdout is None} else None)\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(u.ru_maxrss, p.returncode, u.ru_utime + u.ru_stime)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    fields = out.stdout.split()
    if not fields or fields[1] != "0":
        raise SystemExit(f"{' '.join(argv)} failed: {out.stderr or out.stdout}")
    return Run(elapsed, int(fields[0]) / 1024, float(fields[2]))


def bench_import(rows: int, runs: int) -> bool:
    path = make_csv(rows)
    sqlite_utils = shutil.which("sqlite-utils") or str(
        Path(sys.executable).with_name("sqlite-utils")
    )
    have_su = Path(sqlite_utils).exists()
    crm = crm_exe()
    results: dict[str, list[Run]] = {"crm": [], "sqlite-utils": []}
    with tempfile.TemporaryDirectory() as folder:
        for i in range(runs):
            db = Path(folder) / f"crm{i}.db"
            env = {**os.environ, "CRM_DB": str(db), "CRM_CONFIG": str(Path(folder) / "c.toml")}
            Path(folder, "c.toml").write_text('default_region = "FR"\n')
            results["crm"].append(run([crm, "import", "contacts", str(path)], env))
            if have_su:
                results["sqlite-utils"].append(
                    run(
                        [
                            sqlite_utils,
                            "insert",
                            str(Path(folder) / f"su{i}.db"),
                            "contacts",
                            str(path),
                            "--csv",
                        ],
                        dict(os.environ),
                    )
                )
    crm_s = sorted(r.wall for r in results["crm"])[len(results["crm"]) // 2]
    crm_cpu = sorted(r.cpu for r in results["crm"])[len(results["crm"]) // 2]
    crm_mb = max(r.peak for r in results["crm"])
    print(f"import {rows:,} rows ({path.stat().st_size / 1e6:.1f} MB CSV), median of {runs}:")
    print(
        f"  crm import contacts   {crm_s:6.2f} s   {rows / crm_s:9,.0f} rows/s   "
        f"peak {crm_mb:5.0f} MB   cpu {crm_cpu:5.1f} s (all processes)"
    )
    ok = crm_mb < 150
    if have_su:
        su_s = sorted(r.wall for r in results["sqlite-utils"])[runs // 2]
        su_cpu = sorted(r.cpu for r in results["sqlite-utils"])[runs // 2]
        su_mb = max(r.peak for r in results["sqlite-utils"])
        print(
            f"  sqlite-utils --csv    {su_s:6.2f} s   {rows / su_s:9,.0f} rows/s   "
            f"peak {su_mb:5.0f} MB   cpu {su_cpu:5.1f} s   (no validation)"
        )
        print(f"  ratio crm / sqlite-utils: {crm_s / su_s:.2f} (budget <= 1.00)")
        ok &= crm_s <= su_s
    else:
        print("  sqlite-utils not installed (pip install sqlite-utils): no comparison")
    print(f"  budget: peak < 150 MB: {'ok' if crm_mb < 150 else 'OVER'}")
    return ok


def bench_export(runs: int) -> bool:
    db = build(100_000, 1_000_000)
    crm = crm_exe()
    env = {**os.environ, "CRM_DB": str(db), "CRM_CONFIG": str(DATA / "none.toml")}
    rows = 1_000_000
    crm_runs = [run([crm, "export", "interactions", "--format", "csv"], env) for _ in range(runs)]
    sq_runs = [
        run(["sqlite3", "-csv", str(db), "SELECT * FROM interaction"], env) for _ in range(runs)
    ]
    crm_s = sorted(r.wall for r in crm_runs)[runs // 2]
    sq_s = sorted(r.wall for r in sq_runs)[runs // 2]
    crm_mb = max(r.peak for r in crm_runs)
    print(f"export {rows:,} interactions to CSV, median of {runs}:")
    print(
        f"  crm export interactions  {crm_s:6.2f} s  {rows / crm_s:9,.0f} rows/s  "
        f"peak {crm_mb:5.0f} MB"
    )
    print(f"  sqlite3 -csv             {sq_s:6.2f} s  {rows / sq_s:9,.0f} rows/s")
    ok = rows / crm_s >= 100_000
    print(f"  budget >= 100,000 rows/s: {'ok' if ok else 'UNDER'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    ok = bench_import(args.rows, args.runs)
    if not args.skip_export:
        ok &= bench_export(args.runs)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
