"""Thunderbird's LDIF address-book export (RFC 2849), read into contact records.

An LDIF file is a list of entries separated by blank lines; each line is
`attribute: value`, or `attribute:: base64` for a value that is not plain ASCII
(Thunderbird writes every accented name that way), and a line beginning with one
space continues the line before it. Thunderbird exports each card as an entry with
`objectclass: inetOrgPerson` (and `mozillaAbPersonAlpha`), and each mailing list as
an entry with `objectclass: groupOfNames` and one `member:` line per address: a
list is not a person, so it becomes a "group" record, which the importer counts as
skipped and names in its warnings. Standard library only.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from crmcli.core.errors import Invalid
from crmcli.core.interchange.contacts_csv import is_company_card
from crmcli.core.interchange.countries import country_code
from crmcli.core.interchange.extras import add_handle
from crmcli.core.interchange.records import ContactRecord, Reject
from crmcli.core.values.dates import birthday

_PEOPLE = frozenset(
    "person organizationalperson inetorgperson mozillaabpersonalpha mozillaabpersonobsolete "
    "residentialperson".split()
)
_LISTS = frozenset({"groupofnames", "groupofuniquenames", "mozillaablist"})

_SCALARS = {
    "givenname": "first",
    "sn": "last",
    "surname": "last",
    "cn": "full_name",
    "commonname": "full_name",
    "title": "title",
    "o": "company",
    "company": "company",
    "description": "notes",
}
_EMAILS = {"mail": None, "mozillasecondemail": None, "xmozillasecondemail": None}
_PHONES = {
    "telephonenumber": "work",
    "homephone": "home",
    "facsimiletelephonenumber": "fax",
    "fax": "fax",
    "pager": "pager",
    "pagerphone": "pager",
    "mobile": "mobile",
    "cellphone": "mobile",
    "carphone": "mobile",
}
_URLS = {"mozillaworkurl": "work", "workurl": "work", "mozillahomeurl": "home", "homeurl": "home"}
_ADDRESS = {
    "street": ("work", "street"),
    "streetaddress": ("work", "street"),
    "postofficebox": ("work", "street"),
    "mozillaworkstreet2": ("work", "street"),
    "l": ("work", "city"),
    "locality": ("work", "city"),
    "st": ("work", "region"),
    "postalcode": ("work", "postcode"),
    "zip": ("work", "postcode"),
    "c": ("work", "country"),
    "countryname": ("work", "country"),
    "mozillahomestreet": ("home", "street"),
    "homepostaladdress": ("home", "street"),
    "mozillahomestreet2": ("home", "street"),
    "mozillahomelocalityname": ("home", "city"),
    "mozillahomestate": ("home", "region"),
    "mozillahomepostalcode": ("home", "postcode"),
    "mozillahomecountryname": ("home", "country"),
}
_NICKNAMES = frozenset({"mozillanickname", "xmozillanickname"})
_HANDLES = {"nsaimid": "aim", "nscpaimscreenname": "aim", "aimscreenname": "aim"}
"""Thunderbird's "AIM Screen Name" (older versions: its only chat field)."""
_CUSTOM = {
    "ou": "Department",
    "department": "Department",
    "mozillacustom1": "Custom 1",
    "mozillacustom2": "Custom 2",
    "mozillacustom3": "Custom 3",
    "mozillacustom4": "Custom 4",
}
"""Attributes crm has no field for, kept as custom fields under Thunderbird's own names."""
_IGNORED = frozenset(
    "dn objectclass modifytimestamp mozillausehtmlmail xmozillausehtmlmail member "
    "uniquemember changetype".split()
)
"""Bookkeeping, not data about the person (a list's members are read for its warning)."""

_PHOTOS = frozenset({"jpegphoto", "thumbnailphoto"})
"""Binary image attributes (directory exports: OpenLDAP, Active Directory): a picture."""

_ATTRIBUTE = re.compile(r"([A-Za-z0-9][A-Za-z0-9;.-]*)(::?|:<)\s?(.*)", re.DOTALL)


@dataclass
class _Entry:
    line: int
    attributes: list[tuple[str, str]] = field(default_factory=list)  # (name lower-cased, value)
    problems: list[str] = field(default_factory=list)
    photos: list[tuple[int, str, str]] = field(default_factory=list)  # (line, name, base64)

    def values(self, name: str) -> list[str]:
        return [v for n, v in self.attributes if n == name]


def looks_like_ldif(text: str) -> bool:
    """True when the first entry begins with `dn:` (after comments and a `version:` line)."""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower().startswith("version:"):
            continue
        return re.match(r"(?i)dn::?[ \t]", line + " ") is not None
    return False


def decode(data: bytes) -> str:
    """LDIF is UTF-8; bytes that are not read as Windows-1252 rather than failing (each
    stray byte alone: one bad line never garbles the rest of the file)."""
    from crmcli.core.interchange.encoding import errors_for

    return data.decode("utf-8-sig", errors_for("utf-8-sig"))


def _entries(text: str) -> Iterator[_Entry]:
    """The entries, with folded lines joined and base64 values decoded."""
    # (line number, pieces of the unfolded line) of the current entry: pieces are joined
    # once, at the entry's end, since a 50 MB base64 photo folds into 650,000 lines and
    # joining them one by one would copy the value that many times (minutes, not seconds).
    logical: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.startswith(" ") and logical:
            logical[-1][1].append(raw[1:])
            continue
        if not raw.strip():
            if logical:
                yield _entry([(n, "".join(pieces)) for n, pieces in logical])
                logical = []
            continue
        logical.append((number, [raw]))
    if logical:
        yield _entry([(n, "".join(pieces)) for n, pieces in logical])


def _entry(lines: list[tuple[int, str]]) -> _Entry:
    entry = _Entry(lines[0][0])
    for number, line in lines:
        if line.startswith("#"):
            continue
        match = _ATTRIBUTE.fullmatch(line)
        if match is None:
            entry.problems.append(f"line {number}: cannot read {line[:40]!r}")
            continue
        name, kind, value = match.groups()
        name = name.split(";", 1)[0].lower()  # "cn;lang-de" is still cn
        if kind == "::" and name in _PHOTOS:
            entry.photos.append((number, name, "".join(value.split())))
            continue
        if kind == "::":
            try:
                value = base64.b64decode(value.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                entry.problems.append(f"line {number}: {name} is not valid base64 UTF-8")
                continue
        elif kind == ":<":
            entry.problems.append(f"line {number}: {name} refers to a file ({value.strip()})")
            continue
        entry.attributes.append((name, value.strip()))
    return entry


def read_ldif(data: bytes, label: str = "the file") -> list[ContactRecord | Reject]:
    """Every entry of an LDIF export as a record: people, companies, and lists ("group").

    Raises Invalid when the file holds no address-book entry at all (a directory
    schema, a configuration dump): importing it would say "0 created" and mean nothing.
    """
    text = decode(data)
    out: list[ContactRecord | Reject] = []
    seen = False
    for entry in _entries(text):
        classes = {v.lower() for v in entry.values("objectclass")}
        if classes & _LISTS:
            seen = True
            out.append(_list_record(entry))
        elif classes & _PEOPLE or (not classes and entry.values("mail")):
            seen = True
            out.append(_person(entry))
    if not seen:
        raise Invalid(
            f"{label} is LDIF but holds no address-book entries (no person or mailing list); "
            "is it a directory schema?"
        )
    return out


def _list_record(entry: _Entry) -> ContactRecord:
    name = (entry.values("cn") or ["(unnamed)"])[0]
    members = len(entry.values("member")) + len(entry.values("uniquemember"))
    record = ContactRecord(line=entry.line, full_name=name, kind="group")
    record.issues.append(
        f"mailing list {name!r} ({members} member{'s' if members != 1 else ''}) is not a person: "
        "not imported"
    )
    return record


def _person(entry: _Entry) -> ContactRecord | Reject:
    record = ContactRecord(line=entry.line)
    addresses: dict[str, dict[str, str]] = {}
    parts: dict[str, str] = {}
    for name, value in entry.attributes:
        if not value or name in _IGNORED:
            continue
        if name in _SCALARS:
            attr = _SCALARS[name]
            current = getattr(record, attr)
            if current is None:
                setattr(record, attr, value)
            elif current != value:
                record.custom.setdefault(name, value)
        elif name in _EMAILS:
            record.emails.append((value, _EMAILS[name]))
        elif name in _PHONES:
            record.phones.append((value, _PHONES[name]))
        elif name in _URLS:
            record.urls.append((value, _URLS[name]))
        elif name in _ADDRESS:
            label, part = _ADDRESS[name]
            address = addresses.setdefault(label, {"label": label})
            address[part] = f"{address[part]}\n{value}" if part in address else value
            if part == "country" and record.country is None:
                record.country = country_code(value)
        elif name in ("birthyear", "birthmonth", "birthday"):
            parts[name] = value
        elif name in _NICKNAMES and record.nickname is None:
            record.nickname = value
        elif name in _HANDLES:
            add_handle(record, _HANDLES[name], value)
        else:
            record.custom[_CUSTOM.get(name, name)] = value
    record.addresses.extend(addresses.values())
    _birthday(record, parts)
    _photo(record, entry)
    record.issues.extend(entry.problems)
    if is_company_card(record):
        record.kind = "org"
    elif not (record.full_name or record.first or record.last or record.emails or record.phones):
        return Reject(entry.line, "no name, email or phone", [])
    return record


def _birthday(record: ContactRecord, parts: dict[str, str]) -> None:
    """Thunderbird's birthyear, birthmonth and birthday (the day) make one birthday."""
    year, month, day = (parts.get(k, "") for k in ("birthyear", "birthmonth", "birthday"))
    if not (month and day):
        for key, value in parts.items():
            record.custom[key] = value
        return
    if month.isdigit() and day.isdigit() and (not year or year.isdigit()):
        found = birthday(int(year) if year else None, int(month), int(day))
        if found is not None:
            record.birthday = found
            return
    shown = "-".join(v for v in (year, month, day) if v)
    record.birthday_raw = shown
    record.issues.append(f"birthday: {shown!r} is not a real date")


def _photo(record: ContactRecord, entry: _Entry) -> None:
    """The first image attribute is the contact's picture (same cap as a vCard PHOTO)."""
    from crmcli.core.interchange.vcard.personal import photo_data

    for _, name, value in entry.photos:
        if record.photo is not None:
            record.not_imported.append((name, "a contact keeps one picture"))
            continue
        photo = photo_data(value, "image/jpeg")
        if isinstance(photo, str):
            record.not_imported.append((name, photo))
        else:
            record.photo = photo
