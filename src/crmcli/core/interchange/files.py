"""Opening an import file: which format it is, which tool wrote it, and its records.

The format is read from the content (a vCard begins with BEGIN:VCARD, JSON with
`[` or `{`, anything else is CSV), unless forced. CSV files are recognised by their
headers (Google, Outlook, LinkedIn, HubSpot, a plain spreadsheet, or crm's own
export); crm's own CSV and JSON exports are read here, so a round trip through
`crm export` and `crm import` loses nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, BinaryIO

from crmcli.core.errors import Invalid
from crmcli.core.interchange.records import ContactRecord, Reject

FORMATS = ("csv", "vcard", "json")


Convert = Callable[[Any], ContactRecord | Reject | None]


@dataclass
class Reading:
    """An opened import file: what it is, how its columns map, and its records.

    `items` are what the file yields as read; `convert` turns one into a record (or a
    Reject, or None for an empty row). They are kept apart so that an import can ship
    the raw rows of a CSV file to worker processes and convert them there: mapping
    100,000 rows costs about a second, and pickling raw cells is cheaper than records.
    """

    format: str
    source: str
    items: Iterator[Any]
    mapping: list[tuple[str, str | None]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str | None = None
    convert: Convert | None = None  # None: the items are records already

    @property
    def custom_columns(self) -> list[str]:
        return [h for h, f in self.mapping if f is None and h]


def detect_format(stream: BinaryIO) -> str:
    head = stream.read(4096)
    stream.seek(0)
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: decode the start to look
        try:
            text = head.decode("utf-16").lstrip().encode()
        except UnicodeDecodeError:
            return "csv"
    if text[:11].upper() == b"BEGIN:VCARD" or re.search(rb"(?im)^begin:vcard\s*$", text):
        return "vcard"  # a card first, or after a little junk (some tools add a banner)
    if text[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def open_contacts(
    stream: BinaryIO,
    *,
    fmt: str | None = None,
    encoding: str | None = None,
    overrides: list[str] | None = None,
    date_order: str = "dmy",
) -> Reading:
    """Open an import file (seekable binary stream) for reading contact records."""
    chosen = fmt or detect_format(stream)
    if chosen not in FORMATS:
        raise Invalid(f"unknown import format {chosen!r} (csv, vcard or json)")
    if chosen == "vcard":
        from crmcli.core.interchange.vcard import decode_vcard_bytes, parse_vcards

        text = decode_vcard_bytes(stream.read())
        return Reading("vcard", "vcard", iter(parse_vcards(text)))
    if chosen == "json":
        return Reading("json", "crm", _json_records(stream))
    from crmcli.core.interchange import csvfile as csvread
    from crmcli.core.interchange import sources

    layout = csvread.sniff(stream, encoding=encoding)
    if [h.strip().lower() for h in layout.header] == list(CRM_COLUMNS):
        if overrides:
            raise Invalid("--map does not apply to crm's own export: its columns are fixed")
        return Reading(
            "csv",
            "crm",
            _crm_csv_records(csvread.rows(stream, layout), layout.header),
            [(h, h) for h in layout.header],
            layout.header,
            layout.encoding,
            layout.delimiter,
        )
    mapping = sources.detect(layout.header, delimiter=layout.delimiter, date_order=date_order)
    if overrides:
        mapping = sources.apply_overrides(mapping, overrides)
    return Reading(
        "csv",
        mapping.source,
        csvread.rows(stream, layout),
        list(mapping.columns),
        layout.header,
        layout.encoding,
        layout.delimiter,
        convert=partial(sources.row_record, mapping=mapping, ncols=len(layout.header)),
    )


# -- crm's own exports ----------------------------------------------------------------------

from crmcli.core.interchange.exporting import CONTACT_CSV_COLUMNS as CRM_COLUMNS  # noqa: E402


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(";") if part.strip()]


def _loads(text: str | None, line: int, what: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(f"line {line}: {what} is not valid JSON ({exc.msg})") from exc


def _from_view(view: dict[str, Any], line: int) -> ContactRecord:
    """A record from crm's own JSON shape (`crm export contacts --format json`)."""

    def text(key: str) -> str | None:
        value = view.get(key)
        return str(value) if value not in (None, "") else None

    phones = []
    for p in view.get("phones") or []:
        number = p.get("number") or p.get("e164") or ""
        if p.get("extension") and "ext" not in number:
            number = f"{number} ext. {p['extension']}"
        phones.append((number, p.get("label")))
    cadence = view.get("cadence_days")
    return ContactRecord(
        line=line,
        full_name=text("name"),
        prefix=text("prefix"),
        first=text("first_name"),
        middle=text("middle_name"),
        last=text("last_name"),
        suffix=text("suffix"),
        emails=[(e["email"], e.get("label")) for e in view.get("emails") or []],
        phones=phones,
        urls=[(u["url"], u.get("kind")) for u in view.get("urls") or []],
        company=text("company"),
        title=text("title"),
        notes=text("notes"),
        tags=list(view.get("tags") or []),
        birthday=text("birthday"),
        addresses=list(view.get("addresses") or []),
        lead_source=text("lead_source"),
        status=text("status"),
        do_not_contact=bool(view.get("do_not_contact")),
        cadence_days=int(cadence) if cadence else None,
        external_ids={str(k): str(v) for k, v in (view.get("external_ids") or {}).items()},
        custom={str(k): str(v) for k, v in (view.get("custom_fields") or {}).items()},
    )


def _json_records(stream: BinaryIO) -> Iterator[ContactRecord | Reject]:
    data = stream.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid("JSON import must be UTF-8") from exc
    stripped = text.lstrip()
    items: list[Any]
    if stripped.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Invalid(f"not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    else:  # JSON Lines
        items = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise Invalid(f"line {number}: not valid JSON ({exc.msg})") from exc
    for index, item in enumerate(items, 1):
        if not isinstance(item, dict):
            yield Reject(index, "not a contact object")
            continue
        try:
            yield _from_view(item, index)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            yield Reject(index, f"unreadable contact ({exc})")


def _crm_csv_records(
    rows: Iterator[tuple[int, list[str]]], header: list[str]
) -> Iterator[ContactRecord | Reject]:
    names = [h.strip().lower() for h in header]
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(names):
            yield Reject(line, f"{len(cells)} cells but the header has {len(names)}", cells)
            continue
        row = dict(zip(names, [*cells, *[""] * (len(names) - len(cells))], strict=True))
        view = {
            **{
                k: row.get(k)
                for k in (
                    "name",
                    "prefix",
                    "first_name",
                    "middle_name",
                    "last_name",
                    "suffix",
                    "company",
                    "title",
                    "notes",
                    "birthday",
                    "lead_source",
                    "status",
                )
            },
            "emails": [{"email": e} for e in _split(row.get("emails"))],
            "phones": [{"number": p} for p in _split(row.get("phones"))],
            "urls": [{"url": u} for u in _split(row.get("urls"))],
            "tags": _split(row.get("tags")),
            "do_not_contact": (row.get("do_not_contact") or "").strip().lower()
            in ("yes", "true", "1"),
            "cadence_days": row.get("cadence_days") or None,
            "custom_fields": _loads(row.get("custom_fields"), line, "custom_fields"),
            "external_ids": _loads(row.get("external_ids"), line, "external_ids"),
            "addresses": _loads(row.get("addresses"), line, "addresses"),
        }
        record = _from_view(view, line)
        if record.empty:
            yield Reject(line, "no name, email, phone or profile URL", cells)
        else:
            yield record
