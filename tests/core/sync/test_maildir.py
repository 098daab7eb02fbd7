"""The Maildir source: base names that survive new/ → cur/, listing unread files, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmcli.core.errors import Invalid, NotFound
from crmcli.core.sync.maildir import MaildirSource, base_name
from crmcli.core.sync.sources import imap_spec, maildir_spec, spec_from_config

from .maildirs import deliver, make_maildir, mark_read, message

ANN = ("Anne Müller", "anne@example.com")
ME = ("Me", "me@example.org")


def test_base_name_is_stable_across_flags() -> None:
    assert base_name("1733300000.M1P2.host") == "1733300000.M1P2.host"
    assert base_name("1733300000.M1P2.host:2,S") == "1733300000.M1P2.host"
    assert base_name("1733300000.M1P2.host:2,RS") == "1733300000.M1P2.host"
    assert base_name("1733300000.M1P2.host!2,S") == "1733300000.M1P2.host"


def test_items_skip_known_and_survive_a_move(tmp_path: Path) -> None:
    root = make_maildir(tmp_path / "INBOX")
    first = deliver(root, message(sender=ANN, to=[ME], subject="one"))
    second = deliver(root, message(sender=ANN, to=[ME], subject="two"), seen=True)
    (root / "tmp" / "half-written").write_bytes(b"From: x")  # never read
    source = MaildirSource(str(root))
    source.check()
    keys = [item.key for item in source.items(cursor=None, since=None, known=set())]
    assert keys == sorted([first, second])
    mark_read(root, first)  # new/ → cur/ with :2,S: the same message
    assert [i.key for i in source.items(cursor=None, since=None, known={first})] == [second]
    item = next(iter(source.items(cursor=None, since=None, known={second})))
    with item.open() as stream:
        assert b"Subject: one" in stream.read()


def test_open_finds_a_message_moved_after_the_listing(tmp_path: Path) -> None:
    root = make_maildir(tmp_path / "INBOX")
    key = deliver(root, message(sender=ANN, to=[ME], subject="moved"))
    (item,) = MaildirSource(str(root)).items(cursor=None, since=None, known=set())
    mark_read(root, key)
    with item.open() as stream:
        assert b"moved" in stream.read()


def test_check_refuses_missing_and_non_maildir(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no such Maildir folder"):
        MaildirSource(str(tmp_path / "nope")).check()
    (tmp_path / "plain").mkdir()
    with pytest.raises(NotFound, match=r"not a Maildir folder \(no cur/, new/, tmp/ inside\)"):
        MaildirSource(str(tmp_path / "plain")).check()


def test_specs_normalise_and_refuse_passwords(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert maildir_spec("~/Mail/INBOX/").name == f"maildir:{tmp_path}/Mail/INBOX"
    spec = imap_spec("IMAPS://me@IMAP.Example.com/INBOX", "pass show mail")
    assert spec.name == "imaps://me@imap.example.com:993/INBOX"
    assert spec.password_command == "pass show mail"
    assert imap_spec("imap://h").name == "imap://h:143/INBOX"
    with pytest.raises(Invalid, match="refusing an IMAP URL with a password"):
        imap_spec("imaps://me:secret@imap.example.com/INBOX")
    with pytest.raises(Invalid, match="imap:// or imaps://"):
        imap_spec("http://x")
    assert spec_from_config({"maildir": "/m"}).name == "maildir:/m"
    with pytest.raises(Invalid, match="exactly one of"):
        spec_from_config({"maildir": "/m", "imap": "imaps://h"})
    with pytest.raises(Invalid, match="unknown key"):
        spec_from_config({"maildir": "/m", "pasword_command": "x"})
