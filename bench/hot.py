"""Whole-process timings of crm's hot commands beside the Typer floor.

    python bench/hot.py                      # 10,000 contacts, 100,000 interactions
    python bench/hot.py --contacts 100000    # 100,000 contacts, 1,000,000 interactions

Budget: 1.5x the floor on 10,000 contacts; 2x on 100,000 (find, today, search).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import compare
from make_data import build


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
        "national": "0" + e164[3:] if e164.startswith("+33") else e164,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--interactions", type=int)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--save", action="store_true", help="write bench/results/hot-N.json")
    args = parser.parse_args()

    db = build(args.contacts, args.interactions)
    s = samples(db)
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
    ok = compare(
        db,
        commands,
        budget=1.5 if args.contacts <= 10_000 else 2.0,
        runs=args.runs,
        label=db.name,
        save=f"hot-{args.contacts}" if args.save else None,
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
