"""What rules cost the commands that fire them, and the day that runs them first (issue #23).

    python bench/rules.py                  # 10,000 contacts, 100,000 interactions
    python bench/rules.py --runs 21 --only today

(a) `crm deal move DEAL Proposal` on a book with 5 rules on "deal enters Proposal"
(a follow-up, a tag, a next step, a probability, a cadence: each writes, each leaves
its explanation), against the very same move on a copy without rules, alternated run
by run, each run moving another deal. Budget: 1.2x the move without rules.

(b) `crm today` on a book with 20 rules defined, against the Typer floor, as
bench/hot.py measures the hot commands: once with 20 change rules (the day reads the
rule table once and imports nothing more), once with 3 of the 20 time rules (the day
runs them first: after the first run, each finds it has fired already). Budget: the
hot commands' (1.5x the floor on 10,000 contacts, 2x above).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_env, compare, copy, crm_exe, timed
from make_data import build

MOVE_BUDGET = 1.2
FIVE = [
    ("chase", ["followup +3d: chase the proposal for {deal.title}"]),
    ("tag", ["tag proposal"]),
    ("next", ["next step: send the proposal to {first_name}"]),
    ("odds", ["set probability = 55"]),
    ("touch", ["cadence 14 days"]),
]
# 20 rules as a busy rep might keep them; the last three are time rules.
TWENTY = [
    ("enter " + stage, f"deal enters {stage}", [f"tag stage-{stage.lower()}"])
    for stage in ("Qualified", "Demo", "Negotiation")
] + [
    ("won", "deal won", ["tag customer", "cadence 30 days"]),
    ("lost", "deal lost", ["followup +90d: try {first_name} again"]),
    ("chase", "deal enters Proposal", ["followup +3d: chase {deal.title}"]),
    ("leave proposal", "deal leaves Proposal", ["untag proposal"]),
    ("no answer", "call logged with outcome no-answer", ["followup tomorrow: call back"]),
    ("met", "meeting logged", ["followup +1d: send notes to {first_name}"]),
    ("mail", "email logged", ["cadence 21 days"]),
    ("note", "note logged", ["tag noted"]),
    ("any", "interaction logged", ["set status = customer"]),
    ("new", "contact created", ["tag new", "cadence 30 days"]),
    ("vip", "tag added vip", ["cadence 14 days"]),
    ("dnc", "tag added dnc", ["set do_not_contact = yes"]),
    ("partner", "tag added partner", ["followup +7d: intro call"]),
    ("hot", "tag added hot", ["followup tomorrow: call {first_name}"]),
    ("late", "followup overdue by 30 days", ["tag stale"]),
    ("later", "followup overdue by 60 days", ["tag very-stale"]),
    ("drift", "cadence missed by 30 days", ["followup +1d: catch up with {first_name}"]),
]


def crm(db: Path, *argv: str) -> None:
    done = subprocess.run([crm_exe(), *argv], env=bench_env(db), capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"crm {' '.join(argv)} failed: {done.stderr}")


def add_rules(db: Path, rules: list[tuple[str, str, list[str]]]) -> None:
    for name, when, then in rules:
        crm(db, "rule", "add", name, "--when", when, *[a for t in then for a in ("--then", t)])


def movable_deals(db: Path, count: int) -> list[int]:
    """Open deals with a contact, in a stage before Proposal, each moved once."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT d.id FROM deal d JOIN stage s ON s.id = d.stage_id WHERE d.status = 'open' "
            "AND d.contact_id IS NOT NULL AND s.name IN ('Lead', 'Qualified', 'Demo') "
            "ORDER BY d.id LIMIT ?",
            (count,),
        ).fetchall()
    finally:
        conn.close()
    if len(rows) < count:
        raise SystemExit(f"only {len(rows)} movable deals; fewer runs, or more deals")
    return [int(r[0]) for r in rows]


def bench_move(source: Path, runs: int, home: Path) -> bool:
    plain = copy(source, home / "plain.db")
    ruled = copy(source, home / "ruled.db")
    add_rules(ruled, [(name, "deal enters Proposal", then) for name, then in FIVE])
    deals = movable_deals(source, runs + 2)
    exe = crm_exe()
    times: dict[str, list[float]] = {"no rules": [], "5 rules": []}
    for i, deal in enumerate(deals):
        for label, db in (("no rules", plain), ("5 rules", ruled)):
            seconds = timed([exe, "deal", "move", str(deal), "Proposal"], bench_env(db))
            if i >= 2:  # the first two warm the page cache and the bytecode
                times[label].append(seconds)
    conn = sqlite3.connect(ruled)
    effects = conn.execute("SELECT count(*) FROM rule_effect").fetchone()[0]
    conn.close()
    floor = statistics.median(times["no rules"]) * 1000
    ms = statistics.median(times["5 rules"]) * 1000
    ratio = ms / floor
    ok = ratio <= MOVE_BUDGET
    print(f"data: {source.name}  runs: {runs}  python: {sys.version.split()[0]}")
    print(f"{'command':40} {'median ms':>10} {'x floor':>8} {'budget':>7}")
    print(f"{'deal move, no rules (floor)':40} {floor:10.0f} {1.0:8.2f}")
    print(
        f"{'deal move, 5 rules fire':40} {ms:10.0f} {ratio:8.2f} {MOVE_BUDGET:6.1f}x"
        f"{'' if ok else '  OVER BUDGET'}"
    )
    print(f"({effects} rule effects written: 5 per move)")
    return ok


def bench_today(source: Path, runs: int, home: Path, budget: float) -> bool:
    change = copy(source, home / "today-change.db")
    extra = [(f"extra {i}", "deal enters Negotiation", [f"tag n{i}"]) for i in range(3)]
    add_rules(change, TWENTY[:-3] + extra)  # 20 change rules
    timed_db = copy(source, home / "today-timed.db")
    add_rules(timed_db, TWENTY)  # 17 change rules and 3 time rules
    crm(timed_db, "rule", "run")  # the first run fires on the backlog, once
    ok = compare(
        change,
        {"today (20 change rules)": ["today"]},
        budget=budget,
        runs=runs,
        label=f"{source.name}, 20 change rules",
    )
    print()
    ok &= compare(
        timed_db,
        {"today (17 change + 3 time rules)": ["today"]},
        budget=budget,
        runs=runs,
        label=f"{source.name}, 17 change rules and 3 time rules",
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--interactions", type=int)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--only", choices=("move", "today"), help="run one of the two")
    args = parser.parse_args()
    source = build(args.contacts, args.interactions)
    budget = 1.5 if args.contacts <= 10_000 else 2.0
    with tempfile.TemporaryDirectory(dir=source.parent) as folder:
        home = Path(folder)
        ok = True
        if args.only != "today":
            ok &= bench_move(source, args.runs, home)
            print()
        if args.only != "move":
            ok &= bench_today(source, args.runs, home, budget)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
