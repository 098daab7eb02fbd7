"""Outlook's contacts CSV export: ~90 fixed columns, month-first dates, ";" between categories.

English Outlook writes the layout below; Outlook in another language writes the same
columns under translated names (`outlook_locales`), with day-first dates. Each
layout is its own source, "outlook-de", "outlook-fr"..., so the summary and
`--show-mapping` say which one was read.
"""

from __future__ import annotations

from crmcli.core.interchange.vendors import outlook_locales

NAME = "outlook"
DATE_ORDER = "mdy"
LOCALIZED_DATE_ORDER = "dmy"  # 31.12.1980, 31/12/1980, 31-12-1980 in every layout we read
TAG_SEPARATOR = ";"


def _blanks() -> frozenset[str]:
    dates = {
        f"{d}{sep}{m}{sep}{y}"
        for sep in "/.-"
        for d, m in (("0", "0"), ("1", "0"), ("0", "1"), ("00", "00"))
        for y in ("00", "0000")
    }
    unset = {"Unspecified", "Nicht angegeben", "Non spécifié", "Sin especificar"}
    unset |= {"Non specificato", "Niet-gespecificeerd", "Não especificado"}
    return frozenset(dates | unset | {"Falsch", "Faux", "Onwaar", "Falso"})


BLANKS = _blanks()
"""Outlook writes its empty dates as "0/0/00" (or "1/0/00"; "0.0.00", "0-0-00" in other
languages) and an unset gender as "Unspecified" (translated), in every row: they mean
nothing, so they are neither dates nor custom values."""


def is_outlook(source: str) -> bool:
    """True for Outlook's English layout and each translated one."""
    return source == NAME or source.startswith(f"{NAME}-")


_HINTS = frozenset(
    "business phone|mobile phone|home phone|business street|job title|e-mail 2 address|"
    "categories|business country/region".split("|")
)


def _table() -> dict[str, str]:
    table = {
        "title": "prefix",
        "first name": "first",
        "middle name": "middle",
        "last name": "last",
        "suffix": "suffix",
        "company": "company",
        "job title": "title",
        "e-mail address": "email",
        "e-mail 2 address": "email",
        "e-mail 3 address": "email",
        "business phone": "phone:work",
        "business phone 2": "phone:work",
        "company main phone": "phone:work",
        "mobile phone": "phone:mobile",
        "home phone": "phone:home",
        "home phone 2": "phone:home",
        "other phone": "phone:other",
        "primary phone": "phone:main",
        "business fax": "phone:fax",
        "home fax": "phone:fax",
        "other fax": "phone:fax",
        "assistant's phone": "phone:assistant",
        "car phone": "phone:car",
        "pager": "phone:pager",
        "callback": "phone:callback",
        "radio phone": "phone:radio",
        "isdn": "phone:isdn",
        "telex": "phone:telex",
        "tty/tdd phone": "phone:tty",
        "birthday": "birthday",
        "notes": "notes",
        "categories": "tags",
        "web page": "url",
        "personal web page": "url:personal",
        "priority": "ignore",
        "private": "ignore",
        "sensitivity": "ignore",
        "spouse": "relation:spouse",
        "children": "relation:child",
        "manager's name": "relation:manager",
        "assistant's name": "relation:assistant",
        "anniversary": "date:anniversary",
        "nickname": "nickname",  # Outlook.com and new Outlook
    }
    for where, label in (("business", "work"), ("home", "home"), ("other", "other")):
        for part, field in (
            ("street", "street"),
            ("street 2", "street"),
            ("street 3", "street"),
            ("city", "city"),
            ("state", "region"),
            ("postal code", "postcode"),
            ("country/region", "country"),
            ("country", "country"),
        ):
            table[f"{where} {part}"] = f"{field}:{label}"
        for n in ("", " 2", " 3"):
            table[f"e-mail{n} type"] = "ignore"
            table[f"e-mail{n} display name"] = "ignore"
    return table


_COLUMNS = _table()


def recognises(header: list[str], names: set[str]) -> bool:
    """An Outlook export: "First Name" and "E-mail Address" beside a column only Outlook writes."""
    return {"first name", "e-mail address"} <= names and bool(names & _HINTS)


def columns(header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's field; Outlook's "Title" is a name prefix, "Job Title" the job."""
    return [(h, _COLUMNS.get(h.strip().casefold())) for h in header]


_LOCALIZED = {code: outlook_locales.headers(code) for code in outlook_locales.LANGUAGES}
_AT_LEAST = 12
"""Names of one layout a header must have: a spreadsheet with "Vorname" and "Firma" is not
an Outlook export, and every real one has all of its ~90 columns."""
_NAMES = frozenset({"FirstName", "LastName"})
_EMAILS = frozenset({"EmailAddress", "Email2Address", "Email3Address"})


def language_of(names: set[str]) -> str | None:
    """The translated layout a header is in ("de", "pt-br"...), or None.

    The layout naming the most of the header's columns wins, provided it knows a name
    column and an email column of it: Brazilian and Portuguese Outlook share many names.
    """
    best, hits = None, 0
    for code, table in _LOCALIZED.items():
        found = [table[n] for n in names if n in table]
        if len(found) > hits and _NAMES & set(found) and _EMAILS & set(found):
            best, hits = code, len(found)
    return best if hits >= _AT_LEAST else None


def localized_columns(code: str, header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's field in a translated layout, as English Outlook's would map.

    French Outlook calls both the prefix and the job title "Titre": the first is the
    prefix when the header has two (a lone one is the job title). Names the layout
    does not know, but English Outlook does, map as in English (Spanish and Brazilian
    Outlook leave some columns untranslated).
    """
    table = _LOCALIZED[code]
    keys = [h.strip().casefold() for h in header]
    twice = code == "fr" and keys.count("titre") > 1
    found: list[tuple[str, str | None]] = []
    for h, key in zip(header, keys, strict=True):
        prop = table.get(key)
        if prop is not None:
            field = outlook_locales.FIELDS.get(prop)
            if twice and key == "titre" and not any(k == "titre" for k in keys[: len(found)]):
                field = "prefix"
        else:
            field = _COLUMNS.get(key)
        found.append((h, field))
    return found
