"""Import and export throughput, beside tools that do less, in the same run.

    python bench/import_export.py                # 100,000-row CSV import, 1,000,000-row export
    python bench/import_export.py --rows 1000000 # the flat-memory check on a bigger file
    python bench/import_export.py --no-accelerator --skip-export  # without rphonenumbers
    python bench/import_export.py --skip-import  # the export alone

Import: `crm import contacts` (validation, normalisation, duplicate detection, one
transaction) against `sqlite-utils insert --csv` (no validation at all) on the same
file, with and without the optional phone accelerator (rphonenumbers), alternated
round by round; then the same file imported again into the filled database (every row
matched, nothing new). Budget: no slower than sqlite-utils, peak memory under 150 MB
and not growing with the file. Export: `crm export interactions` (1,000,000 rows, with
its contact's name: a join) against `sqlite3 -csv -header` running the very query crm
runs, alternated run by run; budget: at least 0.6x sqlite3's rows a second, median of
the per-round ratios, with flat memory (peak under 150 MB). For reference only, sqlite3
is also run with the 32 MiB page cache crm's export gives itself.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from crmcli.core.values.phones import ACCELERATOR_OFF  # noqa: E402
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


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


# The ways the import is run, each beside sqlite-utils in every round. "crm" uses the
# optional accelerator (rphonenumbers, the `fast` extra) when it is installed; "crm
# (no accelerator)" turns it off as a rep without the extra would have it.
CRM_ON = "crm"
CRM_OFF = "crm (no accelerator)"
SQLITE_UTILS = "sqlite-utils"


def bench_import(rows: int, runs: int, modes: list[str]) -> bool:
    """Import `rows` rows with crm (each mode) and sqlite-utils, alternated round by round.

    Each round runs every mode once on a fresh database, in turn (crm, crm without the
    accelerator, sqlite-utils, crm, ...), so that the noise of this shared machine hits
    all of them alike; the ratios are of medians of the same run. Each crm mode then
    imports the same file again into the database it just filled: every row is matched,
    nothing is new, and that second import's time is reported too (no budget).
    """
    path = make_csv(rows)
    sqlite_utils = shutil.which("sqlite-utils") or str(
        Path(sys.executable).with_name("sqlite-utils")
    )
    have_su = Path(sqlite_utils).exists()
    crm = crm_exe()
    names = [*modes, *([SQLITE_UTILS] if have_su else [])]
    results: dict[str, list[Run]] = {name: [] for name in names}
    again: dict[str, list[Run]] = {name: [] for name in modes}
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder, "c.toml")
        config.write_text('default_region = "FR"\n')
        for i in range(runs):
            for name in names:
                if name == SQLITE_UTILS:
                    db = Path(folder) / f"su{i}.db"
                    argv = [sqlite_utils, "insert", str(db), "contacts", str(path), "--csv"]
                    results[name].append(run(argv, dict(os.environ)))
                    db.unlink()
                    continue
                db = Path(folder) / f"crm{i}.db"
                env = {**os.environ, "CRM_DB": str(db), "CRM_CONFIG": str(config)}
                env.pop(ACCELERATOR_OFF, None)
                if name == CRM_OFF:
                    env[ACCELERATOR_OFF] = "1"
                argv = [crm, "import", "contacts", str(path)]
                results[name].append(run(argv, env))
                again[name].append(run(argv, env))  # the same file again: nothing new
                for leftover in Path(folder).glob(f"crm{i}.db*"):
                    leftover.unlink()
                shutil.rmtree(Path(folder) / "backups", ignore_errors=True)
            print(
                f"  round {i + 1}/{runs}: "
                + ", ".join(f"{n} {results[n][-1].wall:.2f} s" for n in names)
                + f"  (load average {os.getloadavg()[0]:.1f}: other jobs on this machine)",
                flush=True,
            )
    print(f"import {rows:,} rows ({path.stat().st_size / 1e6:.1f} MB CSV), median of {runs}:")
    su_s = _median([r.wall for r in results[SQLITE_UTILS]]) if have_su else 0.0
    ok = True
    for name in names:
        walls = [r.wall for r in results[name]]
        wall, cpu = _median(walls), _median([r.cpu for r in results[name]])
        peak = max(r.peak for r in results[name])
        ratio = f"   {wall / su_s:4.2f}x" if su_s and name != SQLITE_UTILS else ""
        print(
            f"  {name:22} {wall:6.2f} s ({_spread(walls)})  {rows / wall:8,.0f} rows/s  "
            f"peak {peak:4.0f} MB  cpu {cpu:5.1f} s{ratio}"
        )
        if name != SQLITE_UTILS:
            ok &= peak < 150 and (not su_s or wall <= su_s)
    if su_s:
        for name in modes:
            pairs = zip(results[name], results[SQLITE_UTILS], strict=True)
            ratios = [c.wall / s.wall for c, s in pairs]
            print(
                f"  ratio {name} / sqlite-utils: median of the ratios {_median(ratios):.2f}, "
                f"per round {_spread(ratios)} (budget <= 1.00)"
            )
    else:
        print("  sqlite-utils not installed (pip install crmcli[bench]): no comparison")
    for name in modes:
        walls = [r.wall for r in again[name]]
        print(
            f"  again, nothing new: {name:22} {_median(walls):6.2f} s ({_spread(walls)})  "
            f"peak {max(r.peak for r in again[name]):4.0f} MB  "
            f"cpu {_median([r.cpu for r in again[name]]):5.1f} s"
        )
    print("  budget: <= 1.00x sqlite-utils and peak < 150 MB: " + ("ok" if ok else "OVER"))
    return ok


EXPORT_SQL = (
    "SELECT i.id, i.contact_id, c.display_name AS contact, i.deal_id, i.kind, i.direction, "
    "i.occurred_at, i.summary, i.body, i.duration_seconds, i.outcome, i.owner, i.created_at "
    "FROM interaction i JOIN contact c ON c.id = i.contact_id ORDER BY i.id"
)  # crm's own query (exporting._interaction_sql), which tests/bench would not import


def bench_export(runs: int) -> bool:
    """`crm export interactions` beside `sqlite3 -csv` on the same query, alternated."""
    db = build(100_000, 1_000_000)
    crm = crm_exe()
    env = {**os.environ, "CRM_DB": str(db), "CRM_CONFIG": str(DATA / "none.toml")}
    rows = int(subprocess.run(
        ["sqlite3", str(db), "SELECT count(*) FROM interaction"],
        capture_output=True, text=True, check=True,
    ).stdout)  # fmt: skip
    commands = {
        "crm export interactions": [crm, "export", "interactions", "--format", "csv"],
        "sqlite3 -csv": ["sqlite3", "-csv", "-header", str(db), EXPORT_SQL],
        "sqlite3 -csv, 32 MiB cache": [
            "sqlite3", "-csv", "-header", "-cmd", "PRAGMA cache_size = -32768", str(db), EXPORT_SQL,
        ],
    }  # fmt: skip
    results: dict[str, list[Run]] = {name: [] for name in commands}
    for i in range(runs):
        for name, argv in commands.items():
            results[name].append(run(argv, env))
        print(
            f"  round {i + 1}/{runs}: "
            + ", ".join(f"{n} {results[n][-1].wall:.2f} s" for n in commands)
            + f"  (load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    print(f"export {rows:,} interactions to CSV (a join), median of {runs}:")
    for name in commands:
        walls = [r.wall for r in results[name]]
        wall = _median(walls)
        print(
            f"  {name:28} {wall:6.2f} s ({_spread(walls)})  {rows / wall:9,.0f} rows/s  "
            f"peak {max(r.peak for r in results[name]):4.0f} MB  "
            f"cpu {_median([r.cpu for r in results[name]]):5.1f} s"
        )
    crm_runs = results["crm export interactions"]
    ok = max(r.peak for r in crm_runs) < 150
    for reference in ("sqlite3 -csv", "sqlite3 -csv, 32 MiB cache"):
        # rows/s of crm over rows/s of sqlite3 = sqlite3's time over crm's, round by round
        ratios = [s.wall / c.wall for c, s in zip(crm_runs, results[reference], strict=True)]
        print(
            f"  crm / {reference}: {_median(ratios):.2f}x the rows/s "
            f"(per round {_spread(ratios)})"
            + (" (budget >= 0.60)" if reference == "sqlite3 -csv" else " (for reference)")
        )
        if reference == "sqlite3 -csv":
            ok &= _median(ratios) >= 0.6
    print(f"  budget >= 0.6x sqlite3 -csv, peak < 150 MB: {'ok' if ok else 'UNDER'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--skip-import", action="store_true", help="the export alone")
    accelerator = parser.add_mutually_exclusive_group()
    accelerator.add_argument(
        "--no-accelerator",
        action="store_true",
        help=f"only crm without rphonenumbers ({ACCELERATOR_OFF}=1); default: both",
    )
    accelerator.add_argument(
        "--accelerator-only", action="store_true", help="only crm with rphonenumbers"
    )
    args = parser.parse_args()
    modes = [CRM_ON, CRM_OFF]
    if args.no_accelerator:
        modes = [CRM_OFF]
    elif args.accelerator_only:
        modes = [CRM_ON]
    ok = True
    if not args.skip_import:
        ok &= bench_import(args.rows, args.runs, modes)
    if not args.skip_export:
        ok &= bench_export(args.runs)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
