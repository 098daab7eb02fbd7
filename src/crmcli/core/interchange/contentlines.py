"""Content-line folding shared by the iCalendar and vCard writers (RFC 5545 §3.1, RFC 6350 §3.2).

Both formats cap a physical line at 75 octets. Counting octets, not characters,
keeps CJK and emoji lines within the limit; never splitting a character's bytes
keeps every physical line valid UTF-8; and an escape pair (`\\,`, `\\n`) stays on one
line so that lax readers which unescape before unfolding still read it whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MAX_OCTETS = 75
CRLF = "\r\n"
# Folding units: an escape pair, or any other single code point.
_UNITS = re.compile(r"\\.|.", re.DOTALL)


def fold(line: str) -> Iterator[str]:
    """Physical lines of one content line; a continuation's leading space counts too."""
    if len(line.encode("utf-8")) <= MAX_OCTETS:
        yield line
        return
    chunk: list[str] = []
    size = 0
    for unit in _UNITS.findall(line):
        octets = len(unit.encode("utf-8"))
        if size + octets > MAX_OCTETS:
            yield "".join(chunk)
            chunk = [" "]
            size = 1
        chunk.append(unit)
        size += octets
    yield "".join(chunk)


def folded(line: str) -> str:
    """The content line as written to the file: folded, CRLF-terminated."""
    return CRLF.join(fold(line)) + CRLF
