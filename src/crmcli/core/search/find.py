"""`crm find`: one lookup across names, companies, emails, phones and tags.

Matching runs on the `search_term` index (folded words, so accents and case
never matter) in two passes:
1. every query word must be a prefix of some term of the contact ("helen dup");
2. if that finds nothing, each word may also be a small typo of a term
   ("dupree" -> "dupre"), found in the vocabulary with rapidfuzz, never by
   comparing against every contact.
Three kinds of query take their own path:
- a number (digits, spaces, dots, dashes, parentheses, a leading +) is read with the
  default region, so "0612345678" finds "+33 6 12 34 56 78"; failing an exact number,
  three or more digits are a fragment of one, in its international or national form
  ("212" finds "+1 212 555 0100", "0612" finds "+33 6 12 34 56 78"): see `numbers`;
- `@domain` finds everyone with an address at that domain, and the people of a
  company with that domain;
- a word may also be a name written without its punctuation ("obrien" finds
  "O'Brien", "jeanpierre" finds "Jean-Pierre"), worked out when asked (see
  `_joined_rows`): databases indexed before this need no new index.
Scores rank exact before prefix before fuzzy, and names before emails before
companies and tags.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.search.numbers import (
    FRAGMENT,
    looks_like_number,
    phone_matches,
    with_fragment,
)
from crmcli.core.values.text import fold, name_key

if TYPE_CHECKING:
    from crmcli.core.people.rows import FoundContact

FIELD_WEIGHT = {"name": 1.0, "email": 0.9, "phone": 0.95, "company": 0.6, "tag": 0.5}
HIGH = "\U0010ffff"  # sorts after every other character: the end of a prefix range


@dataclass
class Hit:
    """One contact found, with how well and where it matched."""

    contact_id: int
    score: float
    matched: dict[str, str] = field(default_factory=dict)  # field -> matched term
    fuzzy: bool = False


_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
JOINED_MAX = 40  # longer than any name written without its punctuation
SHORT = 2  # a word this short matches a large part of the index
SHORT_CAP = 2000  # so alone it is answered from the first terms in order (exact first)
NARROW = 2000  # below this many candidates, later words are checked on those only
# No name, address, phone or tag a rep looks up comes near this; a longer query would
# also pass SQLite's limit on LIKE patterns (50,000 bytes) and fail as a store error.
MAX_QUERY = 1000


# Where a query word can match, besides `search_term`: a contact's whole addresses (by
# the email_norm index), its tags (by the tag_key index: a one-word tag is not a term)
# and the words of its company's name. Indexing those as terms too cost an import
# four rows a contact; see `people.index.search_terms`. A database indexed before company
# words left the index may still hold such rows: they are skipped, so a renamed
# company's old name finds nobody, as it did when renaming rewrote them.
_TERM_SOURCES = (
    ("SELECT term, contact_id, field FROM search_term WHERE {cond} AND field <> 'company'", "term"),
    ("SELECT email_norm, contact_id, 'email' FROM contact_email WHERE {cond}", "email_norm"),
    ("SELECT tag_key, contact_id, 'tag' FROM contact_tag WHERE {cond}", "tag_key"),
)


def _prefix_rows(store: Store, token: str, within: set[int] | None = None) -> list[tuple[Any, ...]]:
    """(term, contact id, field) rows whose term starts with `token` (only for contacts
    `within`, if given)."""
    rows: list[tuple[Any, ...]] = []
    for sql, column in _TERM_SOURCES:
        cond = f"{column} >= ? AND {column} < ?"
        if within is not None:
            rows += store.tuples_in(
                sql.format(cond=f"{cond} AND contact_id IN ({{ids}})"),
                sorted(within),
                (token, token + HIGH),
            )
            continue
        query = sql.format(cond=cond)
        if len(token) <= SHORT:
            query += f" ORDER BY {column} LIMIT {SHORT_CAP}"
        rows += store.tuples(query, (token, token + HIGH))
    rows += _company_rows(store, lambda word: word.startswith(token), token, token, within)
    if token.isdigit() and len(token) >= FRAGMENT:  # "dupont 0612": a number's digits
        rows += [(n, cid, "phone") for cid, n in with_fragment(store, token, within).items()]
    return rows + _joined_rows(store, token, within)


def _joined_rows(store: Store, token: str, within: set[int] | None) -> list[tuple[Any, ...]]:
    """(joined name, contact id, "name") rows for names `token` begins once written
    without their punctuation: "obrien" for O'Brien, "jeanpie" for Jean-Pierre.

    The index holds a name's folded words ("o", "brien"), not these joined forms, so
    they are worked out here rather than stored: every database, however old its index,
    finds them. Only contacts with a name word that begins `token` ("o", "jean") can
    match; one indexed lookup finds whether any such word exists, which for most
    queries ends it.
    """
    if not FRAGMENT <= len(token) <= JOINED_MAX or not token.isalnum():
        return []
    heads = [token[:i] for i in range(1, len(token))]
    marks = ", ".join("?" for _ in heads)
    found = [
        str(r[0])
        for r in store.tuples(
            f"SELECT DISTINCT term FROM search_term WHERE term IN ({marks}) AND field = 'name'",
            heads,
        )
    ]
    if not found:
        return []
    # A contact qualifies only with a name word equal to a head AND another name word
    # that begins the rest of the token ("o" + "brien...") or that the rest begins
    # ("jean" + "pierre" for "jeanpierrema"): index reads, where a LIKE over every
    # contact with a common head word ("muller" in "mullerr") read thousands.
    candidates: list[tuple[Any, ...]] = []
    for head in found:
        rest = token[len(head) :]
        starts = [rest[:i] for i in range(1, len(rest) + 1)]
        sql = (
            "SELECT c.id, c.display_name FROM search_term a JOIN contact c ON c.id = "
            "a.contact_id WHERE a.term = ? AND a.field = 'name' AND EXISTS (SELECT 1 FROM "
            "search_term b WHERE b.contact_id = a.contact_id AND b.field = 'name' AND "
            f"(b.term >= ? AND b.term < ? OR b.term IN ({', '.join('?' for _ in starts)})))"
        )
        params = (head, rest, rest + HIGH, *starts)
        if within is not None:
            candidates += store.tuples_in(
                sql + " AND a.contact_id IN ({ids})", sorted(within), params
            )
        else:
            candidates += store.tuples(sql, params)
    rows: list[tuple[Any, ...]] = []
    for cid, name in candidates:
        joined = next((j for j in _joined_forms(str(name)) if j.startswith(token)), None)
        if joined is not None:
            rows.append((joined, int(cid), "name"))
    return rows


def _joined_forms(name: str) -> list[str]:
    """The runs of two or more folded words that punctuation joins in a name, from each
    word on: "Jean-Pierre-Marc O'Brien" -> "jeanpierremarc", "pierremarc", "obrien".
    Single words are in the index already; words a space parts are not joined."""
    forms = []
    for part in name.split():
        words = fold(part).split()
        forms += ["".join(words[i:]) for i in range(len(words) - 1)]
    return forms


def _company_rows(
    store: Store,
    matches: Callable[[str], bool],
    start: str,
    token: str,
    within: set[int] | None = None,
) -> list[tuple[Any, ...]]:
    """(word, contact id, "company") rows for the people at companies with a name word
    that `matches`; every such word begins with `start`, which narrows the scan."""
    found: dict[int, str] = {}
    for company_id, key in _company_keys(store, start, token):
        word = next((w for w in str(key).split() if matches(w)), None)
        if word is not None:
            found[int(company_id)] = word
    if not found:
        return []
    if within is not None:  # few people: look them up, keep those at these companies
        people = [
            (company_id, cid)
            for company_id, cid in store.tuples_in(
                "SELECT company_id, id FROM contact WHERE id IN ({ids})", sorted(within)
            )
            if company_id is not None and int(company_id) in found
        ]
    else:
        limit = f" LIMIT {SHORT_CAP}" if len(token) <= SHORT else ""
        people = store.tuples_in(
            "SELECT company_id, id FROM contact WHERE company_id IN ({ids})" + limit, sorted(found)
        )
    return [(found[int(company_id)], int(cid), "company") for company_id, cid in people]


def _company_keys(store: Store, start: str, token: str) -> list[tuple[Any, ...]]:
    """(id, name key) of the companies with a name word beginning with `start`; none
    unless `token` could be such a word (not an address or a domain)."""
    if not start or token != fold(token) or " " in token:
        return []
    if store.dialect.name == "sqlite":
        # The company_fts index (schema v9) holds the same folded words; a prefix query
        # reads only those beginning with `start` (a folded word: no quote to escape).
        # The caller still checks each key's words, so the index only narrows.
        return store.tuples(
            "SELECT c.id, c.name_key FROM company_fts JOIN company c ON c.id = company_fts.rowid "
            "WHERE company_fts MATCH ?",
            (f'"{start}"*',),
        )
    # A company's key is its folded name words, and `start` begins a folded word: it
    # holds no % or _, so LIKE can take it as it is.
    return store.tuples(
        "SELECT id, name_key FROM company WHERE name_key LIKE ? OR name_key LIKE ?",
        (f"{start}%", f"% {start}%"),
    )


def _quality(token: str, term: str) -> float:
    if term == token:
        return 1.0
    return 0.7 + 0.3 * len(token) / len(term)


def _collect(
    rows: Iterable[tuple[Any, ...]], token: str, base: float | None = None
) -> dict[int, tuple[float, str, str]]:
    """Best (score, field, term) per contact for one query word."""
    best: dict[int, tuple[float, str, str]] = {}
    for term, contact_id, fld in rows:
        quality = base if base is not None else _quality(token, term)
        score = quality * FIELD_WEIGHT.get(fld, 0.5)
        current = best.get(contact_id)
        if current is None or score > current[0]:
            best[contact_id] = (score, fld, term)
    return best


def _fuzzy_rows(
    store: Store, token: str, first: int | None = None
) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    """Index rows whose term is within a small edit distance of `token`; with `first`,
    only the rows that can make the first `first` hits (see `_first_rows`)."""
    if len(token) < 3:
        return [], {}
    from rapidfuzz import process  # deferred: only a query with no plain match pays for it
    from rapidfuzz.distance import Levenshtein

    max_distance = 1 if len(token) <= 5 else 2
    # The vocabulary: distinct terms that begin with the same letter and whose length is
    # within reach (an edit changes the length by one at most, so a term longer or
    # shorter by more than max_distance is never close). Read without its contacts: at
    # 100,000 contacts the letter "m" holds 41,240 term rows but 339 distinct terms.
    shortest, longest = len(token) - max_distance, len(token) + max_distance
    vocabulary: set[str] = set()
    for sql, column in _TERM_SOURCES:
        table = sql.split(" FROM ")[1].split()[0]
        extra = " AND field <> 'company'" if table == "search_term" else ""
        query = (
            f"SELECT DISTINCT {column} FROM {table} WHERE {column} >= ? AND {column} < ?{extra} "
            f"AND length({column}) BETWEEN ? AND ?"
        )
        vocabulary.update(
            row[0] for row in store.tuples(query, (token[0], token[0] + HIGH, shortest, longest))
        )
    company_keys = _company_keys(store, token[0], token)
    for _, key in company_keys:
        vocabulary.update(w for w in str(key).split() if w[:1] == token[0])
    close = process.extract(
        token, vocabulary, scorer=Levenshtein.distance, score_cutoff=max_distance, limit=40
    )
    distances = {term: int(dist) for term, dist, _ in close}
    if not distances:
        return [], {}
    if first is not None:
        return _first_rows(store, distances, company_keys, first), distances
    rows: list[tuple[Any, ...]] = []
    for sql, column in _TERM_SOURCES:
        rows += store.tuples_in(sql.format(cond=f"{column} IN ({{ids}})"), sorted(distances))
    rows += _company_rows(store, distances.__contains__, token[0], token)
    return rows, distances


# The rows of one close term that score alike: a hit's score is its term's distance
# times its field's weight, so each (source, field) of a term is one group of equals.
_GROUPS = (
    "SELECT s.term, s.contact_id, s.field FROM search_term s JOIN contact c "
    "ON c.id = s.contact_id WHERE s.term = ? AND s.field = 'name' AND c.archived_at IS NULL "
    "ORDER BY s.contact_id",
    "SELECT s.term, s.contact_id, s.field FROM search_term s JOIN contact c "
    "ON c.id = s.contact_id WHERE s.term = ? AND s.field = 'phone' AND c.archived_at IS NULL "
    "ORDER BY s.contact_id",
    "SELECT s.term, s.contact_id, s.field FROM search_term s JOIN contact c "
    "ON c.id = s.contact_id WHERE s.term = ? AND s.field = 'email' AND c.archived_at IS NULL "
    "ORDER BY s.contact_id",
    "SELECT s.term, s.contact_id, s.field FROM search_term s JOIN contact c "
    "ON c.id = s.contact_id WHERE s.term = ? AND s.field NOT IN ('name', 'phone', 'email', "
    "'company') AND c.archived_at IS NULL ORDER BY s.contact_id",  # tags' words, the rest
    "SELECT e.email_norm, e.contact_id, 'email' FROM contact_email e JOIN contact c "
    "ON c.id = e.contact_id WHERE e.email_norm = ? AND c.archived_at IS NULL "
    "ORDER BY e.contact_id",
    # `+`: found by the tag_key index and then sorted; in contact_id order by the
    # (contact_id, tag_key) index SQLite walked every tag of the book (50 ms at 1M).
    "SELECT t.tag_key, t.contact_id, 'tag' FROM contact_tag t JOIN contact c "
    "ON c.id = t.contact_id WHERE t.tag_key = ? AND c.archived_at IS NULL "
    "ORDER BY +t.contact_id",
)


def _first_rows(
    store: Store,
    distances: dict[str, int],
    company_keys: list[tuple[Any, ...]],
    first: int,
) -> list[tuple[Any, ...]]:
    """The rows of a one-word typo that can make its first `first` hits: of each group
    of rows that score alike, the first `first` contacts by id that are not archived.

    Exactly the head of the full ranking (score, then id): a contact left out of its
    group had `first` others before it there, each scoring at least as well, so it was
    never among the first `first`. At 1,000,000 contacts "beckerr" is 13,456 people
    named Becker, read and scored whole before (about 110 of 130 ms); now 20 of them.
    """
    rows: list[tuple[Any, ...]] = []
    for term in sorted(distances):
        for sql in _GROUPS:
            rows += store.tuples(sql + " LIMIT ?", (term, first))
    words: dict[str, list[int]] = {}
    for company_id, key in company_keys:
        word = next((w for w in str(key).split() if w in distances), None)
        if word is not None:
            words.setdefault(word, []).append(int(company_id))
    for word, ids in words.items():
        found = store.tuples_in(
            "SELECT c.id FROM contact c WHERE c.company_id IN ({ids}) "
            "AND c.archived_at IS NULL ORDER BY c.id LIMIT " + str(int(first)),
            sorted(ids),
        )
        rows += [(word, int(cid), "company") for (cid,) in found]
    return rows


# -- domains -------------------------------------------------------------------------


def _domain_hits(store: Store, domain: str) -> dict[int, tuple[float, str, str]]:
    """Contacts with an address at this domain (or one it begins), and the people of
    companies whose domain it is: "@initech.de", "@initech"."""
    rows = [
        (term, cid, fld)
        for term, cid, fld in store.tuples(
            "SELECT term, contact_id, field FROM search_term "
            "WHERE term >= ? AND term < ? AND field = 'email'",
            (domain, domain + HIGH),
        )
        if "." in term  # a domain, not a word of an address's local part
    ]
    companies = {
        int(cid): str(dom)
        for cid, dom in store.tuples(
            "SELECT id, domain FROM company WHERE domain >= ? AND domain < ?",
            (domain, domain + HIGH),
        )
    }
    if companies:
        rows += [
            (companies[int(company_id)], int(cid), "company")
            for company_id, cid in store.tuples_in(
                "SELECT company_id, id FROM contact WHERE company_id IN ({ids})", sorted(companies)
            )
        ]
    return _collect(rows, domain)


def find(store: Store, query: str, *, limit: int = 20) -> list[Hit]:
    """Contacts matching `query`, best first."""
    text = query.strip()
    if not text:
        raise Invalid("empty search: give a name, company, email, phone or tag")
    if len(text) > MAX_QUERY:
        raise Invalid(f"search query too long ({len(text)} characters; at most {MAX_QUERY})")
    found: dict[int, tuple[float, str, str]] = {}
    if looks_like_number(text):
        found = phone_matches(store, text, limit)
    elif text.startswith("@") or _DOMAIN.fullmatch(text):
        domain = text.removeprefix("@").strip().lower()
        if not domain:
            raise Invalid("nothing to search for in '@': give a domain, e.g. @acme.com")
        found = _domain_hits(store, domain)
    if found:
        return _finish(store, [Hit(cid, s, {f: t}) for cid, (s, f, t) in found.items()], limit)
    words = fold(text).split()
    if "@" in text or _DOMAIN.fullmatch(text):
        words = [text.lower().strip()]  # an address (or its start) is one term, dots and all
    if not words:
        raise Invalid(f"nothing to search for in {query!r}")
    hits = _match(store, words, fuzzy=False)
    if looks_like_number(text):  # digits that are no number: a tag or an id elsewhere
        return _finish(store, hits, limit)
    key = name_key(text)
    if not hits:  # only a query that finds nothing plainly pays for typo tolerance
        # One word that found nothing plainly has no plain rows to read again; its
        # typo's matches are read only as far as the first `limit` hits can reach,
        # unless the whole-name bonus below could lift one from further down.
        first = None
        if len(words) == 1 and not (key and _named(store, key)):
            first = limit
        hits = _match(store, words, fuzzy=True, plain=len(words) > 1, first=first)
    # A whole-name match beats any partial one: the contacts of exactly that name come
    # from the name index, however many the words matched.
    if key and hits:
        named = {
            int(r[0]) for r in store.tuples("SELECT id FROM contact WHERE name_key = ?", (key,))
        }
        for hit in hits:
            if hit.contact_id in named:
                hit.score += 1.0
    return _finish(store, hits, limit)


def _match(
    store: Store, words: list[str], *, fuzzy: bool, plain: bool = True, first: int | None = None
) -> list[Hit]:
    """Contacts matching every word; the longest (most selective) word goes first, and
    once few candidates remain the other words are checked against those alone.

    With several words and no typo tolerance, the contacts every word can match are
    worked out first from their ids alone (`_narrow`), and only those are scored: two
    common words ("marie mul") each match thousands of people but together a few
    dozen, and reading and scoring every row of each word was most of a lookup's time.
    """
    per_word: list[dict[int, tuple[float, str, str]]] = []
    candidates: set[int] | None = None
    if len(words) > 1 and not fuzzy:
        candidates = _narrow(store, words)
        if not candidates:
            return []
    for word in sorted(words, key=len, reverse=True):
        within = candidates if candidates is not None and len(candidates) < NARROW else None
        best = _collect(_prefix_rows(store, word, within), word) if plain else {}
        if fuzzy:
            rows, distances = _fuzzy_rows(store, word, first)
            for term, cid, fld in rows:
                score = (0.6 - 0.1 * distances[term]) * FIELD_WEIGHT.get(fld, 0.5)
                if cid not in best or best[cid][0] < score:
                    best[cid] = (score, fld, term)
        if not best:
            return []
        per_word.append(best)
        candidates = set(best) if candidates is None else candidates & set(best)
    common = set(per_word[0]).intersection(*per_word[1:])
    hits = []
    for cid in common:
        parts = [w[cid] for w in per_word]
        hit = Hit(cid, sum(p[0] for p in parts) / len(parts), fuzzy=fuzzy)
        for _, fld, term in parts:
            if term not in hit.matched.get(fld, "").split():
                hit.matched[fld] = f"{hit.matched.get(fld, '')} {term}".strip()
        hits.append(hit)
    return hits


def _narrow(store: Store, words: list[str]) -> set[int]:
    """The contacts that every word matches somewhere, from ids alone, longest word first.

    Each word's ids come from one SQL union over the term sources (no terms read, no
    scores), even once few candidates remain: reading a word's index range costs less
    than looking a thousand candidates up by id. A short word, whose own matches are
    capped, takes `_match`'s row path (within the candidates once fewer than NARROW
    remain) so that both agree on which of its matches count.
    """
    candidates: set[int] | None = None
    for word in sorted(words, key=len, reverse=True):
        if len(word) > SHORT:  # one range read per source beats an IN list of candidates
            ids = _word_ids(store, word)
        else:
            within = candidates if candidates is not None and len(candidates) < NARROW else None
            ids = {int(row[1]) for row in _prefix_rows(store, word, within)}
        candidates = ids if candidates is None else candidates & ids
        if not candidates:
            return set()
    return candidates or set()


# Every contact a word begins a term of, in `_TERM_SOURCES`' three places (ids only).
_IDS_SQL = (
    "SELECT contact_id FROM search_term WHERE term >= ? AND term < ? AND field <> 'company' "
    "UNION SELECT contact_id FROM contact_email WHERE email_norm >= ? AND email_norm < ? "
    "UNION SELECT contact_id FROM contact_tag WHERE tag_key >= ? AND tag_key < ?"
)


def _word_ids(store: Store, token: str) -> set[int]:
    """The ids of every contact `token` begins a term of, as `_prefix_rows` finds them
    (no cap: only for words longer than SHORT)."""
    ids = {int(r[0]) for r in store.tuples(_IDS_SQL, (token, token + HIGH) * 3)}
    rows = _company_rows(store, lambda word: word.startswith(token), token, token)
    if token.isdigit() and len(token) >= FRAGMENT:
        rows += [(n, cid, "phone") for cid, n in with_fragment(store, token, None).items()]
    rows += _joined_rows(store, token, None)
    ids.update(int(r[1]) for r in rows)
    return ids


def _named(store: Store, key: str) -> bool:
    return store.value("SELECT 1 FROM contact WHERE name_key = ? LIMIT 1", (key,)) is not None


def _finish(store: Store, hits: list[Hit], limit: int) -> list[Hit]:
    """The best `limit` hits that are not archived, best first.

    Archived contacts are looked up for the head of the ranking only, a window at a
    time, not for every hit: a common word matches thousands of people.
    """
    hits.sort(key=lambda h: (-h.score, h.contact_id))
    kept: list[Hit] = []
    start, window = 0, max(2 * limit, 64)
    while len(kept) < limit and start < len(hits):
        head = hits[start : start + window]
        archived = _archived(store, [h.contact_id for h in head])
        kept += [h for h in head if h.contact_id not in archived]
        start += window
    return kept[:limit]


def _archived(store: Store, ids: list[int]) -> set[int]:
    rows = store.tuples_in(
        "SELECT id FROM contact WHERE archived_at IS NOT NULL AND id IN ({ids})", ids
    )
    return {int(r[0]) for r in rows}


def describe(store: Store, hits: list[Hit]) -> list[FoundContact]:
    """Display rows for hits, in hit order: name, company, email, phone, what matched."""
    if not hits:
        return []
    ids = [h.contact_id for h in hits]
    marks = ", ".join("?" for _ in ids)
    from crmcli.core.people.directory import LIST_SQL

    rows = {r["id"]: r for r in store.rows(f"{LIST_SQL} WHERE c.id IN ({marks})", ids)}
    out: list[dict[str, Any]] = []
    for hit in hits:
        row = rows.get(hit.contact_id)
        if row is None:
            continue
        matched = ", ".join(
            f"{fld}{'~' if hit.fuzzy else ''}:{term}" for fld, term in hit.matched.items()
        )
        out.append({**row, "matched": matched, "score": round(hit.score, 3)})
    return cast("list[FoundContact]", out)  # LIST_SQL rows with what matched


def emails_for(store: Store, ids: list[int]) -> dict[int, list[str]]:
    """Every email of these contacts, primary first (for mail clients' address lookup)."""
    out: dict[int, list[str]] = {}
    for cid, email in store.tuples_in(
        "SELECT contact_id, email FROM contact_email WHERE contact_id IN ({ids}) "
        "ORDER BY contact_id, is_primary DESC, position, id",
        ids,
    ):
        out.setdefault(int(cid), []).append(email)
    return out
