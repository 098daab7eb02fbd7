"""Contacts CSV in the layouts Google Contacts and Outlook import without any mapping.

Why: both importers map columns by their exact header names, and only their own; a
rep moving to either should not map 27 columns by hand. So `crm export contacts
--layout google|outlook` writes exactly the header each one writes itself (and so
reads back), in its order, with its conventions:

- google: the layout of contacts.google.com's "Export > Google CSV" today (First
  Name ... Labels, numbered "E-mail 1 - Label"/"- Value" groups). Several values in
  one group's cell are joined by " ::: " as Google does; Labels are the tags.
  Birthdays as Google writes them (`1980-03-14`, `--03-14`).
- outlook: the classic Outlook for Windows "Comma Separated Values" header (92 columns,
  English), which Outlook, Outlook.com and the new Outlook import. Phones go to the
  column their label names (mobile -> Mobile Phone, work -> Business Phone...), the
  rest to the free ones; three e-mail slots, the fourth and later are named in Notes
  rather than lost; dates as M/D/YYYY (a birthday without a year has no Outlook form:
  left out, as Outlook itself cannot hold one).

crm reads both back with its Google and Outlook readers (vendors/google.py, outlook.py),
so exporting then importing creates nothing new.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from crmcli.core.interchange.csv_out import Kind

LAYOUTS = ("google", "outlook")
GOOGLE_SEPARATOR = " ::: "

_GOOGLE_SLOTS = {"email": 2, "phone": 3, "address": 2, "website": 1}
GOOGLE_HEADER: tuple[str, ...] = (
    "First Name",
    "Middle Name",
    "Last Name",
    "Phonetic First Name",
    "Phonetic Middle Name",
    "Phonetic Last Name",
    "Name Prefix",
    "Name Suffix",
    "Nickname",
    "File As",
    "Organization Name",
    "Organization Title",
    "Organization Department",
    "Birthday",
    "Notes",
    "Photo",
    "Labels",
    *(f"E-mail {n} - {p}" for n in (1, 2) for p in ("Label", "Value")),
    *(f"Phone {n} - {p}" for n in (1, 2, 3) for p in ("Label", "Value")),
    *(
        f"Address {n} - {p}"
        for n in (1, 2)
        for p in (
            "Label",
            "Formatted",
            "Street",
            "City",
            "PO Box",
            "Region",
            "Postal Code",
            "Country",
            "Extended Address",
        )
    ),
    "Website 1 - Label",
    "Website 1 - Value",
)

_PLACES = ("Business", "Home", "Other")
_ADDRESS_PARTS = ("Street", "Street 2", "Street 3", "City", "State", "Postal Code")
OUTLOOK_HEADER: tuple[str, ...] = (
    "Title",
    "First Name",
    "Middle Name",
    "Last Name",
    "Suffix",
    "Company",
    "Department",
    "Job Title",
    *(f"{place} {part}" for place in _PLACES for part in (*_ADDRESS_PARTS, "Country/Region")),
    "Assistant's Phone",
    "Business Fax",
    "Business Phone",
    "Business Phone 2",
    "Callback",
    "Car Phone",
    "Company Main Phone",
    "Home Fax",
    "Home Phone",
    "Home Phone 2",
    "ISDN",
    "Mobile Phone",
    "Other Fax",
    "Other Phone",
    "Pager",
    "Primary Phone",
    "Radio Phone",
    "TTY/TDD Phone",
    "Telex",
    "Account",
    "Anniversary",
    "Assistant's Name",
    "Billing Information",
    "Birthday",
    "Business Address PO Box",
    "Categories",
    "Children",
    "Directory Server",
    "E-mail Address",
    "E-mail Type",
    "E-mail Display Name",
    "E-mail 2 Address",
    "E-mail 2 Type",
    "E-mail 2 Display Name",
    "E-mail 3 Address",
    "E-mail 3 Type",
    "E-mail 3 Display Name",
    "Gender",
    "Government ID Number",
    "Hobby",
    "Home Address PO Box",
    "Initials",
    "Internet Free Busy",
    "Keywords",
    "Language",
    "Location",
    "Manager's Name",
    "Mileage",
    "Notes",
    "Office Location",
    "Organizational ID Number",
    "Other Address PO Box",
    "Priority",
    "Private",
    "Profession",
    "Referred By",
    "Sensitivity",
    "Spouse",
    "User 1",
    "User 2",
    "User 3",
    "User 4",
    "Web Page",
)

_OUTLOOK_PHONE = {
    "mobile": "Mobile Phone",
    "cell": "Mobile Phone",
    "work": "Business Phone",
    "business": "Business Phone",
    "home": "Home Phone",
    "fax": "Business Fax",
    "main": "Primary Phone",
    "pager": "Pager",
    "assistant": "Assistant's Phone",
    "car": "Car Phone",
    "other": "Other Phone",
}
_OUTLOOK_SPARE = (
    *("Mobile Phone", "Business Phone", "Home Phone", "Other Phone"),
    *("Business Phone 2", "Home Phone 2", "Primary Phone", "Callback"),
)
_PHONES = frozenset({"Business Fax", "Home Fax", "Other Fax", "Pager", "Callback", "ISDN", "Telex"})
_GOOGLE_LABEL = {"work": "Work", "home": "Home", "mobile": "Mobile", "other": "Other"}


def header(layout: str) -> tuple[str, ...]:
    return GOOGLE_HEADER if layout == "google" else OUTLOOK_HEADER


def phone_kinds(layout: str) -> dict[str, Kind]:
    """The layout's phone columns, for the writer: one number there is written as text."""
    names = [h for h in header(layout) if ("Phone" in h and "Label" not in h) or h in _PHONES]
    return dict.fromkeys(names, "phone")


def rows(layout: str, views: Iterator[Mapping[str, Any]]) -> Iterator[list[str]]:
    """Each contact (its `public_view` shape) as one row of the layout's header."""
    make = _google if layout == "google" else _outlook
    for view in views:
        yield make(view)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _phone(phone: Any) -> str:
    from crmcli.core.interchange.exporting import phone_text

    return phone_text(phone)


def _slots(values: Sequence[Any], size: int) -> list[list[Any]]:
    """`values` in `size` slots, the extra ones joined into the last (Google's " ::: ")."""
    slots = [[v] for v in values[: size - 1]]
    if len(values) >= size:
        slots.append(list(values[size - 1 :]))
    return slots + [[] for _ in range(size - len(slots))]


def _google_label(label: Any) -> str:
    return _GOOGLE_LABEL.get(_text(label).lower(), _text(label).capitalize())


def _google(view: Mapping[str, Any]) -> list[str]:
    cells = dict.fromkeys(GOOGLE_HEADER, "")
    cells.update(
        {
            "First Name": _text(view.get("first_name")),
            "Middle Name": _text(view.get("middle_name")),
            "Last Name": _text(view.get("last_name")),
            "Name Prefix": _text(view.get("prefix")),
            "Name Suffix": _text(view.get("suffix")),
            "Nickname": _text(view.get("nickname")),
            "Organization Name": _text(view.get("company")),
            "Organization Title": _text(view.get("title")),
            "Birthday": _text(view.get("birthday")),
            "Notes": _text(view.get("notes")),
            "Labels": GOOGLE_SEPARATOR.join(view.get("tags") or ()),
        }
    )
    if not any((cells["First Name"], cells["Last Name"], cells["Middle Name"])):
        cells["First Name"] = _text(view.get("name"))  # a one-word name: Google's own way
    groups: list[tuple[str, list[tuple[str, str]]]] = [
        ("E-mail", [(_text(e.get("email")), _text(e.get("label"))) for e in view["emails"]]),
        ("Phone", [(_phone(p), _text(p.get("label"))) for p in view["phones"]]),
        ("Website", [(_text(u.get("url")), _text(u.get("kind"))) for u in view["urls"]]),
    ]
    for kind, items in groups:
        size = _GOOGLE_SLOTS["website" if kind == "Website" else kind.lower().replace("-", "")]
        for n, slot in enumerate(_slots(items, size), 1):
            if slot:
                cells[f"{kind} {n} - Value"] = GOOGLE_SEPARATOR.join(v for v, _ in slot)
                cells[f"{kind} {n} - Label"] = GOOGLE_SEPARATOR.join(
                    _google_label(label) for _, label in slot
                )
    addresses = [a for a in view.get("addresses") or () if isinstance(a, Mapping)]
    for n, slot in enumerate(_slots(addresses, _GOOGLE_SLOTS["address"]), 1):
        if slot:
            address = slot[0]  # a third address has no column: joined it would mix streets
            cells[f"Address {n} - Label"] = _google_label(address.get("label"))
            for key, part in (
                ("formatted", "Formatted"),
                ("street", "Street"),
                ("city", "City"),
                ("region", "Region"),
                ("postcode", "Postal Code"),
                ("country", "Country"),
            ):
                cells[f"Address {n} - {part}"] = _text(address.get(key))
    return list(cells.values())


def _outlook_date(value: Any) -> str:
    text = _text(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return f"{int(text[5:7])}/{int(text[8:10])}/{text[:4]}"
    return ""


def _outlook(view: Mapping[str, Any]) -> list[str]:
    cells = dict.fromkeys(OUTLOOK_HEADER, "")
    cells.update(
        {
            "Title": _text(view.get("prefix")),
            "First Name": _text(view.get("first_name")),
            "Middle Name": _text(view.get("middle_name")),
            "Last Name": _text(view.get("last_name")),
            "Suffix": _text(view.get("suffix")),
            "Company": _text(view.get("company")),
            "Job Title": _text(view.get("title")),
            "Birthday": _outlook_date(view.get("birthday")),
            "Categories": ";".join(view.get("tags") or ()),
            "Priority": "Normal",
            "Private": "False",
            "Sensitivity": "Normal",
            "Web Page": _text((view.get("urls") or [{}])[0].get("url")),
        }
    )
    if not any((cells["First Name"], cells["Last Name"], cells["Middle Name"])):
        cells["First Name"] = _text(view.get("name"))
    notes = [_text(view.get("notes"))] if view.get("notes") else []
    for n, email in enumerate(view["emails"]):
        address = _text(email.get("email"))
        if n >= 3:
            notes.append(f"E-mail: {address}")
            continue
        slot = "E-mail" if n == 0 else f"E-mail {n + 1}"
        cells[f"{slot} Address"] = address
        cells[f"{slot} Type"] = "SMTP"
        cells[f"{slot} Display Name"] = f"{view.get('name') or ''} ({address})".strip()
    for phone in view["phones"]:
        wanted = _OUTLOOK_PHONE.get(_text(phone.get("label")).lower())
        free = [c for c in (wanted, *_OUTLOOK_SPARE) if c and not cells[c]]
        if free:
            cells[free[0]] = _phone(phone)
        else:
            notes.append(f"Phone: {_phone(phone)}")
    used: set[str] = set()
    for address in view.get("addresses") or ():
        if not isinstance(address, Mapping):
            continue
        place = {"work": "Business", "home": "Home"}.get(_text(address.get("label")), "Other")
        place = next((p for p in (place, *_PLACES) if p not in used), "")
        if not place:
            notes.append(f"Address: {_text(address.get('formatted') or address.get('street'))}")
            continue
        used.add(place)
        cells[f"{place} Street"] = _text(address.get("street") or address.get("formatted"))
        cells[f"{place} City"] = _text(address.get("city"))
        cells[f"{place} State"] = _text(address.get("region"))
        cells[f"{place} Postal Code"] = _text(address.get("postcode"))
        cells[f"{place} Country/Region"] = _text(address.get("country"))
    cells["Notes"] = "\n".join(notes)
    return list(cells.values())
