"""A notmuch query as a mail source: the real notmuch program over a real Maildir and database."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid, NotFound, Refused
from crmcli.core.people.contacts import ContactFields, add
from crmcli.core.sync import state
from crmcli.core.sync.mail import Options, open_source, sync_mail
from crmcli.core.sync.notmuch import NotmuchSource
from crmcli.core.sync.sources import SourceSpec, notmuch_spec, spec_from_config

from .maildirs import deliver, mark_read, message
from .notmuchdb import NotmuchBook, make_book

pytestmark = pytest.mark.subprocess

ANN = ("Anne Müller", "anne@example.com")
BOB = ("Bob Ørsted", "bob@example.net")
ME = ("Me", "me@example.org")
MINE = Options(my_emails=frozenset({"me@example.org"}))


@pytest.fixture
def book(tmp_path: Path) -> NotmuchBook:
    return make_book(tmp_path / "nm")


def source(book: NotmuchBook, query: str, **kwargs: Any) -> NotmuchSource:
    return NotmuchSource(notmuch_spec(query, str(book.config)), **kwargs)


class Listed(NotmuchSource):
    """The source, noting each listing it asks notmuch for."""

    listings: list[str]

    def _listing(self, query: str) -> Iterator[bytes]:
        self.listings.append(query)
        return super()._listing(query)


def listed(plain: NotmuchSource) -> Listed:
    plain.__class__ = Listed
    assert isinstance(plain, Listed)
    plain.listings = []
    return plain


def contact(store: Store, name: str, address: str) -> int:
    return add(store, ContactFields(name=name, emails=[address])).contact["id"]


def logged(store: Store) -> list[tuple[Any, ...]]:
    return store.tuples(
        "SELECT contact_id, direction, summary, external_id FROM interaction ORDER BY id"
    )


def test_a_query_logs_its_mail_once_even_in_two_folders(store: Store, book: NotmuchBook) -> None:
    ann = contact(store, *ANN)
    inbox, archive, sent = book.folder("INBOX"), book.folder("Archive"), book.folder("Sent")
    first = message(sender=ANN, to=[ME], subject="Devis — Zürich", message_id="<q1@example.com>")
    deliver(inbox, first)
    deliver(archive, first, seen=True)  # the same message in a second folder (a Gmail label)
    deliver(
        sent,
        message(
            sender=ME,
            to=[ANN],
            subject="Re: Devis — Zürich",
            message_id="<r1@example.org>",
            date=datetime(2026, 2, 21, 8, 0, tzinfo=UTC),
        ),
        seen=True,
    )
    deliver(inbox, message(sender=("Spam", "spam@example.net"), to=[ME], subject="win"))
    book.index()

    result = sync_mail(store, source(book, "folder:INBOX or folder:Archive or folder:Sent"), MINE)
    assert (result.new, result.logged, result.skipped, result.errors) == (2, 2, 1, 0)
    assert logged(store) == [
        (ann, "in", "Devis — Zürich", "<q1@example.com>"),
        (ann, "out", "Re: Devis — Zürich", "<r1@example.org>"),
    ]
    # The state holds notmuch's ids: one per message, however many files it has.
    name = f"notmuch[{book.config}]:folder:INBOX or folder:Archive or folder:Sent"
    src = state.find(store, "mail", name)
    assert src is not None
    keys = sorted(state.known_items(store, src.id))
    assert len(keys) == 3 and "q1@example.com" in keys and "r1@example.org" in keys

    quiet = listed(source(book, "folder:INBOX or folder:Archive or folder:Sent"))
    again = sync_mail(store, quiet, MINE)
    assert (again.new, again.skipped, again.already, again.chunks) == (0, 0, 0, 0)
    assert quiet.listings == []  # notmuch changed nothing: its revision says so, no listing

    # New mail, once notmuch has seen it, is all the next run reads.
    deliver(inbox, message(sender=ANN, to=[ME], subject="Commande", message_id="<q2@example.com>"))
    book.index()
    third = sync_mail(store, source(book, "folder:INBOX or folder:Archive or folder:Sent"), MINE)
    assert (third.new, third.logged) == (1, 1)
    assert logged(store)[-1][2] == "Commande"


def test_only_the_mail_the_query_names(store: Store, book: NotmuchBook) -> None:
    contact(store, *ANN)
    inbox, sent = book.folder("INBOX"), book.folder("Sent")
    deliver(inbox, message(sender=ANN, to=[ME], subject="in the inbox"))
    deliver(sent, message(sender=ME, to=[ANN], subject="sent by me"), seen=True)
    deliver(inbox, message(sender=ANN, to=[ME], subject="tagged crm"))
    book.index()
    book.tag("+crm", "subject:tagged")

    by_folder = sync_mail(store, source(book, "folder:Sent"), MINE)
    assert [r[2] for r in logged(store)] == ["sent by me"]
    assert by_folder.new == 1
    by_tag = sync_mail(store, source(book, "tag:crm"), MINE)
    assert by_tag.new == 1
    assert [r[2] for r in logged(store)] == ["sent by me", "tagged crm"]


def test_excluded_tags_stay_out_and_since_narrows(store: Store, tmp_path: Path) -> None:
    book = make_book(tmp_path / "nm", exclude_tags="spam;")
    contact(store, *ANN)
    inbox = book.folder("INBOX")
    old = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    deliver(inbox, message(sender=ANN, to=[ME], subject="last year", date=old))
    deliver(inbox, message(sender=ANN, to=[ME], subject="this year"))
    deliver(inbox, message(sender=ANN, to=[ME], subject="flagged as spam"))
    book.index()
    book.tag("+spam", "subject:flagged")

    recent = sync_mail(store, source(book, "folder:INBOX"), Options(since=date(2026, 1, 1)))
    assert [r[2] for r in logged(store)] == ["this year"]
    assert recent.skipped == 0  # the older one was not even listed: a later run still has it
    rest = sync_mail(store, source(book, "folder:INBOX"), Options())
    assert [r[2] for r in logged(store)] == ["this year", "last year"]
    assert rest.new == 1  # and the spam one, hidden by the rep's notmuch config, never


def test_a_message_without_message_id_and_files_renamed_since_indexing(
    store: Store, book: NotmuchBook
) -> None:
    contact(store, *ANN)
    inbox = book.folder("INBOX")
    bare = deliver(inbox, message(sender=ANN, to=[ME], subject="no id", message_id=None))
    deliver(inbox, message(sender=ANN, to=[ME], subject="read since", message_id="<m@x.test>"))
    book.index()
    mark_read(inbox, bare)  # mutt renamed the file; notmuch has not looked again
    for path in list((inbox / "new").iterdir()):
        mark_read(inbox, path.name)

    result = sync_mail(store, source(book, "folder:INBOX"), MINE)
    assert (result.new, result.errors) == (2, 0), result.error_lines
    rows = logged(store)
    assert {r[2] for r in rows} == {"no id", "read since"}
    assert [r[3] for r in rows if r[2] == "no id"] == [None]  # no Message-ID to store
    src = state.find(store, "mail", f"notmuch[{book.config}]:folder:INBOX")
    assert src is not None
    assert any(k.startswith("notmuch-sha1-") for k in state.known_items(store, src.id))
    assert sync_mail(store, source(book, "folder:INBOX"), MINE).new == 0


def test_a_file_gone_is_an_error_line_and_tried_again(store: Store, book: NotmuchBook) -> None:
    contact(store, *ANN)
    inbox = book.folder("INBOX")
    gone = deliver(inbox, message(sender=ANN, to=[ME], subject="deleted", message_id="<g@x.test>"))
    deliver(inbox, message(sender=ANN, to=[ME], subject="kept"))
    book.index()
    (inbox / "new" / gone).unlink()

    result = sync_mail(store, source(book, "folder:INBOX"), MINE)
    assert (result.new, result.errors) == (1, 1)
    assert result.error_lines == [
        "g@x.test: its file is gone since notmuch last looked (run notmuch new)"
    ]
    book.index()  # notmuch forgets it: nothing left to try
    again = sync_mail(store, source(book, "folder:INBOX"), MINE)
    assert (again.new, again.errors) == (0, 0)


def test_files_found_in_batches(store: Store, book: NotmuchBook) -> None:
    contact(store, *ANN)
    inbox = book.folder("INBOX")
    for n in range(7):
        when = datetime(2026, 2, 20, 10, 30 - n, tzinfo=UTC)  # delivered newest first
        deliver(inbox, message(sender=ANN, to=[ME], subject=f"Réunion {n}", date=when))
    book.index()
    result = sync_mail(
        store,
        source(book, "folder:INBOX", batch=3),
        MINE,
    )
    assert (result.new, result.errors) == (7, 0)
    assert [r[2] for r in logged(store)] == [f"Réunion {n}" for n in reversed(range(7))]


def test_hostile_ids_are_quoted(store: Store, book: NotmuchBook) -> None:
    contact(store, *ANN)
    inbox = book.folder("INBOX")
    for n, mid in enumerate(['<we"ird (x) é@x.test>', "<a) or (b@x.test>", "<*@x.test>"]):
        raw = (
            f"From: Anne <anne@example.com>\nTo: me@example.org\nSubject: odd {n}\n"
            f"Message-ID: {mid}\nDate: Fri, 20 Feb 2026 10:0{n}:00 +0000\n\nHello\n"
        ).encode()
        deliver(inbox, raw)
    book.index()
    result = sync_mail(store, source(book, "folder:INBOX", batch=2), MINE)
    assert (result.new, result.errors) == (3, 0), result.error_lines
    assert sync_mail(store, source(book, "folder:INBOX"), MINE).new == 0


def test_a_long_conversation_is_read_in_batches(store: Store, book: NotmuchBook) -> None:
    """600 replies each to the one before: notmuch nests them 600 deep in its JSON, past
    what json.loads decodes; each message is still found in its batch, not one by one."""
    ann = contact(store, *ANN)
    inbox = book.folder("INBOX")
    for n in range(600):
        refs = f"In-Reply-To: <c{n - 1}@x.test>\nReferences: <c0@x.test> <c{n - 1}@x.test>\n"
        raw = (
            f"From: Anne <anne@example.com>\nTo: me@example.org\nSubject: Re: long {n}\n"
            f"Message-ID: <c{n}@x.test>\n{refs if n else ''}"
            f"Date: Fri, 20 Feb 2026 {10 + n // 60:02d}:{n % 60:02d}:00 +0000\n\nHello\n"
        )
        deliver(inbox, raw.encode())
    book.index()
    calls: list[tuple[str, ...]] = []
    nm = source(book, "folder:INBOX")
    run = nm._run

    def counted(*args: str) -> Any:
        calls.append(args)
        return run(*args)

    nm._run = counted  # type: ignore[method-assign]
    result = sync_mail(store, nm, MINE)
    assert (result.new, result.errors) == (600, 0), result.error_lines[:3]
    assert [c[0] for c in calls] == ["count", "show", "show", "show"]
    threads = store.tuples("SELECT DISTINCT thread FROM interaction WHERE contact_id = ?", (ann,))
    assert threads == [("<c0@x.test>",)]


def test_errors_are_one_line_and_write_nothing(
    store: Store, book: NotmuchBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    contact(store, *ANN)
    book.folder("INBOX")
    book.index()
    before = logged(store)
    said = "notmuch cannot read the query 'date:someday..': Didn't understand date specification"
    with pytest.raises(Invalid, match=re.escape(said)):
        sync_mail(store, source(book, "date:someday.."), MINE)
    with pytest.raises(NotFound, match="no such notmuch config file"):
        sync_mail(store, NotmuchSource(notmuch_spec("*", str(tmp_path / "nope"))), MINE)
    unindexed = make_book(tmp_path / "fresh")  # a config whose database was never made
    with pytest.raises(NotFound, match="notmuch cannot open its database: Cannot open database"):
        sync_mail(store, source(unindexed, "*"), MINE)
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    monkeypatch.setenv("PATH", str(empty_path))
    with pytest.raises(Refused, match="notmuch is not installed"):
        sync_mail(store, source(book, "*"), MINE)
    assert logged(store) == before
    # Refused before anything is written: not even the source's state.
    assert state.find(store, "mail", f"notmuch[{book.config}]:*") is None


def test_the_cursor_lists_only_what_notmuch_changed(store: Store, book: NotmuchBook) -> None:
    contact(store, *ANN)
    inbox = book.folder("INBOX")
    deliver(inbox, message(sender=ANN, to=[ME], subject="old, untagged"))
    deliver(inbox, message(sender=ANN, to=[ME], subject="tagged at once"))
    book.index()
    book.tag("+crm", "subject:tagged")
    assert sync_mail(store, source(book, "tag:crm"), MINE).new == 1
    # The rep tags an old message: it matches now, and its change is what is listed.
    book.tag("+crm", "subject:untagged")
    later = listed(source(book, "tag:crm"))
    assert sync_mail(store, later, MINE).new == 1
    (query,) = later.listings
    assert query.startswith("(tag:crm) and lastmod:")
    assert [r[2] for r in logged(store)] == ["tagged at once", "old, untagged"]
    # A database made anew (another uuid) is listed whole; what was logged stays logged.
    shutil.rmtree(book.root / ".notmuch")
    book.index()
    fresh = listed(source(book, "tag:*"))
    assert sync_mail(store, fresh, MINE).new == 0
    assert fresh.listings == ["tag:*"]


def test_a_message_that_could_not_be_read_holds_the_cursor(
    store: Store, book: NotmuchBook, tmp_path: Path
) -> None:
    contact(store, *ANN)
    inbox = book.folder("INBOX")
    deliver(inbox, message(sender=ANN, to=[ME], subject="there"))
    book.index()
    assert sync_mail(store, source(book, "folder:INBOX"), MINE).new == 1  # a cursor now
    away = deliver(inbox, message(sender=ANN, to=[ME], subject="away for a while"))
    book.index()
    (inbox / "new" / away).rename(tmp_path / away)  # a backup tool holds it, say
    first = sync_mail(store, source(book, "folder:INBOX"), MINE)
    assert (first.new, first.errors) == (0, 1)
    (tmp_path / away).rename(inbox / "new" / away)  # back, and notmuch never noticed
    second = sync_mail(store, source(book, "folder:INBOX"), MINE)
    assert (second.new, second.errors) == (1, 0)
    assert sorted(r[2] for r in logged(store)) == ["away for a while", "there"]


def test_specs_from_flags_and_config(tmp_path: Path) -> None:
    spec = notmuch_spec("  tag:crm  ", "~/nm-config")
    assert spec.name == f"notmuch[{Path('~/nm-config').expanduser()}]:tag:crm"
    assert notmuch_spec("tag:crm").name == "notmuch:tag:crm"
    assert spec_from_config({"notmuch": "tag:crm"}) == SourceSpec("notmuch", "tag:crm")
    cfg = spec_from_config({"notmuch": "tag:crm", "notmuch_config": str(tmp_path / "c")})
    assert cfg.notmuch_config == str(tmp_path / "c")
    assert isinstance(open_source(cfg), NotmuchSource)
    for bad, said in [
        ({"notmuch": ""}, "query is empty"),
        ({"notmuch": "tag:a\x00"}, "control characters"),
        ({"notmuch": 3}, "notmuch must be a query string"),
        ({"notmuch": "x", "maildir": "/m"}, "exactly one of maildir =, notmuch = or imap ="),
        ({"maildir": "/m", "notmuch_config": "/c"}, "notmuch_config is a path string"),
        ({"notmuch": "x", "password_command": "pass x"}, "password_command is for imap"),
    ]:
        with pytest.raises(Invalid, match=said):
            spec_from_config(bad)
