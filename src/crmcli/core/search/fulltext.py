"""`crm search`: full-text search over what was said and written, ranked.

The engine-specific query lives in the dialect (FTS5 on SQLite, PostgreSQL's text
search in team mode); words are folded and prefix-matched, so "pric" finds "pricing"
and "resume" "résumé".
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.values.text import fold

# How many matches of each source (interactions, follow-ups, contact notes) are ranked:
# the newest, by id (the order they were recorded in). Ranking costs something for every
# match it scores, and a common word matches hundreds of thousands of interactions in a
# large book: "pricing", in 670,000 of 10,000,000, took 810 ms of CPU ranked whole and
# takes 70 ms ranked over the newest 10,000 in one pass (a third of it FTS5 reading every
# match once, which any query on the word does). Among equal ranks, the newest first. A
# book with fewer matches is ranked whole, as before.
NEWEST = 10_000


def search(
    store: Store, text: str, *, limit: int = 20, newest: int = NEWEST
) -> list[dict[str, Any]]:
    """The `limit` best-ranked matches of `text` among each source's `newest` matches."""
    words = fold(text).split()
    if not words:
        raise Invalid("empty search: give words to look for in notes and interactions")
    sql, params = store.dialect.fulltext(words, limit, newest)
    rows = store.rows(sql, params)
    for row in rows:  # (the whole text comes back: cut and marked here, one way everywhere)
        row["snippet"] = highlight(row["snippet"] or "", words)
    return rows


_WORD = re.compile(r"\w+")


def highlight(text: str, words: list[str], *, width: int = 12) -> str:
    """Up to `width` words around the first match, matches in [brackets], as FTS5 does.

    A word matches when its folded form starts with a searched (folded) word, so
    "resume" marks "Résumé". Only the words that could match are looked at on the way
    to the first match (the regular expression skips the others), and only the window
    around it is read: a 200 KB body took 43 ms read and folded whole, and a search
    shows twenty.
    """
    initials = {w[:1] for w in words if w}

    def matches(word: str) -> bool:
        first = word[0]  # an ASCII letter or digit folds to itself, lower-cased: no fold
        if first.isascii() and first.isalnum() and first.lower() not in initials:
            return False
        folded = fold(word)
        return any(folded.startswith(w) for w in words)

    ascii_initials = "".join(re.escape(c + c.upper()) for c in initials if c.isascii())
    could = re.compile(rf"(?<!\w)(?:[{ascii_initials}]|[^\W0-9A-Za-z])\w*" if ascii_initials
                       else r"(?<!\w)[^\W0-9A-Za-z]\w*")  # fmt: skip
    hit = next((m for m in could.finditer(text) if matches(m.group())), None)
    if hit is None:  # no match: the first words, as many as there are
        head = list(itertools.islice(_WORD.finditer(text), width + 1))
        return _window(text, head[:width], set(), more=len(head) > width) if head else text
    back = _words_before(text, hit.start(), width)  # all of them when fewer than `width`
    first = len(back) - min(len(back), width // 3)
    window = [*back[first:], hit]
    after = _WORD.finditer(text, hit.end())
    for token in after:  # the rest of the window, and one more to know if there is more
        if len(window) == width:
            return _window(text, window, _marked(window, matches), more=True)
        window.append(token)
    # The text ends inside the window: it takes words from before the match instead.
    window = [*back[max(0, first - (width - len(window))) : first], *window]
    return _window(text, window, _marked(window, matches), more=False)


def _words_before(text: str, end: int, count: int) -> list[re.Match[str]]:
    """The last `count` words of text[:end] (fewer if there are fewer), read backwards
    in growing slices rather than from the start."""
    step = 64 * count
    while True:
        start = max(0, end - step)
        found = list(_WORD.finditer(text, start, end))
        if start > 0 and found and found[0].start() == start and _WORD.match(text, start - 1):
            found.pop(0)  # the slice began inside a word
        if len(found) >= count or start == 0:
            return found[-count:] if count else []
        step *= 4


def _marked(window: list[re.Match[str]], matches: Callable[[str], bool]) -> set[int]:
    return {i for i, token in enumerate(window) if matches(token.group())}


def _window(text: str, tokens: list[re.Match[str]], hits: set[int], *, more: bool) -> str:
    """The words of `tokens` with what lies between them, hits in brackets, "…" where
    the text goes on before or after (the text's own end kept, trailing space aside)."""
    start, end = tokens[0].start(), tokens[-1].end()
    out, at = [], start
    for i, token in enumerate(tokens):
        out.append(text[at : token.start()])
        out.append(f"[{token.group()}]" if i in hits else token.group())
        at = token.end()
    prefix = "…" if start > 0 else ""
    suffix = "…" if more else text[end:].rstrip()
    return " ".join((prefix + "".join(out) + suffix).split())
