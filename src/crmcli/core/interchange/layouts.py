"""Contacts CSV in the layouts Google Contacts and Outlook import without any mapping.

Why: both importers map columns by their exact header names, and only their own; a
rep moving to either should not map 27 columns by hand. So `crm export contacts
--layout google|outlook` writes exactly the header each one writes itself (and so
reads back), in its order, with its conventions:

- google: the layout of contacts.google.com's "Export > Google CSV" today (First
  Name ... Labels, numbered "E-mail 1 - Label"/"- Value" groups, then Relation, Event,
  Website and IM groups). A group holds ONE label: several values with that label are
  joined by " ::: " in its Value cell as Google does; another label takes the next
  group. Google sizes its groups to the data; a streamed export cannot look ahead, so
  the header has a fixed, generous number of each (`GOOGLE_GROUPS`): an e-mail or phone
  beyond them goes into Notes ("E-mail (label): ..."), anything else is counted as left
  out. Labels are the tags. Birthdays and events as Google writes them (`1980-03-14`,
  year-less `--03-14`). IM groups carry the service ("IM 1 - Service": Skype, Jabber).
- outlook: the classic Outlook for Windows "Comma Separated Values" header (92 columns,
  English), which Outlook, Outlook.com and the new Outlook import, plus Outlook.com's
  "Nickname" column at the end (classic Outlook leaves a column it does not know
  unmapped). Phones go to the column their label names (mobile -> Mobile Phone, work ->
  Business Phone...); a second one of a label to the next free column that does not
  say otherwise (a second mobile: Other Phone, never a Business one); the rest and the
  fourth e-mail on are named in Notes rather than lost; dates as M/D/YYYY (a birthday
  or anniversary without a year has no Outlook form). Relations: Spouse, Children,
  Manager's Name, Assistant's Name; a date labelled anniversary: Anniversary.

What neither layout has a column for (IM handles and other dates in Outlook, relations
of other kinds, a third address, photos, ids in other tools, custom fields) is counted
per field in `rows(..., dropped=Counter())`, for the command to name in one line.
crm's own fields (status, lead source, cadence, do-not-contact) exist in neither tool
and are not counted.

Formula safety: these files are for importers that never take an apostrophe off, so
every text column is of kind "foreign" (`csv_out`): only a cell that could run
something is prefixed, and dates are dates. A value crm did prefix comes back with its
apostrophe when the file is imported again, by crm as by Google; ordinary text
(`-5 points`, `--07-04`) comes back as it was.

crm reads both back with its Google and Outlook readers (vendors/google.py, outlook.py),
so exporting then importing creates nothing new and changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from crmcli.core.interchange.csv_out import Kind

LAYOUTS = ("google", "outlook")
GOOGLE_SEPARATOR = " ::: "

GOOGLE_GROUPS = {
    "E-mail": 4,
    "Phone": 5,
    "Address": 3,
    "Relation": 4,
    "Event": 3,
    "Website": 3,
    "IM": 3,
}
"""Groups of each kind in the Google header: one per distinct label a contact uses."""
_ADDRESS_COLUMNS = (
    *("Label", "Formatted", "Street", "City", "PO Box", "Region", "Postal Code"),
    *("Country", "Extended Address"),
)
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
    *(f"E-mail {n} - {p}" for n in range(1, 5) for p in ("Label", "Value")),
    *(f"Phone {n} - {p}" for n in range(1, 6) for p in ("Label", "Value")),
    *(f"Address {n} - {p}" for n in range(1, 4) for p in _ADDRESS_COLUMNS),
    *(f"Relation {n} - {p}" for n in range(1, 5) for p in ("Label", "Value")),
    *(f"Event {n} - {p}" for n in range(1, 4) for p in ("Label", "Value")),
    *(f"Website {n} - {p}" for n in range(1, 4) for p in ("Label", "Value")),
    *(f"IM {n} - {p}" for n in range(1, 4) for p in ("Label", "Service", "Value")),
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
    "Nickname",  # Outlook.com's and the new Outlook's; classic Outlook leaves it unmapped
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
    "callback": "Callback",
    "other": "Other Phone",
}
# Where a number goes when its label's own column is taken: never a column that says
# something false about it (a second mobile is not a Business Phone).
_OUTLOOK_NEXT = {
    "Business Phone": ("Business Phone 2", "Company Main Phone", "Other Phone", "Callback"),
    "Home Phone": ("Home Phone 2", "Other Phone", "Callback"),
    "Business Fax": ("Other Fax", "Home Fax"),
}
_OUTLOOK_OTHER = ("Other Phone", "Callback")
_OUTLOOK_RELATION = {
    "spouse": "Spouse",
    "child": "Children",
    "manager": "Manager's Name",
    "assistant": "Assistant's Name",
}
_PHONES = frozenset({"Business Fax", "Home Fax", "Other Fax", "Pager", "Callback", "ISDN", "Telex"})
_GOOGLE_LABEL = {"work": "Work", "home": "Home", "mobile": "Mobile", "other": "Other"}
_GOOGLE_SERVICE = {"aim": "AIM", "msn": "MSN", "icq": "ICQ", "qq": "QQ", "sip": "SIP"}
_DATES = frozenset({"Birthday", "Anniversary"})


def header(layout: str) -> tuple[str, ...]:
    return GOOGLE_HEADER if layout == "google" else OUTLOOK_HEADER


def kinds(layout: str) -> dict[str, Kind]:
    """Every column's kind for the writer: for another tool's importer ("foreign"),
    dates as dates, and one number in a phone column as text a spreadsheet keeps."""
    out: dict[str, Kind] = {}
    for name in header(layout):
        if name in _DATES or (name.startswith("Event ") and name.endswith("Value")):
            out[name] = "date"
        else:
            out[name] = "foreign"
    return out


phone_kinds = kinds  # the name commands/export.py calls


def rows(
    layout: str, views: Iterator[Mapping[str, Any]], dropped: Counter[str] | None = None
) -> Iterator[list[str]]:
    """Each contact (its `public_view` shape) as one row of the layout's header.

    `dropped` counts, per field, the values the layout has no column for (see the
    module docstring), for the command's one line of warning.
    """
    make = _google if layout == "google" else _outlook
    counts: Counter[str] = Counter() if dropped is None else dropped
    for view in views:
        yield make(view, counts)
        _common_drops(view, counts)


def dropped_line(layout: str, dropped: Mapping[str, int]) -> str:
    """`not in the Outlook layout: 2 IM handles, 1 photo` (empty when nothing was)."""
    parts = [f"{n} {field}" for field, n in sorted(dropped.items()) if n]
    if not parts:
        return ""
    name = "Google" if layout == "google" else "Outlook"
    return f"not in the {name} layout (left out): {', '.join(parts)}"


def _common_drops(view: Mapping[str, Any], dropped: Counter[str]) -> None:
    if view.get("photo"):
        dropped["photos"] += 1
    dropped["ids in other tools"] += len(view.get("external_ids") or {})
    dropped["custom fields"] += len(view.get("custom_fields") or {})


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _phone(phone: Any) -> str:
    from crmcli.core.interchange.exporting import phone_text

    return phone_text(phone)


def _google_label(label: Any) -> str:
    return _GOOGLE_LABEL.get(_text(label).lower(), _text(label).capitalize())


def _by_label(items: Sequence[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """(value, label) pairs as groups of one label each, in the order labels first appear."""
    groups: dict[str, list[str]] = {}
    for value, label in items:
        if value:
            groups.setdefault(label, []).append(value)
    return list(groups.items())


def _google(view: Mapping[str, Any], dropped: Counter[str]) -> list[str]:
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
            "Labels": GOOGLE_SEPARATOR.join(view.get("tags") or ()),
        }
    )
    if not any((cells["First Name"], cells["Last Name"], cells["Middle Name"])):
        cells["First Name"] = _text(view.get("name"))  # a one-word name: Google's own way
    notes = [_text(view.get("notes"))] if view.get("notes") else []
    groups: list[tuple[str, str, list[tuple[str, str]]]] = [
        (
            "E-mail",
            "e-mail addresses",
            [(_text(e.get("email")), e.get("label")) for e in view["emails"]],
        ),
        ("Phone", "phone numbers", [(_phone(p), p.get("label")) for p in view["phones"]]),
        ("Website", "web addresses", [(_text(u.get("url")), u.get("kind")) for u in view["urls"]]),
        (
            "Relation",
            "relations",
            [(_text(r.get("name")), r.get("kind")) for r in view.get("relations") or ()],
        ),
    ]
    for kind, field, items in groups:
        labelled = [(value, _google_label(label)) for value, label in items]
        for n, (label, values) in enumerate(_by_label(labelled), 1):
            if n > GOOGLE_GROUPS[kind]:
                if kind in ("E-mail", "Phone"):  # identities: kept where Google shows them
                    notes.extend(f"{kind} ({label or 'other'}): {v}" for v in values)
                else:
                    dropped[field] += len(values)
                continue
            cells[f"{kind} {n} - Label"] = label
            cells[f"{kind} {n} - Value"] = GOOGLE_SEPARATOR.join(values)
    dates = [(_text(d.get("date")), _google_label(d.get("label"))) for d in view.get("dates") or ()]
    for n, (date, label) in enumerate(dates, 1):  # one date a group: a date is not a list
        if n > GOOGLE_GROUPS["Event"]:
            dropped["dates"] += 1
            continue
        cells[f"Event {n} - Label"] = label
        cells[f"Event {n} - Value"] = date
    handles = [(_text(h.get("handle")), _text(h.get("service"))) for h in view.get("handles") or ()]
    for n, (service, values) in enumerate(_by_label(handles), 1):
        if n > GOOGLE_GROUPS["IM"]:
            dropped["IM handles"] += len(values)
            continue
        cells[f"IM {n} - Service"] = _GOOGLE_SERVICE.get(service, service.capitalize())
        cells[f"IM {n} - Value"] = GOOGLE_SEPARATOR.join(values)
    addresses = [a for a in view.get("addresses") or () if isinstance(a, Mapping)]
    dropped["addresses"] += max(0, len(addresses) - GOOGLE_GROUPS["Address"])
    for n, address in enumerate(addresses[: GOOGLE_GROUPS["Address"]], 1):
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
    cells["Notes"] = "\n".join(notes)
    return list(cells.values())


def _outlook_date(value: Any) -> str:
    text = _text(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return f"{int(text[5:7])}/{int(text[8:10])}/{text[:4]}"
    return ""


def _outlook(view: Mapping[str, Any], dropped: Counter[str]) -> list[str]:
    cells = dict.fromkeys(OUTLOOK_HEADER, "")
    cells.update(
        {
            "Title": _text(view.get("prefix")),
            "First Name": _text(view.get("first_name")),
            "Middle Name": _text(view.get("middle_name")),
            "Last Name": _text(view.get("last_name")),
            "Suffix": _text(view.get("suffix")),
            "Nickname": _text(view.get("nickname")),
            "Company": _text(view.get("company")),
            "Job Title": _text(view.get("title")),
            "Birthday": _outlook_date(view.get("birthday")),
            "Categories": ";".join(view.get("tags") or ()),
            "Priority": "Normal",
            "Private": "False",
            "Sensitivity": "Normal",
        }
    )
    if view.get("birthday") and not cells["Birthday"]:
        dropped["birthdays without a year"] += 1
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
        wanted = _OUTLOOK_PHONE.get(_text(phone.get("label")).lower(), "Other Phone")
        free = [c for c in (wanted, *_OUTLOOK_NEXT.get(wanted, _OUTLOOK_OTHER)) if not cells[c]]
        if free:
            cells[free[0]] = _phone(phone)
        else:
            notes.append(f"Phone: {_phone(phone)}")
    urls = view.get("urls") or []
    cells["Web Page"] = _text(urls[0].get("url")) if urls else ""
    dropped["web addresses"] += max(0, len(urls) - 1)
    children = []
    for relation in view.get("relations") or ():
        column = _OUTLOOK_RELATION.get(_text(relation.get("kind")))
        name = _text(relation.get("name"))
        if column == "Children":
            children.append(name)
        elif column and not cells[column]:
            cells[column] = name
        else:
            dropped["relations"] += 1
    cells["Children"] = ", ".join(children)
    for date in view.get("dates") or ():
        written = _outlook_date(date.get("date"))
        if date.get("label") == "anniversary" and written and not cells["Anniversary"]:
            cells["Anniversary"] = written
        else:
            dropped["dates"] += 1
    dropped["IM handles"] += len(view.get("handles") or ())
    _outlook_addresses(view, cells, notes)
    cells["Notes"] = "\n".join(notes)
    return list(cells.values())


def _outlook_addresses(view: Mapping[str, Any], cells: dict[str, str], notes: list[str]) -> None:
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
