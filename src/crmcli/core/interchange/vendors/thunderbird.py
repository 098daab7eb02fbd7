"""Thunderbird's address-book export, as CSV or tab-separated text, in any UI language.

Thunderbird writes the same 37 columns in both, in a fixed order, named in the
language of its user interface ("First Name" ... "Notes"; "Vorname" ... "Notizen"):
the emails as "Primary Email" and "Secondary Email", the birthday split over
"Birth Year", "Birth Month" and "Birth Day" (the year may be empty). The names per
language, and where they come from, are in `thunderbird_locales`. Its LDIF export is
read by `interchange.ldif`, which maps its attributes (the same in every language) to
the same fields.
"""

from __future__ import annotations

import unicodedata

from crmcli.core.interchange.vendors.thunderbird_locales import ALSO, FIELDS, IDS, LANGUAGES

NAME = "thunderbird"
DATE_ORDER = "ymd"  # it writes no whole dates; the birthday comes in three columns


def _key(name: str) -> str:
    """A header name as compared: NFC, case-folded, inner spaces single, ends trimmed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _lookup(code: str) -> dict[str, list[int]]:
    """Name -> the IDs it stands for, in the order Thunderbird writes them (most: one)."""
    found: dict[str, list[int]] = {}
    for string_id in IDS:
        found.setdefault(_key(LANGUAGES[code][string_id]), []).append(string_id)
    for name, string_id in ALSO.get(code, {}).items():
        found.setdefault(_key(name), []).append(string_id)
    return found


_LOOKUPS = {code: _lookup(code) for code in LANGUAGES}

_ENOUGH = 24
"""Columns of one language a header must have to be that Thunderbird's (of 37): a
German Outlook export shares "Vorname", "Nachname", "Abteilung"... with it, never 24."""

_OWN = frozenset({"primary email", "secondary email", "screen name", "birth month"})
"""English names no other export we know writes: a cut-down English file still counts."""


def language_of(header: list[str]) -> str | None:
    """The language code of the Thunderbird that wrote this header, or None.

    Each language's primary-email column must be there (it is what tells Thunderbird
    from other tools), and most of its other names; the best-matching language wins
    (Brazilian and European Portuguese share many names).
    """
    keys = [_key(h) for h in header]
    best: tuple[int, str] | None = None
    for code, lookup in _LOOKUPS.items():
        if _key(LANGUAGES[code][2104]) not in keys:
            continue
        score = sum(1 for k in keys if k in lookup)
        if score >= _ENOUGH and (best is None or score > best[0]):
            best = (score, code)
    if best is not None:
        return best[1]
    names = set(keys)
    if "primary email" in names and "first name" in names and len(names & _OWN) >= 2:
        return "en"
    return None


def recognises(header: list[str], names: set[str]) -> bool:
    """A Thunderbird export, in any language we have the names of."""
    return language_of(header) is not None


def columns(header: list[str]) -> list[tuple[str, str | None]]:
    """Each column's field; a name written twice takes its IDs' meanings in turn.

    French writes "Ville" for the home city and then for the work city; the first
    "Ville" is the home one, as Thunderbird writes home before work. Department and
    Custom 1-4 (and any column Thunderbird does not write) stay custom fields under
    their names.
    """
    lookup = _LOOKUPS[language_of(header) or "en"]
    seen: dict[str, int] = {}
    mapped: list[tuple[str, str | None]] = []
    for name in header:
        key = _key(name)
        ids = lookup.get(key)
        if not ids:
            mapped.append((name, None))
            continue
        turn = seen.get(key, 0)
        seen[key] = turn + 1
        mapped.append((name, FIELDS[ids[min(turn, len(ids) - 1)]]))
    return mapped
