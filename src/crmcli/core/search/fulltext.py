"""`crm search`: full-text search over what was said and written, ranked.

The engine-specific query lives in the dialect (FTS5 on SQLite, PostgreSQL's text
search in team mode); words are folded and prefix-matched, so "pric" finds "pricing"
and "resume" "résumé".
"""

from __future__ import annotations

import re
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
    "resume" marks "Résumé".
    """
    tokens = list(_WORD.finditer(text))
    hits = [i for i, t in enumerate(tokens) if any(fold(t.group()).startswith(w) for w in words)]
    if not tokens:
        return text
    first = max(0, (hits[0] if hits else 0) - width // 3)
    last = min(len(tokens), first + width)
    first = max(0, last - width)
    start, end = tokens[first].start(), tokens[last - 1].end()
    out, at = [], start
    for i in range(first, last):
        token = tokens[i]
        out.append(text[at : token.start()])
        out.append(f"[{token.group()}]" if i in hits else token.group())
        at = token.end()
    out.append(text[at:end])
    prefix = "…" if start > 0 else ""
    suffix = "…" if last < len(tokens) else text[end:].rstrip()
    return " ".join((prefix + "".join(out) + suffix).split())
