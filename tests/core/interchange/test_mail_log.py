"""A piped email through the core service: its contact, its direction, logged once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crmcli.core.activity.interactions import Direction
from crmcli.core.db.store import Store
from crmcli.core.errors import NotFound
from crmcli.core.interchange import mail_log
from crmcli.core.interchange.mailmsg import MailFacts
from crmcli.core.people import contacts
from crmcli.core.people.contacts import ContactFields


def person(store: Store, name: str, *emails: str) -> int:
    return int(contacts.add(store, ContactFields(name=name, emails=list(emails))).contact["id"])


def message(
    senders: list[str],
    recipients: list[str],
    *,
    message_id: str | None = "<m1@example.com>",
    date: datetime | None = None,
) -> MailFacts:
    return MailFacts(senders, recipients, "Quote", date, "The body.", message_id)


def test_the_first_sender_a_contact_has_makes_it_inbound(store: Store) -> None:
    ann = person(store, "Ann Lee", "ann@lee.io")
    person(store, "Me Myself", "me@mine.org")
    placed = mail_log.place(store, message(["stranger@x.org", "ANN@lee.io"], ["me@mine.org"]))
    assert placed == mail_log.Placement(ann, Direction.inbound, None)


def test_else_the_first_recipient_a_contact_has_makes_it_outbound(store: Store) -> None:
    bob = person(store, "Bob Ray", "bob@ray.io")
    placed = mail_log.place(store, message(["me@mine.org"], ["nobody@x.org", "bob@ray.io"]))
    assert (placed.contact_id, placed.direction) == (bob, Direction.outbound)


def test_a_named_contact_is_inbound_only_when_they_sent_it(store: Store) -> None:
    ann = person(store, "Ann Lee", "ann@lee.io")
    sent_by_ann = mail_log.place(store, message(["ann@lee.io"], ["me@mine.org"]), ann)
    sent_to_ann = mail_log.place(store, message(["me@mine.org"], ["other@x.org"]), ann)
    assert sent_by_ann.direction is Direction.inbound
    assert (sent_to_ann.contact_id, sent_to_ann.direction) == (ann, Direction.outbound)


def test_a_message_no_contact_has_names_its_addresses(store: Store) -> None:
    with pytest.raises(NotFound, match=r"\(a@x\.org, b@y\.org\); add one"):
        mail_log.place(store, message(["a@x.org"], ["b@y.org"]))
    with pytest.raises(NotFound, match=r"addresses \(none\)"):
        mail_log.place(store, message([], []))


def test_the_same_message_is_logged_once_per_contact(store: Store) -> None:
    ann = person(store, "Ann Lee", "ann@lee.io")
    bob = person(store, "Bob Ray", "bob@ray.io")
    facts = message(["ann@lee.io"], ["me@mine.org"])
    logged = mail_log.log(store, facts, mail_log.place(store, facts))
    row = logged.interaction
    assert (row["contact_id"], row["kind"], row["summary"], row["body"], row["direction"]) == (
        ann,
        "email",
        "Quote",
        "The body.",
        "in",
    )
    assert mail_log.place(store, facts).logged_as == row["id"]
    assert mail_log.place(store, facts, bob).logged_as is None  # another contact's log
    untagged = message(["ann@lee.io"], [], message_id=None)
    assert mail_log.place(store, untagged).logged_as is None  # no identity: never a duplicate


def test_the_date_header_is_the_time_unless_it_is_in_the_future(store: Store) -> None:
    ann = person(store, "Ann Lee", "ann@lee.io")
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    past = message(["ann@lee.io"], [], message_id="<a@x>", date=datetime(2026, 3, 1, 8, tzinfo=UTC))
    future = message(["ann@lee.io"], [], message_id="<b@x>", date=datetime(2026, 3, 9, tzinfo=UTC))
    logged = mail_log.log(store, past, mail_log.place(store, past), now=now)
    assert logged.interaction["occurred_at"] == "2026-03-01T08:00:00.000000Z"
    logged = mail_log.log(store, future, mail_log.place(store, future, ann), now=now)
    assert logged.interaction["occurred_at"] == "2026-03-02T09:00:00.000000Z"  # the write's own
