"""How a command's process ends (`crmcli.entry.leave`): output flushed, exit work done,
and the interpreter's teardown of every module skipped where nothing else needs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

# A process as team mode leaves it (the PostgreSQL driver imports logging, whose import
# registers an exit handler), with a log record still buffered and an object whose
# finaliser only the interpreter's teardown would run.
SCRIPT = """
import atexit, logging, logging.handlers, sys
log, torn, extra = sys.argv[1:]
target = logging.FileHandler(log, delay=True)
buffered = logging.handlers.MemoryHandler(100, flushLevel=logging.CRITICAL, target=target)
logging.getLogger("t").addHandler(buffered)
logging.getLogger("t").warning("kept")
if extra == "handler":
    atexit.register(lambda: open(log, "a").write("handler ran\\n"))

class Teardown:
    def __init__(self, path, write=open):  # the names a late teardown may have cleared
        self.path, self.write = path, write

    def __del__(self):
        self.write(self.path, "w").write("torn down")

left = Teardown(torn)
from crmcli.entry import leave
print("out")
leave(3)
"""


def _end(tmp_path: Path, extra: str) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    log, torn = tmp_path / "log", tmp_path / "torn"
    argv = [sys.executable, "-c", SCRIPT, str(log), str(torn), extra]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60), log, torn


def test_logging_loaded_its_exit_work_is_done_and_the_teardown_skipped(tmp_path: Path) -> None:
    done, log, torn = _end(tmp_path, "")
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "")
    assert log.read_text() == "kept\n"  # logging's own exit handler ran
    assert not torn.exists()  # no module teardown


def test_another_exit_handler_gets_the_normal_exit(tmp_path: Path) -> None:
    done, log, torn = _end(tmp_path, "handler")
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "")
    assert log.read_text() == "handler ran\nkept\n"  # handlers run last registered first
    assert torn.read_text() == "torn down"
