"""`crm sync mail --notmuch QUERY` and `[[sync.mail]] notmuch = ...` through the CLI, on a real
notmuch database over a real Maildir."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result, dump
from tests.core.sync.maildirs import deliver, message
from tests.core.sync.notmuchdb import NotmuchBook, make_book

pytestmark = pytest.mark.subprocess

ANN = ("Anne Müller", "anne@example.com")
ME = ("Me", "me@example.org")

Crm = Callable[..., Result]


@pytest.fixture
def book(tmp_path: Path, crm: Crm, monkeypatch: pytest.MonkeyPatch) -> NotmuchBook:
    assert crm("contact", "add", "Anne Müller", "--email", ANN[1]).exit_code == 0
    made = make_book(tmp_path / "nm")
    monkeypatch.setenv("NOTMUCH_CONFIG", str(made.config))
    inbox, sent = made.folder("INBOX"), made.folder("Sent")
    deliver(inbox, message(sender=ANN, to=[ME], subject="Devis — Zürich", message_id="<n1@x>"))
    reply = message(sender=ME, to=[ANN], subject="Re: Devis — Zürich", in_reply_to="<n1@x>")
    deliver(sent, reply, seen=True)
    deliver(made.folder("All Mail"), reply, seen=True)  # the same reply, a second copy
    deliver(inbox, message(sender=("Spam", "spam@example.net"), to=[ME], subject="win"))
    made.index()
    return made


def test_dry_run_then_real_then_nothing(crm: Crm, book: NotmuchBook, db: Path) -> None:
    before = dump(db)
    query = 'folder:INBOX or folder:Sent or folder:"All Mail"'
    dry = crm("sync", "mail", "--notmuch", query, "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "in   Anne Müller  Devis — Zürich" in dry.stdout
    assert "out  Anne Müller  Re: Devis — Zürich" in dry.stdout
    assert f"notmuch:{query}: 2 new (would log 2 email(s)), 1 skipped" in dry.stderr
    assert dump(db) == before  # not even the sync state

    done = crm("sync", "mail", "--notmuch", query, "--json")
    assert done.exit_code == 0, done.stderr
    (doc,) = json.loads(done.stdout)["sources"]
    assert (doc["source"], doc["new"], doc["skipped"], doc["errors"]) == (
        f"notmuch:{query}",
        2,
        1,
        0,
    )
    shown = crm("contact", "show", "Anne Müller").stdout
    assert "↳ Re: Devis — Zürich (2 in thread)" in shown
    again = crm("sync", "mail", "--notmuch", query, "--json")
    (doc,) = json.loads(again.stdout)["sources"]
    assert (doc["new"], doc["logged"], doc["batches"]) == (0, 0, 0)
    (row,) = json.loads(crm("sync", "--status", "--json").stdout)
    assert row["items"] == 3  # three messages, four files: the reply counted once
    assert crm("undo").exit_code == 0
    assert "Devis" not in crm("contact", "show", "Anne Müller").stdout


def test_configured_query_with_its_config(
    crm: Crm, book: NotmuchBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTMUCH_CONFIG", str(tmp_path / "elsewhere"))  # the entry's own wins
    (tmp_path / "config.toml").write_text(
        'my_emails = ["me@example.org"]\n\n'
        f'[[sync.mail]]\nnotmuch = "folder:Sent"\nnotmuch_config = "{book.config}"\n'
    )
    result = crm("sync")
    assert result.exit_code == 0, result.stderr
    assert f"notmuch[{book.config}]:folder:Sent: 1 new (logged 1 email(s))" in result.stderr
    flag = crm("sync", "mail", "--notmuch", "folder:INBOX", "--notmuch-config", str(book.config))
    assert flag.exit_code == 0 and "1 new (logged 1 email(s)), 1 skipped" in flag.stderr


def test_bad_input_is_one_line_and_changes_nothing(
    crm: Crm, book: NotmuchBook, tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = dump(db)
    cases: list[tuple[list[str], int, str]] = [
        (["--notmuch", "date:someday.."], 2, "crm: notmuch cannot read the query 'date:someday..'"),
        (["--notmuch", "  "], 2, "crm: a notmuch query is empty"),
        (["--notmuch-config", str(book.config)], 2, "crm: --notmuch-config goes with --notmuch"),
        (
            ["--notmuch", "*", "--notmuch-config", str(tmp_path / "nope")],
            1,
            "crm: no such notmuch config file",
        ),
    ]
    for args, code, said in cases:
        result = crm("sync", "mail", *args)
        assert (result.exit_code, result.stderr.count("\n")) == (code, 1), result.stderr
        assert result.stderr.startswith(said), result.stderr
    monkeypatch.setenv("NOTMUCH_CONFIG", str(tmp_path / "missing"))
    nodb = crm("sync", "mail", "--notmuch", "*")
    assert nodb.exit_code == 1 and nodb.stderr.startswith("crm: notmuch cannot open its database")
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    missing = crm("sync", "mail", "--notmuch", "*")
    assert missing.exit_code == 1 and missing.stderr.startswith("crm: notmuch is not installed")
    assert "Traceback" not in missing.stderr + nodb.stderr
    (tmp_path / "config.toml").write_text('[[sync.mail]]\nnotmuch = "*"\nmaildir = "/m"\n')
    both = crm("sync", "mail")
    assert both.exit_code == 2 and "exactly one of maildir =, notmuch = or imap =" in both.stderr
    assert dump(db) == before
