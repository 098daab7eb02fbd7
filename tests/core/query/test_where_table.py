"""The filter language against a seeded book: each query and the records it must find.

Every list (contacts, companies, deals, follow-ups, interactions) through the same core
call its command makes, on SQLite and on PostgreSQL. The book (conftest.py) at Monday
2 March 2026, 10:00 in Paris: Hélène (ACME SAS, VIP, customer, touched 2 days ago),
Bob (Globex, dnc, lead, touched 46 days ago), Zoë (Acme Robotics, VIP+gold, never
touched), Jean-Pierre (no company, touched 102 days ago), Mr Ali Khan (Globex, gold,
do-not-contact, touched 5 days ago), and Archie (VIP, archived: never listed).
"""

from __future__ import annotations

from typing import Any

import pytest

from crmcli.core.query.compile import compile_where
from tests.core.query.conftest import Book

CONTACTS: list[tuple[str, set[str]]] = [
    # tags: whole tag, case and accents ignored
    ("tag:vip", {"helene", "zoe"}),
    ("tag:VIP", {"helene", "zoe"}),
    ('tag:"key account"', {"ali"}),
    ("tag:key", set()),
    ("-tag:vip", {"bob", "jp", "ali"}),
    ("NOT tag:vip", {"bob", "jp", "ali"}),
    # status
    ("status:customer", {"helene"}),
    ("status:LEAD", {"bob", "jp"}),
    # company: words from their start, legal form dropped; = for the whole name
    ("company:acme", {"helene", "zoe"}),
    ('company:"ACME SAS"', {"helene", "zoe"}),
    ("company:=acme", {"helene"}),
    ("company:robot", {"zoe"}),
    ("company:globex", {"bob", "ali"}),
    # names: accents, case, punctuation, honorifics
    ("name:helene", {"helene"}),
    ("name:HÉLÈNE", {"helene"}),
    ("name:dupre", {"helene"}),
    ('name:"zoe angstrom"', {"zoe"}),
    ("name:jean-pierre", {"jp"}),
    ("name:o'brien", {"jp"}),
    ("name:khan", {"ali"}),
    ("name:mr", set()),
    ("name:lene", set()),  # from the start of a word, not inside one
    # text fields folded in SQL
    ("title:dir", {"helene", "ali"}),
    ("title:DIRECTRICE", {"helene"}),
    ("source:linkedin", {"helene", "zoe"}),
    ('source:"linkedin ads"', {"zoe"}),
    ("notes:resume", {"helene"}),
    ('notes:"100%"', {"jp"}),
    # emails: the typed piece, LIKE wildcards taken literally
    ("email:@acme.fr", {"helene"}),
    ("email:acme", {"helene", "zoe"}),
    ("email:jp_obrien", {"jp"}),
    ("email:b_b", set()),
    ("email:%", set()),
    # addresses
    ("city:paris", {"helene"}),
    ("city:par", {"helene"}),
    ("city:montreal", {"jp"}),
    ("country:FRANCE", {"helene", "zoe"}),
    ("has:city", {"helene", "zoe", "jp"}),
    # last touch: ages (24 h days) and days
    ("touched:>30d", {"bob", "jp"}),
    ("touched:<7d", {"helene", "ali"}),
    ("touched:<3d", {"helene"}),
    ("touched:>1w", {"bob", "jp"}),
    ("touched:>3mo", {"jp"}),
    ("touched:7d..60d", {"bob"}),
    ("-touched:<7d", {"bob", "zoe", "jp"}),
    ("has:touched", {"helene", "bob", "jp", "ali"}),
    ("-has:touched", {"zoe"}),
    ("touched:>2026-02-27", {"helene"}),
    ("touched:<2026-01-01", {"jp"}),
    ("touched:2026-02-25", {"ali"}),
    # creation days, in local time
    ("created:>2026-02-01", {"zoe", "jp"}),
    ("created:2026-02-01", {"ali"}),
    ("created:>=2026-02-01", {"zoe", "jp", "ali"}),
    ("created:<=2026-01-10", {"helene", "bob"}),
    ("created:yesterday", {"jp"}),
    ("created:today", set()),
    ("created:2026-01-01..2026-01-31", {"helene"}),
    # numbers, booleans
    ("cadence:30", {"zoe"}),
    ("cadence:>30", set()),
    ("dnc:yes", {"ali"}),
    ("dnc:no", {"helene", "bob", "zoe", "jp"}),
    # their deals
    ("deal.stage:proposal", {"helene"}),
    ("deal.status:won", {"ali"}),
    ("deal.amount:>10k", {"helene", "zoe", "ali"}),
    ("deal.amount:>100k", {"zoe"}),
    # AND, OR, NOT, parentheses, precedence
    ("tag:vip touched:>30d", set()),
    ("tag:vip OR tag:gold", {"helene", "zoe", "ali"}),
    ("tag:vip tag:gold", {"zoe"}),
    ("tag:vip AND tag:gold", {"zoe"}),
    ("tag:gold OR tag:dnc status:lead", {"zoe", "ali", "bob"}),
    ("(tag:gold OR tag:dnc) status:lead", {"bob"}),
    ("-(tag:vip OR tag:gold)", {"bob", "jp"}),
    ("NOT tag:vip AND NOT tag:dnc", {"jp", "ali"}),
    ("tag:vip AND status:customer OR name:bob", {"helene", "bob"}),
    ("source:linkedin OR (city:montreal -tag:vip)", {"helene", "zoe", "jp"}),
    ("NOT NOT tag:dnc", {"bob"}),
    # free text: name, company, email, title, notes, tags
    ("helene", {"helene"}),
    ("acme", {"helene", "zoe"}),
    ('"head of sales"', {"zoe"}),
    ("morning", {"helene"}),
    ("gold", {"zoe", "ali"}),
    ("globex cto", {"bob"}),
    ("or", {"jp"}),  # lower case: a word (in jp_obrien@example.org), not the operator
    ("nobody", set()),
    ("has:email", {"helene", "bob", "zoe", "jp"}),
    ("-has:email", {"ali"}),
    # hostile values: found nowhere, change nothing
    ("name:%", set()),
    ("name:_", set()),
    ("%", set()),
    ('name:"\'; DROP TABLE contact; --"', set()),
    ('"\' OR 1=1 --"', set()),
]

COMPANIES: list[tuple[str, set[str]]] = [
    ("name:acme", {"ACME SAS", "Acme Robotics"}),
    ("-name:acme", {"Globex"}),
    ("people:>1", {"Globex"}),
    ("people:1", {"ACME SAS", "Acme Robotics"}),
    ("industry:logiciel", {"ACME SAS"}),
    ("industry:energie", {"Globex"}),
    ("city:paris", {"ACME SAS"}),
    ("country:france", {"ACME SAS"}),
    ("notes:ces", {"Globex"}),
    ("domain:acme", {"ACME SAS"}),
    ("tag:gold", {"Globex", "Acme Robotics"}),
    ("globex", {"Globex"}),
    ("created:2026-01-10", {"ACME SAS"}),
    ("has:industry -has:city", {"Globex"}),
]

DEALS: list[tuple[str, set[str]]] = [
    ("amount:>10k", {"ACME renewal", "Robotics fleet", "Khan expansion"}),
    ("amount:>20k", {"Robotics fleet", "Khan expansion"}),  # 1.5m JPY, 50k EUR
    ("amount:10k..50k", {"ACME renewal", "Khan expansion"}),
    ("amount:10.5", {"Tiny add-on"}),
    # 10.49 in each currency: 1049 cents, or between 10 and 11 yen
    (
        "amount:>10.49",
        {"ACME renewal", "Globex pilot", "Robotics fleet", "Khan expansion", "Tiny add-on"},
    ),
    ("amount:<1k", {"Tiny add-on"}),
    ("amount:>1m", {"Robotics fleet"}),
    ("amount:>=8000 currency:usd", {"Globex pilot"}),
    ("currency:JPY", {"Robotics fleet"}),
    ("stage:proposal", {"ACME renewal"}),
    ("stage:won", {"Khan expansion"}),
    (
        "pipeline:sales",
        {"ACME renewal", "Globex pilot", "Robotics fleet", "Khan expansion", "Tiny add-on"},
    ),
    ("pipeline:renewals", set()),
    ("status:won", {"Khan expansion"}),
    ("status:open", {"ACME renewal", "Globex pilot", "Robotics fleet", "Tiny add-on"}),
    ("close:<today", {"Globex pilot"}),
    ("close:>today", {"ACME renewal"}),
    ("close:<+30d", {"ACME renewal", "Globex pilot"}),
    ("close:>9d", {"Globex pilot"}),  # 20 February: 10 days before today
    ("close:>10d", set()),
    ("tag:vip", {"ACME renewal", "Robotics fleet"}),
    ("contact:helene", {"ACME renewal"}),
    ("company:acme", {"ACME renewal", "Robotics fleet"}),  # the contact's, taken at add
    ("company:=acme", {"ACME renewal"}),
    ("source:event", {"Globex pilot"}),
    ("next:contract", {"ACME renewal"}),
    ("title:acme", {"ACME renewal"}),
    ("khan", {"Khan expansion"}),
    ("probability:>=60", {"ACME renewal", "Khan expansion"}),
    ("closed:>2026-02-26", {"Khan expansion"}),
    ("entered:>30d status:open", {"Globex pilot"}),
    ("created:<2026-02-01", {"Globex pilot"}),
    ("-has:close status:open", {"Robotics fleet", "Tiny add-on"}),
]

FOLLOWUPS: list[tuple[str, set[str]]] = [
    ("due:<today", {"Call about the contract", "Old thank-you note"}),
    ("due:<today status:open", {"Call about the contract"}),
    ("due:>today", {"Send pricing", "Démo produit"}),
    ("due:today..+7d", {"Send pricing"}),
    ("note:demo", {"Démo produit"}),
    ("contact:helene", {"Call about the contract", "Old thank-you note"}),
    ("tag:vip", {"Call about the contract", "Old thank-you note", "Démo produit"}),
    ("deal:globex", {"Send pricing"}),
    ("company:globex", {"Send pricing"}),
    ("status:done", {"Old thank-you note"}),
    ("done:2026-02-10", {"Old thank-you note"}),
    ("pricing", {"Send pricing"}),
    ("snoozed:>0", {"Démo produit"}),
    ("kind:followup -snoozed:1", {"Call about the contract", "Send pricing", "Old thank-you note"}),
    ("kind:call", set()),
    ("created:>2026-02-01", {"Send pricing"}),
]

INTERACTIONS: list[tuple[str, set[str]]] = [
    ("kind:call", {"Discussed the renewal"}),
    ("direction:out", {"Intro mail"}),
    ("at:>30d", {"Intro mail", "Conference chat"}),
    ("at:<7d", {"Discussed the renewal", "Lunch at Café Léon"}),
    ('summary:"cafe leon"', {"Lunch at Café Léon"}),
    ("leon", {"Lunch at Café Léon"}),
    ("body:50", {"Conference chat"}),
    ("contact:khan", {"Lunch at Café Léon"}),
    ("tag:dnc", {"Intro mail"}),
    ("company:globex", {"Intro mail", "Lunch at Café Léon"}),
    ("deal:renewal", {"Discussed the renewal"}),
    ("outcome:connected", {"Discussed the renewal"}),
    ("created:today -kind:note", {"Discussed the renewal", "Intro mail", "Lunch at Café Léon"}),
    ("created:<today", set()),
]


def _contacts(book: Book, where: tuple[str, list[Any]]) -> set[str]:
    from crmcli.core.people import directory

    people = ("helene", "bob", "zoe", "jp", "ali", "archie")
    by_id = {book.ids[label]: label for label in people}
    return {by_id[r["id"]] for r in directory.list_contacts(book.store, where=where)}


def _companies(book: Book, where: tuple[str, list[Any]]) -> set[str]:
    from crmcli.core.people import companies

    return {r["name"] for r in companies.list_companies(book.store, where=where)}


def _deals(book: Book, where: tuple[str, list[Any]]) -> set[str]:
    from crmcli.core import clock
    from crmcli.core.pipeline import deals

    rows = deals.list_deals(book.store, clock.now(), status=None, where=where)
    return {r["title"] for r in rows}


def _followups(book: Book, where: tuple[str, list[Any]]) -> set[str]:
    from crmcli.core.activity import followups

    rows = followups.list_followups(book.store, include_done=True, where=where)
    return {str(r["note"]) for r in rows}


def _interactions(book: Book, where: tuple[str, list[Any]]) -> set[str]:
    from crmcli.core.interchange import exporting

    return {r["summary"] for r in exporting.interactions(book.store, where=where)}


LISTS = {
    "contacts": (_contacts, CONTACTS),
    "companies": (_companies, COMPANIES),
    "deals": (_deals, DEALS),
    "followups": (_followups, FOLLOWUPS),
    "interactions": (_interactions, INTERACTIONS),
}
CASES = [(name, query, expected) for name, (_, table) in LISTS.items() for query, expected in table]


def test_the_table_is_long_enough() -> None:
    assert len(CASES) >= 50
    assert len(CONTACTS) >= 50


@pytest.mark.parametrize(
    ("list_name", "query", "expected"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES]
)
def test_query_finds_exactly(book: Book, list_name: str, query: str, expected: set[str]) -> None:
    read, _ = LISTS[list_name]
    assert read(book, compile_where(book.store, list_name, query)) == expected


def test_every_field_of_every_list_is_in_the_table() -> None:
    """A field added to fields.py without a query here fails this."""
    import re

    from crmcli.core.query.fields import TABLES

    for name, (_, table) in LISTS.items():
        used = {m for q, _ in table for m in re.findall(r"([a-z][a-z.]*):", q)}
        used |= {m for q, _ in table for m in re.findall(r"has:([a-z.]+)", q)}
        missing = set(TABLES[name].names) - used - {"id", "owner", "updated"}
        assert not missing, (name, missing)


def test_id_owner_and_updated_read_their_columns(book: Book) -> None:
    helene, bob = book.ids["helene"], book.ids["bob"]
    assert _contacts(book, compile_where(book.store, "contacts", f"id:{helene}")) == {"helene"}
    found = _contacts(book, compile_where(book.store, "contacts", f"id:{helene}..{bob}"))
    assert found == {"helene", "bob"}
    everyone = {"helene", "bob", "zoe", "jp", "ali"}
    assert _contacts(book, compile_where(book.store, "contacts", "owner:me")) == everyone
    assert _contacts(book, compile_where(book.store, "contacts", "owner:ME")) == set()
    assert _contacts(book, compile_where(book.store, "contacts", "updated:<2020-01-01")) == set()


def test_a_query_changes_nothing(book: Book) -> None:
    """Injection attempts are values, bound as parameters: the book is the same after."""
    tables = ("contact", "company", "deal", "followup", "interaction", "contact_tag")

    def counts() -> list[int]:
        return [int(book.store.value(f"SELECT count(*) FROM {t}")) for t in tables]

    before = counts()
    for query in (
        'name:"\'; DROP TABLE contact; --"',
        'notes:"\'); DELETE FROM contact; --"',
        "email:\"x' OR '1'='1\"",
        'tag:"x\'); DROP TABLE contact_tag; --"',
        "city:\"' || (SELECT 1) || '\"",
    ):
        assert _contacts(book, compile_where(book.store, "contacts", query)) == set()
    assert counts() == before


def test_the_clock_moves_the_ages(book: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    """`touched:<7d` is read against now (CRM_NOW): a week later, nobody is that recent."""
    monkeypatch.setenv("CRM_NOW", "2026-03-09T09:00:00Z")
    assert _contacts(book, compile_where(book.store, "contacts", "touched:<7d")) == set()
    monkeypatch.setenv("CRM_NOW", "2026-03-04T09:00:00Z")  # Ali's lunch: 6.9 days before
    found = _contacts(book, compile_where(book.store, "contacts", "touched:<7d"))
    assert found == {"helene", "ali"}


def _deepest(everyone: str, group: str) -> str:
    """12 levels alternating OR and AND (nothing to flatten), 1000 terms: 6 `zzz` that
    match no one, 6 `everyone`, and 988 `group` ORed at the bottom: finds `group`'s."""
    return (
        "zzz OR ("
        + f"{everyone} (zzz OR (" * 5
        + f"{everyone} ({' OR '.join([group] * 988)}"
        + ")" * 12
    )


LONG = [
    # 1000 terms (the most a query takes): SQLite's parser refused a flat OR of more than
    # ~1000 operands ("Expression tree is too large") where PostgreSQL answered.
    ("contacts", " OR ".join(["tag:vip"] * 1000), {"helene", "zoe"}),
    ("contacts", " ".join(["acme"] * 1000), {"helene", "zoe"}),
    ("contacts", " OR ".join(["name:nobody"] * 999 + ["name:khan"]), {"ali"}),
    ("deals", " OR ".join(["amount:1k..20k"] * 1000), {"ACME renewal", "Globex pilot"}),
    # 12 levels of NOT, "-" and "(" (the most a query nests), SQLite's parser stack being
    # the tighter limit; the deepest with a 1000-term group at the bottom
    ("contacts", "NOT " * 12 + "tag:vip", {"helene", "zoe"}),
    ("contacts", "(-" * 6 + "tag:vip" + ")" * 6, {"helene", "zoe"}),
    ("contacts", "(" * 12 + "tag:gold " * 20 + ")" * 12, {"zoe", "ali"}),
    ("contacts", _deepest("has:name", "city:lyon"), {"zoe"}),
    ("companies", _deepest("has:name", "name:acme"), {"ACME SAS", "Acme Robotics"}),
    ("deals", _deepest("has:title", "amount:1k..20k"), {"ACME renewal", "Globex pilot"}),
]


@pytest.mark.parametrize(
    ("list_name", "query", "expected"), LONG, ids=[f"{c[0]}-{i}" for i, c in enumerate(LONG)]
)
def test_the_longest_and_deepest_queries_answer_alike_on_both_engines(
    book: Book, list_name: str, query: str, expected: set[str]
) -> None:
    read, _ = LISTS[list_name]
    assert read(book, compile_where(book.store, list_name, query)) == expected
