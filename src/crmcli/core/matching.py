"""The identity matcher: is this person already in the database?

One set of rules, used by imports now and by `crm dedupe` later:
- the same normalised email (trimmed, Unicode-normalised, case-folded) is the same
  person, unless the two carry clearly different names (a shared mailbox such as
  contact@ or sales@ is not one person);
- the same normalised name (accents, case, spacing, honorifics and emoji ignored)
  together with the same normalised phone is the same person;
- the same LinkedIn (or other profile) URL is the same person;
- the same id in another system (a HubSpot record id, a vCard UID) is the same person.
A phone number alone never matches (a switchboard is shared by many people), and a
name alone never matches (but the same name at the same company is reported as a
possible duplicate).

Lookups go through the store's indexes one candidate at a time, so matching
against a database of any size keeps memory flat.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from crmcli.core.store import Store

MATCH_EMAIL = "email"
MATCH_NAME_PHONE = "name+phone"
MATCH_PROFILE = "profile URL"
MATCH_EXTERNAL = "external id"


@dataclass(frozen=True)
class Candidate:
    """What the matcher needs to know about an incoming person."""

    name_key: str
    emails: tuple[str, ...]  # normalised
    phones: tuple[str, ...]  # E.164
    urls: tuple[str, ...]  # normalised profile URLs
    external: tuple[tuple[str, str], ...] = ()  # (system, id)


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


class Matcher:
    """Finds the existing contact an incoming person is, by the rules above."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _name_of(self, contact_id: int) -> str:
        return str(self.store.value("SELECT name_key FROM contact WHERE id = ?", (contact_id,)))

    def find(self, person: Candidate) -> Match | None:
        store = self.store
        for system, ext_id in person.external:
            found = store.value(
                "SELECT contact_id FROM search_term WHERE term = ? AND field = 'external' "
                "ORDER BY contact_id LIMIT 1",
                (external_term(system, ext_id),),
            )
            if found is not None:
                return Match(int(found), MATCH_EXTERNAL)
        for email in person.emails:
            for (contact_id,) in store.tuples(
                "SELECT contact_id FROM contact_email WHERE email_norm = ? ORDER BY contact_id",
                (email,),
            ):
                if names_compatible(person.name_key, self._name_of(int(contact_id))):
                    return Match(int(contact_id), MATCH_EMAIL)
        for url in person.urls:
            found = store.value(
                "SELECT contact_id FROM contact_url WHERE url_norm = ? ORDER BY contact_id LIMIT 1",
                (url,),
            )
            if found is not None:
                return Match(int(found), MATCH_PROFILE)
        if person.name_key:
            for phone in person.phones:
                found = store.value(
                    "SELECT p.contact_id FROM contact_phone p JOIN contact c "
                    "ON c.id = p.contact_id WHERE p.e164 = ? AND c.name_key = ? "
                    "ORDER BY p.contact_id LIMIT 1",
                    (phone, person.name_key),
                )
                if found is not None:
                    return Match(int(found), MATCH_NAME_PHONE)
        return None

    def possible(self, name_key: str, company_id: int | None, exclude: int) -> int | None:
        """The same name at the same company: a possible duplicate to report, never merged."""
        if not name_key or company_id is None:
            return None
        found = self.store.value(
            "SELECT id FROM contact WHERE name_key = ? AND company_id = ? AND id <> ? LIMIT 1",
            (name_key, company_id, exclude),
        )
        return None if found is None else int(found)
