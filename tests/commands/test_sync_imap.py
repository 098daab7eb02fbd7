"""`crm sync mail --imap` and `[[sync.mail]] imap = ...` end to end, against a real Dovecot."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Result, dump
from tests.core.sync import dovecot

pytestmark = pytest.mark.subprocess

Crm = Callable[..., Result]
ANNE = "Anne Müller <anne@example.com>"
ME = "Me <me@example.org>"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dovecot.Dovecot]:
    if dovecot.binary() is None:
        pytest.skip("dovecot is not installed: apt-get install dovecot-imapd (.ci/run does)")
    running = dovecot.start(tmp_path_factory.mktemp("dovecot"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def imap(server: dovecot.Dovecot, monkeypatch: pytest.MonkeyPatch) -> dovecot.Account:
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cafile))  # the server's self-signed cert
    return server.account()


@pytest.fixture
def anne(crm: Crm) -> None:
    assert crm("contact", "add", "Anne Müller", "--email", "anne@example.com").exit_code == 0


def sync(crm: Crm, account: dovecot.Account, *more: str, command: str | None = None) -> Result:
    return crm(
        "sync",
        "mail",
        "--imap",
        account.url(),
        "--password-command",
        command or account.password_command,
        *more,
    )


def counts(result: Result) -> tuple[int, int, int, int]:
    assert result.exit_code == 0, result.stderr
    (doc,) = json.loads(result.stdout)["sources"]
    return doc["new"], doc["skipped"], doc["already"], doc["errors"]


def subjects(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT summary FROM interaction ORDER BY id")]
    finally:
        conn.close()


def test_first_run_second_run_status_and_undo(
    crm: Crm, imap: dovecot.Account, anne: None, db: Path
) -> None:
    imap.append(
        [
            dovecot.message(
                sender="=?UTF-8?Q?Anne_M=C3=BCller?= <anne@example.com>",
                to=ME,
                subject="=?UTF-8?B?RGV2aXMg4oCUIFrDvHJpY2g=?=",
                message_id="<a1@x>",
            ),
            dovecot.message(
                sender=ME,
                to=ANNE,
                subject="Re: Devis",
                message_id="<a2@x>",
                extra="In-Reply-To: <a1@x>\nReferences: <a1@x>",
            ),
            dovecot.message(sender="Spam <spam@example.net>", to=ME, message_id="<s@x>"),
            dovecot.message(
                sender=ANNE, to=ME, subject="Plans", message_id="<big@x>", padding=20 << 20
            ),
        ]
    )
    before = dump(db)
    dry = sync(crm, imap, "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "in   Anne Müller  Devis — Zürich" in dry.stdout
    assert dump(db) == before  # a dry run writes nothing, not even the sync state

    assert counts(sync(crm, imap, "--json")) == (3, 1, 0, 0)
    assert subjects(db) == ["Devis — Zürich", "Re: Devis", "Plans"]
    assert "Devis — Zürich" in crm("contact", "show", "Anne Müller").stdout

    again = sync(crm, imap, "--json")
    assert counts(again) == (0, 0, 0, 0)
    assert json.loads(again.stdout)["sources"][0]["batches"] == 0

    status = crm("sync", "--status", "--json")
    (row,) = json.loads(status.stdout)
    assert row["source"] == f"imap://{imap.user}@127.0.0.1:{imap.server.port}/INBOX"
    assert row["items"] == 4 and row["error"] is None

    assert crm("undo").exit_code == 0
    assert subjects(db) == []


def test_configured_source_picks_up_only_new_mail(
    crm: Crm, imap: dovecot.Account, anne: None, tmp_path: Path, db: Path
) -> None:
    (tmp_path / "config.toml").write_text(
        'my_emails = ["me@example.org"]\n\n'
        f'[[sync.mail]]\nimap = "{imap.url(scheme="imaps")}"\n'
        f'password_command = "{imap.password_command}"\n'
    )
    imap.append([dovecot.message(sender=ANNE, to=ME, subject="One", message_id="<1@x>")])
    first = crm("sync")
    assert first.exit_code == 0, first.stderr
    assert "1 new (logged 1 email(s))" in first.stderr
    imap.append([dovecot.message(sender=ME, to=ANNE, subject="Two", message_id="<2@x>")])
    second = crm("sync")
    assert "1 new (logged 1 email(s))" in second.stderr, second.stderr
    assert subjects(db) == ["One", "Two"]
    assert "0 new" in crm("sync").stderr


def test_a_message_logged_by_hand_is_already_logged(
    crm: Crm, imap: dovecot.Account, anne: None, db: Path
) -> None:
    raw = dovecot.message(sender=ANNE, to=ME, subject="Piped", message_id="<p@x>")
    piped = crm("log", "email", "-", input=raw.decode())
    assert piped.exit_code == 0, piped.stderr
    imap.append([raw])
    assert counts(sync(crm, imap, "--json")) == (0, 0, 1, 0)
    assert subjects(db) == ["Piped"]


def test_a_renumbered_mailbox_logs_nothing_twice(
    crm: Crm, imap: dovecot.Account, anne: None, db: Path
) -> None:
    mails = [
        dovecot.message(sender=ANNE, to=ME, subject=f"m{n}", message_id=f"<m{n}@x>")
        for n in range(3)
    ]
    imap.append(mails, "Archive")
    url = imap.url("Archive")
    args = ("sync", "mail", "--imap", url, "--password-command", imap.password_command, "--json")
    assert counts(crm(*args)) == (3, 0, 0, 0)
    imap.recreate("Archive")  # a new UIDVALIDITY: every UID means something else now
    new = dovecot.message(sender=ANNE, to=ME, subject="m3", message_id="<m3@x>")
    imap.append([*mails, new], "Archive")
    second = crm(*args)
    assert counts(second) == (1, 0, 3, 0)
    assert subjects(db) == ["m0", "m1", "m2", "m3"]


@pytest.mark.parametrize(
    ("case", "code", "said"),
    [
        ("unreachable", 1, "cannot reach the IMAP server 127.0.0.1:"),
        ("password_command fails", 1, "failed (exit 3)"),
        ("wrong password", 1, "refused the login of"),
        ("no such mailbox", 1, "no mailbox 'Nowhere'"),
        ("password in the URL", 2, "refusing an IMAP URL with a password in it"),
    ],
)
def test_failures_are_one_line_and_change_nothing(
    crm: Crm, imap: dovecot.Account, anne: None, db: Path, case: str, code: int, said: str
) -> None:
    url, command = imap.url(), imap.password_command
    if case == "unreachable":
        url = f"imap://{imap.user}@127.0.0.1:{dovecot.free_port()}/INBOX"
    elif case == "password_command fails":
        command = f"echo {dovecot.PASSWORD}; exit 3"
    elif case == "wrong password":
        command = "echo nope"
    elif case == "no such mailbox":
        url = imap.url("Nowhere")
    else:
        url = url.replace(f"{imap.user}@", f"{imap.user}:{dovecot.PASSWORD}@")
    imap.append([dovecot.message(sender=ANNE, to=ME, message_id="<1@x>")])
    before = dump(db)
    result = crm("sync", "mail", "--imap", url, "--password-command", command)
    assert result.exit_code == code, result.stderr
    assert said in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert dovecot.PASSWORD not in result.stderr + result.stdout
    assert dump(db) == before
