"""The test Dovecot itself: it answers, logs in (STARTTLS, IMAPS too), keeps what is appended."""

from __future__ import annotations

import imaplib

import pytest

from tests.core.sync import dovecot

pytestmark = pytest.mark.subprocess


def test_it_answers_and_keeps_appended_messages(imap: dovecot.Account) -> None:
    uids = imap.append(
        [
            dovecot.message(message_id="<1@x>"),
            dovecot.message(
                sender="=?UTF-8?Q?Ren=C3=A9e_Fran=C3=A7ois?= <renee@example.fr>",
                subject="=?UTF-8?B?UsOpdW5pb24gw6AgUMOpa2lu?=",
                message_id="<2@x>",
                body="Déjà vu, 北京.\n",
            ),
        ]
    )
    assert uids == [1, 2]
    conn = imap.connect()
    try:
        typ, data = conn.select("INBOX", readonly=True)
        assert (typ, data) == ("OK", [b"2"])
        typ, fetched = conn.uid("FETCH", "2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        assert typ == "OK"
        assert b"UsOpdW5pb24gw6AgUMOpa2lu" in fetched[0][1]
    finally:
        conn.logout()


def test_each_user_has_an_empty_mailbox(dovecot_server: dovecot.Dovecot) -> None:
    first, second = dovecot_server.account(), dovecot_server.account()
    first.append([dovecot.message()])
    conn = second.connect()
    try:
        assert conn.select("INBOX", readonly=True) == ("OK", [b"0"])
    finally:
        conn.logout()


def test_a_large_message_is_kept_whole(imap: dovecot.Account) -> None:
    raw = dovecot.message(message_id="<big@x>", padding=20 * 1024 * 1024)
    imap.append([raw])
    conn = imap.connect()
    try:
        conn.select("INBOX", readonly=True)
        typ, data = conn.uid("FETCH", "1", "(RFC822.SIZE)")
        assert typ == "OK"
        assert f"RFC822.SIZE {len(raw)}".encode() in data[0]
    finally:
        conn.logout()


def test_starttls_and_imaps_with_the_servers_certificate(
    imap: dovecot.Account, dovecot_server: dovecot.Dovecot
) -> None:
    context = dovecot.trusted(dovecot_server)
    conn = imaplib.IMAP4(dovecot.HOST, dovecot_server.port, timeout=10)
    assert "STARTTLS" in conn.capabilities
    conn.starttls(ssl_context=context)
    assert conn.login(imap.user, imap.password)[0] == "OK"
    conn.logout()
    secure = imaplib.IMAP4_SSL(dovecot.HOST, dovecot_server.imaps_port, ssl_context=context)
    assert secure.login(imap.user, imap.password)[0] == "OK"
    secure.logout()


def test_a_wrong_password_is_refused(imap: dovecot.Account) -> None:
    conn = imaplib.IMAP4(dovecot.HOST, imap.server.port, timeout=10)
    with pytest.raises(imaplib.IMAP4.error):
        conn.login(imap.user, "wrong")
    conn.logout()


def test_the_plain_server_offers_no_tls(imap_plain: dovecot.Account) -> None:
    conn = imaplib.IMAP4(dovecot.HOST, imap_plain.server.port, timeout=10)
    assert "STARTTLS" not in conn.capabilities
    conn.logout()
