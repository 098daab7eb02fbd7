"""`crm pipeline`, `crm deal list` and `crm forecast` on 5,000 open deals (100,000 contacts).

    python bench/pipeline.py

Budget: 2x the Typer floor. The generator makes ~75% of its deals open, so it
is asked for 6,667 deals to get about 5,000 open ones.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import compare
from make_data import build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--deals", type=int, default=6_667)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    db = build(args.contacts, args.contacts * 10, deals=args.deals, followups=args.contacts // 5)
    conn = sqlite3.connect(db)
    open_deals = conn.execute("SELECT count(*) FROM deal WHERE status = 'open'").fetchone()[0]
    conn.close()
    commands = {
        "pipeline": ["pipeline"],
        "pipeline --json (all cards)": ["pipeline", "--json"],
        "deal list (all open)": ["deal", "list"],
        "deal list --stale --format csv": ["deal", "list", "--stale", "--format", "csv"],
        "forecast": ["forecast"],
    }
    ok = compare(
        db, commands, budget=2.0, runs=args.runs, label=f"{db.name} ({open_deals} open deals)"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
