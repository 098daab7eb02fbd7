"""`crm find`: one lookup across names, companies, emails, phones and tags.

Matching runs on the `search_term` index (folded words, so accents and case
never matter) in two passes:
1. every query word must be a prefix of some term of the contact ("helen dup");
2. if that finds nothing, each word may also be a small typo of a term
   ("dupree" -> "dupre"), found in the vocabulary with rapidfuzz, never by
   comparing against every contact.
Phone-like queries are normalised with the default region first, so
"0612345678" finds "+33 6 12 34 56 78". Scores rank exact before prefix before
fuzzy, and names before emails before companies and tags.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from crmcli.core.db.store import Store
from crmcli.core.errors import Invalid
from crmcli.core.values import phones as phone_mod
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
    return rows + _company_rows(store, lambda word: word.startswith(token), token, token, within)


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


def _fuzzy_rows(store: Store, token: str) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    """Index rows whose term is within a small edit distance of `token`."""
    if len(token) < 3:
        return [], {}
    from rapidfuzz import process  # deferred: only a query with no plain match pays for it
    from rapidfuzz.distance import Levenshtein

    max_distance = 1 if len(token) <= 5 else 2
    vocabulary: set[str] = set()
    for sql, column in _TERM_SOURCES:
        query = sql.format(cond=f"{column} >= ? AND {column} < ?")
        vocabulary.update(row[0] for row in store.tuples(query, (token[0], token[0] + HIGH)))
    for _, key in _company_keys(store, token[0], token):
        vocabulary.update(w for w in str(key).split() if w[:1] == token[0])
    close = process.extract(
        token, vocabulary, scorer=Levenshtein.distance, score_cutoff=max_distance, limit=40
    )
    distances = {term: int(dist) for term, dist, _ in close}
    if not distances:
        return [], {}
    rows: list[tuple[Any, ...]] = []
    for sql, column in _TERM_SOURCES:
        rows += store.tuples_in(sql.format(cond=f"{column} IN ({{ids}})"), sorted(distances))
    rows += _company_rows(store, distances.__contains__, token[0], token)
    return rows, distances


def _phone_hits(store: Store, query: str) -> dict[int, tuple[float, str, str]]:
    """Contacts with this number (stored E.164, or digits as written), else with a
    number containing these digits."""
    region = str(store.config.get("default_region"))
    phone = phone_mod.parse_phone(query, region)
    wanted = phone.e164.lstrip("+") if phone.e164 else phone_mod.digits(query)
    rows = store.tuples(
        "SELECT substr(e164, 2), contact_id FROM contact_phone WHERE e164 = ? UNION "
        "SELECT term, contact_id FROM search_term WHERE field = 'phone' AND term = ?",
        (f"+{wanted}", wanted),
    )
    if not rows:  # a partial number: any stored number containing these digits
        digits = phone_mod.digits(query).lstrip("0") or phone_mod.digits(query)
        rows = store.tuples(
            "SELECT substr(e164, 2), contact_id FROM contact_phone WHERE e164 LIKE ? UNION "
            "SELECT term, contact_id FROM search_term WHERE field = 'phone' AND term LIKE ?",
            (f"%{digits}%", f"%{digits}%"),
        )
        return {cid: (0.8, "phone", term) for term, cid in rows}
    return {cid: (1.0, "phone", term) for term, cid in rows}


def find(store: Store, query: str, *, limit: int = 20) -> list[Hit]:
    """Contacts matching `query`, best first."""
    text = query.strip()
    if not text:
        raise Invalid("empty search: give a name, company, email, phone or tag")
    if len(text) > MAX_QUERY:
        raise Invalid(f"search query too long ({len(text)} characters; at most {MAX_QUERY})")
    if phone_mod.looks_like_phone(text):
        found = _phone_hits(store, text)
        hits = [Hit(cid, s, {f: t}) for cid, (s, f, t) in found.items()]
        return _finish(store, hits, limit)
    words = fold(text).split()
    if "@" in text or _DOMAIN.fullmatch(text):
        words = [text.lower().strip()]  # an address or a domain is one term, dots and all
    if not words:
        raise Invalid(f"nothing to search for in {query!r}")
    hits = _match(store, words, fuzzy=False)
    if not hits:  # only a query that finds nothing plainly pays for typo tolerance
        hits = _match(store, words, fuzzy=True)
    # A whole-name match beats any partial one.
    key = name_key(text)
    if key:
        names = _names(store, [h.contact_id for h in hits])
        for hit in hits:
            if names.get(hit.contact_id) == key:
                hit.score += 1.0
    return _finish(store, hits, limit)


def _match(store: Store, words: list[str], *, fuzzy: bool) -> list[Hit]:
    """Contacts matching every word; the longest (most selective) word goes first, and
    once few candidates remain the other words are checked against those alone."""
    per_word: list[dict[int, tuple[float, str, str]]] = []
    candidates: set[int] | None = None
    for word in sorted(words, key=len, reverse=True):
        within = candidates if candidates is not None and len(candidates) < NARROW else None
        best = _collect(_prefix_rows(store, word, within), word)
        if fuzzy:
            rows, distances = _fuzzy_rows(store, word)
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


def _names(store: Store, ids: list[int]) -> dict[int, str]:
    rows = store.tuples_in("SELECT id, name_key FROM contact WHERE id IN ({ids})", ids)
    return {int(cid): key for cid, key in rows}


def _finish(store: Store, hits: list[Hit], limit: int) -> list[Hit]:
    if not hits:
        return []
    archived = _archived(store, [h.contact_id for h in hits])
    hits = [h for h in hits if h.contact_id not in archived]
    hits.sort(key=lambda h: (-h.score, h.contact_id))
    return hits[:limit]


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
