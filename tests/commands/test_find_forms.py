"""`crm find` takes what a rep has in front of them: a name without its punctuation, an
area code or a few digits of a number, an `@domain` (issue #20). Through the real
`crm` entry point on a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result

Crm = Callable[..., Result]


@pytest.fixture
def people(crm: Crm) -> None:
    assert crm("config", "set", "default_region", "FR").exit_code == 0
    for args in (
        ["Sean O'Brien", "--phone", "+1 212 555 0100", "--email", "sean@initech.de"],
        ["Jean-Pierre Léger", "--phone", "+1 415 555 0123", "--email", "jp@globex.com"],
        ["Hélène Dupré-Martin", "--phone", "06 12 34 56 78", "--company", "Initech"],
        ["Hans Müller", "--phone", "+49 89 1234567", "--email", "hans@initech.de"],
        ["Ann Lee", "--phone", "+44 20 7946 0958", "--email", "ann@lee.example"],
        ["Obrienne Stone", "--email", "o.stone@example.org"],
        ["Mia Lind", "--phone", "+1 612 555 0199"],  # Minneapolis: 612, but never 0612
    ):
        out = crm("contact", "add", *args)
        assert out.exit_code == 0, out.stderr


def found(crm: Crm, *query: str) -> list[str]:
    out = crm("find", *query, "--json")
    assert out.exit_code in (0, 1), out.stderr
    return [row["name"] for row in json.loads(out.stdout)] if out.exit_code == 0 else []


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("obrien", ["Sean O'Brien", "Obrienne Stone"]),  # the whole word first
        ("OBrien", ["Sean O'Brien", "Obrienne Stone"]),
        ("sean obrien", ["Sean O'Brien"]),
        ("jeanpierre", ["Jean-Pierre Léger"]),
        ("jeanpi", ["Jean-Pierre Léger"]),
        ("dupremartin", ["Hélène Dupré-Martin"]),
        ("helene", ["Hélène Dupré-Martin"]),
        ("jean pierre", ["Jean-Pierre Léger"]),
    ],
)
def test_names_without_their_punctuation(
    crm: Crm, people: None, query: str, names: list[str]
) -> None:
    assert found(crm, query) == names


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("212", ["Sean O'Brien"]),  # an area code
        ("(212)", ["Sean O'Brien"]),
        ("415", ["Jean-Pierre Léger"]),
        ("555", ["Sean O'Brien", "Jean-Pierre Léger", "Mia Lind"]),
        ("612", ["Hélène Dupré-Martin", "Mia Lind"]),
        ("0100", ["Sean O'Brien"]),  # the end of a number
        ("+1 212", ["Sean O'Brien"]),  # an international start
        ("0612", ["Hélène Dupré-Martin"]),  # national form (FR), with its leading 0
        ("06 12 34", ["Hélène Dupré-Martin"]),
        ("3361", ["Hélène Dupré-Martin"]),  # international form
        ("0049 89", ["Hans Müller"]),  # Munich, dialled from France
        ("7946", ["Ann Lee"]),
        ("0612345678", ["Hélène Dupré-Martin"]),  # the whole number still matches exactly
    ],
)
def test_digit_fragments_of_three_or_more_find_the_number(
    crm: Crm, people: None, query: str, names: list[str]
) -> None:
    assert sorted(found(crm, query)) == sorted(names)


def test_a_fragment_beside_a_name_narrows_it(crm: Crm, people: None) -> None:
    assert found(crm, "sean", "212") == ["Sean O'Brien"]
    assert found(crm, "ann", "212") == []


def test_at_domain_finds_everyone_with_an_address_there(crm: Crm, people: None) -> None:
    assert sorted(found(crm, "@initech.de")) == ["Hans Müller", "Sean O'Brien"]
    assert sorted(found(crm, "@INITECH.DE")) == ["Hans Müller", "Sean O'Brien"]
    assert found(crm, "@globex.com") == ["Jean-Pierre Léger"]
    assert sorted(found(crm, "@initech")) == ["Hans Müller", "Sean O'Brien"]  # its start


def test_at_domain_finds_the_people_of_a_company_with_that_domain(
    crm: Crm, people: None, db: Path
) -> None:
    assert crm("company", "edit", "Initech", "--domain", "initech.de").exit_code == 0
    assert sorted(found(crm, "@initech.de")) == [
        "Hans Müller",
        "Hélène Dupré-Martin",
        "Sean O'Brien",
    ]


def test_what_matches_nobody_says_so(crm: Crm, people: None) -> None:
    for query in ("@nowhere.example", "999", "zzobrien"):
        out = crm("find", query)
        assert out.exit_code == 1 and out.stdout == ""
        assert out.stderr.count("\n") == 1 and query in out.stderr


def test_an_at_sign_alone_is_a_usage_error(crm: Crm, people: None) -> None:
    out = crm("find", "@")
    assert out.exit_code == 2 and out.stderr.count("\n") == 1


def test_the_forms_need_no_new_index(crm: Crm, people: None, db: Path) -> None:
    """A database whose search index holds only what older versions wrote (no joined
    names, no national numbers) finds them all the same: they are worked out when asked."""
    conn = sqlite3.connect(db)
    try:
        terms = {t for (t,) in conn.execute("SELECT term FROM search_term")}
    finally:
        conn.close()
    assert not {"obrien", "jeanpierre", "0612345678", "212"} & terms
    assert found(crm, "obrien")[0] == "Sean O'Brien"
    assert found(crm, "0612") == ["Hélène Dupré-Martin"]


def test_the_forms_on_either_backend(crm: Crm, backend: str) -> None:
    """The same queries on SQLite and on a shared PostgreSQL database (team mode)."""
    assert crm("config", "set", "default_region", "FR").exit_code == 0
    for args in (
        ["Sean O'Brien", "--phone", "+1 212 555 0100", "--email", "sean@initech.de"],
        ["Hélène Dupré", "--phone", "06 12 34 56 78", "--company", "Initech"],
    ):
        assert crm("contact", "add", *args).exit_code == 0
    assert crm("company", "edit", "Initech", "--domain", "initech.de").exit_code == 0
    assert found(crm, "obrien") == ["Sean O'Brien"]
    assert found(crm, "212") == ["Sean O'Brien"]
    assert found(crm, "0612") == ["Hélène Dupré"]
    assert found(crm, "@initech.de") == ["Sean O'Brien", "Hélène Dupré"]
