"""Drafts: RFC 5322 messages that the stdlib parser (and mail readers) read back exactly.

Non-ASCII names and subjects must travel as RFC 2047 encoded words (the raw headers
are ASCII), decode to the very text, and the body must be UTF-8.
"""

from __future__ import annotations

import mailbox
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from crmcli.core.errors import Invalid, Refused
from crmcli.core.messages import drafts, templates

from .conftest import Book, make_config

SUBJECT = "Merci {first_name} — à bientôt chez {company} 🙂"
BODY = "Bonjour {first_name},\n\nUn plaisir d'échanger.\n\n{me.name}\n"


def parsed(data: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def headers_of(data: bytes) -> bytes:
    return data.split(b"\n\n", 1)[0]


def test_non_ascii_names_and_subject_decode_exactly(book: Book) -> None:
    templates.add(book.store, "merci", SUBJECT, BODY)
    made = drafts.draft(book.store, book.config, book.ids["helene"], "merci")
    data = made.as_bytes()
    headers_of(data).decode("ascii")  # every header is 7-bit: RFC 2047 encoded words
    assert b"=?utf-8?" in headers_of(data)
    message = parsed(data)
    assert message["Subject"] == "Merci Hélène — à bientôt chez Société Générale 🙂"
    assert message["From"].addresses[0].display_name == "Zoë Martin"
    assert message["From"].addresses[0].addr_spec == "zoe@exemple.fr"
    assert message["To"].addresses[0].display_name == "Hélène Dupré"
    assert message["To"].addresses[0].addr_spec == "helene@exemple.fr"
    assert message["Message-ID"].endswith("@exemple.fr>")
    assert message["Message-ID"] == made.message_id
    assert parsedate_to_datetime(message["Date"]).isoformat() == "2026-03-02T10:00:00+01:00"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == "Bonjour Hélène,\n\nUn plaisir d'échanger.\n\nZoë Martin\n"
    assert "Un plaisir d'échanger.".encode() in data  # 8bit UTF-8, readable as a file


def test_chinese_name(book: Book) -> None:
    templates.add(book.store, "hi", "你好 {name}", "{name}，你好！")
    message = parsed(drafts.draft(book.store, book.config, book.ids["ming"], "hi").as_bytes())
    assert message["To"].addresses[0].display_name == "王小明"
    assert message["Subject"] == "你好 王小明"
    assert message.get_content() == "王小明，你好！\n"


def test_python_mailbox_reads_it_back(book: Book, tmp_path: Path) -> None:
    """A second reader: the stdlib's mbox (what mail clients share drafts and folders as)."""
    templates.add(book.store, "merci", SUBJECT, BODY)
    made = drafts.draft(book.store, book.config, book.ids["helene"], "merci")
    box = mailbox.mbox(tmp_path / "drafts.mbox")
    box.add(made.as_bytes())
    box.flush()
    box.close()
    again = mailbox.mbox(tmp_path / "drafts.mbox", factory=None)
    [stored] = list(again)
    message = parsed(stored.as_bytes())
    assert message["Subject"] == "Merci Hélène — à bientôt chez Société Générale 🙂"
    assert message["Message-ID"] == made.message_id


def test_refusals(book: Book, tmp_path: Path) -> None:
    templates.add(book.store, "merci", SUBJECT, BODY)
    templates.add(book.store, "devis", "Devis {deal.title}", "Montant: {deal.amount}")
    with pytest.raises(Refused, match="crm config set me_email"):
        drafts.draft(book.store, make_config(tmp_path), book.ids["helene"], "merci")
    with pytest.raises(Refused, match="has no email address"):
        drafts.draft(book.store, book.config, book.ids["bob"], "merci")
    with pytest.raises(Refused, match="do-not-contact"):
        drafts.draft(book.store, book.config, book.ids["ali"], "merci")
    with pytest.raises(Invalid, match=r"needs \{company\}"):  # 王小明 has no company
        drafts.draft(book.store, book.config, book.ids["ming"], "merci")
    with pytest.raises(Invalid, match=r"uses \{deal.title\}: name the deal"):
        drafts.draft(book.store, book.config, book.ids["helene"], "devis")
    made = drafts.draft(book.store, book.config, book.ids["helene"], "devis", book.ids["deal"])
    assert parsed(made.as_bytes())["Subject"] == "Devis Pilote Île-de-France"


def test_a_line_too_long_for_8bit_goes_quoted_printable(book: Book) -> None:
    templates.add(book.store, "long", "Long", "é" * 800)  # 1600 octets on one line
    data = drafts.draft(book.store, book.config, book.ids["helene"], "long").as_bytes()
    assert b"Content-Transfer-Encoding: quoted-printable" in data
    assert max(len(line) for line in data.split(b"\n")) <= 998
    assert parsed(data).get_content() == "é" * 800 + "\n"


def test_message_ids_are_unique(book: Book) -> None:
    templates.add(book.store, "merci", SUBJECT, BODY)
    ids = {
        drafts.draft(book.store, book.config, book.ids["helene"], "merci").message_id
        for _ in range(20)
    }
    assert len(ids) == 20


def test_save_draft_writes_a_private_file(book: Book, tmp_path: Path) -> None:
    templates.add(book.store, "Relancé", SUBJECT, BODY)
    made = drafts.draft(book.store, book.config, book.ids["helene"], "Relancé")
    first = drafts.save_draft(made)
    second = drafts.save_draft(made)
    assert first != second and first.parent == second.parent
    assert first.parent == tmp_path / "xdg-data" / "crmcli" / "drafts"
    assert first.name.endswith(f"-relance-{book.ids['helene']}.eml")
    assert first.read_bytes() == made.as_bytes()
    assert first.stat().st_mode & 0o777 == 0o600
