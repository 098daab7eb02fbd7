"""Opening an import file: which format it is, which tool wrote it, and its records.

The format is read from the content (a vCard begins with BEGIN:VCARD, JSON with
`[` or `{`, anything else is CSV), unless forced. CSV files are recognised by their
headers (Google, Outlook, LinkedIn, HubSpot, a plain spreadsheet, or crm's own
export). This is the entry point of reading: it picks the readers below it
(csvfile, then contacts_csv or own_exports; vcard), and none of them imports it back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, BinaryIO

from crmcli.core.errors import Invalid
from crmcli.core.interchange import contacts_csv, csvfile, own_exports
from crmcli.core.interchange.headers import recognised_count
from crmcli.core.interchange.recognise import is_known_header
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
    wide = csvfile.wide_encoding(head)
    if wide is not None:  # UTF-16 or UTF-32: decode the start to look
        # "ignore": the 4 KiB read may end inside a character
        text = head.decode(wide, "ignore").lstrip("\ufeff").lstrip().encode()
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
        from crmcli.core.interchange.vcard.read import parse_vcards
        from crmcli.core.interchange.vcard.values import decode_vcard_bytes

        data = stream.read()
        wide = csvfile.wide_encoding(data[:4096])
        if wide is not None:  # the vCard reader knows UTF-16 by its BOM only
            try:
                text = data.decode(wide).lstrip("\ufeff")
            except UnicodeDecodeError as exc:
                raise Invalid(f"not valid {wide} (bad bytes near byte {exc.start})") from exc
        else:
            text = decode_vcard_bytes(data)
        return Reading("vcard", "vcard", iter(parse_vcards(text)))
    if chosen == "json":
        return Reading("json", "crm", own_exports.json_records(stream))
    layout = csvfile.sniff(stream, encoding=encoding, known=is_known_header, score=recognised_count)
    if own_exports.is_own_header(layout.header):
        if overrides:
            raise Invalid("--map does not apply to crm's own export: its columns are fixed")
        return Reading(
            "csv",
            "crm",
            own_exports.csv_records(csvfile.rows(stream, layout), layout.header),
            [(h, h) for h in layout.header],
            layout.header,
            layout.encoding,
            layout.delimiter,
        )
    mapping = contacts_csv.detect(layout.header, delimiter=layout.delimiter, date_order=date_order)
    if overrides:
        mapping = contacts_csv.apply_overrides(mapping, overrides)
    return Reading(
        "csv",
        mapping.source,
        csvfile.rows(stream, layout),
        list(mapping.columns),
        layout.header,
        layout.encoding,
        layout.delimiter,
        convert=partial(contacts_csv.row_record, mapping=mapping, ncols=len(layout.header)),
    )
