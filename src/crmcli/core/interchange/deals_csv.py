"""Reading a deals CSV (Pipedrive's deals export is the model) into `DealRecord`s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from crmcli.core.interchange.csvfile import CsvLayout, rows, sniff
from crmcli.core.interchange.headers import (
    check_date_order,
    check_deal_field,
    deal_columns,
    deal_fields_help,
    header_key,
    is_french_deals,
    override,
    recognised_count,
)
from crmcli.core.interchange.recognise import is_known_header
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
}


def read_deals(
    stream: BinaryIO, *, encoding: str | None, overrides: list[str], date_order: str
) -> tuple[CsvLayout, list[tuple[str, str | None]], Iterator[DealRecord | Reject]]:
    """Read a deals export (Pipedrive's is the model): its layout, mapping and records.

    Empty rows are skipped; a row without a title, or with more cells than the
    header, is a Reject. Amounts stay text, for crmcli.core.values.money.parse_amount.
    """
    check_date_order(date_order)
    layout = sniff(stream, encoding=encoding, known=is_known_header, score=recognised_count)
    header = layout.header
    columns = override(deal_columns(header), overrides, check_deal_field, deal_fields_help())
    order = "dmy" if is_french_deals(header, layout.delimiter) else date_order
    ncols = len(header)
    assigned: list[tuple[int, str]] = []
    custom: list[tuple[int, str]] = []
    for i, (h, target) in enumerate(columns):
        if target is None:
            custom.append((i, h.strip() or f"column {i + 1}"))
        elif target != "ignore":
            assigned.append((i, target))

    def records() -> Iterator[DealRecord | Reject]:
        for line, cells in rows(stream, layout):
            values = [c.strip() for c in cells]
            if not any(values):
                continue
            if len(values) > ncols and any(values[ncols:]):
                yield Reject(line, f"{len(values)} cells but the header has {ncols}", cells)
                continue
            if len(values) < ncols:
                values.extend([""] * (ncols - len(values)))
            deal = DealRecord(line=line)
            for i, target in assigned:
                value = values[i]
                if not value or getattr(deal, target) is not None:
                    continue
                if target == "expected_close":
                    found, problem = read_date(value, order, 99)
                    if found is not None and found.startswith("--"):
                        found, problem = None, "has no year"
                    if found is None:
                        deal.expected_close_raw = value
                        deal.issues.append(f"{columns[i][0].strip()}: {value!r} {problem}")
                    else:
                        deal.expected_close = found
                elif target == "status":
                    status = _STATUS.get(header_key(value))
                    if status is None:
                        deal.custom[columns[i][0].strip() or f"column {i + 1}"] = value
                    else:
                        deal.status = status
                else:
                    setattr(deal, target, value)
            for i, key in custom:
                if values[i]:
                    deal.custom[key] = values[i]
            if deal.title is None:
                yield Reject(line, "no title", cells)
                continue
            yield deal

    return layout, columns, records()
