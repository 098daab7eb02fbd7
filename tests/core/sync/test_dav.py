"""DavCollection against a real Radicale: discovery, logins, etags, conflicts, odd hrefs, sizes.

Every test talks HTTP to the Radicale the fixtures start (`radicale.py`), as its own
user; `Account.request`/`put` is a second client (the phone) changing things behind
the back of the collection under test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crmcli.core.errors import Conflict, CrmError, Invalid, NotFound, Refused
from crmcli.core.sync.dav import DavCollection
from crmcli.core.sync.webdav import canonical
from tests.core.sync import radicale
from tests.core.sync.vdirsyncer_chain import Chain, khal, khal_config, khard, khard_config

pytestmark = pytest.mark.subprocess


def card(uid: str, name: str = "Hélène Dupré", extra: str = "") -> bytes:
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nN:;{name};;;\r\n"
        f"{extra}END:VCARD\r\n"
    ).encode()


def event(uid: str, summary: str = "Call Hélène") -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260302T080000Z\r\nDTSTART:20260302T090000Z\r\n"
        f"DTEND:20260302T093000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def opened(
    account: radicale.Account,
    kind: str = "contacts",
    url: str | None = None,
    **options: object,
) -> DavCollection:
    collection = DavCollection(
        "calendar" if kind == "calendar" else "contacts",
        url or account.url(kind),
        username=account.user,
        password_command=account.password_command,
        **options,  # type: ignore[arg-type]
    )
    collection.check()
    return collection


def failure(collection: DavCollection) -> CrmError:
    with pytest.raises(CrmError) as caught:
        collection.check()
    return caught.value


# -- check and discovery ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["calendar", "contacts"])
@pytest.mark.parametrize("where", ["collection", "principal", "root", "well-known"])
def test_the_collection_is_found_from_any_url(dav: radicale.Account, kind: str, where: str) -> None:
    url = {
        "collection": dav.url(kind),
        "principal": dav.principal_url,
        "root": dav.root_url,
        # Radicale answers /.well-known/ with a redirect to its root.
        "well-known": f"{dav.root_url}.well-known/{'caldav' if kind == 'calendar' else 'carddav'}",
    }[where]
    collection = opened(dav, kind, url)
    try:
        assert collection.collection == dav.url(kind)
        assert collection.list() == {}
    finally:
        collection.close()


def test_several_collections_are_listed_for_the_rep_to_pick(dav: radicale.Account) -> None:
    second = dav.mkcalendar("Équipe ventes")
    dav.mkcalendar("tasks", components="VTODO")  # a task list holds no events: not offered
    error = failure(
        DavCollection(
            "calendar", dav.root_url, username=dav.user, password_command=dav.password_command
        )
    )
    assert isinstance(error, Invalid)
    assert error.message.startswith(f"several calendars at http://{dav.user}@127.0.0.1:")
    assert dav.calendar_url in error.message and second in error.message
    assert "(Équipe ventes)" in error.message and "tasks" not in error.message
    assert "\n" not in error.message
    # The rep picks one: it is used as is.
    picked = opened(dav, "calendar", second)
    assert picked.collection == second
    picked.close()


def test_a_user_without_any_address_book(radicale_server: radicale.Radicale) -> None:
    account = radicale_server.add_user()
    error = failure(
        DavCollection(
            "contacts",
            account.root_url,
            username=account.user,
            password_command=account.password_command,
        )
    )
    assert isinstance(error, NotFound) and "no address book found" in error.message


def test_a_wrong_path_is_not_replaced_by_another_collection(dav: radicale.Account) -> None:
    error = failure(
        DavCollection(
            "calendar",
            f"{dav.principal_url}calendr/",
            username=dav.user,
            password_command=dav.password_command,
        )
    )
    assert isinstance(error, NotFound) and error.message.startswith("nothing at ")


def test_an_address_book_is_not_a_calendar(dav: radicale.Account) -> None:
    error = failure(
        DavCollection(
            "calendar",
            dav.addressbook_url,
            username=dav.user,
            password_command=dav.password_command,
        )
    )
    assert isinstance(error, Invalid) and "is an address book, not a calendar" in error.message


def test_a_task_list_is_not_a_calendar(dav: radicale.Account) -> None:
    tasks = dav.mkcalendar("tasks", components="VTODO")
    error = failure(
        DavCollection("calendar", tasks, username=dav.user, password_command=dav.password_command)
    )
    assert isinstance(error, Invalid) and "is a task list" in error.message


def test_a_wrong_password(dav: radicale.Account) -> None:
    collection = DavCollection(
        "contacts", dav.addressbook_url, username=dav.user, password_command="echo nope-pw"
    )
    error = failure(collection)
    assert isinstance(error, Refused)
    assert error.message == f"wrong user or password for {dav.addressbook_url}"
    assert "nope-pw" not in error.message


def test_the_user_may_be_in_the_url(dav: radicale.Account) -> None:
    url = dav.addressbook_url.replace("http://", f"http://{dav.user}@")
    book = DavCollection("contacts", url, password_command=dav.password_command)
    book.check()
    try:
        assert book.collection == dav.addressbook_url  # no user in the URLs it requests
        assert book.name == url and book.list() == {}
    finally:
        book.close()
    error = failure(DavCollection("contacts", url))
    assert isinstance(error, Refused) and "needs a password_command" in error.message
    error = failure(DavCollection("contacts", dav.addressbook_url, password_command="echo x"))
    assert isinstance(error, Invalid) and "needs a user name" in error.message


def test_no_credentials_for_a_server_that_wants_them(dav: radicale.Account) -> None:
    error = failure(DavCollection("contacts", dav.addressbook_url))
    assert isinstance(error, Refused) and "asks for a user name and password" in error.message


def test_a_failing_password_command(dav: radicale.Account) -> None:
    collection = DavCollection(
        "contacts",
        dav.addressbook_url,
        username=dav.user,
        password_command="echo 'gpg: decryption failed' >&2; exit 2",
    )
    error = failure(collection)
    assert isinstance(error, Refused)
    assert error.message.endswith("failed (exit 2): gpg: decryption failed")


def test_no_server_on_the_port() -> None:
    port = radicale.free_port()
    collection = DavCollection(
        "calendar", f"http://127.0.0.1:{port}/cal/", username="me", password_command="echo x"
    )
    error = failure(collection)
    assert isinstance(error, NotFound)
    assert error.message.startswith(f"cannot reach the CalDAV server 127.0.0.1:{port}")


def test_an_unknown_host() -> None:
    collection = DavCollection(
        "contacts", "https://me@no-such-host.invalid/dav/", password_command="echo x"
    )
    error = failure(collection)
    assert isinstance(error, NotFound)
    assert "cannot reach the CardDAV server no-such-host.invalid:443" in error.message


def test_no_password_over_plain_http_to_another_machine(tmp_path: Path) -> None:
    ran = tmp_path / "ran"
    collection = DavCollection(
        "contacts",
        "http://192.0.2.1/dav/me/contacts/",  # TEST-NET-1: never contacted
        username="me",
        password_command=f"touch {ran}; echo pw",
    )
    error = failure(collection)
    assert isinstance(error, Refused) and "over plain http" in error.message
    assert not ran.exists()  # refused before the password was even asked for


def test_urls_are_checked_and_named_without_secrets() -> None:
    with pytest.raises(Invalid, match="password in it"):
        DavCollection("contacts", "https://me:secret@dav.example.com/")
    with pytest.raises(Invalid, match="https://"):
        DavCollection("contacts", "ftp://dav.example.com/")
    with pytest.raises(Invalid, match="two user names"):
        DavCollection("contacts", "https://me@dav.example.com/", username="you")
    with pytest.raises(Invalid, match="query"):
        DavCollection("contacts", "https://dav.example.com/?x=1")
    named = DavCollection("calendar", " HTTPS://Dav.Example.COM:443/Me/Cal ", username="Me@x")
    assert named.name == "https://Me%40x@dav.example.com/Me/Cal/"
    assert DavCollection("calendar", "http://me@[::1]:80/c%20a/").name == "http://me@[::1]/c%20a/"
    same = DavCollection("calendar", "https://dav.example.com:8443/me/cal/", username="me")
    assert same.name == DavCollection("calendar", "https://me@dav.example.com:8443/me/cal").name


def test_hrefs_have_one_spelling() -> None:
    assert canonical("/a/b%40c.vcf") == canonical("/a/b@c.vcf") == "/a/b@c.vcf"
    assert canonical("/a/sp ace%c3%a9.vcf") == "/a/sp%20ace%C3%A9.vcf"
    assert canonical("/a/%7euser/é.ics") == "/a/~user/%C3%A9.ics"
    assert canonical("/a/x%2Fy.vcf") == "/a/x%2Fy.vcf"  # an escaped slash stays in the name
    assert canonical("/a/100%25.vcf") == "/a/100%25.vcf"


# -- items -----------------------------------------------------------------------------


def test_create_list_get_update_delete(dav: radicale.Account) -> None:
    book = opened(dav)
    try:
        href, etag = book.create("alice@example.com", card("alice@example.com"))
        assert href == f"/{dav.user}/contacts/alice@example.com.vcf"
        assert book.list() == {href: etag}
        [item] = list(book.get([href]))
        assert (item.href, item.etag) == (href, etag)
        assert item.body == card("alice@example.com")  # CRLF kept, UTF-8 intact
        # What another client sees is what was written.
        assert dav.request("GET", href).body == card("alice@example.com")
        new = book.update(href, card("alice@example.com", "Alice Martin"), etag)
        assert new != etag and book.list() == {href: new}
        assert b"FN:Alice Martin" in dav.request("GET", href).body
        book.delete(href, new)
        assert book.list() == {}
        assert dav.request("GET", href).status == 404
        book.delete(href, new)  # already gone: fine
    finally:
        book.close()


def test_events_too(dav: radicale.Account) -> None:
    calendar = opened(dav, "calendar")
    try:
        href, etag = calendar.create("crm-followup-7@book.crmcli", event("crm-followup-7"))
        assert href.endswith("/calendar/crm-followup-7@book.crmcli.ics")
        [item] = list(calendar.get([href]))
        assert item.etag == etag and b"SUMMARY:Call H\xc3\xa9l\xc3\xa8ne" in item.body
    finally:
        calendar.close()


def test_a_change_made_meanwhile_is_never_overwritten(dav: radicale.Account) -> None:
    book = opened(dav)
    try:
        href, etag = book.create("bob", card("bob", "Bob"))
        phone = dav.put(href, card("bob", "Bob from the phone"), etag=etag)
        with pytest.raises(Conflict, match="changed on the server"):
            book.update(href, card("bob", "Bob from crm"), etag)
        with pytest.raises(Conflict):
            book.delete(href, etag)
        assert b"Bob from the phone" in dav.request("GET", href).body
        assert book.list() == {href: phone}
        # With the etag it now sees, it may write.
        assert book.update(href, card("bob", "Bob from crm"), phone)
    finally:
        book.close()


def test_an_update_of_an_item_deleted_meanwhile(dav: radicale.Account) -> None:
    book = opened(dav)
    try:
        href, etag = book.create("carol", card("carol"))
        dav.delete(href)
        with pytest.raises(NotFound, match="is gone"):
            book.update(href, card("carol", "Carol"), etag)
        assert dav.request("GET", href).status == 404  # not recreated
        book.delete(href, etag)  # gone already: not an error
        assert list(book.get([href])) == []
    finally:
        book.close()


def test_create_never_replaces_an_item_of_that_name(dav: radicale.Account) -> None:
    book = opened(dav)
    try:
        other = card("dave", "Dave as the phone wrote him")
        dav.put(f"/{dav.user}/contacts/dave.vcf", other)
        with pytest.raises(Conflict, match="already exists"):
            book.create("dave", card("dave", "Dave from crm"))
        assert dav.request("GET", f"/{dav.user}/contacts/dave.vcf").body == other
    finally:
        book.close()


def test_many_items_come_in_few_requests(dav: radicale.Account) -> None:
    dav.fill("contacts", b"".join(card(f"p{i}", f"Person {i} Ünïcode") for i in range(250)))
    book = opened(dav, batch=100)
    try:
        made = {book.create(f"new{i}", card(f"new{i}"))[0] for i in range(3)}
        listed = book.list()
        assert len(listed) == 253 and made <= set(listed)
        before = book.requests
        got = {item.href: item for item in book.get(sorted(listed))}
        assert book.requests - before == 3  # multigets of 100, 100 and 53
        assert set(got) == set(listed)
        assert all(got[h].etag == listed[h] for h in listed)
        for href in (sorted(listed)[0], sorted(listed)[-1], *made):
            # The bytes another client GETs: line ends and UTF-8 intact through the XML.
            assert got[href].body == dav.request("GET", href).body
        assert "Person 7 Ünïcode".encode() in b"".join(i.body for i in got.values())
    finally:
        book.close()


def test_writing_while_reading(dav: radicale.Account) -> None:
    # An engine may write each item back as it reads it: the reads must not hold the line.
    dav.fill("contacts", b"".join(card(f"w{i}", f"Writer {i}") for i in range(150)))
    book = opened(dav, batch=100)
    try:
        etags = {}
        for item in book.get(sorted(book.list())):
            etags[item.href] = book.update(
                item.href, item.body.replace(b"Writer", b"Wrote"), item.etag
            )
        assert len(etags) == 150 and book.list() == etags
        assert all(b"FN:Wrote" in i.body for i in book.get(sorted(etags)))
    finally:
        book.close()


def test_a_second_item_with_the_same_uid_is_refused(dav: radicale.Account) -> None:
    book = opened(dav)
    try:
        book.create("first", card("same-uid"))
        with pytest.raises(Conflict, match="another item with this UID"):
            book.create("second", card("same-uid"))
        assert len(book.list()) == 1
    finally:
        book.close()


def test_a_user_name_and_password_beyond_ascii(radicale_server: radicale.Radicale) -> None:
    account = radicale_server.add_user("zoé", password="pa:ss wörd")
    account.mkaddressbook("contacts")
    book = opened(account)
    try:
        assert account.user.startswith("zoé")
        escaped = account.user.replace("é", "%C3%A9")
        port = radicale_server.port
        assert book.name == f"http://{escaped}@127.0.0.1:{port}/{escaped}/contacts/"
        href, _ = book.create("z", card("z"))
        assert list(book.list()) == [href]
    finally:
        book.close()
    found = opened(account, url=account.root_url)  # discovery through an escaped principal
    assert found.collection == account.addressbook_url and list(found.list()) == [href]
    found.close()


def test_items_named_with_spaces_and_escapes_by_another_client(dav: radicale.Account) -> None:
    path = f"/{dav.user}/contacts/Jos%C3%A9%20P%C3%A9rez%20%2B%20co%40home.vcf"
    dav.put(path, card("josé", "José Pérez"))
    book = opened(dav)
    try:
        [(href, etag)] = book.list().items()
        assert href == canonical(path)
        [item] = list(book.get([href]))
        assert "José Pérez".encode() in item.body
        new = book.update(href, card("josé", "José Pérez García"), etag)
        assert "García".encode() in dav.request("GET", path).body
        assert book.list() == {href: new}
        book.delete(href, new)
        assert dav.request("GET", path).status == 404
    finally:
        book.close()


def test_a_uid_that_is_not_a_file_name(dav: radicale.Account) -> None:
    book = opened(dav)
    try:
        href, _ = book.create("../x y/é?#", card("weird"))
        assert href == f"/{dav.user}/contacts/_x_y____.vcf"
        assert list(book.list()) == [href]
    finally:
        book.close()


def test_only_items_of_the_collection_are_touched(dav: radicale.Account) -> None:
    book = opened(dav)
    try:
        href, etag = book.create("kept", card("kept"))
        for bad in ("", '"a"\r\nX-Evil: 1', '"é☃"'):
            with pytest.raises(Invalid, match="etag"):
                book.update(href, card("kept", "Overwritten"), bad)
            with pytest.raises(Invalid, match="etag"):
                book.delete(href, bad)
        assert book.list() == {href: etag}
        for href in (f"/{dav.user}/calendar/x.ics", f"/{dav.user}/contacts/", "/", "x\0.vcf"):
            with pytest.raises(Invalid, match="not an item of"):
                book.delete(href, '"etag"')
    finally:
        book.close()


def test_an_item_over_the_limit_is_refused_not_read(dav: radicale.Account) -> None:
    big = card("big", extra="NOTE:" + "x" * 60_000 + "\r\n")
    dav.put(f"/{dav.user}/contacts/big.vcf", big)
    dav.put(f"/{dav.user}/contacts/small.vcf", card("small"))
    book = opened(dav, max_item=20_000)
    try:
        listed = book.list()
        assert len(listed) == 2
        with pytest.raises(Refused, match="over the"):
            list(book.get(sorted(listed)))
        with pytest.raises(Invalid, match="over the"):
            book.create("huge", big)
        assert len(book.list()) == 2  # nothing written; the connection still serves
    finally:
        book.close()


def test_items_one_by_one_where_there_is_no_multiget(dav: radicale.Account) -> None:
    # A server without multiget answers the REPORT with an error: each item is then
    # fetched with GET (forced here, as Radicale has multiget).
    book = opened(dav, max_item=20_000)
    try:
        href, etag = book.create("eve", card("eve"))
        book._multiget_works = False
        before = book.requests
        assert [(i.href, i.etag, i.body) for i in book.get([href])] == [(href, etag, card("eve"))]
        assert book.requests - before == 1
        dav.put(f"/{dav.user}/contacts/big.vcf", card("big", extra="NOTE:" + "y" * 30_000 + "\r\n"))
        with pytest.raises(Refused, match="over the"):
            list(book.get([f"/{dav.user}/contacts/big.vcf"]))
    finally:
        book.close()


def test_the_server_going_away_is_one_line(tmp_path: Path) -> None:
    server = radicale.start(tmp_path / "radicale")
    try:
        account = server.account()
        book = opened(account)
        book.create("a", card("a"))
    finally:
        server.stop()
    try:
        with pytest.raises(NotFound, match=r"cannot reach the CardDAV server 127\.0\.0\.1"):
            book.list()
    finally:
        book.close()


# -- the chain: vdirsyncer between a vdir and the same server --------------------------


@pytest.mark.slow
def test_what_vdirsyncer_uploads_from_a_vdir_is_read_back(
    dav: radicale.Account, tmp_path: Path
) -> None:
    vdir = tmp_path / "contacts"
    chain = Chain(tmp_path / "vds", "contacts", vdir, dav.addressbook_url, dav.user, dav.password)
    chain.write()
    # A card as khard writes it, in the vdir, under a name of its own choosing.
    vdir.mkdir(parents=True, exist_ok=True)
    (vdir / "khard-written.vcf").write_bytes(card("khard-1", "Zoé Khard"))
    chain.sync()
    book = opened(dav)
    try:
        listed = book.list()
        [item] = list(book.get(list(listed)))
        assert b"UID:khard-1" in item.body and "Zoé Khard".encode() in item.body
        # crm writes back; vdirsyncer brings the change down to the vdir, and khard reads it.
        book.update(item.href, card("khard-1", "Zoé Khard-Martin"), item.etag)
        book.create("crm-contact-9", card("crm-contact-9", "Ana Crm"))
    finally:
        book.close()
    chain.sync()
    texts = {p.name: p.read_bytes() for p in vdir.iterdir()}
    assert "Zoé Khard-Martin".encode() in texts["khard-written.vcf"]
    assert any(b"UID:crm-contact-9" in body for body in texts.values())
    listed_by_khard = khard(khard_config(tmp_path, vdir), "list", "--parsable")
    assert listed_by_khard.returncode == 0, listed_by_khard.stderr
    assert "Zoé Khard-Martin" in listed_by_khard.stdout and "Ana Crm" in listed_by_khard.stdout


@pytest.mark.slow
def test_an_event_crm_puts_on_the_server_reaches_khal(
    dav: radicale.Account, tmp_path: Path
) -> None:
    calendar = opened(dav, "calendar")
    try:
        calendar.create("crm-followup-3@book.crmcli", event("crm-followup-3", "Rappeler Zoé"))
    finally:
        calendar.close()
    vdir = tmp_path / "calendar"
    Chain(tmp_path / "vds", "calendar", vdir, dav.calendar_url, dav.user, dav.password).sync()
    assert [p.suffix for p in vdir.iterdir()] == [".ics"]
    shown = khal(khal_config(tmp_path, vdir), "list", "2026-03-02", "1d")
    assert shown.returncode == 0, shown.stderr
    assert "Rappeler Zoé" in shown.stdout and "10:00" in shown.stdout  # 09:00Z in Paris


# -- over TLS --------------------------------------------------------------------------


def test_over_https_with_a_trusted_certificate(dav_tls: radicale.Account) -> None:
    assert dav_tls.root_url.startswith("https://")
    book = opened(dav_tls, "contacts", dav_tls.root_url)
    try:
        assert book.collection == dav_tls.addressbook_url
        href, etag = book.create("tls", card("tls"))
        assert book.list() == {href: etag}
    finally:
        book.close()


def test_an_untrusted_certificate_is_refused(
    dav_tls: radicale.Account, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-ca.pem"))
    error = failure(
        DavCollection(
            "contacts",
            dav_tls.addressbook_url,
            username=dav_tls.user,
            password_command=dav_tls.password_command,
        )
    )
    assert isinstance(error, Refused)
    assert "TLS certificate of the CardDAV server 127.0.0.1:" in error.message
    assert "SSL_CERT_FILE" in error.message


def test_plain_http_to_a_tls_port(dav_tls: radicale.Account) -> None:
    url = dav_tls.addressbook_url.replace("https://", "http://")
    error = failure(
        DavCollection("contacts", url, username=dav_tls.user, password_command="echo x")
    )
    assert isinstance(error, NotFound) and "127.0.0.1" in error.message
    assert "(an https:// server?)" in error.message
