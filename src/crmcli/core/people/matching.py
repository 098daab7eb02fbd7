"""The identity matcher: is this person already in the database?

One set of rules, used by imports now and by `crm dedupe` later, tried in this order:
- the same id in another system (a vCard UID, a HubSpot record id, a Salesforce Id,
  a Google resource name, a Pipedrive id), per system, is the same person;
- the same normalised email (trimmed, Unicode-normalised, case-folded) is the same
  person, unless the two carry clearly different names (a shared mailbox such as
  contact@ or sales@ is not one person);
- the same normalised name (accents, case, spacing, honorifics and emoji ignored)
  together with the same normalised phone is the same person;
- the same LinkedIn (or other profile) URL is the same person;
- the same normalised name together with the same E.164 phone (valid, or possible but
  unallocated: `(800) 000-0000`) is the same person;
- the same normalised name alone is the same person only when the incoming record says
  nothing the existing contact does not already say (each of its emails, phones, also
  those kept as text, profile URLs and external ids already there, and no other
  company), and only against contacts that existed before this import began. So a
  file of name-only rows, or of names with placeholder phones, imported twice creates
  nothing the second time; but two "John Smith" rows of one file stay two people, as
  the file lists them (nothing says they are one), and a "John Smith" with an email
  the existing one lacks is a new person (reported as a possible duplicate when at
  the same company), never a silent merge.
A phone number alone never matches (a switchboard is shared by many people).

Lookups go through the store's indexes, a chunk of candidates at a time, so
matching against a database of any size keeps memory flat.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple, TypeVar

from crmcli.core.db.store import Store
from crmcli.core.values.phones import phone_key

_K = TypeVar("_K")

MATCH_EMAIL = "email"
MATCH_NAME_PHONE = "name+phone"
MATCH_PROFILE = "profile URL"
MATCH_EXTERNAL = "external id"
MATCH_NAME = "name, nothing new"


class Candidate(NamedTuple):
    """What the matcher needs to know about an incoming person.

    A named tuple, not a dataclass: an import hashes and pickles one per row, between
    worker processes, and a tuple does both several times faster.
    """

    name_key: str
    emails: tuple[str, ...]  # normalised
    phones: tuple[str, ...]  # E.164
    urls: tuple[str, ...]  # normalised profile URLs
    external: tuple[tuple[str, str], ...] = ()  # (system, id)
    texts: tuple[str, ...] = ()  # keys of the phones kept as text (`phones.phone_key`)
    company: str = ""  # company key, "" when none


@dataclass
class _Known:
    """What identifies a contact, for the name-alone rule: emails, phone keys and URLs
    (normalised, in one set), external ids, company key."""

    values: set[str] = field(default_factory=set)
    external: set[str] = field(default_factory=set)  # as `external_term`s
    company: str = ""


@dataclass(frozen=True)
class Match:
    contact_id: int
    rule: str


def external_term(system: str, ext_id: str) -> str:
    """How an id in another system is indexed (never a word `crm find` can type)."""
    return f"ext:{system.strip().lower()}:{ext_id.strip()}"


@lru_cache(maxsize=4096)
def names_compatible(a: str, b: str) -> bool:
    """Could these two folded names be the same person? (Unknown names always could.)

    Same words in any order, one name inside the other ("marie dupre" and
    "marie dupre martin"), a shared surname or first name, or a small typo all count
    as compatible; two names with nothing in common do not.
    """
    if not a or not b or a == b:
        return True
    wa, wb = set(a.split()), set(b.split())
    if wa & {w for w in wb if len(w) > 1}:
        return True
    from rapidfuzz import fuzz  # deferred: only name pairs that share no word get here

    return fuzz.ratio(a, b) >= 85


@dataclass
class _Keys:
    """Index rows a batch of people could match: value -> contact ids, smallest first."""

    external: dict[str, list[int]] = field(default_factory=dict)
    email: dict[str, list[int]] = field(default_factory=dict)
    url: dict[str, list[int]] = field(default_factory=dict)
    name_phone: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # contact id -> name key

    def add(self, contact_id: int, person: Candidate) -> None:
        for system, ext_id in person.external:
            self.external.setdefault(external_term(system, ext_id), []).append(contact_id)
        for email in person.emails:
            self.email.setdefault(email, []).append(contact_id)
        for url in person.urls:
            self.url.setdefault(url, []).append(contact_id)
        if person.name_key:
            for phone in person.phones:
                self.name_phone.setdefault((person.name_key, phone), []).append(contact_id)
        self.names[contact_id] = person.name_key


def _weak(person: Candidate) -> bool:
    """A named person with nothing the stronger rules read: no external id, email, E.164
    phone or profile URL (at most phones kept as text and a company). Only such a
    person can be matched by name alone: one with any of those that is already on the
    namesake was matched by that already, and one whose values are not is someone new.
    Also what keeps the name rule cheap: re-importing a file of emails loads no names."""
    return bool(person.name_key) and not (
        person.external or person.emails or person.phones or person.urls
    )


def _ids(*sources: dict[_K, list[int]], key: _K) -> list[int]:
    """The ids under `key` in every source, smallest first (the database's order)."""
    found = [ids for source in sources if (ids := source.get(key))]
    if not found:
        return []  # the usual answer: nobody has it
    if len(found) == 1:
        return sorted(set(found[0]))
    return sorted(set().union(*found))


class Matcher:
    """Finds the existing contact an incoming person is, by the rules above.

    A bulk caller (an import) calls `prefetch` with a chunk of people: a few `IN (...)`
    queries load every index row they could match, instead of four queries a person.
    People it writes meanwhile are `remember`ed, so a person met twice in one chunk is
    still one contact. Memory is bounded by the chunk, never by the database.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._db = _Keys()
        self._recent = _Keys()
        self._loaded: set[Candidate] = set()
        # Contacts up to this id existed before the matcher (an import) began: only they
        # can be matched by name alone (see the module's rules).
        self._before = int(store.value("SELECT coalesce(max(id), 0) FROM contact") or 0)
        self._named: dict[str, list[int]] = {}  # name key -> such contacts
        self._known: dict[int, _Known] = {}  # their identifying values

    def prefetch(self, people: Sequence[Candidate]) -> None:
        """Load the index rows `people` could match (replacing the previous chunk's)."""
        store = self.store
        keys = _Keys()
        terms = sorted({external_term(s, v) for p in people for s, v in p.external})
        for term, contact_id in store.tuples_in(
            "SELECT term, contact_id FROM search_term WHERE field = 'external' AND term IN ({ids})",
            terms,
        ):
            keys.external.setdefault(term, []).append(int(contact_id))
        emails = sorted({e for p in people for e in p.emails})
        for email, contact_id, name in store.tuples_in(
            "SELECT e.email_norm, e.contact_id, c.name_key FROM contact_email e "
            "JOIN contact c ON c.id = e.contact_id WHERE e.email_norm IN ({ids})",
            emails,
        ):
            keys.email.setdefault(email, []).append(int(contact_id))
            keys.names[int(contact_id)] = name
        urls = sorted({u for p in people for u in p.urls})
        for url, contact_id in store.tuples_in(
            "SELECT url_norm, contact_id FROM contact_url WHERE url_norm IN ({ids})", urls
        ):
            keys.url.setdefault(url, []).append(int(contact_id))
        wanted = {(p.name_key, ph) for p in people if p.name_key for ph in p.phones}
        phones = sorted({ph for _, ph in wanted})
        for phone, name, contact_id in store.tuples_in(
            "SELECT p.e164, c.name_key, p.contact_id FROM contact_phone p "
            "JOIN contact c ON c.id = p.contact_id WHERE p.e164 IN ({ids})",
            phones,
        ):
            if (name, phone) in wanted:
                keys.name_phone.setdefault((name, phone), []).append(int(contact_id))
        self._db = keys
        self._loaded = set(people)
        self._prefetch_names(people)

    def _prefetch_names(self, people: Sequence[Candidate]) -> None:
        """Contacts that existed before the import with a name in `people`, and what
        identifies each of them: five indexed `IN` lookups a chunk, whatever its size."""
        store = self.store
        named: dict[str, list[int]] = {}
        names = sorted({p.name_key for p in people if _weak(p)})
        for name, contact_id in store.tuples_in(
            "SELECT name_key, id FROM contact WHERE name_key IN ({ids}) ORDER BY id", names
        ):
            if int(contact_id) <= self._before:
                named.setdefault(str(name), []).append(int(contact_id))
        ids = sorted({i for found in named.values() for i in found})
        known = {i: _Known() for i in ids}
        for contact_id, company, external in store.tuples_in(
            "SELECT c.id, co.name_key, c.external_ids FROM contact c "
            "LEFT JOIN company co ON co.id = c.company_id WHERE c.id IN ({ids})",
            ids,
        ):
            entry = known[int(contact_id)]
            entry.company = company or ""
            if external:
                pairs = json.loads(external).items()
                entry.external = {external_term(str(k), str(v)) for k, v in pairs}
        for contact_id, email in store.tuples_in(
            "SELECT contact_id, email_norm FROM contact_email WHERE contact_id IN ({ids})", ids
        ):
            known[int(contact_id)].values.add(email)
        for contact_id, raw, e164 in store.tuples_in(
            "SELECT contact_id, raw, e164 FROM contact_phone WHERE contact_id IN ({ids})", ids
        ):
            known[int(contact_id)].values.add(phone_key(raw, e164))
        for contact_id, url in store.tuples_in(
            "SELECT contact_id, url_norm FROM contact_url WHERE contact_id IN ({ids})", ids
        ):
            known[int(contact_id)].values.add(url)
        self._named, self._known = named, known

    def prefetched(self) -> set[int]:
        """Every contact the last `prefetch` found: all the ones its people can match
        (besides those `remember`ed since), so a bulk caller can read them in one go."""
        db = self._db
        found = {i for source in (db.external, db.email, db.url) for ids in source.values()
                 for i in ids}  # fmt: skip
        found.update(i for ids in db.name_phone.values() for i in ids)
        found.update(i for ids in self._named.values() for i in ids)
        return found

    def _by_name(self, person: Candidate) -> int | None:
        """The contact that existed before the import with `person`'s name and every
        identifying value `person` has, and no other company (smallest id first)."""
        wanted = {*person.emails, *person.phones, *person.texts, *person.urls}
        external = {external_term(system, ext_id) for system, ext_id in person.external}
        for contact_id in self._named.get(person.name_key, ()):
            known = self._known[contact_id]
            if (
                wanted <= known.values
                and external <= known.external
                and (not person.company or person.company == known.company)
            ):
                return contact_id
        return None

    def remember(self, contact_id: int, person: Candidate) -> None:
        """`person` is now (also) contact `contact_id`: written, or about to be."""
        self._recent.add(contact_id, person)

    def forget_recent(self) -> None:
        """Everything remembered is in the database now; the next prefetch will see it."""
        self._recent = _Keys()

    def _name_of(self, contact_id: int) -> str:
        for keys in (self._recent, self._db):
            if contact_id in keys.names:
                return keys.names[contact_id]
        return str(self.store.value("SELECT name_key FROM contact WHERE id = ?", (contact_id,)))

    def find(self, person: Candidate) -> Match | None:
        if person not in self._loaded:
            self.prefetch([person])
        db, recent = self._db, self._recent
        for system, ext_id in person.external:
            found = _ids(db.external, recent.external, key=external_term(system, ext_id))
            if found:
                return Match(found[0], MATCH_EXTERNAL)
        for email in person.emails:
            for contact_id in _ids(db.email, recent.email, key=email):
                if names_compatible(person.name_key, self._name_of(contact_id)):
                    return Match(contact_id, MATCH_EMAIL)
        for url in person.urls:
            found = _ids(db.url, recent.url, key=url)
            if found:
                return Match(found[0], MATCH_PROFILE)
        if person.name_key:
            for phone in person.phones:
                found = _ids(db.name_phone, recent.name_phone, key=(person.name_key, phone))
                if found:
                    return Match(found[0], MATCH_NAME_PHONE)
            found_id = self._by_name(person) if _weak(person) else None
            if found_id is not None:
                return Match(found_id, MATCH_NAME)
        return None

    def possible(self, created: Sequence[tuple[str, int | None, int]]) -> dict[int, int]:
        """Same name at the same company: possible duplicates to report, never merged.

        `created` holds (name key, company id, contact id) of contacts just written; the
        answer maps such a contact id to the smallest contact with its name and company,
        when that one is older (a smaller id): the later of two namesakes is the one
        reported, as it is the one the rep has just added.
        """
        ids = sorted({i for k, c, i in created if k and c is not None})
        # One self-join in SQL, from each new contact to its older namesakes at its
        # company only: reading every namesake back (a common name has hundreds, at
        # other companies) was a quarter of a big import's writing time.
        return {
            int(contact_id): int(other)
            for contact_id, other in self.store.tuples_in(
                "SELECT c.id, min(o.id) FROM contact c JOIN contact o "
                "ON o.name_key = c.name_key AND o.company_id = c.company_id AND o.id < c.id "
                "WHERE c.id IN ({ids}) AND c.name_key <> '' GROUP BY c.id",
                ids,
            )
        }


@dataclass(frozen=True)
class SharedValue:
    """An email or phone being written that other contacts already have."""

    value: str  # as the rep typed it
    others: tuple[tuple[int, str, bool], ...]  # (id, name, archived), smallest id first

    def text(self, shown: int = 3) -> str:
        """`sam@x.example is also on #12 Sam Reed`: the value and who else has it."""
        names = [
            f"#{i} {name}" + (" (archived)" if archived else "")
            for i, name, archived in self.others[:shown]
        ]
        more = len(self.others) - shown
        if more > 0:
            names.append(f"{more} more")
        return f"{self.value} is also on {', '.join(names)}"


def shared_values(
    store: Store,
    emails: Sequence[tuple[str, str]],
    phones: Sequence[tuple[str, str]],
    *,
    exclude: int | None = None,
) -> list[SharedValue]:
    """Which of these emails and phones other contacts already have (a warning, never a refusal).

    `emails` holds (as typed, normalised), `phones` (as typed, E.164); a phone that could
    not be read has no E.164 form and is not compared. Two indexed `IN` lookups
    (`email_norm`, `e164`), whatever the size of the database.
    """
    found: dict[str, list[tuple[int, str, bool]]] = {}
    for column, table, pairs in (
        ("email_norm", "contact_email", emails),
        ("e164", "contact_phone", phones),
    ):
        wanted = sorted({norm for _, norm in pairs if norm})
        for norm, contact_id, name, archived in store.tuples_in(
            f"SELECT DISTINCT x.{column}, c.id, c.display_name, c.archived_at IS NOT NULL "
            f"FROM {table} x JOIN contact c ON c.id = x.contact_id "
            f"WHERE x.{column} IN ({{ids}}) ORDER BY c.id",
            wanted,
        ):
            if contact_id != exclude:
                found.setdefault(str(norm), []).append((int(contact_id), name, bool(archived)))
    out: list[SharedValue] = []
    done: set[str] = set()
    for typed, norm in [*emails, *phones]:
        if norm in found and norm not in done:
            done.add(norm)
            out.append(SharedValue(typed, tuple(found[norm])))
    return out
