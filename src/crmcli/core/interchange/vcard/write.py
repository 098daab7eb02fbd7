"""Writing vCard files: contacts as vCard 3.0, X-CRM-* lines holding what vCard has no field for."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from itertools import count
from typing import Any, TextIO

from crmcli.core.clock import parse_stamp
from crmcli.core.interchange.contentlines import folded
from crmcli.core.interchange.vcard.values import CONTROLS, NEWLINES

PRODID = "-//crmcli//crm contacts//EN"

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
# Apple's built-in relation labels (`_$!<Spouse>!$_`), by the CRM's kind.
_APPLE_RELATIONS = {
    "spouse": "Spouse",
    "child": "Child",
    "parent": "Parent",
    "sibling": "Sibling",
    "friend": "Friend",
    "partner": "Partner",
    "assistant": "Assistant",
    "manager": "Manager",
}
# RFC 6350 RELATED TYPE values, by the CRM's kind (what the named person is to the card's
# person); kinds without one (partner, referred by, a rep's own word) are written without.
RFC_RELATED = (
    "contact acquaintance friend met co-worker colleague co-resident neighbor child parent "
    "sibling spouse kin muse crush date sweetheart me agent emergency"
).split()
RELATED_TYPES = {
    **{kind: kind for kind in RFC_RELATED},  # as an imported card gave them
    "spouse": "spouse",
    "child": "child",
    "parent": "parent",
    "sibling": "sibling",
    "friend": "friend",
    "colleague": "colleague",
    "relative": "kin",
    "manager": "co-worker",
    "assistant": "agent",
}
_UUID = re.compile(
    r"(?:urn:uuid:)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", re.IGNORECASE
)
# IMPP URI schemes (RFC 4770 and the ones Apple writes), by the CRM's service name.
_IMPP_SCHEMES = {
    "aim": "aim",
    "jabber": "xmpp",
    "msn": "msnim",
    "yahoo": "ymsgr",
    "skype": "skype",
    "icq": "aim",
    "qq": "x-apple",
    "gadugadu": "x-apple",
    "sip": "sip",
    "irc": "irc",
    "matrix": "matrix",
}


def contact_uid(contact_id: int, uid_domain: str = "crmcli") -> str:
    """The card's UID: the same on every export, so re-importing updates instead of duplicating."""
    return f"crm-contact-{int(contact_id)}@{uid_domain}"


def company_uid(company_id: int, uid_domain: str = "crmcli") -> str:
    """A company card's UID, as stable as a contact's (its own card's UID rides in X-CRM-ID)."""
    return f"crm-company-{int(company_id)}@{uid_domain}"


def own_uid(record: Mapping[str, Any]) -> str | None:
    """The UID of the card this record came from (an Apple, khard or CardDAV card), if any.

    A card keeps its UID through crm: the address book it came from, and vdirsyncer
    syncing it, know the person by it, so an export under a new UID would be a second
    card for the same person there. Records crm made get `contact_uid`/`company_uid`.
    """
    uid = _value((record.get("external_ids") or {}).get("vcard")).strip()
    return uid if uid and "\n" not in uid and "\r" not in uid else None


def contact_id_from_uid(uid: str, uid_domain: str = "crmcli") -> int | None:
    """The contact id in a UID written by `write_vcards` with the same domain, else None."""
    match = re.fullmatch(r"crm-contact-(\d+)@(.+)", uid.strip())
    if match is None or match.group(2) != uid_domain:
        return None
    return int(match.group(1))


def write_vcards(
    contacts: Iterable[Mapping[str, Any]],
    out: TextIO,
    *,
    uid_domain: str = "crmcli",
    uids: Mapping[int, str] | None = None,
) -> int:
    """Write one vCard 3.0 per contact (`contacts.public_view` shape); returns the count.

    3.0 because Google, Apple and Outlook all read it. Each card is written as
    soon as its contact is read, so memory stays flat. Line endings are CRLF,
    written here: `out` must not translate newlines (open with `newline=""`)
    and must encode as UTF-8, since folding counts UTF-8 octets. Fields vCard
    has no property for go into X-CRM-* lines that `parse_vcards` restores.
    `uids` (`relations.card_uids`): the card UIDs of related people, for `RELATED`.
    """
    written = 0
    for contact in contacts:
        for line in _card_lines(contact, uid_domain, uids or {}):
            out.write(folded(line))
        written += 1
    return written


def _card_lines(
    contact: Mapping[str, Any], uid_domain: str, uids: Mapping[int, str]
) -> Iterator[str]:
    """The unfolded content lines of one card."""
    items = count(1)  # Apple-style `itemN.` groups tie a custom label to its value
    yield "BEGIN:VCARD"
    yield "VERSION:3.0"
    yield f"PRODID:{PRODID}"
    yield f"FN:{_escape(contact.get('name'))}"
    parts = ("last_name", "first_name", "middle_name", "prefix", "suffix")
    yield "N:" + ";".join(_escape(contact.get(key)) for key in parts)
    if _value(contact.get("nickname")).strip():
        yield f"NICKNAME:{_escape(contact.get('nickname'))}"
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
    yield from _personal_lines(contact, items, uids)
    yield f"UID:{_escape(own_uid(contact) or contact_uid(contact['id'], uid_domain))}"
    revision = _revision(contact.get("updated_at"))
    if revision:
        yield f"REV:{revision}"
    yield from _crm_lines(contact)
    yield "END:VCARD"


def write_company_cards(
    companies: Iterable[Mapping[str, Any]], out: TextIO, *, uid_domain: str = "crmcli"
) -> int:
    """Write one company card per company (`exporting.company_cards` shape); the count.

    A company card is what Apple Contacts and khard write for an organisation: empty
    `N`, the name as `FN` and `ORG`, and `X-ABShowAs:COMPANY` (vCard 3.0 has no `KIND`;
    Apple and khard both mark a company this way, and crm's reader takes it as one).
    Its own card's UID and other ids go in `X-CRM-ID` lines, as a contact's do, so the
    UID stays crm's and a re-import finds the company by those ids first.
    """
    written = 0
    for company in companies:
        for line in _company_lines(company, uid_domain):
            out.write(folded(line))
        written += 1
    return written


def _company_lines(company: Mapping[str, Any], uid_domain: str) -> Iterator[str]:
    """The unfolded content lines of one company card."""
    items = count(1)
    yield "BEGIN:VCARD"
    yield "VERSION:3.0"
    yield f"PRODID:{PRODID}"
    yield f"FN:{_escape(company.get('name'))}"
    yield "N:;;;;"
    yield f"ORG:{_escape(company.get('name'))}"
    yield "X-ABShowAs:COMPANY"
    email = _value(company.get("email")).strip()
    if email:
        yield f"EMAIL;TYPE=INTERNET,work,pref:{email}"
    phone = _value(company.get("phone")).strip()
    if phone:
        yield f"TEL;TYPE=work,voice,pref:{_escape(phone)}"
    for address in company.get("addresses") or ():
        yield from _address_lines(address, items)
    website = "".join(_value(company.get("website")).split())
    if website:
        yield f"URL:{website}"
    if _value(company.get("notes")).strip():
        yield f"NOTE:{_escape(company.get('notes'))}"
    yield f"UID:{_escape(own_uid(company) or company_uid(company['id'], uid_domain))}"
    revision = _revision(company.get("updated_at"))
    if revision:
        yield f"REV:{revision}"
    industry, domain = _value(company.get("industry")).strip(), _value(company.get("domain"))
    if industry:
        yield f"X-CRM-INDUSTRY:{_escape(industry)}"
    if domain.strip() and domain.strip() != _host(website):  # else the import derives it
        yield f"X-CRM-DOMAIN:{_escape(domain.strip())}"
    yield from _field_lines(company)
    yield "END:VCARD"


def _host(url: str) -> str:
    """A web page's host without `www.`, as a company's domain is stored."""
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip().lower()).split("/")[0]
    return host.removeprefix("www.")


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
        # Typed on one line (`company add --address`, a CSV's whole-address cell): the
        # street component carries it whole, as vCard has no unstructured address.
        parts[0] = _escape(address.get("formatted"))
    if not any(part.strip() for part in parts):
        return
    label = _value(address.get("label"))
    value = ";".join(["", "", *parts])
    yield from _labelled("ADR", _ADR_TYPES.get(label, ""), value, label, _ADR_TYPES, items)


def _personal_lines(
    contact: Mapping[str, Any], items: Iterator[int], uids: Mapping[int, str]
) -> Iterator[str]:
    """Relations, dates, chat handles and the photo, the way Apple Contacts writes them.

    Each relation twice in one `itemN.` group (`_relation_lines`): RFC 6350's `RELATED`,
    and Apple's `X-ABRELATEDNAMES` with an `X-ABLabel` (Apple's built-in label for
    the kinds it knows) for Apple and Google, which read no RELATED; an anniversary as
    `X-ANNIVERSARY` (Evolution, KAddressBook and Thunderbird read it), other dates as
    labelled `X-ABDATE`, handles as RFC 4770 `IMPP` with Apple's `X-SERVICE-TYPE`, the
    photo inline (`ENCODING=b`) or by URI.
    `vcard.personal` reads all of these back to the same rows.
    """
    for relation in contact.get("relations") or ():
        yield from _relation_lines(relation, items, uids)
    for event in contact.get("dates") or ():
        date = _value(event.get("date"))
        if not (_FULL_DATE.fullmatch(date) or _YEARLESS_DATE.fullmatch(date)):
            continue
        label = _value(event.get("label"))
        if label == "anniversary":
            yield f"X-ANNIVERSARY:{date}"
        else:
            yield from _grouped(
                "X-ABDATE", date, "_$!<Other>!$_" if label == "other" else label, items
            )
    for handle in contact.get("handles") or ():
        service, text = _value(handle.get("service")), _value(handle.get("handle"))
        if service.strip() and text.strip():
            scheme = _IMPP_SCHEMES.get(service, re.sub(r"[^a-z0-9+.-]", "", service.lower()))
            uri = "".join(text.split())  # a URI: no spaces, no line breaks
            yield f"IMPP;X-SERVICE-TYPE={_param_value(service)}:{scheme or 'x-apple'}:{uri}"
    photo = contact.get("photo")
    if isinstance(photo, Mapping):
        media = _value(photo.get("media_type"))
        subtype = media.split("/", 1)[1].upper() if media.startswith("image/") else ""
        type_param = f";TYPE={subtype}" if _SOCIAL_KIND.fullmatch(subtype.lower()) else ""
        if _value(photo.get("data")).strip():
            yield f"PHOTO;ENCODING=b{type_param}:{''.join(_value(photo['data']).split())}"
        elif _value(photo.get("uri")).strip():
            yield f"PHOTO;VALUE=uri:{''.join(_value(photo['uri']).split())}"


def _relation_lines(
    relation: Mapping[str, Any], items: Iterator[int], uids: Mapping[int, str]
) -> Iterator[str]:
    """`RELATED;TYPE=co-worker:urn:uuid:...` (the person's card UID, when it is a UUID) or
    `RELATED;TYPE=spouse;VALUE=text:Jane Doe`, and Apple's form in the same group.

    The group ties the two: `vcard.personal` reads the RELATED and skips its twin, so a
    round trip through crm keeps one relation, and the exact kind rides in the label.
    """
    name = _escape(relation.get("name"))
    if not name.strip():
        return
    kind = _value(relation.get("kind"))
    group = f"item{next(items)}."
    rfc_type = RELATED_TYPES.get(kind)
    params = f";TYPE={rfc_type}" if rfc_type else ""
    other = relation.get("contact_id")
    uuid = _UUID.fullmatch(uids.get(int(other), "")) if other is not None else None
    if uuid:
        yield f"{group}RELATED{params}:urn:uuid:{uuid.group(1)}"
    else:
        yield f"{group}RELATED{params};VALUE=text:{name}"
    yield f"{group}X-ABRELATEDNAMES:{name}"
    label = f"_$!<{_APPLE_RELATIONS[kind]}>!$_" if kind in _APPLE_RELATIONS else kind
    if label:
        yield f"{group}X-ABLabel:{_escape(label)}"


def _grouped(name: str, value: str, label: str, items: Iterator[int]) -> Iterator[str]:
    """`itemN.NAME:value` with its `itemN.X-ABLabel`, or the bare line without a label."""
    if not label:
        yield f"{name}:{value}"
        return
    group = f"item{next(items)}."
    yield f"{group}{name}:{value}"
    yield f"{group}X-ABLabel:{_escape(label)}"


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
    yield from _field_lines(contact)


def _field_lines(record: Mapping[str, Any]) -> Iterator[str]:
    """Custom fields and ids from other systems, as `X-CRM-FIELD` and `X-CRM-ID` lines."""
    for name, value in (record.get("custom_fields") or {}).items():
        if value is not None:
            yield f"X-CRM-FIELD;NAME={_param_value(name)}:{_escape(_field_text(value))}"
    for system, identifier in (record.get("external_ids") or {}).items():
        if system == "vcard" and own_uid(record):
            continue  # it is the card's UID
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
    return CONTROLS.sub("", NEWLINES.sub("\n", str(value)))


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
