"""`crm sync contacts` with a 5,000-card vdir address book (issue #21), whole processes.

    python bench/sync_contacts.py                 # 5,000 contacts and cards, 50 changes a side
    python bench/sync_contacts.py --contacts 10000 --changes 100

(a) First sync, crm -> an empty vdir: every contact becomes a card (each file
written whole, fsynced, renamed: the vdir collection's one way to write).
(b) First sync the other way: the same 5,000 cards into an empty book (each card
read and prepared by the importer, contacts written in chunks).
(c) The budget: a two-way sync with `--changes` contacts edited in crm and as many
cards rewritten in the folder (khard's way: a new file renamed over the old),
every other card and contact as they were. Budget: 10 s.
(d) Then a run with nothing to do.

Each figure is one whole `crm` process (start-up included), timed in the same run
as the others; run it twice on a busy machine and take the lower.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_env, copy, crm_exe
from make_data import build

BUDGET = 10.0


def crm(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([crm_exe(), *argv], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"crm {' '.join(argv)} failed ({done.returncode}): {done.stderr}")
    return elapsed, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""


def edit_contacts(db: Path, count: int, rng: random.Random) -> list[int]:
    """`count` contacts changed in crm: a title each (as `crm contact edit --title` does)."""
    from crmcli.core.config import Config
    from crmcli.core.db.opening import open_store
    from crmcli.core.people.contacts import ContactFields, edit

    config = Config({"default_region": "FR", "user": "bench"}, db.with_name("none.toml"))
    store = open_store(str(db), config, write=True)
    ids = [int(r[0]) for r in store.tuples("SELECT id FROM contact WHERE archived_at IS NULL")]
    chosen = rng.sample(ids, count)
    for n, cid in enumerate(chosen):
        edit(store, cid, ContactFields(title=f"Changed in crm {n}"))
    store.close()
    return chosen


def edit_cards(folder: Path, count: int, rng: random.Random, skip: set[str]) -> int:
    """`count` cards changed as khard writes them: a new file renamed over the old."""
    names = sorted(p.name for p in folder.glob("*.vcf") if p.name not in skip)
    for n, name in enumerate(rng.sample(names, count)):
        path = folder / name
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^NOTE:.*\r\n", "", text)
        text = text.replace("END:VCARD", f"NOTE:changed on the phone {n}\r\nEND:VCARD")
        tmp = folder / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8", newline="")
        tmp.replace(path)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--changes", type=int, default=50)
    args = parser.parse_args()
    source = build(args.contacts)
    rng = random.Random(21)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        db = copy(source, home / "crm.db")
        live = (
            sqlite3.connect(db)
            .execute("SELECT count(*) FROM contact WHERE archived_at IS NULL")
            .fetchone()[0]
        )
        folder = home / "contacts"
        folder.mkdir()
        env = bench_env(db)
        sync = ["sync", "contacts", "--vdir", str(folder)]
        first, line = crm(sync, env)
        cards = len(list(folder.glob("*.vcf")))
        print(f"(a) first sync, {live} contacts -> {cards} new cards: {first:.2f} s  [{line}]")

        empty = home / "empty.db"
        other = home / "pulled"
        other.mkdir()
        for path in folder.glob("*.vcf"):
            (other / path.name).write_bytes(path.read_bytes())
        pull, line = crm(["sync", "contacts", "--vdir", str(other)], {**env, "CRM_DB": str(empty)})
        made = sqlite3.connect(empty).execute("SELECT count(*) FROM contact").fetchone()[0]
        print(f"(b) first sync, {cards} cards -> an empty book ({made} contacts): {pull:.2f} s")

        changed = edit_contacts(db, args.changes, rng)
        mine = {p.name for p in folder.glob("*.vcf") for cid in changed if f"-{cid}@" in p.name}
        edit_cards(folder, args.changes, rng, mine)
        two_way, line = crm(sync, env)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        ok = two_way <= BUDGET
        print(
            f"(c) two-way sync, {args.changes} changes each side of {cards}: {two_way:.2f} s, "
            f"peak RSS {peak_mb:.0f} MB; budget {BUDGET:.0f} s{'' if ok else '  OVER BUDGET'}"
        )
        print(f"    {line}")
        idle, line = crm(sync, env)
        print(f"(d) nothing to do: {idle:.2f} s  [{line}]")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
