"""Where a rep's CalDAV/CardDAV URL leads: the collection itself, or the one discovery finds.

A rep knows their server's address better than their collection's (which, on
Nextcloud, reads `/remote.php/dav/calendars/me/personal/`). So the URL may name
the collection, the user's principal, or only the server: RFC 6764 then leads on
(/.well-known/caldav, `current-user-principal`, the principal's
`calendar-home-set`, the collections there). One collection of the right kind is
used; several are listed for the rep to pick one (a one-line error naming their
URLs); none is NotFound. A path that names nothing is never replaced by another
collection: a typo must not sync the wrong calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from crmcli.core.errors import Invalid, NotFound, Refused
from crmcli.core.sync.webdav import DAV, Answer, Found, Wire, absolute, failed, one_line, tag

CALDAV = "urn:ietf:params:xml:ns:caldav"
CARDDAV = "urn:ietf:params:xml:ns:carddav"


@dataclass(frozen=True)
class Flavour:
    """What differs between a calendar (CalDAV) and an address book (CardDAV)."""

    protocol: str
    what: str
    namespace: str
    resource: str  # the resourcetype that marks the collection
    home: str  # the principal's property naming where its collections live
    multiget: str
    data: str
    content_type: str
    extension: str
    well_known: str


FLAVOURS: dict[str, Flavour] = {
    "calendar": Flavour(
        "CalDAV",
        "calendar",
        CALDAV,
        "calendar",
        "calendar-home-set",
        "calendar-multiget",
        "calendar-data",
        "text/calendar; charset=utf-8",
        ".ics",
        "/.well-known/caldav",
    ),
    "contacts": Flavour(
        "CardDAV",
        "address book",
        CARDDAV,
        "addressbook",
        "addressbook-home-set",
        "addressbook-multiget",
        "address-data",
        "text/vcard; charset=utf-8",
        ".vcf",
        "/.well-known/carddav",
    ),
}


def propfind(flavour: Flavour, props: str) -> bytes:
    """A PROPFIND body; `C:` is CalDAV's namespace, `X:` the flavour's."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<D:propfind xmlns:D="DAV:" xmlns:C="{CALDAV}" xmlns:X="{flavour.namespace}">'
        f"<D:prop>{props}</D:prop></D:propfind>"
    ).encode()


def one(wire: Wire, flavour: Flavour, url: str, props: str) -> tuple[Found | None, str]:
    """PROPFIND Depth 0: the resource's properties (None if there is none) and its final URL."""
    reply, where = wire.multistatus("PROPFIND", url, propfind(flavour, props), depth="0")
    if isinstance(reply, Answer):
        status = reply.status
        if status in (404, 405, 410):
            return None, where
        if status == 403:
            raise Refused(f"{url}: the server refused access (403 Forbidden)")
        if 200 <= status < 300:
            raise NotFound(
                f"{url} is not a {flavour.protocol} server "
                f"(it answered PROPFIND with {status} {reply.reason})"
            )
        raise failed(reply, "PROPFIND")
    entries = list(reply)
    return (entries[0] if entries else None), where


def locate(wire: Wire, flavour: Flavour, url: str, name: str) -> str:
    """The collection's URL (ending in "/"): the one given, or the one discovery finds there.

    `url` is where to start (normalised, no credentials); `name` how messages call it.
    """
    props = (
        "<D:resourcetype/><D:displayname/><D:current-user-principal/>"
        f"<X:{flavour.home}/><C:supported-calendar-component-set/>"
    )
    entry, where = one(wire, flavour, url, props)
    path = urlsplit(url).path
    if entry is None and path.strip("/") and not path.startswith("/.well-known/"):
        # A path the rep typed that names nothing: never sync another collection instead.
        raise NotFound(f"nothing at {name}: check the URL (or give the server's)")
    if entry is not None:
        kinds = entry.props.get(tag(DAV, "resourcetype"))
        if _is(kinds, flavour.namespace, flavour.resource):
            if not _holds(flavour, entry):
                raise Invalid(f"{name} is a task list: it holds no events")
            return slashed(where)
        other = FLAVOURS["contacts" if flavour.what == "calendar" else "calendar"]
        if _is(kinds, other.namespace, other.resource):
            raise Invalid(f"{name} is {_a(other.what)}, not {_a(flavour.what)}")
    return _discover(wire, flavour, url, name, entry, where)


def _discover(
    wire: Wire, flavour: Flavour, url: str, name: str, entry: Found | None, where: str
) -> str:
    """RFC 6764: principal, then its home set(s), then the collections of our kind there."""
    homes: list[str] = []
    if entry is not None:
        homes += _hrefs(entry, tag(flavour.namespace, flavour.home), where)
    if not homes:
        principals = _hrefs(entry, tag(DAV, "current-user-principal"), where) if entry else []
        if not principals:
            principals = _principals(wire, flavour, url)
        for principal in principals[:3]:
            home_entry, at = one(wire, flavour, principal, f"<X:{flavour.home}/>")
            if home_entry is not None:
                homes += _hrefs(home_entry, tag(flavour.namespace, flavour.home), at)
    found: dict[str, str] = {}
    for home in dict.fromkeys(homes):
        found.update(_children(wire, flavour, home))
    if not found and entry is not None and slashed(where) not in homes:
        found.update(_children(wire, flavour, slashed(where)))  # a folder of collections
    if len(found) == 1:
        return next(iter(found))
    if not found:
        raise NotFound(f"no {flavour.what} found at {name} (nor for its user)")
    listed = ", ".join(f"{u} ({label})" if label else u for u, label in sorted(found.items()))
    raise Invalid(f"several {flavour.what}s at {name}: name one of them: {listed}")


def _principals(wire: Wire, flavour: Flavour, url: str) -> list[str]:
    """The user's principal, asked of /.well-known (RFC 6764), else of the server's root."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
    for path in (flavour.well_known, "/"):
        try:
            entry, where = one(wire, flavour, origin + path, "<D:current-user-principal/>")
        except NotFound:
            continue
        if entry is not None:
            principals = _hrefs(entry, tag(DAV, "current-user-principal"), where)
            if principals:
                return principals
    return []


def _children(wire: Wire, flavour: Flavour, home: str) -> dict[str, str]:
    """The collections of our kind in `home`: URL → display name."""
    body = propfind(
        flavour, "<D:resourcetype/><D:displayname/><C:supported-calendar-component-set/>"
    )
    reply, _ = wire.multistatus("PROPFIND", home, body, depth="1")
    if isinstance(reply, Answer):
        if reply.status in (403, 404, 405):
            return {}
        raise failed(reply, "PROPFIND")
    found: dict[str, str] = {}
    for entry in reply:
        kinds = entry.props.get(tag(DAV, "resourcetype"))
        if not _is(kinds, flavour.namespace, flavour.resource) or not _holds(flavour, entry):
            continue  # not ours, or a task list (VTODO only), which holds no events
        found[slashed(absolute(home, entry.href))] = one_line(
            entry.text(tag(DAV, "displayname")) or "", 60
        )
    return found


def _holds(flavour: Flavour, entry: Found) -> bool:
    """Can the collection hold our items? A calendar limited to tasks cannot hold events."""
    components = entry.props.get(tag(CALDAV, "supported-calendar-component-set"))
    if flavour.what != "calendar" or components is None or not len(components):
        return True
    return "VEVENT" in {c.get("name", "").upper() for c in components}


def _is(kinds: Element | None, namespace: str, name: str) -> bool:
    return kinds is not None and kinds.find(tag(namespace, name)) is not None


def _hrefs(entry: Found | None, name: str, base: str) -> list[str]:
    """The URLs a property names (`<D:href>` children), made absolute against `base`."""
    if entry is None:
        return []
    element = entry.props.get(name)
    if element is None:
        return []
    return [
        slashed(absolute(base, href.text))
        for href in element.iter(tag(DAV, "href"))
        if href.text and href.text.strip()
    ]


def slashed(url: str) -> str:
    """A collection's URL or path, ending in "/"."""
    return url if url.endswith("/") else url + "/"


def _a(what: str) -> str:
    return f"an {what}" if what[0] in "aeiou" else f"a {what}"
