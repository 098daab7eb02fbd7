"""Replies linked to their conversation: what `crm sync mail` stores and the timeline counts."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from crmcli.core.activity.timeline import timeline
from crmcli.core.db.store import Store
from crmcli.core.people.contacts import ContactFields, add
from crmcli.core.sync.mail import Options, sync_mail
from crmcli.core.sync.maildir import MaildirSource
from crmcli.core.undo import undo

from .maildirs import deliver, make_maildir

ANN = "anne@example.com"
BOB = "bob@example.net"
ME = "me@example.org"
MINE = Options(my_emails=frozenset({ME}))


def contact(store: Store, name: str, address: str) -> int:
    return add(store, ContactFields(name=name, emails=[address])).contact["id"]


def raw(
    sender: str,
    to: str,
    subject: str,
    message_id: str | None,
    minute: int,
    *,
    cc: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
) -> bytes:
    """A message as clients write the headers that matter here (each given or left out)."""
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}"]
    lines += [f"Cc: {cc}"] if cc else []
    lines += [f"Message-ID: {message_id}"] if message_id else []
    lines += [f"In-Reply-To: {in_reply_to}"] if in_reply_to else []
    lines += [f"References: {references}"] if references else []
    lines.append(f"Date: Fri, 20 Feb 2026 10:{minute:02d}:00 +0000")
    return ("\n".join(lines) + "\n\nHello\n").encode()


def threads(store: Store) -> dict[str, Any]:
    return dict(store.tuples("SELECT external_id, thread FROM interaction ORDER BY id"))


def shown(store: Store, contact_id: int) -> list[tuple[str, Any]]:
    return [(e["text"], e["thread"]) for e in timeline(store, contact_id) if e["what"] == "email"]


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    return make_maildir(tmp_path / "Mail" / "INBOX")


def sync(store: Store, folder: Path) -> None:
    result = sync_mail(store, MaildirSource(str(folder)), MINE)
    assert result.errors == 0, result.error_lines


def test_a_three_message_conversation_is_one_thread(store: Store, inbox: Path) -> None:
    ann = contact(store, "Anne Müller", ANN)
    deliver(inbox, raw(ANN, ME, "Devis", "<a1@x.test>", 1))
    deliver(
        inbox,
        raw(ME, ANN, "Re: Devis", "<a2@x.test>", 2, in_reply_to="<a1@x.test>",
            references="<a1@x.test>"),
    )  # fmt: skip
    deliver(
        inbox,
        raw(ANN, ME, "Re: Devis", "<a3@x.test>", 3, in_reply_to="<a2@x.test>",
            references="<a1@x.test>\n <a2@x.test>"),
    )  # fmt: skip
    sync(store, inbox)
    assert threads(store) == {
        "<a1@x.test>": "<a1@x.test>",
        "<a2@x.test>": "<a1@x.test>",
        "<a3@x.test>": "<a1@x.test>",
    }
    thread = {"id": "<a1@x.test>", "messages": 3, "subject": "Devis"}
    assert shown(store, ann) == [
        ("Re: Devis", {**thread, "first": False}),
        ("Re: Devis", {**thread, "first": False}),
        ("Devis", {**thread, "first": True}),
    ]
    # Idempotent: a second run logs nothing and moves nothing.
    before = threads(store)
    again = sync_mail(store, MaildirSource(str(inbox)), MINE)
    assert again.new == 0 and threads(store) == before


def test_a_reply_whose_parent_was_never_synced(store: Store, inbox: Path) -> None:
    ann = contact(store, "Anne Müller", ANN)
    # The first message lives in a folder nobody syncs; two replies cite it.
    deliver(inbox, raw(ANN, ME, "Re: Devis", "<b2@x.test>", 2, references="<b1@x.test>"))
    deliver(
        inbox,
        raw(ANN, ME, "Re: Devis", "<b3@x.test>", 3, references="<b1@x.test> <b2@x.test>"),
    )
    sync(store, inbox)
    assert set(threads(store).values()) == {"<b1@x.test>"}
    events = shown(store, ann)
    assert [e[1]["messages"] for e in events] == [2, 2]
    assert [e[1]["first"] for e in events] == [False, True]  # the earliest logged leads


def test_a_broken_references_header_falls_back(store: Store, inbox: Path) -> None:
    contact(store, "Anne Müller", ANN)
    deliver(inbox, raw(ANN, ME, "Devis", "<c1@x.test>", 1))
    # References cut mid-id (a client's line limit) and junk: In-Reply-To decides.
    deliver(
        inbox,
        raw(ME, ANN, "Re: Devis", "<c2@x.test>", 2, in_reply_to="<c1@x.test>",
            references="<c1@x.te"),
    )  # fmt: skip
    deliver(
        inbox,
        raw(ANN, ME, "Re: Devis", "<c3@x.test>", 3, references="Your message of Monday <junk>"),
    )
    deliver(inbox, raw(ANN, ME, "no id at all", None, 4, references="<<>>"))
    sync(store, inbox)
    assert threads(store) == {
        "<c1@x.test>": "<c1@x.test>",
        "<c2@x.test>": "<c1@x.test>",
        "<c3@x.test>": "<c3@x.test>",  # nothing usable to reply to: a thread of its own
        None: None,  # no id anywhere: no thread
    }


def test_the_same_thread_across_two_contacts(store: Store, inbox: Path) -> None:
    ann = contact(store, "Anne Müller", ANN)
    bob = contact(store, "Bob Ørsted", BOB)
    deliver(inbox, raw(ANN, ME, "Offre Zürich", "<d1@x.test>", 1))
    deliver(
        inbox,
        raw(ME, ANN, "Re: Offre Zürich", "<d2@x.test>", 2, cc=BOB, references="<d1@x.test>"),
    )
    deliver(
        inbox,
        raw(BOB, ME, "Re: Offre Zürich", "<d3@x.test>", 3,
            references="<d1@x.test> <d2@x.test>"),
    )  # fmt: skip
    sync(store, inbox)
    # d2 went to both: two interactions, one message; the thread counts it once.
    assert store.value("SELECT count(*) FROM interaction WHERE thread = '<d1@x.test>'") == 4
    thread = {"id": "<d1@x.test>", "messages": 3, "subject": "Offre Zürich", "first": False}
    assert shown(store, bob) == [("Re: Offre Zürich", thread), ("Re: Offre Zürich", thread)]
    assert [e[1]["first"] for e in shown(store, ann)] == [False, True]


def test_parent_only_clients_logged_out_of_order_still_join(
    store: Store, inbox: Path, tmp_path: Path
) -> None:
    """A client citing only the parent (In-Reply-To), its mail synced before the message
    that links it (INBOX before Sent): the later link brings it into the thread, and
    undoing that run takes the move back."""
    ann = contact(store, "Anne Müller", ANN)
    sent = make_maildir(tmp_path / "Mail" / "Sent")
    deliver(inbox, raw(ANN, ME, "Devis", "<e1@x.test>", 1))
    deliver(inbox, raw(ANN, ME, "Re: Devis", "<e3@x.test>", 3, in_reply_to="<e2@x.test>"))
    sync(store, inbox)
    assert threads(store)["<e3@x.test>"] == "<e2@x.test>"
    deliver(sent, raw(ME, ANN, "Re: Devis", "<e2@x.test>", 2, in_reply_to="<e1@x.test>"))
    sync(store, sent)
    assert set(threads(store).values()) == {"<e1@x.test>"}
    assert [e[1]["messages"] for e in shown(store, ann)] == [3, 3, 3]

    undo(store, "me")
    assert threads(store) == {"<e1@x.test>": "<e1@x.test>", "<e3@x.test>": "<e2@x.test>"}


def test_mail_logged_before_threads_existed_joins_when_a_reply_cites_it(
    store: Store, inbox: Path, db: Path
) -> None:
    ann = contact(store, "Anne Müller", ANN)
    deliver(inbox, raw(ANN, ME, "Devis", "<f1@x.test>", 1))
    sync(store, inbox)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE interaction SET thread = NULL")  # as schema v8 left it
    conn.close()
    deliver(inbox, raw(ME, ANN, "Re: Devis", "<f2@x.test>", 2, in_reply_to="<f1@x.test>"))
    sync(store, inbox)
    assert threads(store) == {"<f1@x.test>": "<f1@x.test>", "<f2@x.test>": "<f1@x.test>"}
    assert [e[1]["first"] for e in shown(store, ann)] == [False, True]


def test_the_timeline_counts_threads_in_one_query(store: Store, inbox: Path) -> None:
    ann = contact(store, "Anne Müller", ANN)
    for n in range(30):
        refs = f"<g{n // 3}-0@x.test>" if n % 3 else None
        deliver(inbox, raw(ANN, ME, f"Sujet {n // 3}", f"<g{n // 3}-{n % 3}@x.test>", n,
                           references=refs))  # fmt: skip
    sync(store, inbox)
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)  # type: ignore[attr-defined]
    try:
        events = timeline(store, ann, limit=30)
    finally:
        store.conn.set_trace_callback(None)  # type: ignore[attr-defined]
    assert len(events) == 30 and len(statements) == 2
    assert {e["thread"]["messages"] for e in events} == {3}
