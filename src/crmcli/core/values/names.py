"""Splitting a person's name into parts, the way address books store them.

"Dr. Hélène Dupré-Martin Jr." -> prefix Dr., first Hélène, last Dupré-Martin,
suffix Jr.; "Ludwig van Beethoven" keeps "van Beethoven" as the last name;
"Dupré, Hélène" is read last-name-first. The display name is always the text
as typed, so nothing is lost when the split guesses wrong (and `--first` /
`--last` override it).
"""

from __future__ import annotations

from dataclasses import dataclass

from crmcli.core.values.text import HONORIFICS, SUFFIXES, collapse, fold

PARTICLES = frozenset(
    "de da di du des del della van von der den ter ten la le dos das bin ibn al el st".split()
)


@dataclass(frozen=True)
class NameParts:
    prefix: str | None = None
    first: str | None = None
    middle: str | None = None
    last: str | None = None
    suffix: str | None = None


def split_name(text: str) -> NameParts:
    """Best-effort split of a full name into its parts."""
    name = collapse(text)
    if "," in name:
        last, _, rest = name.partition(",")
        inner = split_name(rest)
        if (
            inner.first
            and last.strip()
            and fold(last).split()
            and fold(rest).strip() not in SUFFIXES
        ):
            middle = " ".join(p for p in (inner.middle, inner.last) if p) or None
            return NameParts(inner.prefix, inner.first, middle, last.strip(), inner.suffix)
        name = name.replace(",", " ")
        name = collapse(name)
    words = name.split()
    prefix: list[str] = []
    suffix: list[str] = []
    while len(words) > 1 and fold(words[0]) in HONORIFICS:
        prefix.append(words.pop(0))
    while len(words) > 1 and fold(words[-1]) in SUFFIXES:
        suffix.insert(0, words.pop())
    if not words:
        return NameParts()
    if len(words) == 1:
        return NameParts(" ".join(prefix) or None, words[0], None, None, " ".join(suffix) or None)
    last_start = len(words) - 1
    while last_start > 1 and fold(words[last_start - 1]) in PARTICLES:
        last_start -= 1
    first = words[0]
    middle = " ".join(words[1:last_start]) or None
    last = " ".join(words[last_start:])
    return NameParts(" ".join(prefix) or None, first, middle, last, " ".join(suffix) or None)


def middle_between(display: str, first: str | None, last: str | None) -> str | None:
    """What a full name holds between the given first and last names, if anything.

    `Ann Marie Lee` with first "Ann" and last "Marie Lee" has no middle name, though
    the guessed split would say "Marie"; with first "Ann" alone, the middle is what
    the guess put between. Compared without case or accents; None when the given
    names are not at the ends of the full name (then nothing can be said of it).
    """
    parts = split_name(display)
    words = " ".join(p for p in (parts.first, parts.middle, parts.last) if p).split()
    start = (first or parts.first or "").split()
    end = (last or parts.last or "").split()
    folded = [fold(w) for w in words]
    if folded[: len(start)] != [fold(w) for w in start]:
        return None
    if end and folded[len(folded) - len(end) :] != [fold(w) for w in end]:
        return None
    inner = words[len(start) : len(words) - len(end)]
    return " ".join(inner) or None
