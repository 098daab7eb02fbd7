"""Build benchmark databases with the package's own demo generator.

    python bench/make_data.py                 # 10,000 contacts, 100,000 interactions
    python bench/make_data.py --contacts 100000 --interactions 1000000

Files go to bench/data/ (ignored by git) and are reused while they exist.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def build(
    contacts: int,
    interactions: int | None = None,
    deals: int | None = None,
    followups: int | None = None,
    *,
    force: bool = False,
) -> Path:
    from crmcli.core.config import Config
    from crmcli.core.db import migrations
    from crmcli.core.db.opening import open_store
    from crmcli.core.demo import data as demo

    inter = interactions if interactions is not None else contacts * 10
    path = DATA / f"v{migrations.CURRENT}-c{contacts}-i{inter}-d{deals}-f{followups}.db"
    if path.exists() and not force:
        return path
    DATA.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    store = open_store(
        str(path), Config({"user": "bench", "default_region": "FR"}, path), write=True
    )
    demo.generate(
        store, demo.DemoSize(contacts, interactions=inter, deals=deals, followups=followups)
    )
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.conn.execute("ANALYZE")
    store.close()
    print(f"built {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--interactions", type=int)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    print(build(args.contacts, args.interactions, force=args.force))


if __name__ == "__main__":
    main()
