"""The first contacts a name word begins with: a search still one or two letters long.

`crm find`'s matching reads, for one or two letters, the first 2,000 index rows of
each kind (names, addresses, tags, companies) and scores them all: the right answer
for a lookup typed whole, but a large share of the index for each of the first
keystrokes of a search as you type. This reads a screenful instead, in the order of
the name index (an exact word first, then the others alphabetically): what a keystroke
needs, bounded by the number of rows shown, whatever the size of the book. From the
third letter on, the full-screen interface asks `find` as the shell does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmcli.core.search.find import HIGH, SHORT, Hit
from crmcli.core.values.text import fold

if TYPE_CHECKING:
    from crmcli.core.db.store import Store


def short_word(text: str) -> str | None:
    """The one folded word of `text` when it is one or two letters, else None (a longer
    word, several words, digits, an address: `find`'s to answer)."""
    if "@" in text:
        return None
    words = fold(text).split()
    if len(words) != 1 or len(words[0]) > SHORT or not words[0].isalpha():
        return None
    return words[0]


def starting(store: Store, word: str, *, limit: int) -> list[Hit]:
    """Up to `limit` contacts (not archived) with a name word beginning with `word`, in
    the order of those words, the contact's first such word counting.

    One read of at most twice `limit` index rows, in the index's own order (no sort):
    a contact with two such name words ("Olivia Olsen") takes two rows of it.
    """
    rows = store.tuples(
        "SELECT t.term, t.contact_id FROM search_term t JOIN contact c ON c.id = t.contact_id "
        "WHERE t.term >= ? AND t.term < ? AND t.field = 'name' AND c.archived_at IS NULL "
        "ORDER BY t.term, t.contact_id LIMIT ?",
        (word, word + HIGH, 2 * limit),
    )
    hits: dict[int, Hit] = {}
    for term, contact_id in rows:
        if len(hits) == limit:
            break
        if int(contact_id) not in hits:
            quality = 1.0 if term == word else 0.7 + 0.3 * len(word) / len(str(term))
            hits[int(contact_id)] = Hit(int(contact_id), quality, {"name": str(term)})
    return list(hits.values())
