"""Guards for the import's speed path: its shortcuts give the answers the long way gives.

A first import into an empty database skips the matcher for people none of whose
values were met before in the file (`importing.written`); SQLite gets its flags as
0 and 1; names, company keys and email terms are computed once. Each is checked
here against the slow path it replaces: the same file imported into a database
that already holds someone (so every row goes through the matcher) gives the same
people; the helpers give the same values as before.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from crmcli.core.interchange.importing.written import WrittenKeys
from crmcli.core.people.index import search_terms
from crmcli.core.people.matching import Candidate
from crmcli.core.values import emails as email_mod
from crmcli.core.values.phones import digits
from tests.conftest import invoke

HEADER = "First Name,Last Name,Email,Phone,LinkedIn,Ref\n"
ROWS = 4500  # past the worker threshold, several chunks and batches


def _sheet(path: Path) -> Path:
    """Distinct people, then rows that are earlier ones again, each by one rule only and
    chunks later (email in other case, name + phone written another way, profile URL,
    external id), and two name-only namesakes (two people in a first import)."""
    lines = [
        f"P{i},Q{i},p{i}@x.org,06 12 {i // 100 % 100:02d} {i % 100:02d} 10,,\n" for i in range(ROWS)
    ]
    lines[10] = "Lin,Ked,,,https://www.linkedin.com/in/lin-ked-10,\n"
    lines[20] = "Ref,Erence,,,,R-20\n"
    lines += [
        "P5,Q5,P5@X.ORG,,,\n",  # same email as line 2+5, case aside
        f"P{1234},Q{1234},,+33 6 12 12 34 10,,\n",  # same name and number
        "Linda,Ked,,,https://www.linkedin.com/in/lin-ked-10/,\n",  # same profile
        "Someone,Else,,,,R-20\n",  # same external id
        "Nameonly,Person,,,,\n",
        "Nameonly,Person,,,,\n",
    ]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def _people(db: Path, skip: set[str]) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        out = []
        for cid, name, key in conn.execute("SELECT id, display_name, name_key FROM contact"):
            if name in skip:
                continue
            emails = sorted(
                r[0]
                for r in conn.execute(
                    "SELECT email_norm FROM contact_email WHERE contact_id = ?", (cid,)
                )
            )
            phones = sorted(
                str(r[0])
                for r in conn.execute("SELECT e164 FROM contact_phone WHERE contact_id = ?", (cid,))
            )
            urls = sorted(
                r[0]
                for r in conn.execute(
                    "SELECT url_norm FROM contact_url WHERE contact_id = ?", (cid,)
                )
            )
            terms = sorted(
                conn.execute(
                    "SELECT term, field FROM search_term WHERE contact_id = ?", (cid,)
                ).fetchall()
            )
            ext = conn.execute("SELECT external_ids FROM contact WHERE id = ?", (cid,)).fetchone()
            out.append((name, key, emails, phones, urls, terms, ext[0]))
        return sorted(out)
    finally:
        conn.close()


def _import(path: Path) -> str:
    out = invoke("import", "contacts", str(path), "--map", "Ref=external_id:hubspot")
    assert out.exit_code == 0, out.stderr
    return out.stdout


@pytest.mark.subprocess
def test_a_first_import_matches_as_the_matcher_does(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet = _sheet(tmp_path / "people.csv")
    report = _import(sheet)  # into an empty database: the shortcut
    fresh = _people(db, set())
    assert len(fresh) == ROWS + 2 - 0  # four rows merged into earlier people, two namesakes
    assert "4 merged into people met earlier" in report

    other = tmp_path / "other.db"  # someone already there: every row asks the matcher
    monkeypatch.setenv("CRM_DB", str(other))
    seed = tmp_path / "seed.csv"
    seed.write_text(HEADER + "Zed,Zulu,zed@z.org,,,\n", encoding="utf-8")
    _import(seed)
    _import(sheet)
    assert _people(other, {"Zed Zulu"}) == fresh


@pytest.mark.subprocess
def test_flags_are_stored_as_sqlite_stores_booleans(db: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_text(
        HEADER
        + "".join(
            f"A{i},B{i},a{i}@x.org,06 39 98 {i // 100:02d} {i % 100:02d},,\n" for i in range(2500)
        )
        + "Bad,Mail,not-an-email,06 39 00 00 19,,\n",
        encoding="utf-8",
    )
    _import(sheet)
    again = tmp_path / "again.csv"  # the update path adds a phone to a known person
    again.write_text(HEADER + "A1,B1,a1@x.org,+1 202 555 0143,,\n", encoding="utf-8")
    _import(again)
    conn = sqlite3.connect(db)
    try:
        for table, column in (
            ("contact_email", "valid"),
            ("contact_email", "is_primary"),
            ("contact_phone", "valid"),
            ("contact", "do_not_contact"),
        ):
            found = set(conn.execute(f"SELECT DISTINCT typeof({column}), {column} FROM {table}"))
            assert found <= {("integer", 0), ("integer", 1)}, (table, column, found)
        assert conn.execute(
            "SELECT valid FROM contact_email WHERE email = 'not-an-email'"
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT valid FROM contact_phone WHERE e164 = '+33639000019'"
        ).fetchone() == (0,)
    finally:
        conn.close()


def test_the_filter_never_forgets_a_value() -> None:
    keys = WrittenKeys(bits=1 << 16)
    people = [
        Candidate(
            f"n{i}",
            (f"p{i}@x.org",),
            (f"+3361234{i:04d}",),
            (f"linkedin.com/in/p{i}",) if i % 3 == 0 else (),
            (("hubspot", str(i)),) if i % 5 == 0 else (),
        )
        for i in range(2000)
    ]
    first = [keys.met(p) for p in people]
    assert first.count(True) < 200  # false positives only: few, at this size
    for person in people:  # every value met before: always said
        for one in (
            Candidate("x", person.emails, (), ()),
            Candidate("x", (), person.phones, ()),
            Candidate("x", (), (), person.urls) if person.urls else None,
            Candidate("x", (), (), (), person.external) if person.external else None,
        ):
            if one is not None:
                assert keys.met(one)


def test_the_filter_size_is_a_power_of_two() -> None:
    with pytest.raises(ValueError):
        WrittenKeys(bits=1000)


@pytest.mark.parametrize(
    "text",
    [
        "06 39 98 66 77",
        "+33 (0)6-39.98/66 77",
        "",
        "pager",
        "١٢٣ 45",
        "０６ ３９",
        "+49 BUSINESS",
        "12³4",
    ],
)
def test_digits_as_the_regular_expression_reads_them(text: str) -> None:
    assert digits(text) == re.sub(r"\D", "", text)


def test_search_terms_from_normalised_emails_are_the_same() -> None:
    emails = ["Jean.Dupont.499@ACME.fr", "ＪＥＡＮ@Exemple.org", "x_y-z@Sub.Example.COM"]
    phones = [("06 39 98 66 77", "+33639986677"), ("pager", None)]
    norms = [email_mod.normalise(e) for e in emails]
    for name, nick in (("Jean Dupont", None), ("Élodie de la Tour", "Lodie"), ("", "")):
        assert search_terms(
            name,
            norms,
            phones,
            ["vip", "key account"],
            {"hubspot": "7"},
            nickname=nick,
            normalised=True,
        ) == search_terms(
            name, emails, phones, ["vip", "key account"], {"hubspot": "7"}, nickname=nick
        )
