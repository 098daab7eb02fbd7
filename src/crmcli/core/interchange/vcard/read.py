"""Reading vCard files: 2.1, 3.0 and 4.0 address books into records, one card at a time.

A fault in a card costs that card only; a card cut short is still read, with an
issue saying so. Lines and their syntax are in `vcard.lines`, values in `vcard.values`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

from crmcli.core.errors import Invalid
from crmcli.core.interchange.extras import add_handle
from crmcli.core.interchange.records import ContactRecord, Reject
from crmcli.core.interchange.vcard.lines import BOUNDARY, Property, logical_lines, parse_line
from crmcli.core.interchange.vcard.personal import PersonalProperties
from crmcli.core.interchange.vcard.values import (
    apple_label,
    clean,
    decode_charset,
    decode_quoted_printable,
    first_of,
    free_key,
    phone_label,
    read_birthday,
    split_escaped,
    unique,
    unique_urls,
)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_CARET = re.compile(r"\^([n^'])")
_TEL_EXT = re.compile(r";\s*ext=([^;]*)", re.IGNORECASE)

_VERSIONS = ("2.1", "3.0", "4.0")
# 2.1 only defines `\;`; `\n` there is more likely a Windows path than a newline.
_UNESCAPES_21 = {"\\": "\\", ";": ";", ",": ","}
_UNESCAPES = {"\\": "\\", ";": ";", ",": ",", ":": ":", "n": "\n", "N": "\n"}
_CARETS = {"n": "\n", "^": "^", "'": '"'}
# Google puts every contact in this system group: a tag on everyone says nothing.
_IGNORED_CATEGORIES = frozenset({"myContacts"})


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
    outside: list[tuple[int, str]] = []  # lines since the last card: a banner, or a lost BEGIN
    orphans: list[tuple[list[tuple[int, str]], str]] = []  # cards that lost their BEGIN line
    for number, line in logical_lines(_LINE_BREAK.split(text)):
        boundary = BOUNDARY.fullmatch(line)
        if boundary is None:
            if card is not None:
                card.append((number, line))
            else:
                outside.append((number, line))
        elif boundary.group(1).upper() == "BEGIN":
            if card is not None:
                yield _safe_card(start, card, f"no END:VCARD before the next card at line {number}")
            found = True
            start, card, outside = number, [], []
        elif card is not None:
            yield _safe_card(start, card, None)
            card = None
        elif any(parse_line(n, text) is not None for n, text in outside):
            # END:VCARD with no BEGIN: the card's first line was lost (a cut or a bad
            # join), not its properties: read them, saying so, rather than drop a person
            # (in a file of cards: one with no BEGIN:VCARD at all is no vCard file).
            orphans.append((outside, f"no BEGIN:VCARD before line {number}"))
            outside = []
        if found and orphans:
            yield from (_safe_card(lines[0][0], lines, why) for lines, why in orphans)
            orphans = []
    if card is not None:
        yield _safe_card(start, card, "the file ends before END:VCARD")
    if not found:
        raise Invalid("no vCard found (no BEGIN:VCARD line)")


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
    properties: list[Property] = []
    issues: list[str] = []
    unreadable = 0
    for number, text in lines:
        prop = parse_line(number, text)
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


class _Card(PersonalProperties):
    """The properties of one card turned into a record, following the card's version.

    Every property lands somewhere (see `vcard.personal`): read here, read there, or
    kept as a custom field.
    """

    def __init__(self, record: ContactRecord, properties: list[Property]) -> None:
        self.record = record
        self.properties = properties
        self.version = "3.0"
        self.labels: dict[str, str] = {}
        self.names: list[tuple[Property, str]] = []
        self.structured_names: list[tuple[Property, list[str]]] = []
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
            for label in [apple_label(self._text(prop))]
            if label
        }
        handlers = {
            "FN": self._fn,
            "N": self._n,
            "EMAIL": self._email,
            "TEL": self._tel,
            "URL": self._url,
            "X-SOCIALPROFILE": self._social_profile,
            "X-EVOLUTION-BLOG-URL": self._url,
            "X-EVOLUTION-VIDEO-URL": self._url,
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
            elif not self.personal(prop):
                self.other(prop)
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

    def _raw(self, prop: Property) -> str | None:
        """The value with its transfer encoding undone, still TEXT-escaped; None if unreadable."""
        encoding = (prop.param("ENCODING") or "").upper()
        charset = prop.param("CHARSET")
        if "QUOTED-PRINTABLE" in encoding:
            return decode_quoted_printable(prop.value, charset)
        if encoding in ("B", "BASE64"):
            try:
                data = base64.b64decode("".join(prop.value.split()))
            except (binascii.Error, ValueError):
                return None
            return decode_charset(data, charset)
        return prop.value

    def _unescape(self, text: str) -> str:
        table = _UNESCAPES_21 if self.version == "2.1" else _UNESCAPES
        return _ESCAPE.sub(lambda m: table.get(m.group(1), m.group(0)), text)

    def _text(self, prop: Property) -> str:
        raw = self._raw(prop)
        return "" if raw is None else clean(self._unescape(raw))

    def _components(self, prop: Property, separator: str = ";") -> list[str]:
        raw = self._raw(prop)
        if raw is None:
            return []
        return [clean(self._unescape(part)) for part in split_escaped(raw, separator)]

    def _label(self, prop: Property) -> str | None:
        return self.labels.get(prop.group) if prop.group else None

    # -- properties -----------------------------------------------------------------------

    def _fn(self, prop: Property, order: int) -> None:
        text = self._text(prop)
        if text:
            self.names.append((prop, text))

    def _n(self, prop: Property, order: int) -> None:
        raw = self._raw(prop)
        if raw is None:
            return
        parts: list[str] = []
        for component in (split_escaped(raw, ";") + [""] * 5)[:5]:
            # From 3.0 a component may hold several values, e.g. two middle names.
            values = [component] if self.version == "2.1" else split_escaped(component, ",")
            words = (clean(self._unescape(value)) for value in values)
            parts.append(" ".join(word for word in words if word))
        if any(parts):
            self.structured_names.append((prop, parts))

    def _email(self, prop: Property, order: int) -> None:
        address = self._text(prop)
        if address.lower().startswith("mailto:"):
            address = address[7:].strip()
        if address:
            label = self._label(prop) or first_of(prop.types(), ("work", "home", "other"))
            self.emails.append((prop.preference(), order, address, label))

    def _tel(self, prop: Property, order: int) -> None:
        number = self._text(prop)
        if number.lower().startswith("tel:"):  # 4.0 VALUE=uri
            number = _TEL_EXT.sub(lambda m: f" ext. {m.group(1).strip()}", number[4:]).strip()
        if number:
            label = self._label(prop) or phone_label(prop.types())
            self.phones.append((prop.preference(), order, number, label))

    def _url(self, prop: Property, order: int) -> None:
        url = self._text(prop)
        if url:
            label = self._label(prop) or first_of(prop.types(), ("work", "home"))
            self.urls.append((url, label))

    def _social_profile(self, prop: Property, order: int) -> None:
        url = self._text(prop)
        if "://" not in url and not url.lower().startswith("www."):
            # Apple's `x-apple:handle` form names no page: the handle is the user name
            kinds = sorted(prop.types() - {"pref"})
            user = prop.param("X-USER") or url.removeprefix("x-apple:")
            if kinds and user:
                add_handle(self.record, kinds[0], user)
            return
        kinds = sorted(prop.types() - {"pref"})
        self.urls.append((url, self._label(prop) or (kinds[0] if kinds else None)))

    def _org(self, prop: Property, order: int) -> None:
        if self.org is None:
            parts = self._components(prop)
            if any(parts):
                self.org = parts

    def _title(self, prop: Property, order: int) -> None:
        if self.record.title is None:
            self.record.title = self._text(prop) or None

    def _role(self, prop: Property, order: int) -> None:
        text = self._text(prop)
        if text:
            self.record.custom.setdefault("role", text)

    def _note(self, prop: Property, order: int) -> None:
        text = self._text(prop)
        if text:
            self.notes.append(text)

    def _categories(self, prop: Property, order: int) -> None:
        separators = (",", ";") if self.version == "2.1" else (",",)
        parts = [self._raw(prop) or ""]
        for separator in separators:
            parts = [piece for part in parts for piece in split_escaped(part, separator)]
        seen = {tag.casefold() for tag in self.record.tags}
        for part in parts:
            tag = clean(self._unescape(part))
            if tag and tag not in _IGNORED_CATEGORIES and tag.casefold() not in seen:
                seen.add(tag.casefold())
                self.record.tags.append(tag)

    def _adr(self, prop: Property, order: int) -> None:
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
            label = self._label(prop) or first_of(prop.types(), ("work", "home", "other"))
            self.record.addresses.append({"label": label, **kept} if label else kept)

    def _bday(self, prop: Property, order: int) -> None:
        if self.record.birthday is not None or self.record.birthday_raw is not None:
            return
        text = self._text(prop)
        if not text:
            return
        birthday, issue = read_birthday(text, prop.param("X-APPLE-OMIT-YEAR"))
        if birthday is None:
            self.record.birthday_raw = text
            self.record.issues.append(issue or f"unreadable birthday {text!r}")
        else:
            self.record.birthday = birthday

    def _uid(self, prop: Property, order: int) -> None:
        text = self._text(prop)
        if text:
            self.record.external_ids.setdefault("vcard", text)

    def _kind(self, prop: Property, order: int) -> None:
        kind = self._text(prop).lower()
        if kind == "group":
            self.record.kind = "group"
        elif kind in ("org", "organization") and self.record.kind != "group":
            self.record.kind = "org"

    def _show_as(self, prop: Property, order: int) -> None:
        if self._text(prop).upper() == "COMPANY" and self.record.kind != "group":
            self.record.kind = "org"

    def _apple_country(self, prop: Property, order: int) -> None:
        code = self._text(prop)
        if self.record.country is None and len(code) == 2 and code.isascii() and code.isalpha():
            self.record.country = code.upper()

    def _crm(self, prop: Property) -> None:
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
        if prop.name in ("X-CRM-INDUSTRY", "X-CRM-DOMAIN"):  # a company card's columns
            if text:
                self.crm_fields[prop.name.removeprefix("X-CRM-").lower()] = text
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
        record.emails = unique(self.emails)
        record.phones = unique(self.phones, key=lambda text: text)
        record.urls = unique_urls(self.urls)
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
        apple = record.external_ids.get("apple")
        if apple and apple.casefold() == record.external_ids.get("vcard", "").casefold():
            del record.external_ids["apple"]  # iCloud's X-ABUID repeats the UID

    def _choose_name(self) -> None:
        """FN and N; with several language forms, the one without LANGUAGE (or the first).

        The other forms are kept in `custom` as `name (<language>)`, so a Japanese
        name's romanisation is not lost.
        """
        record = self.record

        def language(prop: Property) -> str | None:
            value = prop.param("LANGUAGE")
            return value.strip() if value and value.strip() else None

        chosen: Property | None = None
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
                record.custom.setdefault(free_key(record.custom, key), text)
