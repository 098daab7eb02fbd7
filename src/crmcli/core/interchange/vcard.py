"""vCard files: 2.1, 3.0 and 4.0 address books read into records; contacts written as vCard 3.0."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import count
from typing import Any, TextIO

from crmcli.core.clock import parse_stamp
from crmcli.core.errors import Invalid
from crmcli.core.interchange.contentlines import folded
from crmcli.core.interchange.records import ContactRecord, Reject
from crmcli.core.values.dates import birthday

PRODID = "-//crmcli//crm contacts//EN"

# Stored fields `ContactRecord` has no attribute for come back in `custom` under
# these keys. The `crm:` prefix keeps them apart from the user's own custom fields.

# -- reading -----------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BOUNDARY = re.compile(r"[ \t]*(BEGIN|END)[ \t]*:[ \t]*VCARD[ \t]*", re.IGNORECASE)
# Unindented lines of a 2.1 base64 value: base64 characters only, up to a blank line.
_BASE64_LINE = re.compile(r"[A-Za-z0-9+/=][A-Za-z0-9+/= \t]*")
_PROPERTY_NAME = re.compile(r"(?:([A-Za-z0-9_-]+)\.)?([A-Za-z0-9_-]+)")
_NEWLINES = re.compile(r"\r\n|\r")
# Control characters no name, note or label should carry (HTAB and LF are kept).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_QP_RUN = re.compile(r"(?:=[0-9A-Fa-f]{2})+")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_CARET = re.compile(r"\^([n^'])")
_APPLE_LABEL = re.compile(r"_\$!<(.*)>!\$_", re.DOTALL)
_BDAY_DATE = re.compile(
    r"(\d{4})-?(\d{2})-?(\d{2})(?:[T ][0-9:.,]*(?:Z|[+-]\d{2}(?::?\d{2})?)?)?", re.IGNORECASE
)
_BDAY_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})")
_TEL_EXT = re.compile(r";\s*ext=([^;]*)", re.IGNORECASE)

_VERSIONS = ("2.1", "3.0", "4.0")
_BINARY = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
# 2.1 parameters written without `ENCODING=`; any other bare word is a TYPE.
_BARE_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT"})
# 2.1 only defines `\;`; `\n` there is more likely a Windows path than a newline.
_UNESCAPES_21 = {"\\": "\\", ";": ";", ",": ","}
_UNESCAPES = {"\\": "\\", ";": ";", ",": ",", ":": ":", "n": "\n", "N": "\n"}
_CARETS = {"n": "\n", "^": "^", "'": '"'}
# Apple's built-in labels (`_$!<HomeFAX>!$_`) in the words the CRM uses.
_APPLE_LABELS = {"homefax": "fax", "workfax": "fax", "otherfax": "fax"}
# Google puts every contact in this system group: a tag on everyone says nothing.
_IGNORED_CATEGORIES = frozenset({"myContacts"})
_NOT_A_PREFERENCE = 101  # PREF runs 1 (most) to 100 (least); absent sorts after all


def decode_vcard_bytes(data: bytes) -> str:
    """The text of a .vcf file: UTF-8 (BOM stripped), else Windows-1252.

    Windows-1252 is the fallback because Outlook writes vCard 2.1 in the
    machine's ANSI code page and every byte means something in it. A UTF-16
    file is only recognised by its BOM: any other NUL byte means the file is
    not text at all.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeError:
            raise Invalid("binary file (not a vCard)") from None
    if b"\x00" in data:
        raise Invalid("binary file (not a vCard)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _windows_1252(data)


def parse_vcards(text: str) -> Iterator[ContactRecord | Reject]:
    """One `ContactRecord` per card, or a `Reject` for a card with nothing usable in it.

    Lines outside cards are ignored; a card cut short (no END:VCARD before the
    next card or the end of the file) is still read, with an issue saying so,
    because whatever it holds is worth more than a clean refusal. Only a text
    with no card at all raises `Invalid`.
    """
    found = False
    start = 0
    card: list[tuple[int, str]] | None = None
    for number, line in _logical_lines(_LINE_BREAK.split(text)):
        boundary = _BOUNDARY.fullmatch(line)
        if boundary is None:
            if card is not None:
                card.append((number, line))
        elif boundary.group(1).upper() == "BEGIN":
            if card is not None:
                yield _safe_card(start, card, f"no END:VCARD before the next card at line {number}")
            found = True
            start, card = number, []
        elif card is not None:
            yield _safe_card(start, card, None)
            card = None
    if card is not None:
        yield _safe_card(start, card, "the file ends before END:VCARD")
    if not found:
        raise Invalid("no vCard found (no BEGIN:VCARD line)")


def _logical_lines(lines: list[str]) -> Iterator[tuple[int, str]]:
    """(1-based physical line number, content line) with folding and soft breaks undone.

    A line starting with a space or tab continues the previous one (that one
    character dropped). In a quoted-printable value a trailing `=` is a soft
    break and the next line follows as it is, even when it starts with a space.
    A 2.1 base64 value may go on over unindented lines up to a blank line; those
    are skipped, since nothing base64 is read.
    """
    index, total = 0, len(lines)
    while index < total:
        start = index
        parts = [lines[index]]
        index += 1
        encoding = _encoding(parts[0])
        head_seen = ":" in parts[0]
        while index < total:
            following = lines[index]
            if encoding == "qp" and parts[-1].endswith("=") and not _BOUNDARY.fullmatch(following):
                parts[-1] = parts[-1][:-1]
                parts.append(following)
            elif following[:1] in (" ", "\t"):
                parts.append(following[1:])
                if not head_seen:
                    joined = "".join(parts)
                    head_seen = ":" in joined
                    encoding = _encoding(joined)
            else:
                break
            index += 1
        if encoding == "b":
            while index < total and _BASE64_LINE.fullmatch(lines[index]):
                index += 1
        yield start + 1, "".join(parts)


def _encoding(line: str) -> str | None:
    """ "qp" or "b" when the line's parameters name that encoding (read before unfolding)."""
    colon = line.find(":")
    if colon < 0:
        return None
    for param in line[:colon].upper().split(";")[1:]:
        key, equals, value = param.partition("=")
        word = value.strip().strip('"') if equals and key.strip() == "ENCODING" else key.strip()
        if word == "QUOTED-PRINTABLE":
            return "qp"
        if word in ("BASE64", "B") and (equals or word == "BASE64"):
            return "b"
    return None


@dataclass
class _Property:
    """One content line: `group.NAME;PARAM=value:value`, value still encoded and escaped."""

    line: int
    group: str | None
    name: str
    params: dict[str, list[str]]
    value: str

    def types(self) -> set[str]:
        """TYPE values lower-cased, whether written `TYPE=a,b`, `TYPE=a;TYPE=b` or bare (2.1)."""
        return {
            word.strip().lower()
            for value in self.params.get("TYPE", [])
            for word in value.split(",")
            if word.strip()
        }

    def param(self, key: str) -> str | None:
        values = self.params.get(key)
        return ",".join(values) if values else None

    def preference(self) -> int:
        """1 for the most preferred; PREF=n (4.0), TYPE=pref (3.0) or bare PREF (2.1)."""
        rank = self.param("PREF")
        if rank is not None:
            digits = rank.strip()
            return int(digits) if digits.isdigit() and len(digits) <= 3 else 1
        return 1 if "pref" in self.types() else _NOT_A_PREFERENCE


def _parse_line(number: int, text: str) -> _Property | None:
    """The line's parts, or None when it is not a property line (no colon, no valid name)."""
    cut = len(text)
    for stop in (";", ":"):
        found = text.find(stop)
        if 0 <= found < cut:
            cut = found
    if cut == len(text):
        return None
    match = _PROPERTY_NAME.fullmatch(text[:cut].strip())
    if match is None:
        return None
    raw_params: list[str] = []
    value_at = cut + 1
    if text[cut] == ";":
        value_at = -1
        quoted = False
        begin = cut + 1
        for index in range(cut + 1, len(text)):
            char = text[index]
            if char == '"':
                quoted = not quoted
            elif not quoted and char in ";:":
                raw_params.append(text[begin:index])
                begin = index + 1
                if char == ":":
                    value_at = index + 1
                    break
        if value_at < 0:  # an unbalanced quote hid the colon: read without quoting
            colon = text.find(":", cut)
            if colon < 0:
                return None
            raw_params = text[cut + 1 : colon].split(";")
            value_at = colon + 1
    group = match.group(1).lower() if match.group(1) else None
    return _Property(number, group, match.group(2).upper(), _params(raw_params), text[value_at:])


def _params(raw_params: list[str]) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for raw in raw_params:
        text = raw.strip()
        if not text:
            continue
        key, equals, value = text.partition("=")
        if equals:
            name = key.strip().upper()
            values = [_unquote(part) for part in _split_outside_quotes(value)]
        else:
            name = "ENCODING" if text.upper() in _BARE_ENCODINGS else "TYPE"
            values = [text]
        params.setdefault(name, []).extend(values)
    return params


def _split_outside_quotes(text: str) -> list[str]:
    parts: list[str] = []
    quoted = False
    begin = 0
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append(text[begin:index])
            begin = index + 1
    parts.append(text[begin:])
    return parts


def _unquote(text: str) -> str:
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value.replace('"', "")


def _safe_card(
    start: int, lines: list[tuple[int, str]], problem: str | None
) -> ContactRecord | Reject:
    """Read one card; a fault in it costs that card only, never the whole import.

    Every input is meant to be handled by `_read_card`; this guard exists so a
    case nobody foresaw rejects one card with a reason instead of aborting an
    import of thousands.
    """
    try:
        return _read_card(start, lines, problem)
    except Exception as exc:
        return Reject(start, f"could not read this card ({type(exc).__name__})")


def _read_card(
    start: int, lines: list[tuple[int, str]], problem: str | None
) -> ContactRecord | Reject:
    properties: list[_Property] = []
    issues: list[str] = []
    unreadable = 0
    for number, text in lines:
        prop = _parse_line(number, text)
        if prop is not None:
            properties.append(prop)
        elif text.strip():
            unreadable += 1
            issues.append(f"line {number}: not a vCard property, ignored")
    card = _Card(ContactRecord(line=start), properties)
    if problem is not None:
        card.record.issues.append(problem)
    card.record.issues.extend(issues)
    record = card.read()
    if record.empty:
        detail = f"; {unreadable} unreadable line(s)" if unreadable else ""
        return Reject(start, f"empty card: no name, email, phone, company or note{detail}")
    return record


class _Card:
    """The properties of one card turned into a record, following the card's version."""

    def __init__(self, record: ContactRecord, properties: list[_Property]) -> None:
        self.record = record
        self.properties = properties
        self.version = "3.0"
        self.labels: dict[str, str] = {}
        self.names: list[tuple[_Property, str]] = []
        self.structured_names: list[tuple[_Property, list[str]]] = []
        self.emails: list[tuple[int, int, str, str | None]] = []
        self.phones: list[tuple[int, int, str, str | None]] = []
        self.urls: list[tuple[str, str | None]] = []
        self.org: list[str] | None = None
        self.notes: list[str] = []
        self.crm_ids: dict[str, str] = {}
        self.crm_fields: dict[str, str] = {}

    def read(self) -> ContactRecord:
        self._read_version()
        self.labels = {
            prop.group: label
            for prop in self.properties
            if prop.name == "X-ABLABEL" and prop.group
            for label in [_apple_label(self._text(prop))]
            if label
        }
        handlers = {
            "FN": self._fn,
            "N": self._n,
            "EMAIL": self._email,
            "TEL": self._tel,
            "URL": self._url,
            "X-SOCIALPROFILE": self._social_profile,
            "ORG": self._org,
            "TITLE": self._title,
            "ROLE": self._role,
            "NOTE": self._note,
            "CATEGORIES": self._categories,
            "ADR": self._adr,
            "BDAY": self._bday,
            "UID": self._uid,
            "KIND": self._kind,
            "X-ADDRESSBOOKSERVER-KIND": self._kind,
            "X-ABSHOWAS": self._show_as,
            "X-ABADR": self._apple_country,
        }
        for order, prop in enumerate(self.properties):
            handler = handlers.get(prop.name)
            if handler is not None:
                handler(prop, order)
            elif prop.name.startswith("X-CRM-"):
                self._crm(prop)
        self._finish()
        return self.record

    # -- values ---------------------------------------------------------------------------

    def _read_version(self) -> None:
        version = next((p.value.strip() for p in self.properties if p.name == "VERSION"), None)
        if version is None:
            return
        if version in _VERSIONS:
            self.version = version
        else:
            self.record.issues.append(f"unknown vCard version {version[:20]!r}, read as 3.0")
        if self.version == "4.0":  # RFC 6868 caret escapes in parameter values
            for prop in self.properties:
                for values in prop.params.values():
                    values[:] = [_CARET.sub(lambda m: _CARETS[m.group(1)], v) for v in values]

    def _raw(self, prop: _Property) -> str | None:
        """The value with its transfer encoding undone, still TEXT-escaped; None if unreadable."""
        encoding = (prop.param("ENCODING") or "").upper()
        charset = prop.param("CHARSET")
        if "QUOTED-PRINTABLE" in encoding:
            return _decode_quoted_printable(prop.value, charset)
        if encoding in ("B", "BASE64"):
            try:
                data = base64.b64decode("".join(prop.value.split()))
            except (binascii.Error, ValueError):
                return None
            return _decode_charset(data, charset)
        return prop.value

    def _unescape(self, text: str) -> str:
        table = _UNESCAPES_21 if self.version == "2.1" else _UNESCAPES
        return _ESCAPE.sub(lambda m: table.get(m.group(1), m.group(0)), text)

    def _text(self, prop: _Property) -> str:
        raw = self._raw(prop)
        return "" if raw is None else _clean(self._unescape(raw))

    def _components(self, prop: _Property, separator: str = ";") -> list[str]:
        raw = self._raw(prop)
        if raw is None:
            return []
        return [_clean(self._unescape(part)) for part in _split_escaped(raw, separator)]

    def _label(self, prop: _Property) -> str | None:
        return self.labels.get(prop.group) if prop.group else None

    # -- properties -----------------------------------------------------------------------

    def _fn(self, prop: _Property, order: int) -> None:
        text = self._text(prop)
        if text:
            self.names.append((prop, text))

    def _n(self, prop: _Property, order: int) -> None:
        raw = self._raw(prop)
        if raw is None:
            return
        parts: list[str] = []
        for component in (_split_escaped(raw, ";") + [""] * 5)[:5]:
            # From 3.0 a component may hold several values, e.g. two middle names.
            values = [component] if self.version == "2.1" else _split_escaped(component, ",")
            words = (_clean(self._unescape(value)) for value in values)
            parts.append(" ".join(word for word in words if word))
        if any(parts):
            self.structured_names.append((prop, parts))

    def _email(self, prop: _Property, order: int) -> None:
        address = self._text(prop)
        if address.lower().startswith("mailto:"):
            address = address[7:].strip()
        if address:
            label = self._label(prop) or _first_of(prop.types(), ("work", "home", "other"))
            self.emails.append((prop.preference(), order, address, label))

    def _tel(self, prop: _Property, order: int) -> None:
        number = self._text(prop)
        if number.lower().startswith("tel:"):  # 4.0 VALUE=uri
            number = _TEL_EXT.sub(lambda m: f" ext. {m.group(1).strip()}", number[4:]).strip()
        if number:
            label = self._label(prop) or _phone_label(prop.types())
            self.phones.append((prop.preference(), order, number, label))

    def _url(self, prop: _Property, order: int) -> None:
        url = self._text(prop)
        if url:
            label = self._label(prop) or _first_of(prop.types(), ("work", "home"))
            self.urls.append((url, label))

    def _social_profile(self, prop: _Property, order: int) -> None:
        url = self._text(prop)
        if "://" not in url and not url.lower().startswith("www."):
            return  # Apple's `x-apple:handle` form names no page
        kinds = sorted(prop.types() - {"pref"})
        self.urls.append((url, self._label(prop) or (kinds[0] if kinds else None)))

    def _org(self, prop: _Property, order: int) -> None:
        if self.org is None:
            parts = self._components(prop)
            if any(parts):
                self.org = parts

    def _title(self, prop: _Property, order: int) -> None:
        if self.record.title is None:
            self.record.title = self._text(prop) or None

    def _role(self, prop: _Property, order: int) -> None:
        text = self._text(prop)
        if text:
            self.record.custom.setdefault("role", text)

    def _note(self, prop: _Property, order: int) -> None:
        text = self._text(prop)
        if text:
            self.notes.append(text)

    def _categories(self, prop: _Property, order: int) -> None:
        separators = (",", ";") if self.version == "2.1" else (",",)
        parts = [self._raw(prop) or ""]
        for separator in separators:
            parts = [piece for part in parts for piece in _split_escaped(part, separator)]
        seen = {tag.casefold() for tag in self.record.tags}
        for part in parts:
            tag = _clean(self._unescape(part))
            if tag and tag not in _IGNORED_CATEGORIES and tag.casefold() not in seen:
                seen.add(tag.casefold())
                self.record.tags.append(tag)

    def _adr(self, prop: _Property, order: int) -> None:
        parts = (self._components(prop) + [""] * 7)[:7]
        po_box, extended, street, city, region, postcode, country = parts
        lines = [text for text in (street, extended, po_box) if text]
        address = {
            "street": "\n".join(lines),
            "city": city,
            "region": region,
            "postcode": postcode,
            "country": country,
        }
        kept = {key: value for key, value in address.items() if value}
        if kept:
            label = self._label(prop) or _first_of(prop.types(), ("work", "home", "other"))
            self.record.addresses.append({"label": label, **kept} if label else kept)

    def _bday(self, prop: _Property, order: int) -> None:
        if self.record.birthday is not None or self.record.birthday_raw is not None:
            return
        text = self._text(prop)
        if not text:
            return
        birthday, issue = _birthday(text, prop.param("X-APPLE-OMIT-YEAR"))
        if birthday is None:
            self.record.birthday_raw = text
            self.record.issues.append(issue or f"unreadable birthday {text!r}")
        else:
            self.record.birthday = birthday

    def _uid(self, prop: _Property, order: int) -> None:
        text = self._text(prop)
        if text:
            self.record.external_ids.setdefault("vcard", text)

    def _kind(self, prop: _Property, order: int) -> None:
        kind = self._text(prop).lower()
        if kind == "group":
            self.record.kind = "group"
        elif kind in ("org", "organization") and self.record.kind != "group":
            self.record.kind = "org"

    def _show_as(self, prop: _Property, order: int) -> None:
        if self._text(prop).upper() == "COMPANY" and self.record.kind != "group":
            self.record.kind = "org"

    def _apple_country(self, prop: _Property, order: int) -> None:
        code = self._text(prop)
        if self.record.country is None and len(code) == 2 and code.isascii() and code.isalpha():
            self.record.country = code.upper()

    def _crm(self, prop: _Property) -> None:
        """Our own X-CRM-* lines: stored fields vCard has no property for."""
        text = self._text(prop)
        if prop.name == "X-CRM-FIELD":
            name = prop.param("NAME")
            if name is not None:
                self.crm_fields[name] = text
            return
        if prop.name == "X-CRM-ID":
            system = prop.param("SYSTEM")
            if system is not None and text:
                self.crm_ids[system] = text
            return
        if not text:
            return
        if prop.name == "X-CRM-STATUS":
            self.record.status = text
        elif prop.name == "X-CRM-LEAD-SOURCE":
            self.record.lead_source = text
        elif prop.name == "X-CRM-DO-NOT-CONTACT":
            self.record.do_not_contact = text.strip().lower() in ("true", "yes", "1")
        elif prop.name == "X-CRM-CADENCE-DAYS" and text.strip().isdigit() and int(text) > 0:
            self.record.cadence_days = int(text)
        # X-CRM-OWNER and X-CRM-CREATED describe the exporting database's record:
        # an import makes a new record, owned by whoever imports it.

    # -- the record -----------------------------------------------------------------------

    def _finish(self) -> None:
        record = self.record
        self._choose_name()
        record.emails = _unique(self.emails)
        record.phones = _unique(self.phones, key=lambda text: text)
        record.urls = _unique_urls(self.urls)
        if self.notes:
            record.notes = "\n\n".join(self.notes)
        if self.org:
            company = self.org[0] or None
            department = ", ".join(part for part in self.org[1:] if part)
            record.company = company
            if department:
                record.custom.setdefault("department", department)
        if record.kind == "group":  # a group's N holds its name, not a person's parts
            record.prefix = record.first = record.middle = record.last = record.suffix = None
        if record.kind == "org":
            record.company = record.company or record.full_name
            if record.full_name == record.company:
                record.full_name = None  # the card's name is the company's, not a person's
        record.custom.update(self.crm_fields)
        record.external_ids.update(self.crm_ids)

    def _choose_name(self) -> None:
        """FN and N; with several language forms, the one without LANGUAGE (or the first).

        The other forms are kept in `custom` as `name (<language>)`, so a Japanese
        name's romanisation is not lost.
        """
        record = self.record

        def language(prop: _Property) -> str | None:
            value = prop.param("LANGUAGE")
            return value.strip() if value and value.strip() else None

        chosen: _Property | None = None
        if self.names:
            chosen = next((p for p, _ in self.names if language(p) is None), self.names[0][0])
            record.full_name = next(text for p, text in self.names if p is chosen)
        chosen_language = language(chosen) if chosen is not None else None
        parts: list[str] | None = None
        if self.structured_names:
            same = [
                n for p, n in self.structured_names if chosen and language(p) == chosen_language
            ]
            plain = [n for p, n in self.structured_names if language(p) is None]
            parts = (same or plain or [self.structured_names[0][1]])[0]
            last, first, middle, prefix, suffix = parts
            record.last, record.first, record.middle = last or None, first or None, middle or None
            record.prefix, record.suffix = prefix or None, suffix or None
            if record.full_name is None:
                ordered = (prefix, first, middle, last, suffix)
                record.full_name = " ".join(part for part in ordered if part) or None
        others: list[tuple[str | None, str]] = [
            (language(p), text) for p, text in self.names if p is not chosen
        ]
        named_languages = {lang for lang, _ in others} | {chosen_language}
        for prop, other_parts in self.structured_names:
            lang = language(prop)
            if other_parts is not parts and lang not in named_languages:
                last, first, middle, prefix, suffix = other_parts
                text = " ".join(p for p in (prefix, first, middle, last, suffix) if p)
                others.append((lang, text))
                named_languages.add(lang)
        for lang, text in others:
            if text and text != record.full_name:
                key = f"name ({lang})" if lang else "name (other)"
                record.custom.setdefault(_free_key(record.custom, key), text)


def _free_key(taken: Mapping[str, str], key: str) -> str:
    if key not in taken:
        return key
    return next(f"{key} {n}" for n in count(2) if f"{key} {n}" not in taken)


def _unique(
    items: list[tuple[int, int, str, str | None]], key: Callable[[str], str] = str.casefold
) -> list[tuple[str, str | None]]:
    """Values in preference order (PREF first, then as written), each once."""
    seen: set[str] = set()
    out: list[tuple[str, str | None]] = []
    for _, _, value, label in sorted(items, key=lambda item: (item[0], item[1])):
        if key(value) not in seen:
            seen.add(key(value))
            out.append((value, label))
    return out


def _unique_urls(urls: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Each page once, however written (http/https, www, trailing slash); a label sticks."""
    out: list[tuple[str, str | None]] = []
    where: dict[str, int] = {}
    for url, label in urls:
        key = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip().lower()).removeprefix("www.")
        key = key.rstrip("/")
        if key in where:
            index = where[key]
            if out[index][1] is None and label:
                out[index] = (out[index][0], label)
        else:
            where[key] = len(out)
            out.append((url, label))
    return out


def _first_of(types: set[str], wanted: tuple[str, ...]) -> str | None:
    return next((word for word in wanted if word in types), None)


def _phone_label(types: set[str]) -> str | None:
    if "fax" in types:
        return "fax"
    if types & {"cell", "mobile", "iphone"}:
        return "mobile"
    return _first_of(types, ("pager", "main", "work", "home", "other"))


def _apple_label(text: str) -> str | None:
    """`_$!<Work>!$_` -> "work" (Apple's built-in labels); a custom label as written."""
    match = _APPLE_LABEL.fullmatch(text)
    if match is None:
        return text or None
    word = match.group(1).strip().lower()
    return _APPLE_LABELS.get(word, word) or None


def _split_escaped(text: str, separator: str) -> list[str]:
    """Split on `separator` where it is not backslash-escaped (escapes are kept)."""
    parts: list[str] = []
    begin = index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == separator:
            parts.append(text[begin:index])
            begin = index + 1
        index += 1
    parts.append(text[begin:])
    return parts


def _clean(text: str) -> str:
    """LF line breaks, no control characters, trimmed: the form every value is kept in."""
    return _CONTROLS.sub("", _NEWLINES.sub("\n", text)).strip()


def _decode_quoted_printable(value: str, charset: str | None) -> str:
    """`=XX` runs decoded as bytes in `charset`; any other character is kept as it is."""
    value = value.removesuffix("=")  # a soft break with nothing after it
    return _QP_RUN.sub(
        lambda m: _decode_charset(bytes.fromhex(m.group().replace("=", "")), charset), value
    )


def _decode_charset(data: bytes, charset: str | None) -> str:
    """Bytes in the declared charset; UTF-8, then Windows-1252, when it is wrong or unknown."""
    for name in (charset, "utf-8"):
        if name:
            try:
                return data.decode(name.strip())
            except (LookupError, UnicodeError, ValueError, TypeError):
                continue
    return _windows_1252(data)


# The five bytes Windows-1252 leaves undefined are read as the C1 controls of
# the same number (as browsers do), so decoding never fails.
_CP1252_HIGH = {
    byte: bytes([byte]).decode("cp1252", errors="replace") for byte in range(0x80, 0xA0)
}
_CP1252 = str.maketrans({chr(b): (c if c != "\ufffd" else chr(b)) for b, c in _CP1252_HIGH.items()})


def _windows_1252(data: bytes) -> str:
    return data.decode("latin-1").translate(_CP1252)


def _birthday(text: str, omit_year: str | None) -> tuple[str | None, str | None]:
    """("YYYY-MM-DD" or "--MM-DD", None), or (None, why) when the text is no real date.

    Any time part is dropped as written, never converted to another zone, so the
    day cannot roll over; a placeholder year (Apple's 1604, 0000) means no year.
    """
    match = _BDAY_DATE.fullmatch(text)
    year: int | None
    if match:
        year, month, day = (int(group) for group in match.groups())
        omitted = omit_year is not None and omit_year.strip() == match.group(1)
        if omitted:
            year = None
    else:
        match = _BDAY_NO_YEAR.fullmatch(text)
        if match is None:
            return None, f"unreadable birthday {text!r}"
        year, month, day = None, int(match.group(1)), int(match.group(2))
    found = birthday(year, month, day)
    if found is None:
        return None, f"impossible birthday {text!r}"
    return found, None


# -- writing -----------------------------------------------------------------------------

_EMAIL_TYPES = {"work": "work", "home": "home"}
_PHONE_TYPES = {
    "mobile": "cell",
    "work": "work,voice",
    "home": "home,voice",
    "fax": "fax",
    "main": "main",
    "pager": "pager",
}
_ADR_TYPES = {"work": "work", "home": "home"}
_TEXT_ESCAPES = re.compile(r"[\\;,\n]")
_PARAM_NEEDS_QUOTES = re.compile(r"[:;,]|^\s|\s$|^$")
_SOCIAL_KIND = re.compile(r"[a-z0-9-]+")
_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEARLESS_DATE = re.compile(r"--\d{2}-\d{2}")
# Folding units: an escape pair stays on one line so lax readers that unescape
# before unfolding still see it whole; any other unit is one code point.


def contact_uid(contact_id: int, uid_domain: str = "crmcli") -> str:
    """The card's UID: the same on every export, so re-importing updates instead of duplicating."""
    return f"crm-contact-{int(contact_id)}@{uid_domain}"


def contact_id_from_uid(uid: str, uid_domain: str = "crmcli") -> int | None:
    """The contact id in a UID written by `write_vcards` with the same domain, else None."""
    match = re.fullmatch(r"crm-contact-(\d+)@(.+)", uid.strip())
    if match is None or match.group(2) != uid_domain:
        return None
    return int(match.group(1))


def write_vcards(
    contacts: Iterable[Mapping[str, Any]], out: TextIO, *, uid_domain: str = "crmcli"
) -> int:
    """Write one vCard 3.0 per contact (`contacts.public_view` shape); returns the count.

    3.0 because Google, Apple and Outlook all read it. Each card is written as
    soon as its contact is read, so memory stays flat. Line endings are CRLF,
    written here: `out` must not translate newlines (open with `newline=""`)
    and must encode as UTF-8, since folding counts UTF-8 octets. Fields vCard
    has no property for go into X-CRM-* lines that `parse_vcards` restores.
    """
    written = 0
    for contact in contacts:
        for line in _card_lines(contact, uid_domain):
            out.write(folded(line))
        written += 1
    return written


def _card_lines(contact: Mapping[str, Any], uid_domain: str) -> Iterator[str]:
    """The unfolded content lines of one card."""
    items = count(1)  # Apple-style `itemN.` groups tie a custom label to its value
    yield "BEGIN:VCARD"
    yield "VERSION:3.0"
    yield f"PRODID:{PRODID}"
    yield f"FN:{_escape(contact.get('name'))}"
    parts = ("last_name", "first_name", "middle_name", "prefix", "suffix")
    yield "N:" + ";".join(_escape(contact.get(key)) for key in parts)
    for email in contact.get("emails") or ():
        address = _value(email.get("email"))
        if address:
            types = ["INTERNET"]
            label = _value(email.get("label"))
            if label in _EMAIL_TYPES:
                types.append(_EMAIL_TYPES[label])
            if email.get("primary"):
                types.append("pref")
            yield from _labelled("EMAIL", ",".join(types), address, label, _EMAIL_TYPES, items)
    for phone in contact.get("phones") or ():
        yield from _phone_lines(phone, items)
    if _value(contact.get("company")):
        yield f"ORG:{_escape(contact.get('company'))}"
    if _value(contact.get("title")):
        yield f"TITLE:{_escape(contact.get('title'))}"
    for address in contact.get("addresses") or ():
        yield from _address_lines(address, items)
    for url in contact.get("urls") or ():
        text = _value(url.get("url"))
        if text.strip():
            text = "".join(text.split("\n"))  # a URI is not TEXT: no escapes, no newlines
            yield f"URL:{text}"
            kind = _value(url.get("kind")).lower()
            if kind != "web" and _SOCIAL_KIND.fullmatch(kind):
                yield f"X-SOCIALPROFILE;TYPE={kind}:{text}"
    birthday = _value(contact.get("birthday"))
    if _FULL_DATE.fullmatch(birthday) or _YEARLESS_DATE.fullmatch(birthday):
        yield f"BDAY:{birthday}"  # `--MM-DD` is ISO 8601's date without a year
    if _value(contact.get("notes")).strip():
        yield f"NOTE:{_escape(contact.get('notes'))}"
    tags = [_escape(tag) for tag in contact.get("tags") or () if _value(tag).strip()]
    if tags:
        yield f"CATEGORIES:{','.join(tags)}"
    yield f"UID:{_escape(contact_uid(contact['id'], uid_domain))}"
    revision = _revision(contact.get("updated_at"))
    if revision:
        yield f"REV:{revision}"
    yield from _crm_lines(contact)
    yield "END:VCARD"


def _labelled(
    name: str,
    types: str,
    value: str,
    label: str,
    standard: Mapping[str, str],
    items: Iterator[int],
) -> Iterator[str]:
    """A property whose label is a TYPE when standard, else an `itemN.X-ABLabel`."""
    type_param = f";TYPE={types}" if types else ""
    if not label or label in standard:
        yield f"{name}{type_param}:{value}"
        return
    group = f"item{next(items)}."
    yield f"{group}{name}{type_param}:{value}"
    yield f"{group}X-ABLabel:{_escape(label)}"


def _phone_lines(phone: Mapping[str, Any], items: Iterator[int]) -> Iterator[str]:
    e164 = _value(phone.get("e164"))
    extension = _value(phone.get("extension"))
    if e164:
        # `;ext=` belongs to tel: URIs (4.0); in 3.0 text readers keep "ext." as typed.
        number = f"{e164} ext. {extension}" if extension else e164
    else:
        number = _value(phone.get("number"))
    if not number.strip():
        return
    label = _value(phone.get("label"))
    types = _PHONE_TYPES.get(label) or _guess_phone_type(label)
    yield from _labelled("TEL", types, _escape(number), label, _PHONE_TYPES, items)


def _guess_phone_type(label: str) -> str:
    """The nearest standard TYPE for a custom label, for readers that ignore X-ABLabel."""
    words = label.lower()
    if "fax" in words:
        return "fax"
    if any(word in words for word in ("mobile", "cell", "iphone", "portable", "handy")):
        return "cell"
    for word in ("work", "home", "main", "pager"):
        if word in words:
            return _PHONE_TYPES[word]
    return "voice"


def _address_lines(address: Any, items: Iterator[int]) -> Iterator[str]:
    if not isinstance(address, Mapping):
        return
    keys = ("street", "city", "region", "postcode", "country")
    parts = [_escape(address.get(key)) for key in keys]
    if not any(part.strip() for part in parts):
        return
    label = _value(address.get("label"))
    value = ";".join(["", "", *parts])
    yield from _labelled("ADR", _ADR_TYPES.get(label, ""), value, label, _ADR_TYPES, items)


def _crm_lines(contact: Mapping[str, Any]) -> Iterator[str]:
    """X-CRM-* lines: what the CRM stores that vCard has no property for."""
    for name, key in (
        ("X-CRM-STATUS", "status"),
        ("X-CRM-LEAD-SOURCE", "lead_source"),
        ("X-CRM-CADENCE-DAYS", "cadence_days"),
        ("X-CRM-OWNER", "owner"),
        ("X-CRM-CREATED", "created_at"),
    ):
        if _value(contact.get(key)).strip():
            yield f"{name}:{_escape(contact.get(key))}"
    if contact.get("do_not_contact") is not None:
        yield f"X-CRM-DO-NOT-CONTACT:{'true' if contact['do_not_contact'] else 'false'}"
    for name, value in (contact.get("custom_fields") or {}).items():
        if value is not None:
            yield f"X-CRM-FIELD;NAME={_param_value(name)}:{_escape(_field_text(value))}"
    for system, identifier in (contact.get("external_ids") or {}).items():
        if identifier is not None and _value(identifier).strip():
            yield f"X-CRM-ID;SYSTEM={_param_value(system)}:{_escape(identifier)}"


def _field_text(value: Any) -> str:
    """A custom field's value as text: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _revision(updated_at: Any) -> str | None:
    if not isinstance(updated_at, str):
        return None
    try:
        moment = parse_stamp(updated_at)
    except ValueError:
        return None
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"


def _value(value: Any) -> str:
    """Text with LF line breaks and no control characters ("" for None)."""
    if value is None:
        return ""
    return _CONTROLS.sub("", _NEWLINES.sub("\n", str(value)))


def _escape(value: Any) -> str:
    """A TEXT value escaped per RFC 2426 §5, so `,` `;` `\\` and newlines are data."""
    return _TEXT_ESCAPES.sub(_escape_one, _value(value))


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    return "\\n" if char == "\n" else "\\" + char


def _param_value(value: Any) -> str:
    """A parameter value: quoted when it holds `:;,`, with `"` (never allowed) made `'`."""
    text = " ".join(_value(value).split("\n")).replace('"', "'")
    return f'"{text}"' if _PARAM_NEEDS_QUOTES.search(text) else text
