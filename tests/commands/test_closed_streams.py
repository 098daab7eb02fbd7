"""Messages stay one line whatever they quote, and closed standard streams are no crash.

Run on the installed `crm` as a shell runs it: a file name holding a line break or an
escape sequence is quoted escaped (one line on stderr, nothing for the terminal to
run); a command started with stdout closed (`crm log ... >&-`) says so in one line,
exits 2 and does nothing; with stderr closed the exit codes stay the documented ones.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import dump, invoke

pytestmark = pytest.mark.subprocess

CRM = str(Path(sys.executable).with_name("crm"))


def run(args: list[str], db: Path, **fds: int) -> subprocess.CompletedProcess[bytes]:
    """`crm args` with stdout and/or stderr closed when `fds` says so (`stdout=-1`)."""
    closing = [fd for name, fd in (("stdout", 1), ("stderr", 2)) if fds.get(name) == -1]

    def close() -> None:
        for fd in closing:
            os.close(fd)

    return subprocess.run(
        [CRM, *args],
        env={**os.environ, "CRM_DB": str(db)},
        capture_output=True,
        preexec_fn=close,  # in the child alone, before exec
        timeout=60,
    )


@pytest.fixture
def book(db: Path) -> Path:
    assert invoke("contact", "add", "Ada Lovelace", "--email", "ada@example.com").exit_code == 0
    return db


@pytest.mark.parametrize("name", ["two\nlines.csv", "esc\x1b[2Jape.csv", "tab\there.vcf"])
def test_a_hostile_file_name_is_quoted_on_one_line(book: Path, tmp_path: Path, name: str) -> None:
    before = dump(book)
    missing = run(["import", "contacts", str(tmp_path / name)], book)
    binary = tmp_path / name
    binary.write_bytes(b"\x00\x01\x02 not a contacts file \xff\xfe")
    refused = run(["import", "contacts", str(binary)], book)
    for result in (missing, refused):
        assert result.returncode == 2, result.stderr
        err = result.stderr.decode()
        assert err.count("\n") == 1 and err.startswith("crm: "), err
        assert "\x1b" not in err and "\t" not in err
        assert "\\n" in err or "\\x1b" in err or "\\t" in err  # said, escaped
    assert dump(book) == before


def test_a_bad_option_value_with_a_line_break_is_one_line(book: Path) -> None:
    result = run(["contact", "list", "--limit", "1\n2"], book)
    assert result.returncode == 2
    assert result.stderr.decode().count("\n") == 1, result.stderr


def test_a_query_error_keeps_its_caret_lines(book: Path) -> None:
    result = run(["contact", "list", "--where", "tag:"], book)
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 3 and lines[2].strip() == "^", lines


@pytest.mark.parametrize(
    "args",
    [
        ["find", "ada"],
        ["log", "note", "ada", "Called back"],
        ["contact", "add", "Grace Hopper"],
    ],
)
def test_a_closed_stdout_is_said_and_nothing_is_done(book: Path, args: list[str]) -> None:
    before = dump(book)
    result = run(args, book, stdout=-1)
    assert result.returncode == 2
    assert result.stderr.decode() == "crm: standard output is closed: nothing was done\n"
    assert dump(book) == before


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["contact", "show", "99999"], 1),
        (["contact", "list", "--limit", "x"], 2),
        (["import", "contacts", "/nonexistent/file.csv"], 2),
        (["find", "ada"], 0),
    ],
)
def test_a_closed_stderr_keeps_the_exit_codes(book: Path, args: list[str], code: int) -> None:
    result = run(args, book, stderr=-1)
    assert result.returncode == code
