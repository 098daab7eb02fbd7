"""`crm mail draft REF TEMPLATE`: stdout, -o FILE, --edit and --send through a real sendmail.

The sendmail-compatible command is a script written by the test that stores what it
receives; the stored message is the draft, and the mail is logged once with its
Message-ID, so piping it to `crm log email -` afterwards logs nothing more.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from tests.conftest import Result, dump, invoke

NOW = "2026-03-02T09:00:00Z"


def ok(*args: str, input: str | None = None) -> Result:
    result = invoke(*args, input=input)
    assert result.exit_code == 0, result.stderr
    return result


def one_line_error(result: Result, code: int, text: str) -> None:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("crm: "), result.stderr
    assert text in result.stderr, result.stderr


def parsed(data: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def emails(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT contact_id, deal_id, kind, direction, summary, external_id FROM interaction"
        ).fetchall()


def fake_sendmail(tmp_path: Path, status: int = 0) -> Path:
    """Point sendmail_command at a script storing stdin; returns where it stores it."""
    stored = tmp_path / "received.eml"
    script = tmp_path / "sendmail"
    script.write_text(
        f'#!/bin/sh\ncat > "{stored}"\n'
        + (f'echo "msmtp: server said 550 no such user" >&2\nexit {status}\n' if status else ""),
        encoding="utf-8",
    )
    script.chmod(0o755)
    ok("config", "set", "sendmail_command", f"{script} -t")
    return stored


@pytest.fixture(autouse=True)
def book(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", NOW)
    ok("contact", "add", "Hélène Dupré", "--email", "helene@exemple.fr", "-c", "Société Générale")
    ok("contact", "add", "王小明", "--email", "xiaoming@example.cn")
    ok("contact", "add", "Bob Smith")
    ok("deal", "add", "Pilote Île-de-France", "--contact", "1", "--amount", "12k")
    ok("config", "set", "me_name", "Zoë Martin")
    ok("config", "set", "me_email", "zoe@exemple.fr")
    ok(
        "template",
        "add",
        "merci",
        "-s",
        "Merci {first_name} — à bientôt",
        "-b",
        "Bonjour {first_name},\n\nMerci pour {company}.\n\n{me.name}",
    )
    ok("template", "add", "devis", "-s", "Devis : {deal.title}", "-b", "Montant {deal.amount}")
    ok("template", "add", "hi", "-s", "你好 {name}", "-b", "{name}，你好！")


def test_draft_to_stdout_parses_back() -> None:
    out = invoke("mail", "draft", "hél", "merci")
    assert out.exit_code == 0, out.stderr
    message = parsed(out.stdout.encode("utf-8"))
    assert message["Subject"] == "Merci Hélène — à bientôt"
    assert str(message["From"]) == "Zoë Martin <zoe@exemple.fr>"
    assert message["To"].addresses[0].display_name == "Hélène Dupré"
    assert message["X-Crm-Template"] is None  # the recipient never sees the template's name
    assert (
        message.get_content() == "Bonjour Hélène,\n\nMerci pour Société Générale.\n\nZoë Martin\n"
    )
    assert out.stdout.split("\n\n", 1)[0].isascii()  # headers RFC 2047 encoded
    chinese = parsed(ok("mail", "draft", "王小明", "hi").stdout.encode("utf-8"))
    assert (
        chinese["Subject"] == "你好 王小明" and chinese["To"].addresses[0].display_name == "王小明"
    )


def test_deal_fields_need_the_deal(db: Path) -> None:
    before = dump(db)
    one_line_error(invoke("mail", "draft", "1", "devis"), 2, "--deal DEAL")
    message = parsed(ok("mail", "draft", "1", "devis", "--deal", "pilote").stdout.encode())
    assert message["Subject"] == "Devis : Pilote Île-de-France"
    assert dump(db) == before


def test_output_file_is_written_whole_and_not_over_a_file(tmp_path: Path, db: Path) -> None:
    target = tmp_path / "draft.eml"
    said = ok("mail", "draft", "1", "merci", "-o", str(target))
    assert said.stdout == "" and str(target) in said.stderr
    first = target.read_bytes()
    assert parsed(first)["Subject"] == "Merci Hélène — à bientôt"
    assert target.stat().st_mode & 0o777 == 0o600
    one_line_error(invoke("mail", "draft", "1", "merci", "-o", str(target)), 1, "--force")
    assert target.read_bytes() == first
    ok("mail", "draft", "1", "merci", "-o", str(target), "--force")
    assert target.read_bytes() != first  # a new Message-ID
    one_line_error(invoke("mail", "draft", "1", "merci", "-o", str(db)), 2, "not writing to")
    assert not list(tmp_path.glob("*.crm-tmp"))


@pytest.mark.parametrize(
    ("args", "setup", "code", "text"),
    [
        (["Bob", "merci"], None, 1, "has no email address"),
        (["1", "nope"], None, 1, "no template named 'nope'"),
        (["王小明", "merci"], None, 2, "needs {company}"),
        (["1", "merci"], ("unset", "me_email"), 1, "crm config set me_email"),
        (["1", "merci", "--send"], None, 1, "no sendmail_command set"),
        (["nobody", "merci"], None, 1, "nobody"),
    ],
)
def test_refusals_are_one_line_and_change_nothing(
    db: Path, args: list[str], setup: tuple[str, str] | None, code: int, text: str
) -> None:
    if setup is not None:
        ok("config", *setup)
    before = dump(db)
    result = invoke("mail", "draft", *args)
    one_line_error(result, code, text)
    assert result.stdout == ""
    assert dump(db) == before


def test_do_not_contact_is_refused(db: Path) -> None:
    ok("contact", "edit", "1", "--dnc")
    before = dump(db)
    one_line_error(invoke("mail", "draft", "1", "merci"), 1, "do-not-contact")
    assert dump(db) == before


def test_send_logs_once_with_the_message_id(tmp_path: Path, db: Path) -> None:
    stored = fake_sendmail(tmp_path)
    out = ok("mail", "draft", "1", "devis", "--deal", "pilote", "--send")
    assert out.stdout.startswith("sent to helene@exemple.fr (Message-ID <")
    received = stored.read_bytes()
    message = parsed(received)
    assert message["Subject"] == "Devis : Pilote Île-de-France"
    [row] = emails(db)
    assert row == (1, 1, "email", "out", "Devis : Pilote Île-de-France", message["Message-ID"])
    # The sent mail, piped in later (from the Sent folder): recognised, not logged twice.
    again = invoke("log", "email", "-", input=received.decode("utf-8"))
    assert again.exit_code == 0 and again.stdout.startswith("already logged as email #")
    assert len(emails(db)) == 1
    # One undo takes the log back.
    ok("undo")
    assert emails(db) == []


def test_send_also_keeps_a_copy_with_o(tmp_path: Path, db: Path) -> None:
    stored = fake_sendmail(tmp_path)
    ok("mail", "draft", "1", "merci", "--send", "-o", str(tmp_path / "copy.eml"))
    assert (tmp_path / "copy.eml").read_bytes() == stored.read_bytes()


def test_a_failing_sendmail_logs_nothing(tmp_path: Path, db: Path) -> None:
    fake_sendmail(tmp_path, status=1)
    before = dump(db)
    result = invoke("mail", "draft", "1", "merci", "--send")
    one_line_error(result, 1, "exited with status 1: msmtp: server said 550 no such user")
    assert "nothing logged" in result.stderr
    assert dump(db) == before


def test_edit_then_send(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    stored = fake_sendmail(tmp_path)
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\n"
        "p = sys.argv[1]\n"
        "data = open(p, 'rb').read().replace('Merci pour'.encode(), 'Grand merci pour'.encode())\n"
        "open(p, 'wb').write(data)\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    ok("mail", "draft", "1", "merci", "--edit", "--send")
    message = parsed(stored.read_bytes())
    assert message.get_content().startswith("Bonjour Hélène,\n\nGrand merci pour Société Générale.")
    [row] = emails(db)
    assert row[5] == message["Message-ID"]
    # Without --send and no terminal to ask on, the edited draft goes to stdout.
    out = ok("mail", "draft", "1", "merci", "--edit")
    assert "Grand merci pour" in parsed(out.stdout.encode()).get_content()
    assert len(emails(db)) == 1


def test_help_lists_both_groups() -> None:
    assert "template" in ok("--help").stdout and "mail" in ok("--help").stdout
    assert json.loads(ok("config", "get", "sendmail_command", "--json").stdout) == ""


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("me_email", "not an address", "malformed email address"),
        ("me_name", "Zoë\nBcc: everyone@example.com", "one line without control characters"),
        ("sendmail_command", "msmtp -t 'unclosed", "cannot read"),
    ],
)
def test_mail_settings_refuse_bad_values(tmp_path: Path, key: str, value: str, text: str) -> None:
    before = (tmp_path / "config.toml").read_bytes()
    one_line_error(invoke("config", "set", key, value), 2, text)
    assert (tmp_path / "config.toml").read_bytes() == before
