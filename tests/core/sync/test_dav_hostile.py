"""DavCollection against servers that misbehave: every failure one line, nothing read unbounded.

The listener (`scripted_http.py`) answers what each test writes, over a real socket:
what Radicale will never do (loops, entity bombs, endless replies, silence, a half
answered multiget) but a server in the wild, or a hostile one, may.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterator

import pytest

from crmcli.core.errors import CrmError, Invalid, NotFound, Refused
from crmcli.core.sync.dav import DavCollection
from tests.core.sync.scripted_http import Answer, Request, Scripted, multistatus, props, reply

BOOK = "<D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>"


def card(uid: str) -> bytes:
    return f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:Zoé {uid}\r\nEND:VCARD\r\n".encode()


def etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:12] + '"'


def address_book(
    items: dict[str, bytes], report: Callable[[Request], Answer] | None = None
) -> Callable[[Request], Answer]:
    """A small address book at /c/: PROPFIND, GET, and REPORT as `report` says (else 501)."""

    def answer(request: Request) -> Answer:
        if request.method == "PROPFIND" and request.path == "/c/":
            if request.headers.get("depth") == "0":
                return multistatus(props("/c/", BOOK))
            return multistatus(
                props("/c/", BOOK),
                *(props(f"/c/{n}", f"<D:getetag>{etag(b)}</D:getetag>") for n, b in items.items()),
            )
        if request.method == "GET" and request.path.startswith("/c/"):
            body = items.get(request.path[3:])
            if body is None:
                return reply(404)
            return reply(200, body, {"ETag": etag(body), "Content-Type": "text/vcard"})
        if request.method == "REPORT":
            return report(request) if report else reply(501, b"no REPORT here")
        return reply(405)

    return answer


@pytest.fixture
def serve() -> Iterator[Callable[..., Scripted]]:
    started: list[Scripted] = []

    def start(answer: Callable[[Request], Answer], *, close_after_each: bool = False) -> Scripted:
        server = Scripted(answer, close_after_each=close_after_each)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
    for server in started:
        assert not server.errors, server.errors


def book(server: Scripted, path: str = "/c/", **options: float) -> DavCollection:
    return DavCollection("contacts", server.url + path, **options)  # type: ignore[arg-type]


def failure(collection: DavCollection, action: Callable[[], object] | None = None) -> CrmError:
    with pytest.raises(CrmError) as caught:
        if action is None:
            collection.check()
        else:
            action()
    collection.close()
    assert "\n" not in caught.value.message
    return caught.value


def test_a_redirect_loop_is_cut(serve: Callable[..., Scripted]) -> None:
    server = serve(lambda r: reply(302, headers={"Location": f"{r.path}x"}))
    error = failure(book(server))
    assert isinstance(error, NotFound) and "redirects more than 5 times" in error.message
    assert len(server.requests) == 6


def test_a_login_crm_does_not_speak(serve: Callable[..., Scripted]) -> None:
    server = serve(lambda r: reply(401, headers={"WWW-Authenticate": 'Bearer realm="x"'}))
    collection = DavCollection(
        "contacts", server.url + "/c/", username="me", password_command="echo pw"
    )
    error = failure(collection)
    assert isinstance(error, Refused) and "asks for Bearer authentication" in error.message
    assert server.requests[0].headers["authorization"].startswith("Basic ")


def digest_server(items: dict[str, bytes], password: str) -> Callable[[Request], Answer]:
    """The address book behind Digest logins (RFC 7616, MD5, qop=auth), its nonce renewed
    (stale=true) after three requests, as Baïkal set to Digest would."""
    inner = address_book(items)
    nonce, served = ["n-1"], [0]

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    def answer(request: Request) -> Answer:
        given = dict(
            re.findall(r'(\w+)="?([^",]*)"?', request.headers.get("authorization", "")[7:])
        )
        stale = "false"
        if request.headers.get("authorization", "").startswith("Digest "):
            first = md5(f"{given['username']}:crm-test:{password}")
            second = md5(f"{request.method}:{given['uri']}")
            expected = md5(
                f"{first}:{given['nonce']}:{given['nc']}:{given['cnonce']}:auth:{second}"
            )
            if given["nonce"] != nonce[0]:
                stale = "true"
            elif given["response"] == expected and given["uri"] == request.path:
                served[0] += 1
                if served[0] % 3 == 0:
                    nonce[0] = f"n-{served[0]}"  # expires after this answer
                return inner(request)
        challenge = f'Digest realm="crm-test", qop="auth", nonce="{nonce[0]}", stale={stale}'
        return reply(401, headers={"WWW-Authenticate": challenge})

    return answer


def test_a_server_asking_for_digest(serve: Callable[..., Scripted]) -> None:
    items = {f"{n}.vcf": card(str(n)) for n in range(3)}
    server = serve(digest_server(items, "pässword"))
    collection = DavCollection(
        "contacts", server.url + "/c/", username="zoé", password_command="echo pässword"
    )
    collection.check()
    for _ in range(3):  # across a nonce renewal
        assert len(collection.list()) == 3
    assert len(list(collection.get(sorted(collection.list())))) == 3
    collection.close()
    sent = [r.headers.get("authorization", "").split(" ")[0] for r in server.requests]
    assert sent[:2] == ["Basic", "Digest"]
    assert sent.count("Basic") == 1  # Digest from then on, without a round trip each time
    assert set(sent[1:]) == {"Digest"}
    wrong = DavCollection(
        "contacts", server.url + "/c/", username="zoé", password_command="echo wrong"
    )
    error = failure(wrong)
    assert isinstance(error, Refused)
    assert error.message.startswith("wrong user or password")


def test_xml_declaring_entities_is_refused(serve: Callable[..., Scripted]) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<D:multistatus xmlns:D="DAV:"><D:response><D:href>&b;</D:href></D:response>'
        b"</D:multistatus>"
    )
    server = serve(lambda r: reply(207, bomb, {"Content-Type": "application/xml"}))
    error = failure(book(server))
    assert isinstance(error, NotFound) and "declaring entities" in error.message


def test_malformed_xml(serve: Callable[..., Scripted]) -> None:
    server = serve(lambda r: reply(207, b"<D:multistatus xmlns:D='DAV:'><D:response>"))
    error = failure(book(server))
    assert isinstance(error, NotFound) and "malformed XML" in error.message


def test_a_web_page_is_not_a_dav_server(serve: Callable[..., Scripted]) -> None:
    server = serve(lambda r: reply(200, b"<html>Welcome</html>", {"Content-Type": "text/html"}))
    error = failure(book(server))
    assert isinstance(error, NotFound) and "is not a CardDAV server" in error.message


def test_not_http_at_all(serve: Callable[..., Scripted]) -> None:
    server = serve(lambda r: b"SSH-2.0-OpenSSH_9.2\r\n")
    error = failure(book(server))
    assert isinstance(error, NotFound) and "does not speak HTTP" in error.message


def test_a_server_that_never_answers(serve: Callable[..., Scripted]) -> None:
    server = serve(lambda r: None)
    started = time.monotonic()
    error = failure(book(server, timeout=0.5))
    assert time.monotonic() - started < 5
    assert isinstance(error, NotFound) and "no answer within 0.5 s" in error.message


def test_an_endless_reply_is_cut_at_the_limit(serve: Callable[..., Scripted]) -> None:
    def endless(request: Request) -> Answer:
        if request.headers.get("depth") == "0":
            return multistatus(props("/c/", BOOK))
        head = (
            b"HTTP/1.1 207 Multi-Status\r\nContent-Type: application/xml\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        start = b'<D:multistatus xmlns:D="DAV:"><D:response><D:href>/c/a.vcf</D:href><D:x>'

        def chunks() -> Iterator[bytes]:
            yield head + b"%x\r\n%s\r\n" % (len(start), start)
            filler = b"a" * 65536
            while True:  # never ends: the client must stop reading
                yield b"%x\r\n%s\r\n" % (len(filler), filler)

        return chunks()

    server = serve(endless)
    collection = book(server, max_item=100_000)
    collection.check()
    error = failure(collection, collection.list)
    assert isinstance(error, Refused) and "over the 97.7 KB" in error.message


def test_a_declared_length_over_the_limit_is_not_read(serve: Callable[..., Scripted]) -> None:
    big = card("big") + b"NOTE:" + b"x" * 50_000 + b"\r\n"
    server = serve(address_book({"big.vcf": big}))
    collection = book(server, max_item=10_000)
    collection.check()
    error = failure(collection, lambda: list(collection.get(["/c/big.vcf"])))
    assert isinstance(error, Refused) and "over the" in error.message


def test_without_multiget_items_come_one_by_one(serve: Callable[..., Scripted]) -> None:
    items = {f"{n}.vcf": card(str(n)) for n in range(5)}
    server = serve(address_book(items))
    collection = book(server)
    collection.check()
    listed = collection.list()
    assert listed == {f"/c/{n}": etag(b) for n, b in items.items()}
    got = {i.href: i.body for i in collection.get(sorted(listed))}
    assert got == {f"/c/{n}": b for n, b in items.items()}
    methods = [r.method for r in server.requests]
    assert methods.count("REPORT") == 1  # refused once, then never asked again
    assert methods.count("GET") == 5
    collection.close()


def test_a_half_answered_multiget_is_completed_one_by_one(serve: Callable[..., Scripted]) -> None:
    items = {"a.vcf": card("a"), "b.vcf": card("b"), "c d.vcf": card("c")}

    def half(request: Request) -> Answer:
        # a.vcf answered (absolute href, LF line ends as XML gives them), b.vcf without
        # its data, "c d.vcf" not mentioned at all.
        data = items["a.vcf"].decode().replace("\r\n", "\n")
        return multistatus(
            props(
                "http://127.0.0.1/c/a.vcf",
                f"<D:getetag>{etag(items['a.vcf'])}</D:getetag>"
                f"<CR:address-data>{data}</CR:address-data>",
            ),
            props("/c/b.vcf", f"<D:getetag>{etag(items['b.vcf'])}</D:getetag>"),
        )

    answer = address_book({"a.vcf": items["a.vcf"], "b.vcf": items["b.vcf"]}, half)

    def with_spaces(request: Request) -> Answer:
        if request.method == "GET" and request.path == "/c/c%20d.vcf":
            return reply(200, items["c d.vcf"], {"ETag": '"c"'})
        return answer(request)

    server = serve(with_spaces)
    collection = book(server)
    collection.check()
    got = {i.href: i for i in collection.get(["/c/a.vcf", "/c/b.vcf", "/c/c d.vcf"])}
    assert sorted(got) == ["/c/a.vcf", "/c/b.vcf", "/c/c%20d.vcf"]
    assert got["/c/a.vcf"].body == items["a.vcf"]  # CRLF restored
    assert got["/c/c%20d.vcf"].etag == '"c"'
    assert [r.path for r in server.requests if r.method == "GET"] == ["/c/b.vcf", "/c/c%20d.vcf"]
    collection.close()


def test_a_keep_alive_connection_closed_while_idle_is_reopened(
    serve: Callable[..., Scripted],
) -> None:
    items = {"a.vcf": card("a")}
    server = serve(address_book(items), close_after_each=True)
    collection = book(server)
    collection.check()
    for _ in range(3):
        assert collection.list() == {"/c/a.vcf": etag(items["a.vcf"])}
    assert server.connections == len(server.requests) == 4
    collection.close()


def test_a_url_the_rep_cannot_have_meant(serve: Callable[..., Scripted]) -> None:
    server = serve(lambda r: reply(404))
    with pytest.raises(Invalid):
        DavCollection("contacts", "webcal://example.com/c/")
    error = failure(book(server, "/nothing/"))
    assert isinstance(error, NotFound) and error.message.startswith("nothing at ")
