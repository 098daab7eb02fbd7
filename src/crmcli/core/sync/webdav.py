"""The WebDAV wire under `sync.dav`: one keep-alive HTTP(S) connection, bounded in time and size.

Plain `http.client`, `ssl` and `xml.etree` (RFC 4918 needs nothing more), with
the defences a sync against someone else's server needs: every wait has a
timeout; a reply body is read up to a limit, and a multistatus is parsed as it
streams (`multistatus`), one `<response>` at a time, so a PROPFIND of 10,000 items
or a multiget of 100 large events never sits whole in memory and one oversized
item is refused instead of eaten; a reply declaring entities (the "billion
laughs") is refused; redirects are followed a bounded number of times; and the
password goes only over TLS, or in clear to this machine alone. Every network
failure becomes one line naming the host, never a traceback.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import re
import socket
import ssl
import xml.etree.ElementTree as ET
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import quote_from_bytes, unquote_to_bytes, urljoin, urlsplit

from crmcli import __version__
from crmcli.core.errors import CrmError, Invalid, NotFound, Refused
from crmcli.core.sync.digest import Digest, challenge
from crmcli.core.sync.secrets import loopback

DAV = "DAV:"
MAX_REDIRECTS = 5
CHUNK = 64 * 1024  # bytes read from the socket at a time
ERROR_BODY = 64 * 1024  # an error reply longer than this is not read: the connection is dropped
USER_AGENT = f"crmcli/{__version__}"
_REDIRECTS = (301, 302, 303, 307, 308)
# What a path segment keeps unescaped once made canonical: RFC 3986's unreserved
# characters and the sub-delimiters, ":" and "@" (pchar), and "/" between segments.
_SAFE = "/!$&'()*+,;=:@-._~"
_ENCODED_SLASH = re.compile("%2f", re.IGNORECASE)
_PLAIN = re.compile(r"[A-Za-z0-9/!$&'()*+,;=:@._~-]*")
_STATUS = re.compile(r"^\s*HTTP/\d(?:\.\d)?\s+(\d{3})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def canonical(path: str) -> str:
    """One spelling of a URL path: the same resource always compares equal.

    Servers spell a path as they like (Radicale answers `a%40b.vcf` for a PUT to
    `a@b.vcf`; another leaves `é` unescaped): every escape is decoded, except an
    escaped "/", which is part of a name, and the bytes escaped again the one way.
    Hrefs in the sync state are kept in this form, so an item crm created is
    recognised when the server lists it back.
    """
    return "%2F".join(
        quote_from_bytes(unquote_to_bytes(part), safe=_SAFE) for part in _ENCODED_SLASH.split(path)
    )


def absolute(base: str, href: str) -> str:
    """`href` (a path or a URL, as a server wrote it) made a URL against `base`, path canonical."""
    parts = urlsplit(urljoin(base, href.strip()))
    return parts._replace(path=canonical(parts.path or "/"), fragment="").geturl()


def tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


@dataclass
class Found:
    """One `<response>` of a multistatus: its href as sent, its own status, its 2xx properties."""

    href: str
    status: int | None
    props: dict[str, ET.Element] = field(default_factory=dict)

    def text(self, name: str) -> str | None:
        element = self.props.get(name)
        if element is None:
            return None
        return "".join(element.itertext())


@dataclass(frozen=True)
class Answer:
    """A reply read whole (bounded): its status, headers and body, and the URL that gave it."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes
    url: str

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


class Wire:
    """HTTP(S) to one server, one keep-alive connection at a time, logged in with Basic or Digest.

    `protocol` ("CalDAV", "CardDAV") names the server in messages; `limit` bounds
    a reply body and each item of a multistatus.
    """

    def __init__(
        self,
        *,
        user: str | None,
        password: str | None,
        timeout: float,
        limit: int,
        protocol: str,
    ) -> None:
        self.timeout = timeout
        self.limit = limit
        self.protocol = protocol
        self._user = user if password is not None else None
        self._password = password
        self._auth: str | None = None  # Basic, sent with every request (no round trip lost)
        if self._user is not None and password is not None:
            token = base64.b64encode(f"{self._user}:{password}".encode()).decode("ascii")
            self._auth = f"Basic {token}"
        self._digest: Digest | None = None  # once the server asked for Digest instead
        self._conn: http.client.HTTPConnection | None = None
        self._origin: tuple[str, str, int] | None = None
        self._pending: http.client.HTTPResponse | None = None
        self._tls: ssl.SSLContext | None = None
        self.requests = 0  # requests sent: what a sync cost, for the verbose line and the bench

    # -- requests ----------------------------------------------------------------------

    def call(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        limit: int | None = None,
    ) -> Answer:
        """Send a request (following redirects) and read its reply whole, up to `limit` bytes."""
        response, where = self.open(method, url, body=body, headers=headers)
        ok = 200 <= response.status < 300
        data = self.read(response, where, (limit or self.limit) if ok else ERROR_BODY)
        return Answer(response.status, response.reason, dict(response.getheaders()), data, where)

    def open(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[http.client.HTTPResponse, str]:
        """Send a request, following redirects; the live reply (to read) and the URL that gave it.

        A 401 asking for Digest is answered (once per nonce); any other 401 is raised
        here as Refused, whatever the request: it means the same everywhere (no or
        wrong credentials).
        """
        start = url
        hops = logins = 0
        while True:
            response = self._send(method, url, body, headers or {})
            if response.status in _REDIRECTS:
                location = response.getheader("Location")
                self.discard(response)
                if not location:
                    raise NotFound(f"{url} redirects without saying where")
                hops += 1
                if hops > MAX_REDIRECTS:
                    raise NotFound(f"{start} redirects more than {MAX_REDIRECTS} times")
                url = self._redirect(url, location)
                continue
            if response.status == 401:
                offered = response.headers.get_all("WWW-Authenticate") or []
                self.discard(response)
                if logins < 2 and self._answer_digest(offered):
                    logins += 1
                    continue
                raise self._unauthorised(url, offered)
            return response, url

    def _answer_digest(self, offered: list[str]) -> bool:
        """Take up a Digest challenge we have not answered yet (or whose nonce went stale)."""
        if self._user is None or self._password is None:
            return False
        params = challenge(offered)
        if params is None:
            return False
        current = self._digest
        if current is not None and params.get("nonce") == current.params.get("nonce"):
            return False  # our answer to this very nonce was refused: a wrong password
        self._digest = Digest(params, self._user, self._password)
        return True

    def multistatus(
        self,
        method: str,
        url: str,
        body: bytes,
        *,
        depth: str,
    ) -> tuple[Generator[Found, None, None] | Answer, str]:
        """A PROPFIND or REPORT: (its responses as they stream, or the reply read whole when
        the status is not 207) and the URL that answered (after redirects).

        The iterator must be consumed (or closed) before the next request; closing it
        early drops the connection.
        """
        headers = {"Depth": depth, "Content-Type": "application/xml; charset=utf-8"}
        response, where = self.open(method, url, body=body, headers=headers)
        if response.status != 207:
            ok = 200 <= response.status < 300
            data = self.read(response, where, self.limit if ok else ERROR_BODY)
            headers_read = dict(response.getheaders())
            return Answer(response.status, response.reason, headers_read, data, where), where
        return self._responses(response, where), where

    def read(self, response: http.client.HTTPResponse, url: str, limit: int) -> bytes:
        """The reply's body, refused (and the connection dropped) past `limit` bytes."""
        length = response.getheader("Content-Length") or ""
        if length.strip().isdigit() and int(length) > limit:
            self._drop()
            raise self._too_large(url, limit)
        try:
            data = response.read(limit + 1)
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            raise self._lost(url, exc) from None
        if len(data) > limit:
            self._drop()
            raise self._too_large(url, limit)
        self._settle(response)
        return data

    def discard(self, response: http.client.HTTPResponse) -> None:
        """Read a reply not wanted (a redirect, an error) so the connection can serve again."""
        try:
            response.read(ERROR_BODY)
        except (OSError, http.client.HTTPException):
            self._drop()
            return
        self._settle(response)

    def close(self) -> None:
        """Close the connection; never raises."""
        self._drop()
        self._auth = self._digest = self._password = None

    # -- inside ------------------------------------------------------------------------

    def _send(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str]
    ) -> http.client.HTTPResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise NotFound(f"{url} has no valid port") from None
        if scheme not in ("http", "https") or not host:
            raise NotFound(f"not an http(s) URL: {url}")
        if self._auth and scheme == "http" and not loopback(host):
            raise Refused(
                f"refusing to send the password to {host} over plain http: use https:// "
                "(plain http only to this machine)"
            )
        # One spelling, all ASCII: a server may name a path in raw UTF-8 or with spaces.
        path = canonical(parts.path or "/") + (f"?{canonical(parts.query)}" if parts.query else "")
        sent = {"User-Agent": USER_AGENT, **headers}
        for attempt in range(2):
            if self._digest is not None:
                sent["Authorization"] = self._digest.authorization(method, path)
            elif self._auth:
                sent["Authorization"] = self._auth
            conn = self._connection(scheme, host, port)
            reused = conn.sock is not None
            self.requests += 1
            try:
                conn.request(method, path, body=body, headers=sent)
                response = conn.getresponse()
            except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as exc:
                # A keep-alive connection the server closed while idle: once more, afresh.
                self._drop()
                if reused and attempt == 0:
                    continue
                raise self._unreachable(host, port, exc, scheme) from None
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                raise self._unreachable(host, port, exc, scheme) from None
            except ValueError as exc:  # a header value http.client will not send (CR, LF)
                self._drop()
                raise Invalid(f"cannot send {method} {url}: {one_line(str(exc))}") from None
            self._pending = response
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _connection(self, scheme: str, host: str, port: int) -> http.client.HTTPConnection:
        origin = (scheme, host, port)
        if self._pending is not None and not self._pending.isclosed():
            self._drop()  # a reply left unread: this connection cannot serve another
        if self._conn is None or self._origin != origin:
            self._drop()
            if scheme == "https":
                if self._tls is None:  # loading the trust store costs: once per sync
                    self._tls = ssl.create_default_context()
                self._conn = http.client.HTTPSConnection(
                    host, port, timeout=self.timeout, context=self._tls
                )
            else:
                self._conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
            self._origin = origin
        return self._conn

    def _settle(self, response: http.client.HTTPResponse) -> None:
        """After a reply was read: keep the connection if the whole reply was."""
        if not response.isclosed():
            self._drop()
        self._pending = None

    def _drop(self) -> None:
        conn, self._conn, self._origin, self._pending = self._conn, None, None, None
        if conn is not None:
            with contextlib.suppress(Exception):  # a broken connection is closed enough
                conn.close()

    def _redirect(self, url: str, location: str) -> str:
        target = urljoin(url, location.strip())
        old, new = urlsplit(url), urlsplit(target)
        if new.scheme.lower() not in ("http", "https"):
            raise NotFound(f"{url} redirects to {target}, which is not http(s)")
        if old.scheme.lower() == "https" and new.scheme.lower() == "http":
            raise Refused(f"{url} redirects to plain http ({target}): refusing to leave TLS")
        return target

    def _responses(
        self, response: http.client.HTTPResponse, url: str
    ) -> Generator[Found, None, None]:
        """Each `<response>` of a 207 reply, parsed as the bytes arrive.

        Memory holds one response element at a time: each is dropped from the tree
        once handed over. An element growing past twice the item limit (an item's
        text may be escaped) is refused before it is complete.
        """
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
        root: ET.Element | None = None
        since = 0  # bytes received since the last complete <response>
        tail = b""
        bound = 2 * self.limit + ERROR_BODY + CHUNK
        done = False
        try:
            while True:
                try:
                    chunk = response.read(CHUNK)
                except (OSError, http.client.HTTPException) as exc:
                    self._drop()
                    raise self._lost(url, exc) from None
                if not chunk:
                    break
                window = tail + chunk
                if b"<!ENTITY" in window or b"<!DOCTYPE" in window:
                    self._drop()
                    raise NotFound(f"{url} answered with XML declaring entities: refused")
                tail = chunk[-16:]
                since += len(chunk)
                try:
                    parser.feed(chunk)
                    events = list(parser.read_events())
                except ET.ParseError as exc:
                    self._drop()
                    raise self._not_xml(url, exc) from None
                for pair in events:
                    event, element = cast("tuple[str, object]", pair)
                    if not isinstance(element, ET.Element):
                        continue
                    if event == "start" and root is None:
                        root = element
                    elif event == "end" and element.tag == tag(DAV, "response"):
                        since = 0
                        found = _found(element)
                        if root is not None and element in list(root):
                            root.remove(element)
                        if found is not None:
                            yield found
                if since > bound:
                    self._drop()
                    raise self._too_large(url, self.limit)
            try:
                parser.close()
            except ET.ParseError as exc:
                raise self._not_xml(url, exc) from None
            if root is None or root.tag != tag(DAV, "multistatus"):
                raise NotFound(f"{url} answered 207 without a WebDAV multistatus")
            done = True
        finally:
            if done:
                self._settle(response)
            else:
                self._drop()

    # -- messages ----------------------------------------------------------------------

    def _where(self, host: str, port: int) -> str:
        return f"the {self.protocol} server {host}:{port}"

    def _unreachable(self, host: str, port: int, exc: BaseException, scheme: str) -> CrmError:
        where = self._where(host, port)
        # A TLS port spoken to in plain http drops the line or answers bytes that are not
        # HTTP: say what probably happened.
        hint = " (an https:// server?)" if scheme == "http" else ""
        if isinstance(exc, ssl.SSLCertVerificationError):
            return Refused(
                f"the TLS certificate of {where} is not trusted ({exc.verify_message}); "
                "for a private server, point SSL_CERT_FILE at its certificate"
            )
        if isinstance(exc, ssl.SSLError):
            return NotFound(f"no TLS with {where}: {exc.reason or exc}")
        if isinstance(exc, socket.gaierror):
            return NotFound(f"cannot reach {where}: {exc.strerror}")
        if isinstance(exc, TimeoutError):
            return NotFound(f"cannot reach {where}: no answer within {self.timeout:g} s")
        if isinstance(exc, http.client.HTTPException) and not isinstance(exc, OSError):
            said = one_line(str(exc)) or type(exc).__name__
            return NotFound(f"{where} does not speak HTTP{hint}: {said}")
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        if isinstance(exc, ConnectionResetError | BrokenPipeError):
            return NotFound(f"{where} dropped the connection{hint}: {reason}")
        return NotFound(f"cannot reach {where}: {reason}")

    def _lost(self, url: str, exc: BaseException) -> CrmError:
        if isinstance(exc, TimeoutError):
            return NotFound(f"{url} stopped answering (no data within {self.timeout:g} s)")
        reason = one_line(str(exc)) or type(exc).__name__
        return NotFound(f"lost the connection to {url}: {reason}")

    def _unauthorised(self, url: str, offered: list[str]) -> CrmError:
        if self._auth is None:
            return Refused(
                f"{url} asks for a user name and password: give username and password_command"
            )
        schemes = [o.split()[0] for o in offered if o.split()]
        if schemes and not any(s.lower() in ("basic", "digest") for s in schemes):
            return Refused(
                f"{url} asks for {schemes[0]} authentication; crm logs in with Basic or Digest"
            )
        return Refused(f"wrong user or password for {url}")

    def _too_large(self, url: str, limit: int) -> CrmError:
        return Refused(f"{url} sent an item over the {size_text(limit)} crm reads of one: refused")

    def _not_xml(self, url: str, exc: ET.ParseError) -> CrmError:
        return NotFound(f"{url} answered with malformed XML ({exc})")


def failed(answer: Answer, doing: str) -> CrmError:
    """A reply that is not what `doing` wanted, as one line with what the server said.

    The class follows the status: 403, 413 (too large) and 507 (no room) are
    refusals; 400, 415 and 422 say the data was refused; 404 and 410 that it is
    gone; anything else (5xx) the server's own failure.
    """
    said = f"{answer.status} {answer.reason}".strip()
    reason = reason_given(answer)
    detail = f": {reason}" if reason and reason.lower() != answer.reason.lower() else ""
    message = f"the server answered {doing} on {answer.url} with {said}{detail}"
    if answer.status == 403:
        return Refused(message)
    if answer.status == 413:
        return Refused(f"{message} (the item is too large for it)")
    if answer.status == 507:
        return Refused(f"{message} (it has no room left)")
    if answer.status in (400, 415, 422):
        return Invalid(message)
    if answer.status in (404, 410):
        return NotFound(message)
    return CrmError(message)


def reason_given(answer: Answer) -> str:
    """What the server said in an error reply, as one line (a DAV precondition, or its text)."""
    body = answer.body[:4096]
    if not body.strip():
        return ""
    kind = (answer.header("Content-Type") or "").lower()
    text = body.decode("utf-8", errors="replace")
    if "xml" in kind:
        if b"<!ENTITY" in body:
            return ""
        try:
            root = ET.fromstring(text)
        except ET.ParseError:
            return ""
        for element in root.iter():
            if element.tag.endswith("}message") and element.text:
                return one_line(element.text)
        first = next(iter(root), None)
        return first.tag.rpartition("}")[2] if first is not None else ""
    if "html" in kind:
        return ""
    return one_line(text.strip().splitlines()[0]) if text.strip() else ""


def _found(element: ET.Element) -> Found | None:
    href = element.findtext(tag(DAV, "href"))
    if href is None:
        return None
    found = Found(href.strip(), status_code(element.findtext(tag(DAV, "status"))))
    for propstat in element.iterfind(tag(DAV, "propstat")):
        code = status_code(propstat.findtext(tag(DAV, "status")))
        if code is None or not 200 <= code < 300:
            continue
        prop = propstat.find(tag(DAV, "prop"))
        if prop is not None:
            for child in prop:
                found.props[child.tag] = child
    return found


def status_code(line: str | None) -> int | None:
    """200 from "HTTP/1.1 200 OK"; None when absent or garbled."""
    if not line:
        return None
    match = _STATUS.match(line)
    return int(match.group(1)) if match else None


def one_line(text: str, width: int = 200) -> str:
    """Server text made safe for one line of a message: no control characters, bounded."""
    return " ".join(_CONTROL.sub(" ", text).split())[:width]


def size_text(size: int) -> str:
    """A size as a rep reads it: "20 MB", "97.7 KB", "512 bytes"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} bytes"
