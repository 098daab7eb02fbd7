"""Thunderbird's address-book export, as CSV or tab-separated text: fixed English columns.

Thunderbird writes the same 37 columns in both ("First Name" ... "Notes"), the
emails as "Primary Email" and "Secondary Email", and the birthday split over
"Birth Year", "Birth Month" and "Birth Day" (the year may be empty). Its LDIF
export is read by `interchange.ldif`, which maps its attributes to the same fields.
"""

from __future__ import annotations

NAME = "thunderbird"
DATE_ORDER = "ymd"  # it writes no whole dates; the birthday comes in three columns

_COLUMNS = {
    "first name": "first",
    "last name": "last",
    "display name": "full_name",
    "primary email": "email",
    "secondary email": "email",
    "work phone": "phone:work",
    "home phone": "phone:home",
    "fax number": "phone:fax",
    "pager number": "phone:pager",
    "mobile number": "phone:mobile",
    "home address": "street:home",
    "home address 2": "street:home",
    "home city": "city:home",
    "home state": "region:home",
    "home zipcode": "postcode:home",
    "home country": "country:home",
    "work address": "street:work",
    "work address 2": "street:work",
    "work city": "city:work",
    "work state": "region:work",
    "work zipcode": "postcode:work",
    "work country": "country:work",
    "job title": "title",
    "organization": "company",
    "web page 1": "url:work",
    "web page 2": "url:home",
    "birth year": "birthday:year",
    "birth month": "birthday:month",
    "birth day": "birthday:day",
    "notes": "notes",
    "nickname": "nickname",
    "screen name": "handle:aim",  # Thunderbird's "AIM screen name" (_AimScreenName)
}
"""Department and Custom 1-4 stay custom fields under their names."""

_OWN = frozenset({"primary email", "secondary email", "screen name", "birth month"})
"""Names no other export we know writes."""


def recognises(header: list[str], names: set[str]) -> bool:
    """A Thunderbird export: "Primary Email" beside another column only Thunderbird writes."""
    return "primary email" in names and len(names & _OWN) >= 2 and "first name" in names


def columns(header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's field."""
    return [(h, _COLUMNS.get(h.strip().casefold())) for h in header]
