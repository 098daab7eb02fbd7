"""Reading the CSV files people really have: any common encoding, delimiter and preamble."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from crmcli.core.errors import Invalid
from crmcli.core.interchange.encoding import Detection, detect, errors_for
from crmcli.core.interchange.encoding import wide_encoding as wide_encoding  # its old home

_CHUNK = 1 << 20  # the encoding module's validation passes read this much at a time
_HEAD = 64 * 1024  # where a NUL byte means "binary file"
_SAMPLE_CHARS = 256 * 1024  # text read to find the header and the delimiter
_SCAN_ROWS = 60  # a preamble longer than this is not a preamble
_FOLLOWING = 5  # rows after a candidate header that must agree with it
_DELIMITERS = (",", ";", "\t")


def _nothing_known(header: list[str]) -> bool:
    return False


def _no_score(header: list[str]) -> int:
    return 0


@dataclass
class CsvLayout:
    """How one file is written: what `rows` needs to read it, found once by `sniff`."""

    encoding: str  # "utf-8", "utf-8-sig", "utf-16"/"utf-32" (BOM), "utf-16-le"... (none), "cp1252"
    delimiter: str  # ",", ";" or "\t"
    header: list[str]  # names trimmed; a BOM is never part of the first one
    header_line: int  # 1-based physical line where the header row starts
    detection: Detection | None = None  # how the encoding was found (None: given, not sniffed)


def _label(stream: BinaryIO) -> str:
    name = getattr(stream, "name", None)
    return name if isinstance(name, str) and name else "the file"


def _parse_sample(text: str, delimiter: str, complete: bool) -> list[tuple[int, list[str]]]:
    """The first rows of the sample with their start lines; a row the sample cut is dropped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    parsed: list[tuple[int, list[str]]] = []
    done = 0
    try:
        for cells in reader:
            parsed.append((done + 1, cells))
            done = reader.line_num
            if len(parsed) > _SCAN_ROWS:
                return parsed
    except csv.Error:
        return parsed
    if not complete and parsed:
        parsed.pop()
    return parsed


def _header_at(parsed: list[tuple[int, list[str]]], known: Callable[[list[str]], bool]) -> int:
    """Index of the header row, or -1.

    The header is the first row with at least two names filling at least half its cells
    (so "Exported on:,2024-01-01,,,," is not one) that is followed by a row with the same
    number of cells, or by rows that are all shorter (missing trailing cells) but not
    single-celled; a row naming a known export's columns is the header outright.
    """
    nonblank = [i for i, (_, cells) in enumerate(parsed) if any(c.strip() for c in cells)]
    for pos, i in enumerate(nonblank):
        cells = parsed[i][1]
        if known([c.strip() for c in cells]):
            return i
        filled = sum(1 for c in cells if c.strip())
        if filled < 2 or filled * 2 < len(cells):
            continue
        following = [len(parsed[j][1]) for j in nonblank[pos + 1 : pos + 1 + _FOLLOWING]]
        if not following or len(cells) in following:
            return i
        if all(2 <= n <= len(cells) for n in following):
            return i
    return -1


def _clean_header(cells: list[str]) -> list[str]:
    names = [c.strip() for c in cells]
    if names:
        names[0] = names[0].removeprefix("\ufeff").removeprefix("ï»¿").strip()
    return names


def _find_header(
    stream: BinaryIO,
    encoding: str,
    label: str,
    known: Callable[[list[str]], bool],
    score: Callable[[list[str]], int],
) -> CsvLayout:
    text = io.TextIOWrapper(stream, encoding=encoding, errors=errors_for(encoding), newline="")
    try:
        sample = text.read(_SAMPLE_CHARS)
        complete = text.read(1) == ""
    except UnicodeError as exc:  # only when the file changed since it was validated
        raise Invalid(f"{label} is not valid {encoding}") from exc
    finally:
        text.detach()
    sample = sample.removeprefix("\ufeff")
    best: tuple[tuple[int, int, int, int], str, int, list[str]] | None = None
    for rank, delimiter in enumerate(_DELIMITERS):
        parsed = _parse_sample(sample, delimiter, complete)
        at = _header_at(parsed, known)
        if at < 0:
            continue
        line, cells = parsed[at]
        header = _clean_header(cells)
        agreeing = sum(1 for _, row in parsed[at + 1 :] if len(row) == len(cells))
        # Earliest header first; then the one whose names we know; then consistency.
        rating = (-line, score(header), agreeing, -rank)
        if best is None or rating > best[0]:
            best = (rating, delimiter, line, header)
    if best is not None:
        return CsvLayout(encoding, best[1], best[3], best[2])
    # No row looks like a header of two or more columns: a one-column list, say of emails.
    widest: tuple[int, int, str, int, list[str]] | None = None
    for rank, delimiter in enumerate(_DELIMITERS):
        for line, cells in _parse_sample(sample, delimiter, complete):
            if any(c.strip() for c in cells):
                candidate = (len(cells), -rank, delimiter, line, _clean_header(cells))
                if widest is None or candidate[:2] > widest[:2]:
                    widest = candidate
                break
    if widest is None and not complete and sample.strip():
        raise Invalid(  # 100,000 columns, or one endless line: no contacts file's header
            f"{label} has no header row in its first {_SAMPLE_CHARS // 1024} KiB "
            "(is it a contacts file?)"
        )
    if widest is None:
        raise Invalid(f"{label} is empty (no header row)")
    return CsvLayout(encoding, widest[2], widest[4], widest[3])


def sniff(
    stream: BinaryIO,
    *,
    encoding: str | None = None,
    known: Callable[[list[str]], bool] = _nothing_known,
    score: Callable[[list[str]], int] = _no_score,
) -> CsvLayout:
    """Find the encoding, delimiter and header row of a CSV file; the stream ends at 0.

    The whole file is decoded once here (1 MiB at a time) so that a file that is not
    what it claims fails before the first record is written, not halfway through.
    Raises Invalid for an empty or binary file, an unknown or wrong forced encoding.

    What the names of a header mean is the caller's knowledge, passed in: `known`
    says a row is the header of an export it recognises (so it is the header row,
    whatever follows it), and `score` counts the names it knows, to choose between
    delimiters that both give a plausible header. Without them only the shape of
    the rows decides.
    """
    label = _label(stream)
    stream.seek(0)
    try:
        head = stream.read(_HEAD)
        if not head:
            raise Invalid(f"{label} is empty")
        found = detect(stream, head, encoding, label, "CSV")
        stream.seek(0)
        layout = _find_header(stream, found.encoding, label, known, score)
        layout.detection = found
        return layout
    finally:
        stream.seek(0)


def rows(stream: BinaryIO, layout: CsvLayout) -> Iterator[tuple[int, list[str]]]:
    """Every row after the header as (physical start line, cells), streamed; cells untrimmed."""
    label = _label(stream)
    stream.seek(0)
    text = io.TextIOWrapper(
        stream, encoding=layout.encoding, errors=errors_for(layout.encoding), newline=""
    )
    reader = csv.reader(text, delimiter=layout.delimiter)
    done = 0
    try:
        if layout.header_line > 0:
            for _cells in reader:
                start, done = done + 1, reader.line_num
                if start >= layout.header_line:
                    break
        for cells in reader:
            yield done + 1, cells
            done = reader.line_num
    except csv.Error as exc:
        raise Invalid(f"{label}, line {done + 1}: cannot read the row ({exc})") from exc
    except UnicodeError as exc:
        raise Invalid(f"{label}, line {done + 1}: not valid {layout.encoding}") from exc
    finally:
        # Without this the wrapper would close the caller's stream when collected.
        with contextlib.suppress(ValueError):
            text.detach()
