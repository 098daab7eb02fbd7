"""How a contacts CSV's columns become records: a mapping per header, compiled once, run per row.

`detect` maps a header (a known tool's export, or a spreadsheet's names in English
or French); `--map` overrides go through `apply_overrides`; `to_record` turns one
row into a `ContactRecord`. The import calls `to_record` for every row, in worker
processes, so everything that depends only on the header is resolved once per file
into a plan of one op per column, and a row costs only its filled cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import compress

from crmcli.core import clock
from crmcli.core.errors import Invalid
from crmcli.core.interchange.countries import country_code
from crmcli.core.interchange.extras import add_date, add_handle, add_relation
from crmcli.core.interchange.headers import (
    ADDRESS_PARTS,
    SCALARS,
    check_date_order,
    check_field,
    fields_help,
    header_key,
    is_french,
    override,
    spreadsheet_columns,
)
from crmcli.core.interchange.recognise import deal_vendor_of, vendor_of
from crmcli.core.interchange.records import ContactRecord, Reject
from crmcli.core.interchange.vendors import google, outlook, thunderbird
from crmcli.core.interchange.vendors.google import SEPARATOR as GOOGLE_SEPARATOR
from crmcli.core.interchange.vendors.google import SYSTEM_LABELS
from crmcli.core.interchange.vendors.hubspot import NAME as HUBSPOT
from crmcli.core.interchange.vendors.hubspot import STAGES as HUBSPOT_STAGES
from crmcli.core.values.dates import birthday, read_date

# What a filled cell does, by column: (kind, text, number), resolved once per file.
_SCALAR, _EMAIL, _PHONE, _URL, _TAGS, _BIRTHDAY, _STATUS, _EXTERNAL, _ADDRESS, _CUSTOM = range(10)
_BIRTH_PART = 10
_RELATION, _DATE, _HANDLE = 11, 12, 13  # schema v6: relations, dates, IM handles
_PARTS = {"year": 0, "month": 1, "day": 2}
_Op = tuple[int, str | None, int]


@dataclass
class _Plan:
    """A mapping resolved once per file into one op per column.

    A row then costs only its filled cells (found by `itertools.compress`, in C):
    an Outlook export has ~90 columns and a person fills a dozen.
    """

    columns: list[tuple[str, str | None]]
    date_order: str
    source: str
    width: int
    ops: list[_Op | None]  # None: ignored column
    names: list[str]  # header, "column N" when blank, de-duplicated for custom fields
    groups: list[tuple[str | None, int]]  # per address group: (label, label column or -1)
    multi: str  # separator of several values in one cell, "" when guessed per cell
    tag_sep: str  # "" when guessed per cell
    blanks: frozenset[str]  # values meaning "empty" in this export's dates and custom columns
    pivot: int  # two-digit years up to this are 20xx
    companies: bool  # a row naming only a company is a company (Thunderbird, Outlook, Google)


@dataclass
class Mapping:
    """Where each column of a contacts file goes, as detected (and overridden) for one file."""

    source: str  # "google", "outlook", "linkedin", "hubspot", "spreadsheet"
    columns: list[tuple[str, str | None]]  # (header, field, or None for a custom field)
    date_order: str  # "dmy", "mdy" or "ymd" (ISO, and unambiguous others)
    _plan: _Plan | None = field(default=None, init=False, repr=False, compare=False)


def _refuse_crms_other_exports(header: list[str]) -> None:
    """crm's companies, deals, interactions and follow-ups CSVs are not people: each row
    would come in as a person named after a company or a deal, so they are refused."""
    from crmcli.core.interchange import exporting

    names = tuple(h.strip().lower() for h in header)
    own = {
        exporting.COMPANY_COLUMNS: ("companies", "they come in with their people's company "
                                    "column, or as company cards in a vCard"),
        exporting.DEAL_COLUMNS: ("deals", "import it with `crm import deals`"),
        exporting.INTERACTION_COLUMNS: ("interactions", "crm imports no interactions"),
        exporting.FOLLOWUP_COLUMNS: ("follow-ups", "crm imports no follow-ups"),
    }  # fmt: skip
    for columns, (what, hint) in own.items():
        older = tuple(c for c in columns if c not in ("external_ids", "custom_fields"))
        if names in (tuple(columns), older):  # this version's, or the one before
            raise Invalid(f"this is crm's own {what} export, not contacts: {hint}")


def detect(header: list[str], *, delimiter: str, date_order: str) -> Mapping:
    """The built-in mapping for this header: a known export's, or spreadsheet synonyms.

    `date_order` ("dmy" or "mdy") is how the user's dates read; it applies to plain
    spreadsheets unless the file is French (semicolons or French headers: day-first).
    Google, LinkedIn and HubSpot write ISO dates ("ymd"); English Outlook month-first,
    Outlook in other languages day-first.
    """
    check_date_order(date_order)
    _refuse_crms_other_exports(header)
    vendor = vendor_of(header)
    deals_tool = deal_vendor_of(header) if vendor is None else None
    if deals_tool is not None:  # opportunities would come in as people named after them
        raise Invalid(
            f"this is a deals export ({deals_tool.name}), not contacts: "
            "import it with `crm import deals`"
        )
    if vendor is not None:
        return Mapping(vendor.name, vendor.columns(header), vendor.date_order)
    order = "dmy" if is_french(header, delimiter) else date_order
    return Mapping("spreadsheet", spreadsheet_columns(header), order)


def apply_overrides(mapping: Mapping, overrides: list[str]) -> Mapping:
    """The mapping with each "Header=field" applied; "custom" makes it a custom field.

    Headers match case-insensitively (every column of that name); the result is a new
    Mapping, so the compiled plan of the old one is never reused by mistake.
    """
    columns = override(mapping.columns, overrides, check_field, fields_help())
    return Mapping(mapping.source, columns, mapping.date_order)


# -- values --------------------------------------------------------------------------------

_STATUS_WORDS = {
    "lead": "lead",
    "subscriber": "lead",
    "piste": "lead",
    "prospect": "prospect",
    "marketingqualifiedlead": "prospect",
    "salesqualifiedlead": "prospect",
    "opportunity": "prospect",
    "mql": "prospect",
    "sql": "prospect",
    "customer": "customer",
    "evangelist": "customer",
    "client": "customer",
    "cliente": "customer",
    "inactive": "inactive",
    "inactif": "inactive",
}


def _status(text: str, source: str) -> str | None:
    """crm's status for a lifecycle word, or None (the caller keeps the text as custom).

    In a HubSpot file only HubSpot's own stages count: "Other", or a stage the account
    added, means something to that team that crm's four statuses would lose.
    """
    key = header_key(text)
    if source == HUBSPOT and key not in HUBSPOT_STAGES:
        return None
    return _STATUS_WORDS.get(key)


_EMAIL_RE = re.compile(r"[^@\s;,<>]+@[^@\s;,<>]+")
_PHONE_RE = re.compile(r"\+?[\d\s().\-/]{6,}(?:\s*(?:ext\.?|x|#|poste)\s*\d{1,6})?", re.IGNORECASE)
_SPLIT = re.compile(r"\s*[;,]\s*")


def _label_text(text: str) -> str | None:
    """Google's "* Work" (the star marks the primary value) -> "work"."""
    value = " ".join(text.removeprefix("*").split()).casefold()
    return value or None


def _pieces(value: str, multi: str, pattern: re.Pattern[str]) -> list[str]:
    """Several addresses or numbers in one cell, split only when every piece looks like one."""
    if multi:
        return [p.strip() for p in value.split(multi) if p.strip()]
    if ";" not in value and "," not in value:
        return [value]
    parts = [p for p in _SPLIT.split(value) if p]
    if len(parts) > 1 and all(pattern.fullmatch(p) for p in parts):
        return parts
    return [value]


def _phone_text(value: str) -> str:
    """Excel's ways of keeping a leading zero: ="0612345678" and '0612345678."""
    if value.startswith('="') and value.endswith('"'):
        return value[2:-1].strip()
    return value.removeprefix("'")


def _tags(value: str, sep: str) -> list[str]:
    """Tags from one cell; Google's system groups ("* myContacts", "* starred") are not tags."""
    if sep == GOOGLE_SEPARATOR:
        out = []
        for piece in value.split(sep):
            name = piece.strip()
            if name.startswith("*"):
                bare = name[1:].strip()
                if bare.casefold() in SYSTEM_LABELS:
                    continue
                name = bare
            if name:
                out.append(name)
        return out
    if not sep:
        sep = ";" if ";" in value else ","
    return [p.strip() for p in value.split(sep) if p.strip()]


# -- rows to records -----------------------------------------------------------------------


def _tag_separator(source: str) -> str:
    if source == google.NAME:
        return GOOGLE_SEPARATOR
    return outlook.TAG_SEPARATOR if outlook.is_outlook(source) else ""


def _compile(mapping: Mapping) -> _Plan:
    columns = mapping.columns
    source = mapping.source
    in_google = source == google.NAME
    ignored = {h.strip().casefold(): i for i, (h, f) in enumerate(columns) if f == "ignore"}

    def label_column(stem: str) -> int:
        """Google's "E-mail 1 - Label" (or "- Type") for "E-mail 1 - ...", when ignored."""
        stem = stem.casefold()
        return ignored.get(f"{stem} - label", ignored.get(f"{stem} - type", -1))

    def service_column(stem: str) -> int:
        """Google's "IM 1 - Service" (Skype, Jabber...) for "IM 1 - Value", when ignored."""
        return ignored.get(f"{stem.casefold()} - service", -1)

    ops: list[_Op | None] = []
    names: list[str] = []
    groups: dict[str, int] = {}
    group_labels: list[tuple[str | None, int]] = []
    used: set[str] = set()
    for i, (header, target) in enumerate(columns):
        name = header.strip() or f"column {i + 1}"
        match = google.GROUP.fullmatch(header.strip()) if in_google else None
        stem = f"{match.group(1)} {match.group(2)}" if match else ""
        if target is None:
            key, n = name, 2
            while key in used:
                key, n = f"{name} ({n})", n + 1
            used.add(key)
            names.append(key)
            ops.append((_CUSTOM, None, 0))
            continue
        names.append(name)
        base, _, label = target.partition(":")
        fixed = label or None
        at = label_column(stem) if match and fixed is None else -1
        op: _Op | None = None
        if base in SCALARS:
            op = (_SCALAR, base, 0)
        elif base in ("email", "phone", "url"):
            op = ({"email": _EMAIL, "phone": _PHONE, "url": _URL}[base], fixed, at)
        elif base == "linkedin":
            op = (_URL, "linkedin", -1)
        elif base == "tags":
            op = (_TAGS, None, 0)
        elif base == "birthday" and label in _PARTS:
            op = (_BIRTH_PART, None, _PARTS[label])
        elif base == "birthday":
            op = (_BIRTHDAY, None, 0)
        elif base == "status":
            op = (_STATUS, None, 0)
        elif base == "external_id":
            op = (_EXTERNAL, label, 0)
        elif base == "relation":
            op = (_RELATION, fixed, at)
        elif base == "date":
            op = (_DATE, fixed, at)
        elif base == "handle":
            op = (_HANDLE, fixed, service_column(stem) if match and fixed is None else -1)
        elif base in ADDRESS_PARTS:
            group = f"#{stem}" if match else label  # Google: "Address 1"; else the label
            if group not in groups:
                groups[group] = len(group_labels)
                group_labels.append((fixed, label_column(stem) if match else -1))
            op = (_ADDRESS, base, groups[group])
        ops.append(op)
    return _Plan(
        columns=columns,
        date_order=mapping.date_order,
        source=source,
        width=len(columns),
        ops=ops,
        names=names,
        groups=group_labels,
        multi=GOOGLE_SEPARATOR if in_google else "",
        tag_sep=_tag_separator(source),
        blanks=outlook.BLANKS if outlook.is_outlook(source) else frozenset(),
        pivot=clock.now().year % 100,
        # Address-book exports write a company entry as a row with only its organisation:
        # it is a company, not a reject. A plain spreadsheet's row naming only a company
        # is still a reject (tests/core/interchange/test_sources.py keeps that).
        companies=source == thunderbird.NAME or in_google or outlook.is_outlook(source),
    )


def _plan_for(mapping: Mapping) -> _Plan:
    plan = mapping._plan
    if (
        plan is None
        or plan.columns is not mapping.columns
        or plan.width != len(mapping.columns)
        or plan.date_order != mapping.date_order
        or plan.source != mapping.source
    ):
        plan = mapping._plan = _compile(mapping)
    return plan


def row_record(
    item: tuple[int, list[str]], *, mapping: Mapping, ncols: int
) -> ContactRecord | Reject | None:
    """`to_record` for one (line, cells) item of `csvfile.rows` (picklable as a partial)."""
    return to_record(item[0], item[1], mapping, ncols=ncols)


def to_record(
    line: int, cells: list[str], mapping: Mapping, *, ncols: int
) -> ContactRecord | Reject | None:
    """One row as a record; None for an empty row; Reject when it cannot be a person.

    Cells beyond the header are an error only when they hold something (Excel often
    leaves a trailing empty cell); missing trailing cells read as empty.
    """
    plan = _plan_for(mapping)
    values = list(map(str.strip, cells))
    if not any(values):
        return None
    if len(values) > ncols and any(values[ncols:]):
        return Reject(line, f"{len(values)} cells but the header has {ncols}", cells)
    width = plan.width
    if len(values) < width:
        values.extend([""] * (width - len(values)))
    ops, names, blanks = plan.ops, plan.names, plan.blanks
    record = ContactRecord(line=line)
    addresses: dict[int, dict[str, str]] = {}
    parts: list[tuple[int, int]] = []  # (part, column) of a birthday in pieces
    for i in compress(range(width), values):
        op = ops[i]
        if op is None:
            continue
        kind, text, number = op
        value = values[i]
        if kind == _SCALAR:
            attr = text or ""
            current = getattr(record, attr)
            if current is None:
                setattr(record, attr, value)
            elif attr == "notes":
                record.notes = f"{current}\n\n{value}"
            elif current != value:
                record.custom[names[i]] = value
        elif kind == _CUSTOM:
            if value not in blanks:
                record.custom[names[i]] = value
        elif kind == _PHONE:
            label = text if number < 0 else _label_text(values[number])
            for piece in _pieces(value, plan.multi, _PHONE_RE):
                record.phones.append((_phone_text(piece), label))
        elif kind == _EMAIL:
            label = text if number < 0 else _label_text(values[number])
            if value[:3].lower() == "/o=":  # Outlook's "EX" type: an Exchange path (X.500 DN)
                record.custom[f"{names[i]} (Exchange)"] = value  # kept, but no address
                continue
            for piece in _pieces(value.removeprefix("mailto:"), plan.multi, _EMAIL_RE):
                record.emails.append((piece, label))
        elif kind == _URL:
            label = text if number < 0 else _label_text(values[number])
            pieces = value.split(plan.multi) if plan.multi else [value]
            record.urls.extend((p.strip(), label) for p in pieces if p.strip())
        elif kind == _ADDRESS:
            part = text or ""
            address = addresses.setdefault(number, {})
            key = "formatted" if part == "address" else part
            if key not in address:
                address[key] = value
            elif key == "street":
                address[key] = f"{address[key]}\n{value}"
            if part == "country" and record.country is None:
                record.country = country_code(value)
        elif kind == _TAGS:
            record.tags.extend(_tags(value, plan.tag_sep))
        elif kind == _BIRTHDAY:
            if value not in blanks and record.birthday is None and record.birthday_raw is None:
                found, problem = read_date(value, plan.date_order, plan.pivot)
                if found is not None:
                    record.birthday = found
                else:
                    record.birthday_raw = value
                    record.issues.append(f"{names[i]}: {value!r} {problem}")
        elif kind == _STATUS:
            status = _status(value, plan.source)
            if status is not None and record.status is None:
                record.status = status
            else:
                record.custom[names[i]] = value
        elif kind == _EXTERNAL:
            record.external_ids[text or ""] = value
        elif kind == _BIRTH_PART:
            parts.append((number, i))
        elif kind == _RELATION:
            label = text if number < 0 else _label_text(values[number])
            for piece in value.split(plan.multi) if plan.multi else [value]:
                add_relation(record, piece, label)
        elif kind == _DATE:
            if value not in blanks:
                label = text if number < 0 else _label_text(values[number])
                found, _ = read_date(value, plan.date_order, plan.pivot)
                add_date(record, label, value, found)
        elif kind == _HANDLE:
            service = text if number < 0 else _label_text(values[number])
            for piece in value.split(plan.multi) if plan.multi else [value]:
                add_handle(record, service or "other", piece)
    if parts:
        _birthday_from_parts(record, parts, values, names)
    if plan.companies and is_company_card(record):
        record.kind = "org"
    elif not (
        record.full_name
        or record.first
        or record.last
        or record.emails
        or record.phones
        or record.urls
    ):
        return Reject(line, "no name, email, phone or profile URL", cells)
    for number in sorted(addresses):
        address = addresses[number]
        label, at = plan.groups[number]
        tag = label if at < 0 else _label_text(values[at])
        if tag:
            address["label"] = tag
        record.addresses.append(address)
    return record


def is_company_card(record: ContactRecord) -> bool:
    """A card for a company: an organisation, no person's name, no way to reach a person.

    Thunderbird has no other way to say it: its company cards carry the organisation,
    often repeated as the display name, and nothing else of a person.
    """
    return bool(
        record.company
        and not (record.first or record.last or record.emails or record.phones)
        and record.full_name in (None, record.company)
    )


def _birthday_from_parts(
    record: ContactRecord, parts: list[tuple[int, int]], values: list[str], names: list[str]
) -> None:
    """The birthday from its year, month and day columns (Thunderbird's); the year may be empty.

    A birthday already read from a whole-date column wins. Parts that make no date (a
    year alone, "31" of month 2) are kept as custom fields and flagged, never lost.
    """
    found = {part: values[i] for part, i in parts}
    month, day = found.get(1, ""), found.get(2, "")
    if record.birthday is None and record.birthday_raw is None and month and day:
        year = found.get(0, "")
        if month.isdigit() and day.isdigit() and (not year or year.isdigit()):
            date = birthday(int(year) if year else None, int(month), int(day))
            if date is not None:
                record.birthday = date
                return
        shown = "-".join(v for v in (year, month, day) if v)
        record.birthday_raw = shown
        record.issues.append(f"birthday: {shown!r} is not a real date")
        return
    for _part, i in parts:
        record.custom[names[i]] = values[i]
