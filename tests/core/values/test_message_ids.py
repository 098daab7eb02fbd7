"""The conversation key of a message, from the headers clients really write."""

from __future__ import annotations

import pytest

from crmcli.core.interchange.mailmsg import parse_message
from crmcli.core.values.message_ids import MAX_REFERENCES, ids_in, normalise, thread_key


@pytest.mark.parametrize(
    ("references", "in_reply_to", "own", "key"),
    [
        ("<a@x> <b@x>", "<b@x>", "<c@x>", "<a@x>"),  # References' first: the thread's root
        (None, "<b@x> (Anne's message of Monday)", "<c@x>", "<b@x>"),  # a parent-only client
        ("<a@x", "<b@x>", "<c@x>", "<b@x>"),  # References cut mid-id: In-Reply-To
        ("Your message <junk> <@x> <a@>", None, "<c@x>", "<c@x>"),  # nothing usable: its own
        ("<c@x> <a@x>", None, "<c@x>", "<a@x>"),  # a message citing itself is passed over
        ("< a@x >\n\t<b@x>", None, "<c@x>", "<a@x>"),  # folded, spaced: one form
        (None, None, "<c@x> (comment)", "<c@x>"),
        (None, None, "bare@x", "bare@x"),  # no brackets: its text
        (None, None, None, None),  # no id at all: no thread
    ],
)
def test_thread_key(
    references: str | None, in_reply_to: str | None, own: str | None, key: str | None
) -> None:
    assert thread_key(references, in_reply_to, own) == key


def test_ids_in_keeps_order_once_and_caps() -> None:
    assert ids_in("<a@x> <b@x> <a@x>") == ["<a@x>", "<b@x>"]
    many = " ".join(f"<m{n}@x>" for n in range(MAX_REFERENCES + 50))
    assert len(ids_in(many)) == MAX_REFERENCES
    assert normalise("  ") is None


def test_a_parsed_message_carries_its_thread() -> None:
    facts = parse_message(
        b"From: anne@example.com\r\nTo: me@example.org\r\nSubject: Re: Devis\r\n"
        b"Message-ID: <r@x.test>\r\nIn-Reply-To: <p@x.test>\r\n"
        b"References: <root@x.test>\r\n <p@x.test>\r\n\r\nHello\r\n"
    )
    assert facts.thread == "<root@x.test>"
    assert facts.references == ["<root@x.test>", "<p@x.test>"]
    nul = parse_message(b"From: a@x.test\nSubject: s\nReferences: <r\x00@x.test>\n\nb\n")
    assert nul.references == ["<r@x.test>"]  # control characters never reach the store
