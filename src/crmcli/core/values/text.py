"""Folding text for matching: accents, case, spacing, honorifics and emoji ignored.

"Dr. Hélène  Dupré-Martin 🙂" and "helene dupre martin" have the same key, so
lookups, REF resolution and duplicate detection all agree on what "the same
name" means. Pure stdlib: this sits on every hot path.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

# Letters NFKD does not decompose into a base letter plus a mark.
_EXTRA = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "þ": "th",
        "ß": "ss",
        "ı": "i",
    }
)
HONORIFICS = frozenset(
    "mr mrs ms miss mx dr prof sir madam dame m mme mlle herr frau sr sra srta dott ing".split()
)
SUFFIXES = frozenset("jr sr ii iii iv phd md esq mba".split())
_NON_WORD = re.compile(r"[^\w]+")


_ASCII_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free, single-spaced; emoji dropped."""
    if len(text) <= 64:  # a name, a company, a tag: met again and again in an import
        return _fold_short(text)
    return _fold(text)


def fold_once(text: str) -> str:
    """`fold` for text met once (an address's local part): it skips the cache, where it
    would only push out names and companies that come back."""
    return _fold(text)


def _fold(text: str) -> str:
    if text.isascii():  # the common case, ten times cheaper: no Unicode tables needed
        return " ".join(_ASCII_NON_WORD.sub(" ", text.lower()).split())
    text = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    kept = [ch for ch in text if not unicodedata.combining(ch)]
    flat = "".join(kept).casefold()
    return " ".join(_NON_WORD.sub(" ", flat).replace("_", " ").split())


_fold_short = lru_cache(maxsize=8192)(_fold)


def name_key(name: str) -> str:
    """A person's name folded, without honorifics or suffixes: the identity form."""
    words = fold(name).split()
    while len(words) > 1 and words[0] in HONORIFICS:
        words.pop(0)
    while len(words) > 1 and words[-1] in SUFFIXES:
        words.pop()
    return " ".join(words)


LEGAL_FORMS = frozenset("inc ltd llc sa sas sarl gmbh ag bv plc corp co".split())


def company_words(name: str) -> list[str]:
    """A company name's folded words without trailing legal forms ("ACME SAS" -> acme):
    its identity for matching, and its words in the search index (where "sas" would
    only match every French company)."""
    words = fold(name).split()
    while len(words) > 1 and words[-1] in LEGAL_FORMS:
        words.pop()
    return words


def tokens(text: str) -> list[str]:
    """Words of the folded text, for the search index."""
    return fold(text).split()


def clean(text: str | None) -> str:
    """Trim surrounding space; keep the inside exactly as written."""
    return (text or "").strip()


def collapse(text: str) -> str:
    """Trim and turn every run of white space into one space (for one-line names)."""
    return " ".join(text.split())


# C0 controls and DEL, but tab and newline: what no note, summary or mail body means.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def strip_controls(text: str) -> tuple[str, int]:
    """`text` without control characters other than tab and newline, and how many went.

    Line ends are made `\n` first, so a CRLF body keeps its lines. A NUL or an escape
    stored raw would reach every export and terminal that shows the text.
    """
    cleaned, count = _CONTROLS.subn("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return cleaned, count


def cell_text(value: Any) -> str:
    """A value as the text of a table or CSV cell: lists joined with "; ", None empty,
    booleans yes/no (the one rule of the renderer and of the CSV writer)."""
    if type(value) is str:  # the common case first: tables of thousands of rows
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(cell_text(v) for v in value)
    return str(value)


def printable(text: str) -> str:
    """Text as an error line shows it: a line break, an escape or another control
    character (in a file's name, a folder's, a value from a file) is written escaped,
    `\\n`, `\\x1b`, so that the message stays one line and the terminal runs nothing."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
