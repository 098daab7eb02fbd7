"""`crm mail draft` under hostile input: one address in To, one line on stderr, nothing logged.

Names with commas, quotes and angle brackets stay display names; a sendmail that hangs
is stopped; one that shouts (megabytes, terminal escape sequences) is quoted in a short,
printable line; files that are not drafts' to overwrite are refused.
"""

from __future__ import annotations

import sqlite3
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from tests.conftest import Result, dump, invoke

NOW = "2026-03-02T09:00:00Z"


def ok(*args: str) -> Result:
    result = invoke(*args)
    assert result.exit_code == 0, result.stderr
    return result


def one_line(result: Result, code: int) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("crm: "), result.stderr
    return result.stderr


def logged(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM interaction").fetchone()[0])


def sendmail(tmp_path: Path, body: str, name: str = "sendmail") -> None:
    """sendmail_command: a script (in a folder whose name has a space) running `body`."""
    folder = tmp_path / "my bin"
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(f"#!{sys.executable}\nimport sys\ndata = sys.stdin.buffer.read()\n{body}")
    script.chmod(0o755)
    ok("config", "set", "sendmail_command", f"'{script}' -t")


@pytest.fixture(autouse=True)
def book(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", NOW)
    ok("contact", "add", "Evil, Person <attacker@evil.com>", "--email", "victim@example.com")
    ok("config", "set", "me_name", 'Zoë "Boss" <z@evil.com>, Martin')
    ok("config", "set", "me_email", "zoe@example.com")
    ok("template", "add", "t", "-s", "Hi {first_name}", "-b", "Hello {name}\n\n{me.name}")


def test_names_with_commas_and_brackets_stay_one_address() -> None:
    out = ok("mail", "draft", "victim@example.com", "t")
    message = BytesParser(policy=policy.default).parsebytes(out.stdout.encode("utf-8"))
    assert [a.addr_spec for a in message["To"].addresses] == ["victim@example.com"]
    assert [a.addr_spec for a in message["From"].addresses] == ["zoe@example.com"]
    assert message["Bcc"] is None and message["Cc"] is None
    assert message["To"].addresses[0].display_name == "Evil, Person <attacker@evil.com>"


def test_a_sendmail_in_a_folder_with_a_space_receives_the_mail(tmp_path: Path, db: Path) -> None:
    sendmail(tmp_path, f"open({str(tmp_path / 'got.eml')!r}, 'wb').write(data)\n")
    out = ok("mail", "draft", "victim@example.com", "t", "--send")
    assert "sent to victim@example.com" in out.stdout
    assert b"victim@example.com" in (tmp_path / "got.eml").read_bytes()
    assert logged(db) == 1


def test_a_loud_failing_sendmail_is_quoted_in_one_printable_line(tmp_path: Path, db: Path) -> None:
    sendmail(
        tmp_path,
        "sys.stderr.write('x' * 3_000_000 + '\\n\\x1b[31mserver said 550\\x1b[0m\\x07\\n')\n"
        "sys.exit(75)\n",
    )
    before = dump(db)
    stderr = one_line(invoke("mail", "draft", "victim@example.com", "t", "--send"), 1)
    assert "server said 550" in stderr and "status 75" in stderr
    assert "\x1b" not in stderr and "\x07" not in stderr
    assert len(stderr) < 1000
    assert dump(db) == before


def test_a_hanging_sendmail_is_stopped_and_nothing_logged(
    tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crmcli.core.messages import sending

    monkeypatch.setattr(sending, "TIMEOUT_SECONDS", 1)
    sendmail(tmp_path, "import time\ntime.sleep(30)\n")
    before = dump(db)
    stderr = one_line(invoke("mail", "draft", "victim@example.com", "t", "--send"), 1)
    assert "did not finish" in stderr and "nothing logged" in stderr
    assert dump(db) == before


def test_a_missing_sendmail_is_one_line(tmp_path: Path, db: Path) -> None:
    ok("config", "set", "sendmail_command", f"'{tmp_path / 'no such' / 'sendmail'}' -t")
    before = dump(db)
    assert "not found" in one_line(invoke("mail", "draft", "victim@example.com", "t", "--send"), 1)
    assert dump(db) == before


@pytest.mark.parametrize(
    ("target", "force", "code"),
    [("db", True, 2), ("folder", True, 2), ("/dev/full", True, 2), ("/dev/full", False, 1)],
)
def test_output_targets_that_are_not_a_draft_file_are_refused(
    tmp_path: Path, db: Path, target: str, force: bool, code: int
) -> None:
    path = {"db": str(db), "folder": str(tmp_path)}.get(target, target)
    before = dump(db)
    args = ["mail", "draft", "victim@example.com", "t", "-o", path] + (["--force"] if force else [])
    one_line(invoke(*args), code)
    assert dump(db) == before
