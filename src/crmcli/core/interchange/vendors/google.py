"""Google Contacts' CSV export: numbered "E-mail 1 - Value" columns and " ::: " lists in a cell."""

from __future__ import annotations

import re

NAME = "google"
DATE_ORDER = "ymd"
SEPARATOR = " ::: "
"""Between several values of one cell ("a@x.org ::: b@y.org"), and between its labels."""

_NUMBERED = re.compile(
    r"(E-mail|Phone|Address|Website|Organization|IM|Relation|Event|Custom Field|External ID)"
    r" (\d+) - (.+)"
)
GROUP = re.compile(r"(.+) (\d+) - (.+)")
"""Any numbered column: "Address 1 - City" is the city of the group "Address 1"."""

_COLUMNS = {
    # The person's id in Google (`people/c1234…`), written by People API exports and the
    # tools built on it (gcontacts, GAM): the first identity key on re-import.
    "resource name": "external_id:google",
    "resourcename": "external_id:google",
    "name": "full_name",
    "given name": "first",
    "additional name": "middle",
    "family name": "last",
    "first name": "first",
    "middle name": "middle",
    "last name": "last",
    "name prefix": "prefix",
    "name suffix": "suffix",
    "birthday": "birthday",
    "notes": "notes",
    "labels": "tags",
    "group membership": "tags",
    "organization name": "company",
    "organization title": "title",
    "photo": "ignore",
    "nickname": "nickname",
}
_PARTS = {
    ("e-mail", "value"): "email",
    ("phone", "value"): "phone",
    ("website", "value"): "url",
    ("address", "formatted"): "address",
    ("address", "street"): "street",
    ("address", "city"): "city",
    ("address", "region"): "region",
    ("address", "postal code"): "postcode",
    ("address", "country"): "country",
    ("organization", "name"): "company",
    ("organization", "title"): "title",
    ("relation", "value"): "relation",  # "Relation 1 - Type"/"- Label": the kind
    ("event", "value"): "date",  # "Event 1 - Type"/"- Label": Anniversary, Other...
    ("im", "value"): "handle",  # "IM 1 - Service": Skype, Jabber...; "- Type": home/work
}
_LABELLED = frozenset({"e-mail", "phone", "website", "address", "relation", "event", "im"})

SYSTEM_LABELS = frozenset({"mycontacts", "starred", "my contacts", "starred in android"})
"""Google's own groups ("* myContacts", "* starred"): not tags the user gave."""


def recognises(header: list[str], names: set[str]) -> bool:
    """A Google export: "Group Membership", numbered columns, or "Labels" with a company."""
    numbered = sum(1 for h in header if _NUMBERED.fullmatch(h.strip()))
    return "group membership" in names or numbered >= 2 or {"labels", "organization name"} <= names


def columns(header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's field; a "- Label" (or "- Type") column is read with its "- Value" one."""
    found_columns: list[tuple[str, str | None]] = []
    for h in header:
        found: str | None = _COLUMNS.get(h.strip().casefold())
        match = _NUMBERED.fullmatch(h.strip())
        if match:
            kind, part = match.group(1).casefold(), match.group(3).casefold()
            found = _PARTS.get((kind, part))
            if part in ("label", "type", "service") and kind in _LABELLED:
                found = "ignore"  # its values label the matching "- Value" column
        found_columns.append((h, found))
    return found_columns
