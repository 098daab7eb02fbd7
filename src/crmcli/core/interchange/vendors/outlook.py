"""Outlook's contacts CSV export: ~90 fixed columns, month-first dates, ";" between categories."""

from __future__ import annotations

NAME = "outlook"
DATE_ORDER = "mdy"
TAG_SEPARATOR = ";"

BLANKS = frozenset({"0/0/00", "1/0/00", "0/0/0000", "1/0/0000", "Unspecified"})
"""Outlook writes its empty dates as "0/0/00" (or "1/0/00") and an unset gender as
"Unspecified", in every row: they mean nothing, so they are neither dates nor custom values."""

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
