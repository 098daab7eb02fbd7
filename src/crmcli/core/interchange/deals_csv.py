"""Reading a deals CSV into `DealRow`s: Pipedrive, Salesforce, HubSpot, Zoho or a spreadsheet.

A known tool's export is recognised by its header (recognise.deal_vendor_of) and read
with that tool's column names, date order and flags: Salesforce's IsWon/IsClosed,
Pipedrive's open/won/lost status, each row's own currency column, the record id kept
as an external id. Anything else goes through the English and French synonyms.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from crmcli.core.errors import Invalid
from crmcli.core.interchange.csv_out import restore
from crmcli.core.interchange.csvfile import CsvLayout, rows, sniff
from crmcli.core.interchange.headers import (
    check_date_order,
    check_deal_field,
    deal_columns,
    deal_fields_help,
    header_key,
    is_deals_header,
    is_french_deals,
    override,
)
from crmcli.core.interchange.recognise import (
    deal_header_score,
    deal_vendor_of,
    is_known_header,
    vendor_of,
)
from crmcli.core.interchange.records import DealRecord, Reject
from crmcli.core.values.dates import read_date

# A status cell in English or French, folded.
_STATUS = {
    "open": "open",
    "won": "won",
    "lost": "lost",
    "ouvert": "open",
    "ouverte": "open",
    "encours": "open",
    "gagne": "won",
    "gagnee": "won",
    "perdu": "lost",
    "perdue": "lost",
    "closedwon": "won",
    "closedlost": "lost",
}
_TRUE = frozenset({"true", "1", "yes", "y", "oui", "vrai"})
_FALSE = frozenset({"false", "0", "no", "n", "non", "faux"})
_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR"}
_NAME_EMAIL = re.compile(r"(?P<name>.*?)\s*\((?P<email>[^()\s]+@[^()\s]+)\)")
_TIME_PART = re.compile(r"(\d{4}-\d{2}-\d{2})[ T]\d{1,2}:\d{2}.*")

_DEAL_ONLY = frozenset(
    "amount currency stage status expected_close probability won closed lost_reason".split()
)
"""Columns only a deals file has: a list of names and companies alone is a contacts list."""
_EXTRA_FIELDS = frozenset({"probability", "won", "closed", "lead_source"})


@dataclass
class DealRow(DealRecord):
    """A deal row with what the vendors' exports add to `DealRecord`."""

    probability: int | None = None  # 0-100, as the file gave it
    lead_source: str | None = None
    won: bool | None = None  # Salesforce IsWon
    closed: bool | None = None  # Salesforce IsClosed
    external_ids: dict[str, str] = field(default_factory=dict)  # system -> id
    source: str = "spreadsheet"  # the tool that wrote the file


def check_field(name: str) -> str | None:
    """The deal field for a name typed in --map: crm's, probability, won, closed,
    lead_source or external_id:SYSTEM."""
    value = name.strip().lower()
    if value in _EXTRA_FIELDS:
        return value
    base, sep, system = value.partition(":")
    if base == "external_id" and sep and re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", system.strip()):
        return f"external_id:{system.strip()}"
    return check_deal_field(name)


def fields_help() -> str:
    """The deal fields, as listed in an error about an unknown one."""
    return f"{deal_fields_help()}, probability, won, closed, lead_source, external_id:SYSTEM"


def source_of(header: list[str]) -> str:
    """The tool that wrote a deals file, by its header ("salesforce", "pipedrive"...), else
    "spreadsheet": what the report names even when the file holds no row at all."""
    vendor = deal_vendor_of(header)
    return vendor.name if vendor is not None else "spreadsheet"


def read_deals(
    stream: BinaryIO, *, encoding: str | None, overrides: list[str], date_order: str
) -> tuple[CsvLayout, list[tuple[str, str | None]], Iterator[DealRow | Reject]]:
    """Read a deals export: its layout, mapping and records.

    Empty rows are skipped; a row without a title, or with more cells than the
    header, is a Reject. Amounts stay text, for crmcli.core.values.money.parse_amount.
    """
    check_date_order(date_order)
    layout = sniff(stream, encoding=encoding, known=is_known_header, score=deal_header_score)
    header = layout.header
    vendor = deal_vendor_of(header)
    own = _own_columns(header)
    if own is not None:  # crm's own `export deals` CSV: its columns are fixed
        source, order, found = "crm", "ymd", own
    elif vendor is not None:
        source, order = vendor.name, vendor.date_order
        found = _first_wins(vendor.columns(header))
        if source == "salesforce" and order == "mdy":
            # A report's dates are in its Salesforce user's locale: the file's own dates
            # tell which (a 30 first is day-first), else the rep's order is the best guess.
            dated = [i for i, (_, target) in enumerate(found) if target == "expected_close"]
            order = _order_in(stream, layout, dated) or date_order
    else:
        source = "spreadsheet"
        order = "dmy" if is_french_deals(header, layout.delimiter) else date_order
        found = deal_columns(header)
    columns = override(found, overrides, check_field, fields_help())
    _check_is_deals(header, columns, vendor is not None or own is not None)
    ncols = len(header)
    assigned: list[tuple[int, str]] = []
    custom: list[tuple[int, str]] = []
    for i, (h, target) in enumerate(columns):
        if target is None:
            custom.append((i, h.strip() or f"column {i + 1}"))
        elif target != "ignore":
            assigned.append((i, target))

    def records() -> Iterator[DealRow | Reject]:
        for line, cells in rows(stream, layout):
            values = [c.strip() for c in cells]
            if own is not None:  # crm neutralised formula-looking cells: take its ' off
                values = [restore(v) for v in values]
            if not any(values):
                continue
            if source == "salesforce" and len(values) == 1 and ncols > 1:
                return  # a report's footer ("Confidential Information..."): the rows are over
            if len(values) > ncols and any(values[ncols:]):
                yield Reject(line, f"{len(values)} cells but the header has {ncols}", cells)
                continue
            if len(values) < ncols:
                values.extend([""] * (ncols - len(values)))
            deal = DealRow(line=line, source=source)
            for i, target in assigned:
                if values[i] and target in _JSON_TARGETS:
                    _own_json(deal, target, values[i])
                elif values[i]:
                    header_i = columns[i][0].strip() or f"column {i + 1}"
                    _assign(deal, target, values[i], header_i, order)
            for i, key in custom:
                if values[i]:
                    deal.custom[key] = values[i]
            _settle(deal)
            if deal.title is None:
                yield Reject(line, "no title", cells)
                continue
            yield deal

    return layout, columns, records()


# crm's own `export deals` columns: what each is on import. Its ids, times and the
# amount in minor units are the exporting database's bookkeeping, not the deal's data.
_OWN_DEAL_TARGETS = {
    "title": "title",
    "contact": "contact_name",
    "contact_email": "contact_email",
    "company": "company",
    "amount": "amount",
    "currency": "currency",
    "stage": "stage",
    "status": "status",
    "probability": "probability",
    "expected_close": "expected_close",
    "next_step": "next_step",
    "lost_reason": "lost_reason",
    "lead_source": "lead_source",
    "external_ids": "own:external_ids",
    "custom_fields": "own:custom_fields",
}
_JSON_TARGETS = frozenset({"own:external_ids", "own:custom_fields"})


_NUMERIC_DATE = re.compile(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\s*")


def _order_in(stream: BinaryIO, layout: CsvLayout, columns: list[int]) -> str | None:
    """ "dmy" or "mdy" when a date in these columns can only be read one way, else None.

    Reads the whole file once more (a deals file is small), from its bytes, so the
    stream stays open for the real pass.
    """
    if not columns:
        return None
    stream.seek(0)
    text = stream.read().decode(layout.encoding, errors="replace")
    stream.seek(0)
    for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=layout.delimiter)):
        if number < max(layout.header_line, 1):
            continue
        for i in columns:
            match = _NUMERIC_DATE.fullmatch(cells[i]) if i < len(cells) else None
            if match is None:
                continue
            first, second = int(match.group(1)), int(match.group(2))
            if first > 12 >= second:
                return "dmy"
            if second > 12 >= first:
                return "mdy"
    return None


def _own_columns(header: list[str]) -> list[tuple[str, str | None]] | None:
    """The mapping of crm's own deals CSV (this version's or the one before), else None."""
    from crmcli.core.interchange.exporting import DEAL_COLUMNS

    names = [h.strip().lower() for h in header]
    older = [c for c in DEAL_COLUMNS if c not in ("external_ids", "custom_fields")]
    if names not in (list(DEAL_COLUMNS), older):
        return None
    return [(h, _OWN_DEAL_TARGETS.get(n, "ignore")) for h, n in zip(header, names, strict=True)]


def _own_json(deal: DealRow, target: str, text: str) -> None:
    """crm's own JSON cells: ids in other tools, and the deal's custom fields."""
    try:
        value = json.loads(text)
    except ValueError:
        deal.issues.append(f"{target.removeprefix('own:')}: {text[:40]!r} is not JSON")
        return
    if not isinstance(value, dict):
        return
    kept = {str(k): str(v) for k, v in value.items() if v is not None}
    if target == "own:external_ids":
        deal.external_ids.update(kept)
    else:
        deal.custom.update(kept)


def _check_is_deals(header: list[str], columns: list[tuple[str, str | None]], known: bool) -> None:
    """Refuse, before anything is written, a file whose rows cannot be deals: a known
    tool's contacts export, or a file with no title column (every row would be rejected)."""
    from crmcli.core.interchange.own_exports import is_own_header

    if is_own_header(header):
        raise Invalid(
            "this is crm's own contacts export, not deals: import it with `crm import contacts`"
        )
    if not known and not is_deals_header(header) and (people := vendor_of(header)) is not None:
        raise Invalid(
            f"this is a contacts export ({people.name}), not deals: "
            "import it with `crm import contacts`"
        )
    targets = {target for _, target in columns}
    names = ", ".join(repr(h) for h in header if h.strip())
    if "title" not in targets:
        raise Invalid(
            f'no deal title column (columns: {names}); name one with --map "HEADER=title"'
        )
    if not known and not targets & _DEAL_ONLY:
        raise Invalid(
            f"no amount, stage, status or close date column (columns: {names}): a contacts "
            'list? import it with `crm import contacts`, or name columns with --map "HEADER=amount"'
        )


def _first_wins(columns: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Of two columns for one field, the first keeps it; the other is a custom field."""
    taken: set[str] = set()
    out: list[tuple[str, str | None]] = []
    for h, target in columns:
        if target is not None and target != "ignore":
            if target in taken:
                target = None
            else:
                taken.add(target)
        out.append((h, target))
    return out


def _assign(deal: DealRow, target: str, value: str, header: str, order: str) -> None:
    """Put one cell where its column says; what cannot be read is kept as a custom field."""
    if target.startswith("external_id:"):
        deal.external_ids.setdefault(target.partition(":")[2], value)
    elif target in ("won", "closed"):
        flag = value.casefold()
        if flag in _TRUE or flag in _FALSE:
            setattr(deal, target, flag in _TRUE)
        else:
            deal.custom[header] = value
            deal.issues.append(f"{header}: {value!r} is not true or false")
    elif target == "status":
        status = _STATUS.get(header_key(value))
        if status is None:
            deal.custom[header] = value
        elif deal.status is None:
            deal.status = status
    elif target in ("probability", "probability_fraction"):
        number = _probability(value, fraction=target == "probability_fraction")
        if number is None:
            deal.custom[header] = value
            deal.issues.append(f"{header}: {value!r} is not a probability")
        elif deal.probability is None:
            deal.probability = number
    elif target == "currency":
        if deal.currency is None:
            deal.currency = _SYMBOLS.get(value, value)
    elif target == "contact_name" and (pair := _NAME_EMAIL.fullmatch(value.split(";")[0])):
        # HubSpot's "Associated Contact": "Ada Lovelace (ada@example.com)"
        deal.contact_name = deal.contact_name or pair["name"] or None
        deal.contact_email = deal.contact_email or pair["email"]
    elif target == "expected_close":
        if deal.expected_close is None and deal.expected_close_raw is None:
            _close_date(deal, value, header, order)
    elif getattr(deal, target) is None:
        setattr(deal, target, value)


def _close_date(deal: DealRow, value: str, header: str, order: str) -> None:
    """The close date as YYYY-MM-DD ("2024-06-30 00:00" too); else kept raw, with why."""
    found, problem = read_date(_TIME_PART.sub(r"\1", value), order, 99)
    if found is not None and found.startswith("--"):
        found, problem = None, "has no year"
    if found is None:  # kept as written, as a custom field, and named in the summary
        deal.expected_close_raw = value
        deal.custom[header] = value
        deal.issues.append(f"{header}: {value!r} {problem}")
    else:
        deal.expected_close = found


def _settle(deal: DealRow) -> None:
    """The won/closed flags decide a status the file did not give."""
    if deal.status is None:
        if deal.won:
            deal.status = "won"
        elif deal.closed:
            deal.status = "lost"
        elif deal.closed is False:
            deal.status = "open"


def _probability(text: str, *, fraction: bool = False) -> int | None:
    """75, "75%", "75.0" -> 75 (Salesforce, Zoho, Pipedrive write percent); HubSpot's
    "Deal probability" is a fraction, 0.75."""
    raw = text.strip().removesuffix("%").strip().replace(",", ".")
    try:
        number = float(raw) * (100 if fraction else 1)
    except ValueError:
        return None
    if not 0 <= number <= 100:
        return None
    return round(number)
