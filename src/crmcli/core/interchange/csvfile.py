"""Reading the CSV files people really have: any common encoding, delimiter and preamble."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from crmcli.core.errors import Invalid

_CHUNK = 1 << 20  # the validation pass reads this much at a time: fast, and memory stays flat
_HEAD = 64 * 1024  # where a NUL byte means "binary file"
_SAMPLE_CHARS = 256 * 1024  # text read to find the header and the delimiter
_SCAN_ROWS = 60  # a preamble longer than this is not a preamble
_FOLLOWING = 5  # rows after a candidate header that must agree with it
_DELIMITERS = (",", ";", "\t")
_LENIENT = "crmcli.latin1-fallback"
_BOMS_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_BOMS_UTF32 = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
)  # test first: FF FE 00 00 begins like UTF-16


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Bytes a single-byte code page leaves undefined read as Latin-1, as Windows itself does.

    cp1252 has no character for 0x81, 0x8D, 0x8F, 0x90 and 0x9D; Python refuses them,
    but Windows maps them to the same C1 code points, and a CSV must never fail to open
    over one stray byte.
    """
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(map(chr, exc.object[exc.start : exc.end])), exc.end


codecs.register_error(_LENIENT, _latin1_fallback)


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


def _label(stream: BinaryIO) -> str:
    name = getattr(stream, "name", None)
    return name if isinstance(name, str) and name else "the file"


def _errors(encoding: str) -> str:
    """UTF files are validated up front (strict); code pages read every byte (lenient)."""
    return "strict" if encoding.startswith("utf") else _LENIENT


def _is_utf8(stream: BinaryIO) -> bool:
    """One pass over the whole file in 1 MiB chunks, decoding only chunks that are not ASCII."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(_CHUNK):
            if chunk.isascii() and not decoder.getstate()[0]:
                continue
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _validate(stream: BinaryIO, encoding: str, label: str) -> None:
    """Decode the whole file once so a bad byte is reported before anything is imported."""
    decoder = codecs.getincrementaldecoder(encoding)(_errors(encoding))
    offset = 0
    try:
        while chunk := stream.read(_CHUNK):
            decoder.decode(chunk)
            offset += len(chunk)
        decoder.decode(b"", final=True)
    except UnicodeError as exc:
        at = offset + getattr(exc, "start", 0)
        raise Invalid(
            f"{label} is not valid {encoding} (bad bytes near byte {at}); "
            "try another encoding such as cp1252"
        ) from exc


def _bomless_utf32(head: bytes) -> str | None:
    """UTF-32 without a BOM: every character is 4 bytes, of which the highest is NUL.

    No character is above U+10FFFF, so the high byte of each unit is always 0x00 and
    the next one at most 0x10, while the low byte of a letter is hardly ever NUL (a
    tenth of them may be: U+0100, U+0400...). UTF-16 fails the second test at once.
    """
    size = len(head) - len(head) % 4
    if size < 8:
        return None
    units = size // 4
    for low, plane, high, name in ((0, 2, 3, "utf-32-le"), (3, 1, 0, "utf-32-be")):
        lanes = head[low:size:4], head[plane:size:4], head[high:size:4]
        if lanes[2].count(0) == units and max(lanes[1]) <= 0x10 and lanes[0].count(0) * 10 < units:
            return name
    return None


def _bomless_utf16(head: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII text leaves every other byte NUL, always on the same side."""
    size = len(head) - len(head) % 2
    if size < 4:
        return None
    even, odd = head[0:size:2], head[1:size:2]
    if odd.count(0) * 10 >= len(odd) * 7 and 0 not in even:
        return "utf-16-le"
    if even.count(0) * 10 >= len(even) * 7 and 0 not in odd:
        return "utf-16-be"
    return None


def wide_encoding(head: bytes) -> str | None:
    """The UTF-32 or UTF-16 encoding the start of a file is in (by its BOM, else by
    where its NUL bytes fall), or None for a file of single bytes (or binary)."""
    if head.startswith(_BOMS_UTF32):
        return "utf-32"
    if head.startswith(_BOMS_UTF16):
        return "utf-16"
    if b"\x00" in head:
        return _bomless_utf32(head) or _bomless_utf16(head)
    return None


def _choose_encoding(stream: BinaryIO, head: bytes, forced: str | None, label: str) -> str:
    if forced is not None:
        try:
            encoding = codecs.lookup(forced).name
            "a".encode(encoding, "ignore")  # "hex", "rot13": codecs, not text encodings
        except LookupError as exc:
            raise Invalid(
                f"unknown encoding {forced!r} (try utf-8, utf-8-sig, utf-16, cp1252 or latin-1)"
            ) from exc
        if encoding == "utf-8" and head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        if b"\x00" in head and not encoding.startswith(("utf-16", "utf-32")):
            raise Invalid(f"{label} looks like a binary file, not CSV")
        _validate(stream, encoding, label)
        return encoding
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif b"\x00" in head or head.startswith(_BOMS_UTF16):
        wide = wide_encoding(head)
        if wide is None:
            raise Invalid(f"{label} looks like a binary file, not CSV")
        encoding = wide
    else:
        return "utf-8" if _is_utf8(stream) else "cp1252"
    _validate(stream, encoding, label)
    return encoding


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
    text = io.TextIOWrapper(stream, encoding=encoding, errors=_errors(encoding), newline="")
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
        stream.seek(0)
        chosen = _choose_encoding(stream, head, encoding, label)
        stream.seek(0)
        return _find_header(stream, chosen, label, known, score)
    finally:
        stream.seek(0)


def rows(stream: BinaryIO, layout: CsvLayout) -> Iterator[tuple[int, list[str]]]:
    """Every row after the header as (physical start line, cells), streamed; cells untrimmed."""
    label = _label(stream)
    stream.seek(0)
    text = io.TextIOWrapper(
        stream, encoding=layout.encoding, errors=_errors(layout.encoding), newline=""
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
