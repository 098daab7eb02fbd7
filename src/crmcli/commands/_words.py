"""Counted words in messages: "1 company", "2 companies", "1.5 days", never "1 deals".

Standard library only and nothing at import time: every command may use it, hot
ones included.
"""

from __future__ import annotations

_SIBILANT_ENDS = ("s", "x", "z", "ch", "sh")


def plural_form(word: str) -> str:
    """The English plural of a regular noun: deal -> deals, company -> companies, match -> matches.

    Only the last word changes ("follow-up" -> "follow-ups", "open deal" -> "open deals").
    Irregular nouns are given by the caller (`plural(n, "person", "people")`).
    """
    if word.endswith("y") and word[-2:-1] not in ("", *"aeiou"):
        return word[:-1] + "ies"
    if word.endswith(_SIBILANT_ENDS):
        return word + "es"
    return word + "s"


def plural(count: float, word: str, many: str | None = None) -> str:
    """`count word`, the word singular only for exactly one: "1 deal", "0 deals", "2.5 days"."""
    fraction = isinstance(count, float) and not count.is_integer()
    shown = f"{count:g}" if fraction else str(int(count))
    return f"{shown} {word if abs(count) == 1 else many or plural_form(word)}"
