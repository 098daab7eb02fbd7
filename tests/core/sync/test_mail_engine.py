"""The mail sync engine on real Maildir files and a real SQLite store."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from crmcli.core.db.store import Store
from crmcli.core.interchange import mail_log
from crmcli.core.interchange.mailmsg import parse_message
from crmcli.core.people.contacts import ContactFields, add
from crmcli.core.sync import state
from crmcli.core.sync.mail import Options, excerpt, read_head, sync_mail
from crmcli.core.sync.maildir import MaildirSource
from crmcli.core.sync.sources import BODY_PREFIX

from .maildirs import deliver, make_maildir, message

ANN = ("Anne Müller", "anne@example.com")
BOB = ("Bob Ørsted", "bob@example.net")
ME = ("Me Myself", "me@example.org")
STRANGER = ("Zoë Unknown", "zoe@elsewhere.com")


def contact(store: Store, name: str, address: str, cadence: str | None = None) -> int:
    return add(store, ContactFields(name=name, emails=[address], cadence=cadence)).contact["id"]


def emails(store: Store) -> list[dict[str, Any]]:
    return store.rows(
        "SELECT i.contact_id, i.direction, i.summary, i.body, i.external_id, i.occurred_at "
        "FROM interaction i WHERE kind = 'email' ORDER BY i.id"
    )


def batches(store: Store) -> int:
    return int(store.value("SELECT count(DISTINCT batch) FROM change_log"))


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    return make_maildir(tmp_path / "Mail" / "INBOX")


def test_first_sync_logs_known_contacts_and_second_logs_nothing(store: Store, inbox: Path) -> None:
    ann = contact(store, "Anne Müller", ANN[1], cadence="30d")
    bob = contact(store, "Bob Ørsted", BOB[1])
    first = message(
        sender=ANN,
        to=[ME],
        subject="Devis — réunion à Zürich",
        body="Bonjour,\n\nVoici le devis.\n\n> old quoted text\n-- \nAnne\n",
        message_id="<q1@example.com>",
    )
    deliver(inbox, first)
    deliver(
        inbox,
        message(
            sender=ME,
            to=[ANN],
            cc=[BOB],
            subject="Re: Devis — réunion à Zürich",
            message_id="<r1@example.org>",
            in_reply_to="<q1@example.com>",
            date=datetime(2026, 2, 21, 8, 0, tzinfo=UTC),
        ),
        seen=True,
    )
    deliver(inbox, message(sender=STRANGER, to=[ME], subject="newsletter"))
    raw = first.as_bytes()
    assert b"=?utf-8?" in raw  # the names and subject really are RFC 2047-encoded
    options = Options(my_emails=frozenset({"me@example.org"}))
    before = batches(store)
    result = sync_mail(store, MaildirSource(str(inbox)), options)
    assert result.counts() == {
        "new": 2,
        "logged": 3,
        "skipped": 1,
        "already": 0,
        "errors": 0,
        "created": 0,
    }
    rows = emails(store)
    assert [(r["contact_id"], r["direction"], r["summary"]) for r in rows] == [
        (ann, "in", "Devis — réunion à Zürich"),
        (ann, "out", "Re: Devis — réunion à Zürich"),
        (bob, "out", "Re: Devis — réunion à Zürich"),
    ]
    assert rows[0]["body"] == "Bonjour, Voici le devis."  # an excerpt: no quote, no signature
    assert rows[0]["external_id"] == "<q1@example.com>"
    assert rows[1]["occurred_at"].startswith("2026-02-21T08:00")
    touched = store.row("SELECT last_touch_at, touch_due_at FROM contact WHERE id = ?", (ann,))
    assert touched is not None and touched["last_touch_at"].startswith("2026-02-21T08:00")
    assert touched["touch_due_at"].startswith("2026-03-23")  # cadence moved like a typed log
    assert batches(store) == before + 1  # one undoable batch for the run
    assert state.find(store, "mail", f"maildir:{inbox}").items == 3  # type: ignore[union-attr]

    again = sync_mail(store, MaildirSource(str(inbox)), options)
    assert again.counts() == {
        "new": 0,
        "logged": 0,
        "skipped": 0,
        "already": 0,
        "errors": 0,
        "created": 0,
    }
    assert len(emails(store)) == 3
    assert batches(store) == before + 1  # the second run logged nothing to undo


def test_without_my_emails_mail_to_a_contact_is_outgoing(store: Store, inbox: Path) -> None:
    ann = contact(store, "Anne Müller", ANN[1])
    deliver(inbox, message(sender=ME, to=[ANN], subject="hi"))
    sync_mail(store, MaildirSource(str(inbox)))
    assert [(r["contact_id"], r["direction"]) for r in emails(store)] == [(ann, "out")]


def test_a_message_piped_before_is_already_logged(store: Store, inbox: Path) -> None:
    contact(store, "Anne Müller", ANN[1])
    msg = message(sender=ANN, to=[ME], subject="piped first", message_id="<p1@example.com>")
    facts = parse_message(msg.as_bytes())
    mail_log.log(store, facts, mail_log.place(store, facts))  # what `crm log email -` does
    deliver(inbox, msg)
    result = sync_mail(store, MaildirSource(str(inbox)))
    assert (result.new, result.already) == (0, 1)
    assert len(emails(store)) == 1


def test_same_message_in_two_folders_is_logged_once(store: Store, tmp_path: Path) -> None:
    contact(store, "Anne Müller", ANN[1])
    msg = message(sender=ANN, to=[ME], subject="copied", message_id="<c1@example.com>")
    a = make_maildir(tmp_path / "INBOX")
    b = make_maildir(tmp_path / "Archive")
    deliver(a, msg)
    deliver(b, msg)
    sync_mail(store, MaildirSource(str(a)))
    assert sync_mail(store, MaildirSource(str(b))).already == 1
    assert len(emails(store)) == 1


def test_dry_run_writes_nothing(store: Store, inbox: Path, db: Path) -> None:
    contact(store, "Anne Müller", ANN[1])
    deliver(inbox, message(sender=ANN, to=[ME], subject="maybe"))
    before = batches(store)
    result = sync_mail(store, MaildirSource(str(inbox)), Options(dry_run=True))
    assert [(p.contact, p.subject, p.direction.value) for p in result.planned] == [
        ("Anne Müller", "maybe", "in")
    ]
    assert emails(store) == []
    assert batches(store) == before
    assert store.value("SELECT count(*) FROM sync_source") == 0


def test_chunks_are_separate_batches_and_undo_forgets_the_items(store: Store, inbox: Path) -> None:
    from crmcli.core import undo

    contact(store, "Anne Müller", ANN[1])
    for n in range(5):
        deliver(inbox, message(sender=ANN, to=[ME], subject=f"m{n}"))
    before = batches(store)
    result = sync_mail(store, MaildirSource(str(inbox)), Options(chunk=2))
    assert (result.new, result.chunks) == (5, 3)
    assert batches(store) == before + 3
    undo.undo(store, "me")  # the last chunk: one message
    assert len(emails(store)) == 4
    again = sync_mail(store, MaildirSource(str(inbox)))
    assert again.new == 1  # the undone message is synced again, the others are not
    assert len(emails(store)) == 5


def test_since_leaves_older_mail_for_later(store: Store, inbox: Path) -> None:
    contact(store, "Anne Müller", ANN[1])
    deliver(
        inbox,
        message(sender=ANN, to=[ME], subject="old", date=datetime(2025, 1, 5, tzinfo=UTC)),
    )
    deliver(inbox, message(sender=ANN, to=[ME], subject="new"))
    result = sync_mail(store, MaildirSource(str(inbox)), Options(since=date(2026, 1, 1)))
    assert [r["summary"] for r in emails(store)] == ["new"]
    assert result.skipped == 1
    assert sync_mail(store, MaildirSource(str(inbox))).new == 1  # the old one, without --since


def test_a_20_mb_message_is_streamed_not_loaded(store: Store, inbox: Path) -> None:
    contact(store, "Anne Müller", ANN[1])
    big = message(
        sender=ANN, to=[ME], subject="the big deck", attachment=b"\0" * (20 * 1024 * 1024)
    )
    deliver(inbox, big)
    (path,) = list((inbox / "new").iterdir())
    assert path.stat().st_size > 20 * 1024 * 1024

    class Counting(io.FileIO):
        read_bytes = 0

        def readinto(self, buffer: Any) -> int | None:
            n = super().readinto(buffer)
            Counting.read_bytes += n or 0
            return n

    with io.BufferedReader(Counting(str(path), "rb")) as stream:
        head = read_head(stream)
    assert len(head) < BODY_PREFIX + 64 * 1024
    assert Counting.read_bytes < BODY_PREFIX + 128 * 1024  # never the 20 MB
    result = sync_mail(store, MaildirSource(str(inbox)))
    assert result.new == 1
    assert [r["summary"] for r in emails(store)] == ["the big deck"]


def test_an_unreadable_message_is_counted_and_retried(store: Store, inbox: Path) -> None:
    contact(store, "Anne Müller", ANN[1])
    key = deliver(inbox, message(sender=ANN, to=[ME], subject="unreadable"))
    path = inbox / "new" / key
    data = path.read_bytes()
    path.unlink()
    path.mkdir()  # opening it fails, whoever runs the test (root reads a chmod 0 file)
    result = sync_mail(store, MaildirSource(str(inbox)))
    assert result.errors == 1 and key in result.error_lines[0]
    path.rmdir()
    path.write_bytes(data)
    assert sync_mail(store, MaildirSource(str(inbox))).new == 1  # not remembered: retried


def test_excerpt_drops_quotes_and_signature() -> None:
    body = "Thanks!\n\nOn Mon, 1 Jan 2026, Bob wrote:\n> hello\n-- \nAnne Müller\nACME"
    assert excerpt(body) == "Thanks!"
    assert excerpt("word " * 200).endswith(" …")


def test_create_contacts_makes_people_not_robots_and_undo_takes_all_back(
    store: Store, inbox: Path
) -> None:
    from crmcli.core import undo
    from crmcli.core.errors import Invalid

    deliver(inbox, message(sender=STRANGER, to=[ME], subject="hello from Zoë"))
    deliver(inbox, message(sender=STRANGER, to=[ME], subject="again"))
    deliver(inbox, message(sender=ME, to=[BOB], subject="to Bob"))
    deliver(inbox, message(sender=("Shop", "no-reply@shop.test"), to=[ME], subject="receipt"))
    with pytest.raises(Invalid, match="needs my_emails"):
        sync_mail(store, MaildirSource(str(inbox)), Options(create_contacts=True))
    mine = Options(my_emails=frozenset({ME[1]}), create_contacts=True)
    dry = sync_mail(store, MaildirSource(str(inbox)), Options(**{**mine.__dict__, "dry_run": True}))
    assert (dry.created, dry.new, dry.skipped) == (2, 3, 1)
    assert store.value("SELECT count(*) FROM contact") == 0
    result = sync_mail(store, MaildirSource(str(inbox)), mine)
    assert (result.created, result.new, result.skipped) == (2, 3, 1)
    people = store.rows("SELECT display_name, lead_source FROM contact ORDER BY id")
    assert [p["display_name"] for p in people] == ["Zoë Unknown", "Bob Ørsted"]
    assert people[0]["lead_source"] == "mail sync"
    directions = [(r["summary"], r["direction"]) for r in emails(store)]
    assert directions == [("hello from Zoë", "in"), ("again", "in"), ("to Bob", "out")]
    undo.undo(store, "me")  # one batch: the contacts and their mail
    assert store.value("SELECT count(*) FROM contact") == 0
    assert emails(store) == []
