"""`crm sync mail` and `crm sync --status` through the CLI, on real Maildir folders."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result, dump
from tests.core.sync.maildirs import deliver, make_maildir, message

ANN = ("Anne Müller", "anne@example.com")
ME = ("Me", "me@example.org")

Crm = Callable[..., Result]


@pytest.fixture
def inbox(tmp_path: Path, crm: Crm) -> Path:
    assert crm("contact", "add", "Anne Müller", "--email", ANN[1]).exit_code == 0
    root = make_maildir(tmp_path / "Mail" / "INBOX")
    deliver(root, message(sender=ANN, to=[ME], subject="Devis — Zürich", message_id="<a1@x>"))
    deliver(
        root,
        message(sender=ME, to=[ANN], subject="Re: Devis — Zürich", in_reply_to="<a1@x>"),
        seen=True,
    )
    deliver(root, message(sender=("Spam", "spam@example.net"), to=[ME], subject="win"))
    return root


def test_sync_dry_run_then_real_then_nothing(crm: Crm, inbox: Path, db: Path) -> None:
    before = dump(db)
    dry = crm("sync", "mail", "--maildir", str(inbox), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "in   Anne Müller  Devis — Zürich" in dry.stdout
    assert "out  Anne Müller  Re: Devis — Zürich" in dry.stdout
    assert "2 new (would log 2 email(s)), 1 skipped" in dry.stderr
    assert dump(db) == before  # not even the sync state

    done = crm("sync", "mail", "--maildir", str(inbox), "--json")
    assert done.exit_code == 0, done.stderr
    (doc,) = json.loads(done.stdout)["sources"]
    assert (doc["new"], doc["skipped"], doc["already"], doc["errors"]) == (2, 1, 0, 0)
    assert doc["source"] == f"maildir:{inbox}"
    shown = crm("contact", "show", "Anne Müller")
    assert "Devis — Zürich" in shown.stdout

    again = crm("sync", "mail", "--maildir", str(inbox), "--json")
    (doc,) = json.loads(again.stdout)["sources"]
    assert (doc["new"], doc["logged"], doc["batches"]) == (0, 0, 0)

    status = crm("sync", "--status", "--json")
    (row,) = json.loads(status.stdout)
    assert row["source"] == f"maildir:{inbox}" and row["items"] == 3 and row["error"] is None

    undone = crm("undo")
    assert undone.exit_code == 0, undone.stderr
    assert "Devis" not in crm("contact", "show", "Anne Müller").stdout


def test_configured_sources_and_my_emails(crm: Crm, inbox: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'my_emails = ["me@example.org"]\nstore_bodies = true\n\n'
        f'[[sync.mail]]\nmaildir = "{inbox}"\n'
    )
    result = crm("sync")
    assert result.exit_code == 0, result.stderr
    assert f"maildir:{inbox}: 2 new" in result.stderr
    assert crm("config", "get", "store_bodies").stdout.strip() == "True"
    import sqlite3

    conn = sqlite3.connect(tmp_path / "crm.db")
    bodies = [r[0] for r in conn.execute("SELECT body FROM interaction ORDER BY id")]
    conn.close()
    assert bodies[0] == "Hello,\n\nSee you soon."  # the whole text, as store_bodies asks


def test_errors_are_one_line_and_change_nothing(crm: Crm, tmp_path: Path, db: Path) -> None:
    crm("contact", "add", "Anne Müller", "--email", ANN[1])
    before = dump(db)
    missing = crm("sync", "mail", "--maildir", str(tmp_path / "nope"))
    assert missing.exit_code == 1 and missing.stderr.startswith("crm: no such Maildir folder")
    (tmp_path / "plain").mkdir()
    plain = crm("sync", "mail", "--maildir", str(tmp_path / "plain"))
    assert plain.exit_code == 1 and "not a Maildir folder" in plain.stderr
    secret = crm("sync", "mail", "--imap", "imaps://me:hunter2@imap.example.com/INBOX")
    assert secret.exit_code == 2 and "refusing an IMAP URL with a password" in secret.stderr
    assert "hunter2" not in secret.stderr
    nothing = crm("sync", "mail")
    assert nothing.exit_code == 2 and "no mail source" in nothing.stderr
    for result in (missing, plain, secret, nothing):
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr
    assert dump(db) == before


def test_bad_config_source_is_a_usage_error(crm: Crm, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[[sync.mail]]\nimap = "imaps://me:pw@h/INBOX"\n')
    result = crm("sync", "mail")
    assert result.exit_code == 2 and "refusing an IMAP URL" in result.stderr


def test_since_takes_a_date(crm: Crm, inbox: Path) -> None:
    result = crm("sync", "mail", "--maildir", str(inbox), "--since", "2030-01-01", "--json")
    (doc,) = json.loads(result.stdout)["sources"]
    assert (doc["new"], doc["skipped"]) == (0, 3)


def test_create_contacts_counts_and_needs_my_emails(crm: Crm, inbox: Path, tmp_path: Path) -> None:
    refused = crm("sync", "mail", "--maildir", str(inbox), "--create-contacts")
    assert refused.exit_code == 2 and "needs my_emails" in refused.stderr
    (tmp_path / "config.toml").write_text('my_emails = ["me@example.org"]\n')
    done = crm("sync", "mail", "--maildir", str(inbox), "--create-contacts")
    assert done.exit_code == 0, done.stderr
    assert "3 new (logged 3 email(s)), 0 skipped" in done.stderr
    assert "1 contact(s) created" in done.stderr
    assert crm("contact", "show", "spam@example.net").exit_code == 0
    status = crm("sync", "--status")
    assert (
        f"mail  maildir:{inbox}  last run " in status.stdout and "3 item(s) seen" in status.stdout
    )


def test_sync_on_either_backend(crm: Crm, backend: str, tmp_path: Path) -> None:
    assert crm("contact", "add", "Anne Müller", "--email", ANN[1]).exit_code == 0
    root = make_maildir(tmp_path / "Work")
    for n in range(3):
        deliver(root, message(sender=ANN, to=[ME], subject=f"Réunion {n}"))
    first = crm("sync", "mail", "--maildir", str(root), "--json")
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["sources"][0]["new"] == 3
    again = crm("sync", "mail", "--maildir", str(root), "--json")
    assert json.loads(again.stdout)["sources"][0]["new"] == 0
    assert json.loads(crm("sync", "--status", "--json").stdout)[0]["items"] == 3


def test_second_run_opens_no_message(crm: Crm, inbox: Path) -> None:
    assert crm("sync", "mail", "--maildir", str(inbox)).exit_code == 0
    for folder in ("new", "cur"):
        for path in (inbox / folder).iterdir():
            path.unlink()
            path.mkdir()  # opening it now would fail and count an error
    again = crm("sync", "mail", "--maildir", str(inbox), "--json")
    (doc,) = json.loads(again.stdout)["sources"]
    assert (doc["new"], doc["errors"]) == (0, 0)
