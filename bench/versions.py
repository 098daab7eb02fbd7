"""Two builds of crm side by side: hot commands alternated, old and new, in one run.

    python bench/versions.py --before c9d8c9a            # this tree against that commit
    python bench/versions.py --before c9d8c9a --pairs 21 --contacts 10000
    python bench/versions.py --before c9d8c9a --import-rows 20000 --import-pairs 5

A restructuring must not cost the rep anything: each command runs as a whole
process from the old tree and the new one in turn (old, new, old, new, ...), so
the machine's noise falls on both alike, and the report gives the medians, the
new/old ratio and the modules each build imports. Both builds use this virtual
environment's interpreter and libraries; only crmcli's own source differs (the
old one is checked out with `git worktree` into bench/data/, and put first on
PYTHONPATH). Exit 1 when a command is more than --tolerance slower.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from harness import bench_env, timed  # noqa: E402
from hot import samples  # noqa: E402
from make_data import build  # noqa: E402


def checkout(rev: str) -> Path:
    """The old tree's `src`, checked out once per revision."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    tree = HERE / "data" / f"tree-{sha}"
    if not tree.exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), sha],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    return tree / "src"


def build_env(db: Path, src: Path) -> dict[str, str]:
    compileall.compile_dir(src / "crmcli", quiet=1)
    return {**bench_env(db), "PYTHONPATH": str(src)}


def origin(env: dict[str, str]) -> str:
    code = "import crmcli, pathlib; print(pathlib.Path(crmcli.__file__).parent)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return out.stdout.strip()


def modules(argv: list[str], env: dict[str, str]) -> int:
    code = (
        "import sys\nfrom crmcli.cli import run\n"
        f"run({argv!r})\nsys.stderr.write('MODULES %d\\n' % len(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    lines = [x for x in out.stderr.splitlines() if x.startswith("MODULES ")]
    if not lines:
        raise SystemExit(f"module count failed for {argv}: {out.stderr}")
    return int(lines[-1].split()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", required=True, help="the old build: a commit or branch")
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--pairs", type=int, default=15)
    parser.add_argument("--tolerance", type=float, default=0.10)
    parser.add_argument("--import-rows", type=int, default=0, help="also time an import")
    parser.add_argument("--import-pairs", type=int, default=5)
    args = parser.parse_args()

    db = build(args.contacts)
    s = samples(db)
    commands: dict[str, list[str]] = {
        "--help": ["--help"],
        "find (full name)": ["find", s["full"]],
        "find (typo)": ["find", s["typo"]],
        "find (phone, national)": ["find", s["national"]],
        "contact show": ["contact", "show", s["id"]],
        "log (note)": ["log", "note", s["id"], "bench note"],
        "today": ["today"],
        "search": ["search", "pricing"],
        "status --prompt": ["status", "--prompt"],
    }
    builds = {
        "old": build_env(db, checkout(args.before)),
        "new": build_env(db, ROOT / "src"),
    }
    for name, env in builds.items():
        print(f"{name}: {origin(env)}", file=sys.stderr)
    exe = [sys.executable, "-m", "crmcli"]
    times: dict[tuple[str, str], list[float]] = {}
    for argv in commands.values():  # warm the page cache and the bytecode
        for env in builds.values():
            timed([*exe, *argv], env)
    for _ in range(args.pairs):
        for name, argv in commands.items():
            for build_name, env in builds.items():
                times.setdefault((name, build_name), []).append(timed([*exe, *argv], env))
    print(f"data: {db.name}  pairs: {args.pairs}  old: {args.before}  new: working tree")
    print(f"{'command':26} {'old ms':>7} {'new ms':>7} {'new/old':>8} {'modules old/new':>16}")
    ok = True
    for name, argv in commands.items():
        old = statistics.median(times[(name, "old")]) * 1000
        new = statistics.median(times[(name, "new")]) * 1000
        counts = (
            "-"
            if name == "status --prompt"  # dispatched before crmcli.cli: counted by its own test
            else f"{modules(argv, builds['old'])}/{modules(argv, builds['new'])}"
        )
        slow = new / old > 1 + args.tolerance
        ok &= not slow
        print(
            f"{name:26} {old:7.0f} {new:7.0f} {new / old:8.2f} {counts:>16}"
            f"{'  SLOWER' if slow else ''}"
        )
    if args.import_rows:
        ok &= throughput(builds, db, args.import_rows, args.import_pairs, args.tolerance)
    sys.exit(0 if ok else 1)


def throughput(
    builds: dict[str, dict[str, str]], db: Path, rows: int, pairs: int, tolerance: float
) -> bool:
    """`crm import contacts` into a fresh file and `crm export interactions`, old and new."""
    import tempfile

    from import_export import make_csv

    csv_file = make_csv(rows)
    exe = [sys.executable, "-m", "crmcli"]
    times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(pairs):
            for name, env in builds.items():
                target = Path(tmp) / f"{name}-{i}.db"
                env_import = {**env, "CRM_DB": str(target)}
                times.setdefault(("import", name), []).append(
                    timed([*exe, "import", "contacts", str(csv_file)], env_import)
                )
                times.setdefault(("export", name), []).append(
                    timed([*exe, "export", "interactions"], env)
                )
    ok = True
    print(f"\nthroughput: import {rows:,} rows, export {db.name}'s interactions, {pairs} pairs")
    for what in ("import", "export"):
        old = statistics.median(times[(what, "old")])
        new = statistics.median(times[(what, "new")])
        slow = new / old > 1 + tolerance
        ok &= not slow
        print(f"{what:26} {old:6.2f}s {new:6.2f}s {new / old:8.2f}{'  SLOWER' if slow else ''}")
    return ok


if __name__ == "__main__":
    os.environ.pop("PYTHONPATH", None)
    main()
