"""`crm sync mail` on a 5,000-message Maildir (issue #21): first sync, then one with nothing new.

    python bench/sync.py                    # 5,000 messages, 2,000 contacts
    python bench/sync.py --messages 20000 --runs 11

(a) The first sync of a Maildir written as mail tools write one (tmp/ then new/ or
cur/ with `:2,S`): 70% of the messages from or to a contact of the book, the rest
from strangers (skipped). Whole process, wall time and peak memory. Budget: 30 s.

(b) A second sync with nothing new, against the Typer floor as bench/hot.py
measures the hot commands: it lists the folder's names and diffs them against
sync_item in one query, opening no message. Budget: 1.5x the floor.
"""

from __future__ import annotations

import argparse
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_env, compare, copy, crm_exe
from make_data import build

FIRST_BUDGET = 30.0
SECOND_BUDGET = 1.5
ME = "me@example.org"


def write_maildir(root: Path, db: Path, count: int) -> int:
    """`count` messages, 70% concerning a contact of `db`; returns how many do."""
    for sub in ("tmp", "new", "cur"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db)
    addresses = [r[0] for r in conn.execute("SELECT email FROM contact_email LIMIT 2000")]
    conn.close()
    rng = random.Random(21)
    start = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
    known = 0
    for n in range(count):
        msg = EmailMessage()
        kind = rng.random()
        if kind < 0.4:  # from a contact
            msg["From"] = Address("Zoë Müller", addr_spec=rng.choice(addresses))
            msg["To"] = Address("Me", addr_spec=ME)
            known += 1
        elif kind < 0.7:  # from me to a contact
            msg["From"] = Address("Me", addr_spec=ME)
            msg["To"] = Address("Ørjan Ström", addr_spec=rng.choice(addresses))
            known += 1
        else:  # a stranger
            msg["From"] = Address("Newsletter", addr_spec=f"news{n}@lists.example.net")
            msg["To"] = Address("Me", addr_spec=ME)
        msg["Subject"] = f"Devis n°{n} — réunion à Zürich"
        msg["Date"] = format_datetime(start + timedelta(minutes=17 * n))
        msg["Message-ID"] = f"<bench{n}@example.org>"
        msg.set_content(f"Bonjour,\n\nMessage {n}.\n\n> quoted\n-- \nsig\n" + "x" * 2000)
        unique = f"{1733300000 + n}.M{n}P4242.bench"
        tmp = root / "tmp" / unique
        tmp.write_bytes(msg.as_bytes())
        tmp.rename(root / "cur" / f"{unique}:2,S" if n % 2 else root / "new" / unique)
    return known


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    source = build(args.contacts)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        db = copy(source, home / "crm.db")
        maildir = home / "Mail" / "INBOX"
        started = time.perf_counter()
        known = write_maildir(maildir, db, args.messages)
        print(
            f"wrote {args.messages} messages ({known} to/from contacts) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        env = bench_env(db)
        config = home / "config.toml"
        config.write_text(f'my_emails = ["{ME}"]\n')
        env["CRM_CONFIG"] = str(config)
        argv = [crm_exe(), "sync", "mail", "--maildir", str(maildir)]
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        first = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if done.returncode:
            raise SystemExit(f"first sync failed: {done.stderr}")
        conn = sqlite3.connect(db)
        logged = conn.execute(
            "SELECT count(*) FROM interaction WHERE kind = 'email' AND external_id LIKE '<bench%'"
        ).fetchone()[0]
        conn.close()
        ok_first = first <= FIRST_BUDGET
        print(
            f"first sync: {first:.2f} s for {args.messages} messages "
            f"({args.messages / first:,.0f}/s), peak RSS {peak_mb:.0f} MB, "
            f"{logged} interactions; budget {FIRST_BUDGET:.0f} s"
            f"{'' if ok_first else '  OVER BUDGET'}"
        )
        print(done.stderr.strip())
        ok_second = compare(
            db,
            {"sync mail (nothing new)": argv[1:]},
            budget=SECOND_BUDGET,
            runs=args.runs,
            label=f"{args.messages} messages already synced, {args.contacts} contacts",
            count_modules=False,
        )
    sys.exit(0 if ok_first and ok_second else 1)


if __name__ == "__main__":
    main()
