"""Sending through a real sendmail-compatible command, and logging it once.

The command is a script the test writes: it stores what it receives on stdin. Only
an exit 0 logs the mail; the Message-ID logged is the one `crm log email -` reads back
from the same message, so piping the sent mail in later does not log it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from crmcli.core.activity.interactions import Logged
from crmcli.core.config import Config
from crmcli.core.errors import CrmError, Refused
from crmcli.core.interchange import mail_log
from crmcli.core.interchange.mailmsg import parse_message
from crmcli.core.messages import drafts, sending, templates
from crmcli.core.undo import undo

from .conftest import Book

Sendmail = Callable[[int], tuple[str, Path]]


def with_command(book: Book, command: str) -> Config:
    values = {key: book.config.get(key) for key in ("default_region", "user", "currency")}
    values |= {"me_name": "Zoë Martin", "me_email": "zoe@exemple.fr", "sendmail_command": command}
    return Config(values, book.config.path)


def emails(book: Book) -> list[dict[str, object]]:
    return book.store.rows(
        "SELECT id, contact_id, deal_id, kind, direction, summary, body, external_id "
        "FROM interaction ORDER BY id"
    )


def test_sent_mail_is_received_whole_and_logged_once(book: Book, sendmail: Sendmail) -> None:
    command, stored = sendmail(0)
    config = with_command(book, command)
    templates.add(book.store, "devis", "Devis — {deal.title}", "Bonjour {first_name},\n\nCi-joint.")
    made = drafts.draft(book.store, config, book.ids["helene"], "devis", book.ids["deal"])
    logged = sending.send(book.store, config, made)
    assert stored.read_bytes() == made.as_bytes()
    assert Path(f"{stored}.args").read_text().split() == ["-t", "-i"]
    assert isinstance(logged, Logged)
    [row] = emails(book)
    assert row == {
        "id": logged.interaction["id"],
        "contact_id": book.ids["helene"],
        "deal_id": book.ids["deal"],
        "kind": "email",
        "direction": "out",
        "summary": "Devis — Pilote Île-de-France",
        "body": "Bonjour Hélène,\n\nCi-joint.\n\n(sent with template 'devis')",
        "external_id": made.message_id,
    }
    # The same message piped to `crm log email -` later: recognised, not logged again.
    facts = parse_message(stored.read_bytes())
    placement = mail_log.place(book.store, facts)
    assert placement.contact_id == book.ids["helene"]
    assert placement.logged_as == logged.interaction["id"]
    # Sending the very same draft again does not log a second interaction either.
    assert sending.send(book.store, config, made) == logged.interaction["id"]
    assert len(emails(book)) == 1
    # One undo batch takes the log back (the contact's last touch with it).
    undo(book.store, "me")
    assert emails(book) == []
    assert (
        book.store.value("SELECT last_touch_at FROM contact WHERE id = ?", (book.ids["helene"],))
        is None
    )


def test_a_failing_sendmail_logs_nothing(book: Book, sendmail: Sendmail) -> None:
    command, stored = sendmail(1)
    config = with_command(book, command)
    templates.add(book.store, "merci", "Merci", "Merci {first_name}")
    made = drafts.draft(book.store, config, book.ids["helene"], "merci")
    with pytest.raises(
        Refused, match=r"exited with status 1: sendmail: relay refused .*nothing logged"
    ):
        sending.send(book.store, config, made)
    assert stored.read_bytes() == made.as_bytes()  # it did receive it, and refused
    assert emails(book) == []


@pytest.mark.parametrize(
    ("command", "match"),
    [
        ("", "no sendmail_command set: crm config set sendmail_command"),
        ("/nonexistent/sendmail -t", "'/nonexistent/sendmail' not found"),
        ("msmtp 'unclosed", "cannot read sendmail_command"),
    ],
)
def test_no_usable_command_logs_nothing(book: Book, command: str, match: str) -> None:
    config = with_command(book, command)
    templates.add(book.store, "merci", "Merci", "Merci {first_name}")
    made = drafts.draft(book.store, config, book.ids["helene"], "merci")
    with pytest.raises(CrmError, match=match):
        sending.send(book.store, config, made)
    assert emails(book) == []


def test_a_not_executable_command(book: Book, tmp_path: Path) -> None:
    script = tmp_path / "not-executable"
    script.write_text("#!/bin/sh\nexit 0\n")
    config = with_command(book, str(script))
    templates.add(book.store, "merci", "Merci", "Merci {first_name}")
    made = drafts.draft(book.store, config, book.ids["helene"], "merci")
    with pytest.raises(Refused, match="not executable"):
        sending.send(book.store, config, made)
    assert emails(book) == []


def test_the_edited_message_id_is_the_one_logged(book: Book, sendmail: Sendmail) -> None:
    command, _ = sendmail(0)
    config = with_command(book, command)
    templates.add(book.store, "merci", "Merci", "Merci {first_name}")
    made = drafts.draft(book.store, config, book.ids["helene"], "merci")
    message = made.message
    del message["Message-ID"]
    message["Message-ID"] = "<edited-by-hand@exemple.fr>"
    logged = sending.send(book.store, config, replace(made, message=message))
    assert isinstance(logged, Logged)
    assert logged.interaction["external_id"] == "<edited-by-hand@exemple.fr>"
