"""Opening an import file: which format it is, which tool wrote it, and its records.

The format is read from the content (a vCard begins with BEGIN:VCARD, LDIF with
`dn:`, JSON with `[` or `{`, anything else is CSV), unless forced; a file that is
no contacts file at all (a workbook, a PDF, an image) is refused by its first bytes.
CSV files are recognised by their headers (Google, Outlook in English and six other
languages, Thunderbird, LinkedIn, HubSpot, a plain spreadsheet, or crm's own
export). This is the entry point of reading: it picks the readers below it
(csvfile, then contacts_csv or own_exports; vcard; ldif), and none of them imports it back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, BinaryIO

from crmcli.core.errors import Invalid
from crmcli.core.interchange import contacts_csv, csvfile, own_exports
from crmcli.core.interchange.encoding import Detection, wide_encoding
from crmcli.core.interchange.ldif import looks_like_ldif, read_ldif
from crmcli.core.interchange.recognise import header_score, is_known_header
from crmcli.core.interchange.records import ContactRecord, Reject

FORMATS = ("csv", "vcard", "json", "ldif")

_SAVE_AS_CSV = "; save it as CSV from the spreadsheet and import that"
_NOT_CONTACTS = (
    (b"PK\x03\x04", "a zip archive (an .xlsx or .ods workbook?)", _SAVE_AS_CSV),
    (b"\xd0\xcf\x11\xe0", "an old Office document (an .xls workbook?)", _SAVE_AS_CSV),
    (b"%PDF", "a PDF document", ""),
    (b"\x89PNG", "a PNG image", ""),
    (b"\xff\xd8\xff", "a JPEG image", ""),
    (b"GIF8", "a GIF image", ""),
    (b"\x1f\x8b", "a gzip archive", "; unpack it first"),
    (b"\xfd7zXZ\x00", "an xz archive", "; unpack it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "; unpack it first"),
    (b"Rar!\x1a\x07", "a RAR archive", "; unpack it first"),
    (b"{\\rtf", "an RTF document", "; save it as plain text or CSV first"),
    (b"SQLite format 3\x00", "an SQLite database", ""),
)
"""First bytes of files people pick by mistake, with what to say about them."""


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
    detection: Detection | None = None  # how `encoding` was found (None: JSON, UTF-8 by rule)
    warnings: list[str] = field(default_factory=list)  # to print before the summary

    @property
    def encoding_note(self) -> str:
        """The encoding and how it was found, for --show-mapping and the import report."""
        return self.detection.note() if self.detection is not None else self.encoding

    @property
    def custom_columns(self) -> list[str]:
        return [h for h, f in self.mapping if f is None and h]


def _label(stream: BinaryIO) -> str:
    name = getattr(stream, "name", None)
    return name if isinstance(name, str) and name else "the file"


def refuse_non_contacts(head: bytes, label: str) -> None:
    """Raise Invalid, with what the file seems to be, when it cannot be a contacts file."""
    for magic, what, hint in _NOT_CONTACTS:
        if head.startswith(magic):
            raise Invalid(
                f"{label} is a binary file ({what}), not a contacts file "
                f"(CSV, vCard, LDIF or JSON){hint}"
            )


def detect_format(stream: BinaryIO) -> str:
    """csv, vcard, json or ldif, by the content; Invalid for a file that is none of them."""
    head = stream.read(4096)
    stream.seek(0)
    refuse_non_contacts(head.lstrip(b"\xef\xbb\xbf"), _label(stream))
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    wide = wide_encoding(head)
    if wide is not None:  # UTF-16 or UTF-32: decode the start to look
        # "ignore": the 4 KiB read may end inside a character
        text = head.decode(wide, "ignore").lstrip("\ufeff").lstrip().encode()
    if text[:11].upper() == b"BEGIN:VCARD" or re.search(rb"(?im)^begin:vcard\s*$", text):
        return "vcard"  # a card first, or after a little junk (some tools add a banner)
    if text[:15].upper() == b"BEGIN:VCALENDAR":
        raise Invalid(
            f"{_label(stream)} is an iCalendar file (events, tasks), not contacts "
            "(CSV, vCard, LDIF or JSON)"
        )
    if text[:1] in (b"[", b"{"):
        return "json"
    if looks_like_ldif(text.decode("utf-8", "replace")):
        return "ldif"
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
        raise Invalid(f"unknown import format {chosen!r} (csv, vcard, ldif or json)")
    if fmt is not None:
        head = stream.read(64)
        stream.seek(0)
        refuse_non_contacts(head, _label(stream))
    if chosen == "ldif":
        return Reading("ldif", "thunderbird", iter(read_ldif(stream.read(), _label(stream))))
    if chosen == "vcard":
        return _open_vcards(stream, encoding)
    if chosen == "json":
        return Reading("json", "crm", own_exports.json_records(stream))
    # crm's own header is known outright too: its TSV has no quoting, so a value that
    # starts with `"` would otherwise make the tab reading look ragged and lose to another
    # delimiter.
    layout = csvfile.sniff(
        stream,
        encoding=encoding,
        known=lambda names: is_known_header(names) or own_exports.is_own_header(names),
        score=header_score,
    )
    found = layout.detection
    warned = [line for line in [found.warning(_label(stream))] if line] if found else []
    rows = _without_nul(csvfile.rows(stream, layout), warned)
    if own_exports.is_own_header(layout.header):
        if overrides:
            raise Invalid("--map does not apply to crm's own export: its columns are fixed")
        return Reading(
            "csv",
            "crm",
            own_exports.csv_records(
                own_exports.tsv_rows(stream, layout.encoding, layout.header_line)
                if layout.delimiter == "\t"
                else rows,
                layout.header,
            ),
            [(h, h) for h in layout.header],
            layout.header,
            layout.encoding,
            layout.delimiter,
            detection=found,
            warnings=warned,
        )
    mapping = contacts_csv.detect(layout.header, delimiter=layout.delimiter, date_order=date_order)
    if overrides:
        mapping = contacts_csv.apply_overrides(mapping, overrides)
    return Reading(
        "csv",
        mapping.source,
        rows,
        list(mapping.columns),
        layout.header,
        layout.encoding,
        layout.delimiter,
        convert=partial(contacts_csv.row_record, mapping=mapping, ncols=len(layout.header)),
        detection=found,
        warnings=warned,
    )


def _without_nul(
    rows: Iterator[tuple[int, list[str]]], warnings: list[str]
) -> Iterator[tuple[int, list[str]]]:
    """Rows with NUL characters taken out of their cells, and one warning saying where.

    A NUL past the first 64 KiB (where it would mean "binary file") is a damaged row, or
    padding some exporters leave: kept, it would cut the name short in every tool that
    reads C strings (`Nul\0Person` shows as `Nul`), so it is removed, never silently.
    """
    first, count, slot = 0, 0, len(warnings)
    for line, cells in rows:
        if "\x00" in "".join(cells):
            cells = [cell.replace("\x00", "") for cell in cells]
            first, count = first or line, count + 1
            more = f" and {count - 1} more row{'s' if count > 2 else ''}" if count > 1 else ""
            text = f"NUL characters removed from line {first}{more}"
            if count == 1:
                warnings.insert(slot, text)
            else:
                warnings[slot] = text
        yield line, cells


def _open_vcards(stream: BinaryIO, forced: str | None) -> Reading:
    """A vCard file decoded as a whole by the same decision as CSV (so --encoding applies).

    Quoted-printable values that name no CHARSET are bytes in whatever code page the
    writing program used (Outlook and old phones: the machine's ANSI page), so those
    bytes get a decision of their own, made once for the whole file.
    """
    from crmcli.core.interchange.encoding import decode
    from crmcli.core.interchange.vcard.lines import qp_charset
    from crmcli.core.interchange.vcard.read import parse_vcards

    label = _label(stream)
    text, found = decode(stream.read(), forced, label, "a vCard file")
    warned = [line for line in [found.warning(label)] if line]
    single_byte = not found.encoding.startswith("utf")
    text, _, notes = qp_charset(text, found.encoding if single_byte else None, label)
    warned.extend(notes)
    records = parse_vcards(text)
    return Reading(
        "vcard", "vcard", iter(records), encoding=found.encoding, detection=found, warnings=warned
    )
