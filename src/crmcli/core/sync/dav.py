"""A CalDAV calendar or a CardDAV address book as a `Collection`, with the standard library only.

No new dependency: what a sync needs of a DAV server is plain WebDAV (RFC 4918:
PROPFIND for every item's href and etag, PUT and DELETE with If-Match /
If-None-Match, so a write never clobbers a change made meanwhile) plus one REPORT
from CalDAV (RFC 4791, calendar-multiget) or CardDAV (RFC 6352,
addressbook-multiget) to fetch a hundred items per request, and the discovery of
RFC 6764 (/.well-known, current-user-principal, the home set). `http.client`,
`ssl`, `hashlib` and `xml.etree` do all of it, which is also what vdirsyncer
speaks to the same servers. `sync.webdav` is the wire (one keep-alive connection,
bounded replies, Basic or Digest logins), `sync.dav_discovery` finds the
collection when the rep names only the server.

The password comes from `password_command` at each run (`sync.secrets`), never
from the URL, and goes only over TLS or to this machine.

The source's `name` (its state's key in `sync_source`) is the URL as the rep gave
it, normalised, with the user name and without any password: stable from run to
run, known without asking the server, and distinct for two users of one server.
Hrefs are kept in one canonical spelling (`webdav.canonical`), so an item crm
created is recognised however the server spells it back.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Sequence
from urllib.parse import quote, unquote, urljoin, urlsplit
from xml.sax.saxutils import escape

from crmcli.core.errors import Conflict, CrmError, Invalid, NotFound, Refused
from crmcli.core.sync.collections import Item, Kind, item_name
from crmcli.core.sync.dav_discovery import FLAVOURS, locate, one, propfind, slashed
from crmcli.core.sync.secrets import loopback, password_from
from crmcli.core.sync.webdav import (
    DAV,
    Answer,
    Found,
    Wire,
    canonical,
    failed,
    reason_given,
    size_text,
    tag,
)

TIMEOUT = 30.0  # seconds to connect and for each read: a dead server fails, not hangs
MAX_ITEM = 20 * 1024 * 1024  # one event or card larger than this is refused, not read
BATCH = 100  # hrefs per multiget
BATCH_BYTES = 64 * 1024 * 1024  # bodies one multiget may hold before the rest come one by one
# A server that will not answer a multiget (an old or minimal one): each item is
# then fetched with GET.
_NO_MULTIGET = (400, 403, 405, 415, 422, 501)


class DavCollection:
    """A calendar or an address book on a CalDAV/CardDAV server (Radicale, Nextcloud, ...).

    `url` is `http[s]://[user@]host[:port]/path`, of the collection itself or of
    the server (its principal, its root): `check()` discovers the collection.
    `username` (or the user in the URL) and `password_command` log in (HTTP Basic,
    or Digest where the server asks for it). `max_item` bounds one item's size,
    `batch` the hrefs per multiget; `timeout` is per connection and per read.
    """

    def __init__(
        self,
        kind: Kind,
        url: str,
        *,
        username: str | None = None,
        password_command: str | None = None,
        timeout: float = TIMEOUT,
        max_item: int = MAX_ITEM,
        batch: int = BATCH,
    ) -> None:
        self.kind: Kind = kind
        self._flavour = FLAVOURS[kind]
        self.extension = self._flavour.extension
        self.url, self.user = _parse(url, username, self._flavour.protocol)
        self.name = _name(self.url, self.user)
        self.password_command = password_command
        self.timeout = timeout
        self.max_item = max(1, max_item)
        self.batch = max(1, batch)
        self.collection: str | None = None  # the collection's URL, once check() found it
        self._path = ""  # its canonical path, ending in "/"
        self._wire: Wire | None = None
        self._multiget_works = True

    # -- the Collection protocol --------------------------------------------------------

    def check(self) -> None:
        """Log in and find the collection; one clear error otherwise (the connection closed)."""
        try:
            self._check()
        except BaseException:
            self.close()
            raise

    def list(self) -> dict[str, str]:
        """Every item's canonical href and etag (PROPFIND, Depth 1): one request.

        Sub-collections and the collection itself are left out; so is a resource
        without an etag, which no write could name safely.
        """
        wire, url = self._require()
        body = propfind(self._flavour, "<D:getetag/><D:resourcetype/>")
        found: dict[str, str] = {}
        for entry in self._multistatus(wire, "PROPFIND", url, body, depth="1"):
            href = self._href(entry.href)
            if href is None or href == self._path:
                continue
            kinds = entry.props.get(tag(DAV, "resourcetype"))
            if kinds is not None and kinds.find(tag(DAV, "collection")) is not None:
                continue
            etag = (entry.text(tag(DAV, "getetag")) or "").strip()
            if etag:
                found[href] = etag
        return found

    def get(self, hrefs: Sequence[str]) -> Iterator[Item]:
        """The items' bodies and etags, a multiget per `batch` hrefs; one gone is left out."""
        wire, _ = self._require()
        wanted = [self._own(href) for href in hrefs]
        for start in range(0, len(wanted), self.batch):
            chunk = wanted[start : start + self.batch]
            if self._multiget_works:
                yield from self._multiget_batch(wire, chunk)
            else:
                for href in chunk:
                    item = self._fetch(wire, href)
                    if item is not None:
                        yield item

    def create(self, uid: str, body: bytes) -> tuple[str, str]:
        """PUT a new item named after `uid` (If-None-Match: *): Conflict if the name is taken."""
        wire, _ = self._require()
        self._fits(body)
        href = self._path + canonical(item_name(uid, self.extension))
        answer = self._put(wire, href, body, {"If-None-Match": "*"})
        if answer.status == 412:
            raise Conflict(f"{self._url(href)} already exists")
        self._written(answer, href, "create")
        return href, self._etag_after(wire, answer, href)

    def update(self, href: str, body: bytes, etag: str) -> str:
        """PUT over the item if its etag is still `etag` (If-Match); its new etag."""
        wire, _ = self._require()
        href = self._own(href)
        _sendable(etag, self._url(href))
        self._fits(body)
        answer = self._put(wire, href, body, {"If-Match": etag})
        if answer.status in (404, 410):
            raise NotFound(f"{self._url(href)} is gone")
        if answer.status == 412:
            raise self._precondition(wire, href)
        self._written(answer, href, "update")
        return self._etag_after(wire, answer, href)

    def delete(self, href: str, etag: str) -> None:
        """DELETE the item if its etag is still `etag`; already gone is not an error."""
        wire, _ = self._require()
        href = self._own(href)
        _sendable(etag, self._url(href))
        answer = wire.call("DELETE", self._url(href), headers={"If-Match": etag})
        if answer.status in (200, 202, 204, 404, 410):
            return
        if answer.status == 412:
            error = self._precondition(wire, href)
            if isinstance(error, NotFound):
                return  # deleted meanwhile: what was wanted
            raise error
        self._written(answer, href, "delete")

    @property
    def requests(self) -> int:
        """HTTP requests sent since check(): what the sync cost the server."""
        return self._wire.requests if self._wire is not None else 0

    def close(self) -> None:
        """Close the connection and forget the password; never raises."""
        wire, self._wire = self._wire, None
        if wire is not None:
            wire.close()

    # -- check and discovery -----------------------------------------------------------

    def _check(self) -> None:
        flavour = self._flavour
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        password: str | None = None
        if self.password_command and not self.user:
            raise Invalid(
                f"{self.name}: a password_command needs a user name "
                f"(username = ..., or https://me@{host}/...)"
            )
        if self.user:
            if parts.scheme == "http" and not loopback(host):
                raise Refused(
                    f"refusing to send the password for {self.name} over plain http: "
                    "use https:// (plain http only to this machine)"
                )
            password = password_from(self.password_command, self.name, example="pass show dav/me")
        self.close()
        self._wire = Wire(
            user=self.user,
            password=password,
            timeout=self.timeout,
            limit=self.max_item,
            protocol=flavour.protocol,
        )
        self.collection = locate(self._wire, flavour, self.url, self.name)
        self._path = canonical(urlsplit(self.collection).path)

    # -- items -------------------------------------------------------------------------

    def _multiget_batch(self, wire: Wire, hrefs: Sequence[str]) -> Iterator[Item]:
        """One multiget, read whole before its first item is yielded.

        The caller may write between two items (update the one it just read): the
        connection must be free by then. Past `BATCH_BYTES` of bodies the reply is
        abandoned and the rest of the batch fetched one by one, so a batch of large
        items (contact photos) never holds more than that.
        """
        items, rest = self._multiget(wire, hrefs)
        yield from items
        # An href the server did not mention at all is fetched alone rather than taken
        # for gone: only list() says what is gone.
        for href in rest:
            item = self._fetch(wire, href)
            if item is not None:
                yield item

    def _multiget(
        self, wire: Wire, hrefs: Sequence[str]
    ) -> tuple[builtins.list[Item], builtins.list[str]]:
        """The items a multiget brings, and the hrefs still to fetch one by one."""
        flavour = self._flavour
        _, url = self._require()
        listed = "".join(f"<D:href>{escape(href)}</D:href>" for href in hrefs)
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<X:{flavour.multiget} xmlns:D="DAV:" xmlns:X="{flavour.namespace}">'
            f"<D:prop><D:getetag/><X:{flavour.data}/></D:prop>{listed}"
            f"</X:{flavour.multiget}>"
        ).encode()
        reply, _ = wire.multistatus("REPORT", url, body, depth="1")
        if isinstance(reply, Answer):
            if reply.status in _NO_MULTIGET:
                self._multiget_works = False
                return [], list(hrefs)
            raise failed(reply, "REPORT")
        missing: dict[str, None] = dict.fromkeys(hrefs)
        items: builtins.list[Item] = []
        held = 0
        try:
            for entry in reply:
                got = self._href(entry.href)
                if got is None or got not in missing:
                    continue
                data = entry.text(tag(flavour.namespace, flavour.data))
                etag = (entry.text(tag(DAV, "getetag")) or "").strip()
                if entry.status in (404, 410):
                    del missing[got]  # gone since it was listed
                    continue
                if not data or not etag:
                    continue  # a partial answer: asked again alone
                content = _crlf(data.encode("utf-8"))
                if len(content) > self.max_item:
                    raise self._too_large(got)
                del missing[got]
                items.append(Item(got, etag, content))
                held += len(content)
                if held > BATCH_BYTES:
                    break  # the rest of this batch one by one
        finally:
            reply.close()  # read to its end already, or dropped with its connection
        return items, list(missing)

    def _fetch(self, wire: Wire, href: str) -> Item | None:
        """One item with GET; None if it is gone."""
        answer = wire.call("GET", self._url(href))
        if answer.status in (404, 410):
            return None
        if answer.status != 200:
            raise failed(answer, "GET")
        etag = (answer.header("ETag") or "").strip() or self._etag_of(wire, href)
        if not etag:
            raise NotFound(f"{self._url(href)}: the server gives no etag for it")
        return Item(href, etag, answer.body)

    def _put(self, wire: Wire, href: str, body: bytes, condition: dict[str, str]) -> Answer:
        headers = {"Content-Type": self._flavour.content_type, **condition}
        return wire.call("PUT", self._url(href), body=body, headers=headers)

    def _written(self, answer: Answer, href: str, verb: str) -> None:
        """Accept a write's 2xx; say why the server refused anything else."""
        if 200 <= answer.status < 300:
            return
        if answer.status == 409:
            raise Conflict(
                f"the server refused to {verb} {self._url(href)}: {reason_given(answer)} "
                "(another item with this UID?)"
            )
        raise failed(answer, verb)

    def _etag_after(self, wire: Wire, answer: Answer, href: str) -> str:
        """The etag a write produced: the reply's ETag, else the server's getetag."""
        etag = (answer.header("ETag") or "").strip()
        return etag or self._etag_of(wire, href)

    def _etag_of(self, wire: Wire, href: str) -> str:
        entry, _ = one(wire, self._flavour, self._url(href), "<D:getetag/>")
        return ((entry.text(tag(DAV, "getetag")) if entry else None) or "").strip()

    def _precondition(self, wire: Wire, href: str) -> CrmError:
        """After a 412: NotFound if the item is gone, else Conflict (changed meanwhile)."""
        if not self._etag_of(wire, href):
            return NotFound(f"{self._url(href)} is gone")
        return Conflict(f"{self._url(href)} changed on the server since it was read")

    # -- helpers -----------------------------------------------------------------------

    def _require(self) -> tuple[Wire, str]:
        if self._wire is None or self.collection is None:
            raise Refused(f"{self.name}: not connected (check() first)")
        return self._wire, self.collection

    def _multistatus(
        self, wire: Wire, method: str, url: str, body: bytes, *, depth: str
    ) -> Iterator[Found]:
        reply, _ = wire.multistatus(method, url, body, depth=depth)
        if isinstance(reply, Answer):
            if reply.status in (404, 410):
                raise NotFound(f"the {self._flavour.what} {url} is gone")
            raise failed(reply, method)
        return reply

    def _href(self, text: str) -> str | None:
        """A server's href, made canonical; None unless it names the collection or an item in it."""
        if not self.collection:
            return None
        if text.startswith("/") and not text.startswith("//"):
            path = canonical(text.partition("?")[0].partition("#")[0])
        else:
            path = canonical(urlsplit(urljoin(self.collection, text)).path)
        if path.rstrip("/") == self._path.rstrip("/"):
            return self._path
        rest = path[len(self._path) :] if path.startswith(self._path) else ""
        if not rest or "/" in rest.rstrip("/"):
            return None
        return path

    def _own(self, href: str) -> str:
        """An href handed in, canonical; Invalid unless it is an item of this collection."""
        path = self._href(href) if href and "\0" not in href else None
        if path is None or path == self._path or path.endswith("/"):
            raise Invalid(f"not an item of {self.collection}: {href!r}")
        return path

    def _url(self, href: str) -> str:
        return urljoin(self.collection or self.url, href)

    def _fits(self, body: bytes) -> None:
        if len(body) > self.max_item:
            raise Invalid(
                f"an item of {size_text(len(body))} is over the "
                f"{size_text(self.max_item)} an item may hold"
            )

    def _too_large(self, href: str) -> CrmError:
        return Refused(
            f"{self._url(href)} is over the {size_text(self.max_item)} crm reads of one item: "
            "refused"
        )


def _parse(url: str, username: str | None, protocol: str) -> tuple[str, str | None]:
    """The URL without credentials (scheme and host lower-case) and the user name, or Invalid."""
    text = url.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Invalid(f"a {protocol} URL must start with https:// (or http://), not {url!r}")
    if parts.password is not None:
        raise Invalid(
            f"refusing a {protocol} URL with a password in it: give password_command instead "
            '(e.g. password_command = "pass show dav/me")'
        )
    host = parts.hostname
    if not host:
        raise Invalid(f"a {protocol} URL needs a host: {url!r}")
    try:
        port = parts.port
    except ValueError:
        raise Invalid(f"a {protocol} URL has a bad port: {url!r}") from None
    if parts.query or parts.fragment:
        raise Invalid(f"a {protocol} URL has no ?query or #fragment: {url!r}")
    given = unquote(parts.username) if parts.username else None
    user = username.strip() if username is not None and username.strip() else None
    if given and user and given != user:
        raise Invalid(f"two user names for {protocol}: {given!r} in the URL, {user!r} given")
    user = user or given
    if user is not None and (":" in user or any(ord(c) < 32 for c in user)):
        raise Invalid(f"a {protocol} user name cannot hold ':' or control characters")
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    netloc = shown if port in (None, default) else f"{shown}:{port}"
    path = canonical(parts.path or "/")
    return f"{scheme}://{netloc}{path}", user


def _name(url: str, user: str | None) -> str:
    """The source's name: its URL with the user (percent-encoded) and a trailing slash."""
    parts = urlsplit(url)
    who = f"{quote(user, safe='')}@" if user else ""
    return f"{parts.scheme}://{who}{parts.netloc}{slashed(parts.path)}"


def _sendable(etag: str, url: str) -> None:
    """Refuse a write without an etag (it would be blind) or with one no header can carry."""
    if not etag:
        raise Invalid(f"no etag for {url}: refusing to write over it blind")
    if not all(" " <= c <= "~" for c in etag):
        raise Invalid(f"the etag the server gave {url} cannot be sent back: {etag!r:.60}")


def _crlf(body: bytes) -> bytes:
    """Line ends as iCalendar and vCard have them: XML parsing turned CRLF into LF."""
    if b"\r\n" in body:
        return body
    return body.replace(b"\n", b"\r\n")
