"""An import's worker processes never outlive it: killed parent or finished import."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from crmcli.core.interchange.importing.workers import CHUNK, PARALLEL_AFTER

pytestmark = [
    pytest.mark.subprocess,
    pytest.mark.slow,
    pytest.mark.skipif(
        not sys.platform.startswith("linux"),
        reason="reads processes from /proc, which only Linux has",
    ),
    pytest.mark.skipif(
        (os.cpu_count() or 1) < 2, reason="one core: an import starts no worker processes"
    ),
]


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of a process, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name may hold spaces and parentheses
    return fields[0], int(fields[1]), int(fields[19])


def _children(parent: int) -> dict[int, int]:
    """The processes whose parent is `parent`, by pid, with their start time."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) and stat[1] == parent:
            found[int(entry.name)] = stat[2]
    return found


def _alive(pid: int, started: int) -> bool:
    """The same process (not a reused pid) still exists and is not a zombie."""
    stat = _stat(pid)
    return stat is not None and stat[2] == started and stat[0] not in "ZX"


def _csv(path: Path, rows: int) -> Path:
    lines = ["Name,Email,Phone,Company"] + [
        f"Person {i},p{i}@example.org,06 {i % 100:02d} {i // 100 % 100:02d} 00 {i % 97:02d},"
        f"Company {i % 50}"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CRM_DB": str(tmp_path / "crm.db"),
        "CRM_CONFIG": str(tmp_path / "c.toml"),
    }


def _contacts(db: Path) -> list[tuple[str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT display_name FROM contact ORDER BY id").fetchall()
    finally:
        conn.close()


# The same import with the kernel's help left out (as on macOS): the workers must still
# stop, at end-of-file on their pipes.
_PIPES_ONLY = """
import sys
from crmcli.core.interchange.importing import workers
if hasattr(workers, "_die_with"):
    workers._die_with = lambda parent: True
from crmcli.entry import main
sys.argv[0] = "crm"
main()
"""


@pytest.mark.parametrize(
    "crm",
    [
        pytest.param([sys.executable, "-m", "crmcli"], id="crm"),
        pytest.param([sys.executable, "-c", _PIPES_ONLY], id="pipes-only"),
    ],
)
def test_killing_an_import_kills_its_workers(tmp_path: Path, crm: list[str]) -> None:
    """SIGKILL of the importing process leaves no worker behind (they used to live on
    with PPID 1, each holding the CSV, the database and its WAL open), and nothing of
    the import in the database."""
    env = _env(tmp_path)
    subprocess.run(
        [*crm, "contact", "add", "Already Here"], env=env, check=True, capture_output=True
    )
    # Far past the threshold, so the import is still running when its workers appear.
    sheet = _csv(tmp_path / "big.csv", max(60_000, 30 * PARALLEL_AFTER, 30 * CHUNK))
    proc = subprocess.Popen(
        [*crm, "import", "contacts", str(sheet)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30  # start-up and reading the first chunks
        workers: dict[int, int] = {}
        while not workers and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
            workers = _children(proc.pid)
        assert workers, "the import started no worker process"
        time.sleep(0.2)  # let every worker start, and the import get under way
        workers |= _children(proc.pid)
        assert proc.poll() is None, "the import finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(p, s) for p, s in workers.items()):
        time.sleep(0.05)
    orphans = [pid for pid, started in workers.items() if _alive(pid, started)]
    for pid in orphans:  # leave no orphan behind on a failure either
        os.kill(pid, signal.SIGKILL)
    assert not orphans, f"{len(orphans)} of {len(workers)} workers outlived their parent"
    assert _contacts(tmp_path / "crm.db") == [("Already Here",)]


def test_a_finished_parallel_import_leaves_no_child_process(tmp_path: Path) -> None:
    """After an import that used workers, the importing process has no child left, not
    even a zombie."""
    sheet = _csv(tmp_path / "s.csv", PARALLEL_AFTER + 2 * CHUNK)
    probe = textwrap.dedent(
        f"""
        import os
        from crmcli.core.interchange.importing import workers
        started = []
        original = workers._Workers.__init__
        def counting(self, *args):
            original(self, *args)
            started.extend(p.pid for p in self.processes)
        workers._Workers.__init__ = counting
        from crmcli.cli import run
        code = run(["import", "contacts", {str(sheet)!r}])
        def parent(pid):
            try:
                stat = open(f"/proc/{{pid}}/stat").read()
            except OSError:
                return None
            return int(stat[stat.rindex(")") + 2 :].split()[1])
        children = [int(p) for p in os.listdir("/proc") if p.isdigit() and parent(p) == os.getpid()]
        print("probe:", code, len(started), sorted(children))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env=_env(tmp_path),
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    probed = out.stdout.splitlines()[-1]  # the import's own summary comes before it
    _, code, started, children = probed.split(maxsplit=3)
    assert code == "0", out.stderr
    assert int(started) >= 2, "the import did not run in worker processes"
    assert children.strip() == "[]", f"children left behind: {children}"
    assert len(_contacts(tmp_path / "crm.db")) == PARALLEL_AFTER + 2 * CHUNK
