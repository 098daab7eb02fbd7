"""One card of an address book, as `crm sync contacts` reads, writes and patches it.

Reading goes through the importer: the vCard reader (`interchange.vcard.read`, which
knows Apple's item groups, Google's and Android's 2.1 quoted-printable, khard's and
Thunderbird's cards) and the import's preparation (`importing.prepare`: names
split, emails, phones and URLs normalised), so a synced card means what an
imported one means.

Writing a new card is the vCard export's (`vcard.write`): crm's UID
(`contact_uid`), or the UID of the card the contact first came from (`own_uid`).
Changing a card that is already there never rewrites it from crm's record, which
would drop whatever crm does not keep (a photo larger than crm stores, Apple's
X-AB* properties, a phonetic name, the phone's own extensions): only the lines of
the fields that change are replaced, with lines the export writes for them; every
other line stays as the phone wrote it, byte for byte.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crmcli.core.errors import CrmError
from crmcli.core.interchange.contentlines import folded
from crmcli.core.interchange.importing.prepare import Prepared, prepare
from crmcli.core.interchange.records import ContactRecord, Reject
from crmcli.core.interchange.vcard.lines import BOUNDARY, Property, logical_lines, parse_line
from crmcli.core.interchange.vcard.personal import IM_PROPERTIES
from crmcli.core.interchange.vcard.write import contact_uid, own_uid, write_vcards
from crmcli.core.sync.contact_fields import Fields, from_prepared

if TYPE_CHECKING:
    from crmcli.core.interchange.importing.prepare import Preparing

MAX_CARD_BYTES = 16 << 20  # a card with a 2 MiB photo is under 3 MiB; more is not a card
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ITEM_GROUP = re.compile(r"item(\d+)", re.IGNORECASE)
_QP_HEAD = re.compile(r"ENCODING=QUOTED-PRINTABLE", re.IGNORECASE)

# Which synced field each property holds (X-SOCIALPROFILE and X-ANDROID-CUSTOM: see
# `field_of`). Whatever is not here is never touched by a sync.
_FIELD_OF = {
    "FN": "name",
    "N": "name",
    "NICKNAME": "nickname",
    "EMAIL": "emails",
    "TEL": "phones",
    "ORG": "company",
    "TITLE": "title",
    "BDAY": "birthday",
    "ADR": "addresses",
    "LABEL": "addresses",  # the printed form of an ADR: stale once the ADR changes
    "NOTE": "notes",
    "URL": "urls",
    "X-EVOLUTION-BLOG-URL": "urls",
    "X-EVOLUTION-VIDEO-URL": "urls",
    "IMPP": "handles",
    "X-MS-IMADDRESS": "handles",
    "X-KADDRESSBOOK-X-IMADDRESS": "handles",
    **dict.fromkeys(IM_PROPERTIES, "handles"),
}
# The lines that only describe another line of their group (Apple's label, its
# address's country code): they go with it.
_GROUP_COMPANIONS = frozenset({"X-ABLABEL", "X-ABADR"})


@dataclass
class Card:
    """A card read: its place, etag, text, UID, the record the reader made, the
    prepared row the importer would write, and its synced fields."""

    href: str
    etag: str
    text: str  # as decoded from the file, before anything was added for the reader
    encoding: str  # the file's: a patched card is written back in it
    uid: str | None
    record: ContactRecord
    row: Prepared
    fields: Fields

    @property
    def kind(self) -> str:
        """person, org (a company's card) or group (a list of people)."""
        return self.row.kind

    @property
    def name(self) -> str:
        return str(self.row.contact[1]) or self.href


def read(
    href: str, etag: str, body: bytes, how: Preparing, ordinal: int, tag: str | None
) -> Card | str:
    """The card in `body`, or why it cannot be read (a line for the report).

    `tag` is added to the record's categories, so a contact made from the card
    carries the sync's scope tag and stays in scope.
    """
    if len(body) > MAX_CARD_BYTES:
        return f"{len(body) >> 20} MiB is too big for one card"
    if not body.strip():
        return "the file is empty"
    from crmcli.core.interchange.encoding import decode
    from crmcli.core.interchange.vcard.lines import qp_charset
    from crmcli.core.interchange.vcard.read import parse_vcards

    try:
        text, found = decode(body, None, href, "a vCard file")
        single_byte = not found.encoding.startswith("utf")
        readable, _, _ = qp_charset(text, found.encoding if single_byte else None, href)
        records = list(parse_vcards(readable))
    except CrmError as exc:
        return exc.message
    if len(records) != 1:
        return f"the file holds {len(records)} cards (a vdir file holds one)"
    record = records[0]
    if isinstance(record, Reject):
        return record.reason
    uid = record.external_ids.get("vcard")
    if tag and tag.casefold() not in {t.casefold() for t in record.tags}:
        record.tags.append(tag)
    row = prepare(record, how.region, ordinal, how.flags)
    return Card(href, etag, text, found.encoding, uid, record, row, from_prepared(row))


def card_uid(view: Mapping[str, Any], uid_domain: str) -> str:
    """The UID a new card for this contact gets: the one it came with, else crm's."""
    return own_uid(view) or contact_uid(int(view["id"]), uid_domain)


def new_card(view: Mapping[str, Any], uid_domain: str, uids: Mapping[int, str]) -> bytes:
    """A whole card for a contact (its `public_view`), as `crm export --format vcard` writes it."""
    buffer = io.StringIO(newline="")
    write_vcards([view], buffer, uid_domain=uid_domain, uids=uids)
    return buffer.getvalue().encode("utf-8")


def field_of(prop: Property, *, plain_names: bool = True) -> str | None:
    """The synced field a card's property holds, or None: a property sync leaves alone.

    `plain_names`: the card has an FN without a LANGUAGE; its other languages' forms of
    the name are then not the name crm holds, and are kept as the phone wrote them.
    """
    name = prop.name
    if name in ("FN", "N") and plain_names and prop.param("LANGUAGE"):
        return None
    if name == "X-SOCIALPROFILE":
        value = prop.value.strip().lower()
        return "urls" if "://" in value or value.startswith("www.") else "handles"
    if name == "X-ANDROID-CUSTOM":
        return "nickname" if "cursor.item/nickname;" in prop.value.lower() else None
    return _FIELD_OF.get(name)


@dataclass
class _Line:
    """One content line of a card: its physical lines as written, and what it holds."""

    raw: list[str]
    text: str
    prop: Property | None


def _lines(text: str) -> list[_Line]:
    physical = _LINE_BREAK.split(text)
    while physical and not physical[-1].strip():
        physical.pop()
    logical = list(logical_lines(physical))
    out: list[_Line] = []
    for index, (start, joined) in enumerate(logical):
        end = logical[index + 1][0] if index + 1 < len(logical) else len(physical) + 1
        out.append(_Line(physical[start - 1 : end - 1], joined, parse_line(start, joined)))
    return out


def patch(
    text: str,
    encoding: str,
    view: Mapping[str, Any],
    wanted: Iterable[str],
    *,
    uid_domain: str,
    uids: Mapping[int, str],
    now: datetime,
) -> bytes:
    """The card `text` with the lines of the `wanted` fields replaced by crm's values
    (`view`, a contact's `public_view`); every other line kept as it was, and the file
    written back in its own encoding (UTF-8 when a new value does not fit in it)."""
    fields = set(wanted)
    lines = _lines(text)
    props = [ln.prop for ln in lines if ln.prop is not None]
    version = next((p.value.strip() for p in props if p.name == "VERSION"), "3.0")
    plain = any(p.name == "FN" and not p.param("LANGUAGE") for p in props)
    taken = {p.group for p in props if p.group}
    fresh = _fresh_lines(view, fields, uid_domain, uids, taken, version)
    dropped_groups = {
        p.group for p in props if p.group and field_of(p, plain_names=plain) in fields
    }
    org = next((p for p in props if p.name == "ORG"), None)
    out: list[str] = []
    placed: set[str] = set()
    for line in lines:
        boundary = BOUNDARY.fullmatch(line.text)
        prop = line.prop
        if boundary is not None:
            if boundary.group(1).upper() == "END":
                for name in sorted(fields - placed):  # fields the card did not hold yet
                    out += _rendered(fresh.get(name, []), None)
                placed |= fields
        elif prop is not None:
            where = field_of(prop, plain_names=plain)
            if where in fields:
                if where not in placed:
                    placed.add(where)
                    out += _rendered(fresh.get(where, []), org if where == "company" else None)
                continue
            if prop.name in _GROUP_COMPANIONS and prop.group in dropped_groups:
                continue
            if prop.name == "REV":
                out.append(f"REV:{_revision(now, version)}")
                continue
        out += line.raw
    written = "\r\n".join(out) + "\r\n"
    if not encoding.lower().replace("-", "").startswith("utf"):
        try:
            return written.encode(encoding)
        except (UnicodeEncodeError, LookupError):
            pass
    return written.encode("utf-8")


def _rendered(texts: list[str], org: Property | None) -> list[str]:
    """New content lines as physical lines (folded, but a quoted-printable one); an ORG
    keeps the card's department parts after the name."""
    out: list[str] = []
    for text in texts:
        if org is not None and text.startswith("ORG:") and not org.param("ENCODING"):
            rest = _components(org.value)[1:]
            if any(part.strip() for part in rest):
                text = ";".join([text, *rest])
        if _QP_HEAD.search(text.split(":", 1)[0]):
            # One physical line: a soft break (`=` at a line's end) is lost on readers
            # that unfold 2.1 as 3.0 (vobject's default), a long line on none.
            out.append(text)
        else:
            out += folded(text).removesuffix("\r\n").split("\r\n")
    return out


def _components(value: str) -> list[str]:
    """`;`-separated parts of a raw value, escapes left as they are."""
    parts, current, escaped = [], "", False
    for char in value:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            current += char
            escaped = True
        elif char == ";":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _fresh_lines(
    view: Mapping[str, Any],
    fields: set[str],
    uid_domain: str,
    uids: Mapping[int, str],
    taken: set[str],
    version: str,
) -> dict[str, list[str]]:
    """The export's lines for the `fields`, by field: item groups renamed past those the
    card already uses, and written as a 2.1 card expects when it is one."""
    text = new_card(view, uid_domain, uids).decode("utf-8")
    props = [(ln.text, ln.prop) for ln in _lines(text) if ln.prop is not None]
    keep_groups = {p.group for _, p in props if p.group and field_of(p) in fields}
    numbers = [int(m.group(1)) for g in taken if (m := _ITEM_GROUP.fullmatch(g))]
    next_number = max(numbers, default=0) + 1
    renamed: dict[str, str] = {}
    for group in sorted(keep_groups, key=lambda g: int(g[4:]) if g[4:].isdigit() else 0):
        while f"item{next_number}" in taken:
            next_number += 1
        renamed[group] = f"item{next_number}"
        next_number += 1
    out: dict[str, list[str]] = {}
    last_field: dict[str, str] = {}  # group -> the field of its data line
    for line, prop in props:
        where = field_of(prop)
        if where is None and prop.name in _GROUP_COMPANIONS and prop.group in keep_groups:
            where = last_field.get(prop.group)
        if where not in fields or where is None:
            continue
        if prop.group:
            last_field[prop.group] = where
            line = renamed[prop.group] + line[len(prop.group) :]
        if version == "2.1":
            line = _as_21(line, prop)
        out.setdefault(where, []).append(line)
    return out


_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
# A 2.1 reader knows `\\`, `\;` and `\,` only: a newline becomes a real one (then
# quoted-printable), a comma needs no escape.
_AS_21 = {"n": "\n", "N": "\n", ",": ","}


def _as_21(line: str, prop: Property) -> str:
    """A 3.0 line for a 2.1 card: one TYPE per parameter, and a value with a line break
    or a letter beyond ASCII as UTF-8 quoted-printable, as Android writes them (a 2.1
    reader takes 8-bit text for ASCII, or the phone's own code page)."""
    head = line[: len(line) - len(prop.value) - 1]
    head = re.sub(
        r";TYPE=([^;:]*)",
        lambda m: "".join(f";TYPE={t}" for t in m.group(1).split(",") if t),
        head,
    )
    value = _ESCAPE.sub(lambda m: _AS_21.get(m.group(1), m.group(0)), prop.value)
    if "\n" in value or not value.isascii():
        head += ";CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE"
        value = "".join(_qp(char) for char in value)
    return f"{head}:{value}"


def _qp(char: str) -> str:
    if char == "\n":
        return "=0D=0A"
    if char == "=" or char == "\t" or not ("!" <= char <= "~" or char == " "):
        return "".join(f"={byte:02X}" for byte in char.encode("utf-8"))
    return char


def _revision(now: datetime, version: str) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}" if version == "2.1" else f"{now:%Y-%m-%dT%H:%M:%SZ}"


def field_lines(text: str, name: str) -> Iterator[str]:
    """The content lines of `text` that hold one synced field (for tests and reports)."""
    for line in _lines(text):
        if line.prop is not None and field_of(line.prop) == name:
            yield line.text
