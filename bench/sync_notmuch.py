"""`crm sync mail --notmuch` on a 5,000-message Maildir indexed by notmuch (issue #21).

    python bench/sync_notmuch.py                    # 5,000 messages, 2,000 contacts
    python bench/sync_notmuch.py --messages 20000 --runs 11

The Maildir is bench/sync.py's (70% of the messages from or to a contact), one in
ten of them a reply citing an earlier one, indexed with `notmuch new` (not timed).
(a) The first sync, whole process: wall time and peak memory; budget 30 s, as for
a Maildir. (b) A second sync with nothing new against the Typer floor (bench/hot.py's
measure): two short notmuch calls (count, search --output=messages) and one query;
budget 1.5x the floor.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_env, compare, copy, crm_exe
from make_data import build
from sync import ME, write_maildir

FIRST_BUDGET = 30.0
SECOND_BUDGET = 1.5


def thread_some(root: Path, every: int = 10) -> None:
    """Make one message in `every` a reply to the one before it (In-Reply-To, References)."""
    files = sorted(p for sub in ("new", "cur") for p in (root / sub).iterdir())
    for n, path in enumerate(files):
        if n and n % every == 0:
            head, _, body = path.read_bytes().partition(b"\n\n")
            cite = f"<bench{n - 1}@example.org>".encode()
            path.write_bytes(
                head + b"\nIn-Reply-To: " + cite + b"\nReferences: " + cite + b"\n\n" + body
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    if shutil.which("notmuch") is None:
        raise SystemExit("notmuch is not installed: apt-get install notmuch")
    source = build(args.contacts)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        db = copy(source, home / "crm.db")
        maildir = home / "Mail" / "INBOX"
        write_maildir(maildir, db, args.messages)
        thread_some(maildir)
        config = home / "notmuch-config"
        config.write_text(f"[database]\npath={home / 'Mail'}\n[new]\ntags=inbox;\n")
        started = time.perf_counter()
        env = bench_env(db)
        env["NOTMUCH_CONFIG"] = str(config)
        subprocess.run(["notmuch", "new"], env=env, check=True, capture_output=True)
        print(f"notmuch new: {time.perf_counter() - started:.1f} s (not counted)")
        crm_config = home / "config.toml"
        crm_config.write_text(f'my_emails = ["{ME}"]\n')
        env["CRM_CONFIG"] = str(crm_config)
        argv = [crm_exe(), "sync", "mail", "--notmuch", "folder:INBOX"]
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        first = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if done.returncode:
            raise SystemExit(f"first sync failed: {done.stderr}")
        conn = sqlite3.connect(db)
        logged, threaded = conn.execute(
            "SELECT count(*), count(DISTINCT thread) FROM interaction "
            "WHERE kind = 'email' AND external_id LIKE '<bench%'"
        ).fetchone()
        conn.close()
        ok_first = first <= FIRST_BUDGET
        print(
            f"first sync: {first:.2f} s for {args.messages} messages "
            f"({args.messages / first:,.0f}/s), peak RSS {peak_mb:.0f} MB (notmuch's included), "
            f"{logged} interactions in {threaded} threads; budget {FIRST_BUDGET:.0f} s"
            f"{'' if ok_first else '  OVER BUDGET'}"
        )
        print(done.stderr.strip())
        os.environ["NOTMUCH_CONFIG"] = str(config)  # compare() runs crm with this environment
        ok_second = compare(
            db,
            {"sync mail --notmuch (nothing new)": argv[1:]},
            budget=SECOND_BUDGET,
            runs=args.runs,
            label=f"{args.messages} messages already synced, {args.contacts} contacts",
            count_modules=False,
        )
    sys.exit(0 if ok_first and ok_second else 1)


if __name__ == "__main__":
    main()
