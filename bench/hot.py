"""Whole-process timings of crm's hot commands beside the Typer floor.

    python bench/hot.py                      # 10,000 contacts, 100,000 interactions
    python bench/hot.py --contacts 100000    # 100,000 contacts, 1,000,000 interactions
    python bench/hot.py --typer              # the same lines with the fast path off
    python bench/hot.py --pg postgresql://postgres@127.0.0.1/postgres   # and on a server

Budget (issue #25): the hot commands, which run on the fast path (crmcli.fastpath),
0.6x the floor on 10,000 contacts, 0.7x on 100,000, 1.0x on 1,000,000: faster than
a bare Typer program. `contact list --where/--view` go through Typer: 1.5x, 2x on
100,000 (issue #24). `followup done` and `deal move` repeat on the same record, so
from the second run on they measure the refusal ("already done"), reads and all.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import compare
from make_data import build, pg_build


def samples(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    cid, first, last, email = conn.execute(
        "SELECT c.id, c.first_name, c.last_name, e.email FROM contact c "
        "JOIN contact_email e ON e.contact_id = c.id WHERE c.company_id IS NOT NULL "
        "AND length(c.last_name) > 4 ORDER BY c.id LIMIT 1 OFFSET 137"
    ).fetchone()
    e164 = conn.execute("SELECT e164 FROM contact_phone WHERE contact_id = ?", (cid,)).fetchone()[0]
    followup = conn.execute("SELECT min(id) FROM followup WHERE done_at IS NULL").fetchone()[0]
    deal = conn.execute("SELECT min(id) FROM deal").fetchone()[0]
    conn.close()
    return {
        "id": str(cid),
        "full": f"{first} {last}",
        "partial": f"{first[:4]} {last[:3]}",
        "typo": f"{last[:-1]}{last[-1]}{last[-1]}",
        "email": email,
        "national": "0" + e164[3:] if e164.startswith("+33") else e164,
        "followup": str(followup),
        "deal": str(deal),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--interactions", type=int)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--save", action="store_true", help="write bench/results/hot-N.json")
    parser.add_argument(
        "--typer", action="store_true", help="every line through Typer (CRM_NO_FAST_PATH=1)"
    )
    parser.add_argument(
        "--pg",
        metavar="ADMIN_URL",
        help="also run them on PostgreSQL: the same data loaded into a database there "
        "(make_data.pg_build, once)",
    )
    parser.add_argument(
        "--pg-only", action="store_true", help="with --pg: leave the SQLite table out"
    )
    args = parser.parse_args()
    if args.typer:
        os.environ["CRM_NO_FAST_PATH"] = "1"  # bench_env passes the environment on

    db = build(args.contacts, args.interactions)
    s = samples(db)
    commands: dict[str, list[str]] = {
        "find (full name)": ["find", s["full"]],
        "find (partial words)": ["find", s["partial"]],
        "find (typo)": ["find", s["typo"]],
        "find (phone, national)": ["find", s["national"]],
        "find (email)": ["find", s["email"]],
        "find (@domain)": ["find", "@" + s["email"].split("@", 1)[1]],
        "find (area code)": ["find", "212"],
        "contact show": ["contact", "show", s["id"]],
        "contact show (by name)": ["contact", "show", s["email"]],
        "log (note)": ["log", "note", s["id"], "bench note"],
        "log (note, by national number)": ["log", "note", s["national"], "bench note"],
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
        "followup add": ["followup", "add", s["id"], "fri 10am", "bench"],
        "followup done (repeat)": ["followup", "done", s["followup"]],
        "deal move (repeat)": ["deal", "move", s["deal"], "Proposal"],
        "brief": ["brief", s["id"]],
        "brief (by email)": ["brief", s["email"]],
        # A view's list: the filter language over every contact (#24).
        "contact list --where": ["contact", "list", "-w", "tag:vip touched:>30d", "-n", "50"],
        # The same query saved as a view (read and compiled on every use).
        "contact list --view": ["contact", "list", "--view", saved_view(db), "-n", "50"],
    }
    hot = 0.6 if args.contacts <= 10_000 else 0.7 if args.contacts <= 100_000 else 1.0
    listed = 1.5 if args.contacts <= 10_000 else 2.0
    budget = {name: listed if name.startswith("contact list") else hot for name in commands}
    ok = (args.pg_only and bool(args.pg)) or compare(
        db,
        commands,
        budget=budget,
        runs=args.runs,
        label=db.name,
        save=f"hot-{args.contacts}" if args.save else None,
    )
    if args.pg:
        url = pg_build(db, args.pg)
        saved_view(url)
        print()
        compare(  # no budget in team mode: its figures go beside SQLite's
            url,
            commands,
            budget=None,
            runs=args.runs,
            label=f"PostgreSQL: {db.stem}",
            count_modules=False,
            floor_db=db,
        )
    sys.exit(0 if ok else 1)


def saved_view(db: Path | str) -> str:
    """Save the bench's view (the `--where` case's query) in `db`; returns its name."""
    import subprocess

    from harness import bench_env, crm_exe

    name = "bench-vips"
    argv = [crm_exe(), "view", "save", name, "tag:vip touched:>30d", "--replace"]
    subprocess.run(argv, env=bench_env(db), check=True, capture_output=True)
    return name


if __name__ == "__main__":
    main()
