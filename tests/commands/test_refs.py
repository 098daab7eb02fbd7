"""A contact REF is whatever is on screen: an id, a phone number in any format, an email
or a name, told apart by one rule (issue #20). Run through the real `crm` entry point
on a real SQLite file; every refusal leaves the database as it was."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result, dump

Crm = Callable[..., Result]


@pytest.fixture
def people(crm: Crm) -> dict[str, int]:
    """Four contacts in France (region FR): their numbers stored in E.164."""
    assert crm("config", "set", "default_region", "FR").exit_code == 0
    added = {
        "pierre": ("Pierre Martin", "0698765432", "pierre@acme.fr"),
        "hans": ("Hans Müller", "+49 89 1234567", "hans@initech.de"),
        "sean": ("Sean O'Brien", "+1 212 555 0100", "sean@initech.de"),
        "helene": ("Hélène Dupré", "06 12 34 56 78", "helene@acme.fr"),
    }
    ids = {}
    for key, (name, phone, email) in added.items():
        out = crm("contact", "add", name, "--phone", phone, "--email", email)
        assert out.exit_code == 0, out.stderr
        ids[key] = int(out.stdout.split("#")[1].split()[0])
    return ids


def logged_with(db: Path) -> list[tuple[int, str]]:
    """(contact id, summary) of every interaction, in order."""
    conn = sqlite3.connect(db)
    try:
        return list(conn.execute("SELECT contact_id, summary FROM interaction ORDER BY id"))
    finally:
        conn.close()


@pytest.mark.parametrize(
    "ref",
    ["0698765432", "06 98 76 54 32", "06.98.76.54.32", "06-98-76-54-32", "+33 6 98 76 54 32",
     "+33698765432", "0033 6 98 76 54 32", "(0)6 98 76 54 32"],
)  # fmt: skip
def test_log_call_takes_a_number_written_nationally_or_internationally(
    crm: Crm, db: Path, people: dict[str, int], ref: str
) -> None:
    out = crm("log", "call", ref, "called back")
    assert out.exit_code == 0, out.stderr
    assert "Pierre Martin" in out.stdout
    assert logged_with(db) == [(people["pierre"], "called back")]


@pytest.mark.parametrize(
    ("ref", "who"),
    [
        ("+49 89 1234567", "hans"),
        ("+49 (89) 123-4567", "hans"),
        ("0049 89 1234567", "hans"),
        ("089 1234567", "hans"),  # written as they would in Germany
        ("+1 212 555 0100", "sean"),
        ("(212) 555-0100", "sean"),  # and in the US
        ("212.555.0100", "sean"),
        ("2125550100", "sean"),
    ],
)
def test_a_foreign_number_in_any_format_names_its_one_contact(
    crm: Crm, db: Path, people: dict[str, int], ref: str, who: str
) -> None:
    out = crm("log", "call", ref, "hello")
    assert out.exit_code == 0, out.stderr
    assert logged_with(db) == [(people[who], "hello")]


def test_every_command_taking_a_ref_takes_a_number(
    crm: Crm, db: Path, people: dict[str, int]
) -> None:
    show = crm("contact", "show", "0612345678")
    assert show.exit_code == 0 and "Hélène Dupré" in show.stdout
    edit = crm("contact", "edit", "+33 6 12 34 56 78", "--title", "CEO")
    assert edit.exit_code == 0, edit.stderr
    follow = crm("followup", "add", "06 12 34 56 78", "tomorrow", "send the deck")
    assert follow.exit_code == 0, follow.stderr
    deal = crm("deal", "add", "Big order", "--contact", "(212) 555-0100")
    assert deal.exit_code == 0, deal.stderr
    conn = sqlite3.connect(db)
    try:
        title = conn.execute("SELECT title FROM contact WHERE id = ?", (people["helene"],))
        assert title.fetchone() == ("CEO",)
        assert conn.execute("SELECT contact_id FROM followup").fetchall() == [(people["helene"],)]
        assert conn.execute("SELECT contact_id FROM deal").fetchall() == [(people["sean"],)]
    finally:
        conn.close()


def test_a_number_two_contacts_share_lists_both_and_does_nothing(
    crm: Crm, db: Path, people: dict[str, int]
) -> None:
    assert crm("contact", "add", "Paul Martin", "--phone", "+33 6 98 76 54 32").exit_code == 0
    before = dump(db)
    out = crm("log", "call", "06 98 76 54 32", "who?")
    assert out.exit_code == 1
    assert out.stderr.count("\n") == 1 and "no contact" not in out.stderr
    assert "Pierre Martin" in out.stderr and "Paul Martin" in out.stderr
    assert dump(db) == before


def test_an_unknown_number_is_not_found_never_an_id(
    crm: Crm, db: Path, people: dict[str, int]
) -> None:
    before = dump(db)
    out = crm("log", "call", "0698765433", "nobody")
    assert out.exit_code == 1 and out.stderr.count("\n") == 1
    assert "#0698765433" not in out.stderr and "number" in out.stderr
    assert dump(db) == before


def test_a_value_that_is_an_id_and_a_number_is_ambiguous(
    crm: Crm, db: Path, people: dict[str, int]
) -> None:
    """A short number kept as written ("3", an internal line) against contact #3."""
    out = crm("contact", "add", "Front Desk", "--phone", str(people["sean"]))
    assert out.exit_code == 0, out.stderr
    before = dump(db)
    both = crm("log", "call", str(people["sean"]), "which one?")
    assert both.exit_code == 1 and both.stderr.count("\n") == 1
    assert "Sean O'Brien" in both.stderr and "Front Desk" in both.stderr
    assert dump(db) == before
    by_id = crm("log", "call", f"#{people['sean']}", "the id")
    assert by_id.exit_code == 0, by_id.stderr
    assert logged_with(db) == [(people["sean"], "the id")]


@pytest.mark.parametrize("ref", ["3", "#3", "# 3"])
def test_short_digits_and_hash_n_are_ids(
    crm: Crm, db: Path, people: dict[str, int], ref: str
) -> None:
    out = crm("log", "note", ref, "by id")
    assert out.exit_code == 0, out.stderr
    assert logged_with(db) == [(3, "by id")]


@pytest.mark.parametrize(
    ("ref", "code", "said"),
    [
        ("99999", 1, "no contact #99999"),  # five digits: an id
        ("#123456", 1, "no contact #123456"),  # `#` makes anything an id
        ("123456", 1, "no contact has the number 123456"),  # six digits: a number
        ("01234", 1, "no contact has the number 01234"),  # a leading 0: a number
        ("+", 2, "cannot read '+' as a phone number"),
        ("+33 six", 2, "cannot read '+33 six' as a phone number"),
        ("9" * 25, 2, "as a phone number"),
    ],
)
def test_ids_and_numbers_that_match_nobody(
    crm: Crm, db: Path, people: dict[str, int], ref: str, code: int, said: str
) -> None:
    before = dump(db)
    out = crm("log", "note", ref, "nothing")
    assert out.exit_code == code, out.stderr
    assert out.stderr.count("\n") == 1 and said in out.stderr
    assert "Traceback" not in out.stderr
    assert dump(db) == before


def test_emails_and_names_still_work(crm: Crm, db: Path, people: dict[str, int]) -> None:
    assert crm("log", "note", "HANS@initech.de", "by email").exit_code == 0
    assert crm("log", "note", "helene dupre", "by name").exit_code == 0
    assert crm("log", "note", "Sean O", "by prefix").exit_code == 0
    assert logged_with(db) == [
        (people["hans"], "by email"),
        (people["helene"], "by name"),
        (people["sean"], "by prefix"),
    ]


@pytest.mark.subprocess
def test_the_installed_crm_logs_a_call_by_a_pasted_number(tmp_path: Path) -> None:
    """The issue's own command line, on the installed console script."""
    exe = Path(sys.executable).with_name("crm")
    env = {**os.environ, "CRM_DB": str(tmp_path / "crm.db"), "CRM_CONFIG": str(tmp_path / "c.toml")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(exe), *args], capture_output=True, text=True, env=env, timeout=60
        )

    assert run("config", "set", "default_region", "FR").returncode == 0
    assert run("contact", "add", "Pierre Martin", "--phone", "+33 6 98 76 54 32").returncode == 0
    assert run("contact", "add", "Hans Müller", "--phone", "+49 89 1234567").returncode == 0
    national = run("log", "call", "0698765432", "called back")
    assert national.returncode == 0 and "Pierre Martin" in national.stdout, national.stderr
    foreign = run("log", "call", "+49 89 1234567", "Termin")
    assert foreign.returncode == 0 and "Hans Müller" in foreign.stdout, foreign.stderr


def test_a_number_names_a_contact_on_either_backend(crm: Crm, backend: str) -> None:
    """The REF rule on SQLite and on a shared PostgreSQL database (team mode)."""
    assert crm("config", "set", "default_region", "FR").exit_code == 0
    assert crm("contact", "add", "Pierre Martin", "--phone", "+33 6 98 76 54 32").exit_code == 0
    assert crm("contact", "add", "Hans Müller", "--phone", "+49 89 1234567").exit_code == 0
    assert crm("contact", "add", "Front Desk", "--phone", "1").exit_code == 0
    assert "Pierre Martin" in crm("contact", "show", "06 98 76 54 32").stdout
    assert "Hans Müller" in crm("contact", "show", "089 1234567").stdout
    both = crm("contact", "show", "1")
    assert both.exit_code == 1 and "Pierre Martin" in both.stderr and "Front Desk" in both.stderr
    unknown = crm("contact", "show", "0698765433")
    assert unknown.exit_code == 1 and "no contact has the number" in unknown.stderr
