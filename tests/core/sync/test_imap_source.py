"""The IMAP source against a real Dovecot: what it offers, what it skips, how it fails."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Set
from datetime import UTC, date, datetime, timedelta

import pytest

from crmcli.core.errors import CrmError, Invalid, NotFound, Refused
from crmcli.core.interchange.mailmsg import parse_message
from crmcli.core.sync.imap import ImapSource, _mutf7, imap_date, parse_fetch
from crmcli.core.sync.mail import open_source
from crmcli.core.sync.sources import BODY_PREFIX, imap_spec
from tests.core.sync import dovecot

pytestmark = pytest.mark.subprocess


def source(
    account: dovecot.Account,
    mailbox: str = "INBOX",
    *,
    scheme: str = "imap",
    command: str | None = "",
    batch: int = 50,
) -> ImapSource:
    spec = imap_spec(
        account.url(mailbox, scheme=scheme),
        account.password_command if command == "" else command,
    )
    return ImapSource(spec, batch=batch)


def run(
    src: ImapSource,
    cursor: str | None = None,
    since: date | None = None,
    known: Set[str] = frozenset(),
) -> tuple[list[tuple[str, bytes]], str | None]:
    """check, items (each opened and read), cursor_after, close: as the engine drives it."""
    src.check()
    try:
        got = []
        for item in src.items(cursor=cursor, since=since, known=known):
            with item.open() as stream:
                got.append((item.key, stream.read()))
        return got, src.cursor_after()
    finally:
        src.close()


def test_offers_every_message_in_uid_order_with_its_head(imap: dovecot.Account) -> None:
    imap.append(
        [
            dovecot.message(message_id="<1@x>", subject="First"),
            dovecot.message(
                sender="=?UTF-8?Q?Ren=C3=A9e_Fran=C3=A7ois?= <renee@example.fr>",
                subject="=?UTF-8?B?UsOpdW5pb24gw6AgUMOpa2lu?=",
                message_id="<2@x>",
                body="Déjà vu à Pékin, 北京.\n",
            ),
        ]
    )
    validity = imap.uidvalidity()
    got, cursor = run(source(imap))
    assert [key for key, _ in got] == [f"{validity}:1", f"{validity}:2"]
    assert cursor == f"{validity}:2"
    facts = parse_message(got[1][1])
    assert facts.subject == "Réunion à Pékin"
    assert facts.senders == ["renee@example.fr"]
    assert facts.message_id == "<2@x>"
    assert facts.body == "Déjà vu à Pékin, 北京."


def test_the_name_is_the_normalised_url(imap: dovecot.Account) -> None:
    src = open_source(imap_spec(imap.url().upper().replace("IMAP://", "imap://")))
    assert isinstance(src, ImapSource)
    assert src.name == f"imap://{imap.user.upper()}@127.0.0.1:{imap.server.port}/INBOX"


def test_the_cursor_makes_a_second_run_ask_for_nothing(imap: dovecot.Account) -> None:
    imap.append([dovecot.message(message_id=f"<{n}@x>") for n in range(3)])
    _, cursor = run(source(imap))
    again, same = run(source(imap), cursor)
    assert again == []
    assert same == cursor
    imap.append([dovecot.message(message_id="<new@x>")])
    fresh, after = run(source(imap), cursor)
    validity = imap.uidvalidity()
    assert [key for key, _ in fresh] == [f"{validity}:4"]
    assert after == f"{validity}:4"


def test_known_keys_are_not_fetched(imap: dovecot.Account) -> None:
    imap.append([dovecot.message(message_id=f"<{n}@x>") for n in range(3)])
    validity = imap.uidvalidity()
    got, cursor = run(source(imap), known={f"{validity}:1", f"{validity}:3"})
    assert [key for key, _ in got] == [f"{validity}:2"]
    assert cursor == f"{validity}:3"  # known ones were handled before: the cursor moves on


def test_a_new_uidvalidity_offers_everything_again(imap: dovecot.Account) -> None:
    imap.append([dovecot.message(message_id=f"<{n}@x>") for n in range(2)], "Archive")
    _, cursor = run(source(imap, "Archive"))
    imap.recreate("Archive")
    imap.append([dovecot.message(message_id=f"<{n}@x>") for n in range(2)], "Archive")
    validity = imap.uidvalidity("Archive")
    assert cursor is not None and not cursor.startswith(f"{validity}:")
    got, after = run(source(imap, "Archive"), cursor)
    assert [key for key, _ in got] == [f"{validity}:1", f"{validity}:2"]
    assert after == f"{validity}:2"


def test_since_asks_the_server_and_leaves_the_cursor(imap: dovecot.Account) -> None:
    old = datetime(2025, 1, 10, 12, tzinfo=UTC)
    imap.append([dovecot.message(message_id="<old@x>")], when=old)
    imap.append([dovecot.message(message_id="<new@x>")], when=old + timedelta(days=60))
    validity = imap.uidvalidity()
    got, cursor = run(source(imap), since=date(2025, 2, 1))
    assert [key for key, _ in got] == [f"{validity}:2"]
    assert cursor is None  # the older message was never offered: a later full run still sees it
    got, cursor = run(source(imap), f"{validity}:0", since=date(2025, 2, 1))
    assert cursor == f"{validity}:0"


def test_a_20_mb_message_is_not_fetched_whole(imap: dovecot.Account) -> None:
    raw = dovecot.message(message_id="<big@x>", subject="Big", padding=20 * 1024 * 1024)
    imap.append([raw, dovecot.message(message_id="<small@x>")])
    got, _ = run(source(imap))
    head = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    assert got[0][1] == raw[: len(head) + BODY_PREFIX]
    assert parse_message(got[0][1]).subject == "Big"
    assert got[1][1] == dovecot.message(message_id="<small@x>")


def test_batches_and_any_order_of_opening(imap: dovecot.Account) -> None:
    raws = [dovecot.message(message_id=f"<{n}@x>", subject=f"n{n}") for n in range(7)]
    imap.append(raws)
    src = source(imap, batch=3)
    src.check()
    try:
        items = list(src.items(cursor=None, since=None, known=frozenset()))
        order = [4, 0, 6, 1, 2, 5, 3]
        for n in order:
            with items[n].open() as stream:
                assert stream.read() == raws[n]
    finally:
        src.close()


def test_a_message_gone_before_it_is_read_is_offered_again(imap: dovecot.Account) -> None:
    imap.append([dovecot.message(message_id=f"<{n}@x>") for n in range(4)])
    validity = imap.uidvalidity()
    src = source(imap, batch=1)
    src.check()
    try:
        items = list(src.items(cursor=None, since=None, known=frozenset()))
        items[0].open().close()
        imap.delete([2])
        with pytest.raises(NotFound, match="UID 2 is no longer"):
            items[1].open()
        items[2].open().close()
        assert src.cursor_after() == f"{validity}:1"
    finally:
        src.close()


def test_reading_does_not_mark_mail_read(imap: dovecot.Account) -> None:
    imap.append([dovecot.message(message_id="<1@x>")])
    run(source(imap))
    conn = imap.connect()
    try:
        conn.select("INBOX", readonly=True)
        _, flags = conn.uid("FETCH", "1", "(FLAGS)")
        assert b"\\Seen" not in flags[0]
    finally:
        conn.logout()


def test_starttls_is_used_on_imap_urls(imap: dovecot.Account) -> None:
    src = source(imap)
    src.check()
    try:
        assert isinstance(src._imap.sock, ssl.SSLSocket)  # type: ignore[union-attr]
    finally:
        src.close()


def test_imaps(imap: dovecot.Account) -> None:
    imap.append([dovecot.message(message_id="<1@x>")])
    got, _ = run(source(imap, scheme="imaps"))
    assert len(got) == 1


def test_plain_text_to_a_loopback_server_without_tls(imap_plain: dovecot.Account) -> None:
    imap_plain.append([dovecot.message(message_id="<1@x>")])
    got, _ = run(source(imap_plain))
    assert len(got) == 1


def test_mailbox_names_with_spaces_and_accents(imap: dovecot.Account) -> None:
    for n, box in enumerate(("Sent Items", "Envoyés", "R&D")):
        imap.append([dovecot.message(message_id=f"<{n}@x>")], _mutf7(box))
        got, _ = run(source(imap, box.replace(" ", "%20")))
        assert parse_message(got[0][1]).message_id == f"<{n}@x>"


# -- failures: one line, a CrmError, the password never in it --------------------------


def failure(src: ImapSource) -> CrmError:
    with pytest.raises(CrmError) as caught:
        src.check()
    src.close()
    assert "\n" not in caught.value.message
    assert dovecot.PASSWORD not in caught.value.message
    return caught.value


def test_an_unreachable_server(imap: dovecot.Account) -> None:
    port = dovecot.free_port()
    spec = imap_spec(f"imap://{imap.user}@127.0.0.1:{port}/INBOX", imap.password_command)
    error = failure(ImapSource(spec))
    assert isinstance(error, NotFound)
    assert error.message.startswith(f"cannot reach the IMAP server 127.0.0.1:{port}")


def test_an_unknown_host() -> None:
    spec = imap_spec("imaps://me@no-such-host.invalid/INBOX", "echo x")
    assert isinstance(failure(ImapSource(spec)), NotFound)


def test_a_wrong_password(imap: dovecot.Account) -> None:
    error = failure(source(imap, command="echo wrong-password"))
    assert isinstance(error, Refused)
    assert f"refused the login of {imap.user}" in error.message
    assert "wrong-password" not in error.message


def test_a_failing_password_command(imap: dovecot.Account) -> None:
    command = f"echo {dovecot.PASSWORD}; echo 'gpg: decryption failed' >&2; exit 2"
    error = failure(source(imap, command=command))
    assert isinstance(error, Refused)
    assert error.message.endswith("failed (exit 2): gpg: decryption failed")


def test_a_password_command_printing_nothing(imap: dovecot.Account) -> None:
    error = failure(source(imap, command="true"))
    assert isinstance(error, Refused) and "printed no password" in error.message


def test_no_password_command(imap: dovecot.Account) -> None:
    error = failure(source(imap, command=None))
    assert isinstance(error, Refused) and "needs a password_command" in error.message


def test_no_user_in_the_url(imap: dovecot.Account) -> None:
    spec = imap_spec(f"imap://127.0.0.1:{imap.server.port}/INBOX", imap.password_command)
    assert isinstance(failure(ImapSource(spec)), Invalid)


def test_a_missing_mailbox(imap: dovecot.Account) -> None:
    error = failure(source(imap, "Nope"))
    assert isinstance(error, NotFound)
    assert error.message.startswith("no mailbox 'Nope' on 127.0.0.1")


def test_an_untrusted_certificate(imap: dovecot.Account, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")
    for scheme in ("imaps", "imap"):  # IMAPS, then STARTTLS
        error = failure(source(imap, scheme=scheme))
        assert isinstance(error, Refused)
        assert "certificate" in error.message and "SSL_CERT_FILE" in error.message


def test_close_never_raises(imap: dovecot.Account) -> None:
    src = source(imap)
    src.close()  # never opened
    src.check()
    assert src._imap is not None
    src._imap.sock.shutdown(socket.SHUT_RDWR)  # the line dropped under it
    src.close()
    src.close()


def test_a_dropped_line_while_fetching_is_one_line(imap: dovecot.Account) -> None:
    imap.append([dovecot.message(message_id="<1@x>")])
    src = source(imap)
    src.check()
    items = list(src.items(cursor=None, since=None, known=frozenset()))
    assert src._imap is not None
    src._imap.sock.shutdown(socket.SHUT_RDWR)
    with pytest.raises(NotFound, match="lost the connection"):
        items[0].open()
    assert src.cursor_after() == f"{imap.uidvalidity()}:0"
    src.close()


# -- pure pieces ------------------------------------------------------------------------


def test_parse_fetch_takes_any_order_inline_parts_and_stray_answers() -> None:
    data: list[object] = [
        (b"1 (UID 7 BODY[HEADER] {10}", b"Subject: a"),
        (b" BODY[TEXT]<0> {3}", b"abc"),
        b")",
        b"2 (FLAGS (\\Seen))",
        (b"3 (BODY[TEXT]<0> {2}", b"zz"),
        (b" BODY[HEADER] {4}", b"H: b"),
        b" UID 9)",
        (b"4 (UID 11 BODY[HEADER] {4}", b"H: c"),
        b' BODY[TEXT]<0> "")',
        (b"5 (UID 12 BODY[HEADER] {4}", b"H: d"),
        b" BODY[TEXT]<0> NIL)",
        b"6 (UID 13 BODY[HEADER] NIL BODY[TEXT]<0> NIL)",
    ]
    assert parse_fetch(data) == {
        7: b"Subject: aabc",
        9: b"H: bzz",
        11: b"H: c",
        12: b"H: d",
    }


def test_imap_dates_are_english_whatever_the_locale() -> None:
    assert imap_date(date(2026, 3, 2)) == "02-Mar-2026"
    assert imap_date(date(2025, 12, 31)) == "31-Dec-2025"


def test_modified_utf7_names() -> None:
    assert _mutf7("INBOX") == "INBOX"
    assert _mutf7("Envoyés") == "Envoy&AOk-s"
    assert _mutf7("R&D") == "R&-D"
    assert _mutf7("台北") == "&U,BTFw-"  # RFC 3501's own example
