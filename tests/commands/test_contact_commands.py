"""`crm contact`, `crm company` and `crm find` as a rep types them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import dump, invoke


def seed() -> None:
    assert (
        invoke(
            "contact",
            "add",
            "Hélène Dupré",
            "--email",
            "helene.dupre@acme.fr",
            "--phone",
            "+33 6 12 34 56 78",
            "--company",
            "Acme",
            "--tag",
            "vip",
            "--title",
            "CFO",
        ).exit_code
        == 0
    )
    assert (
        invoke("contact", "add", "Marc Dupree", "-e", "marc@globex.com", "-c", "Globex").exit_code
        == 0
    )


def test_add_prints_id_and_name(db: Path) -> None:
    out = invoke("contact", "add", "Hélène Dupré", "--email", "h@acme.fr", "--company", "Acme")
    assert out.exit_code == 0
    assert out.stdout == "added #1 Hélène Dupré (Acme)\n"
    assert "created company Acme" in out.stderr


def test_add_json(db: Path) -> None:
    out = invoke("contact", "add", "Ann Lee", "--json", "--tag", "a", "--tag", "b")
    data = json.loads(out.stdout)
    assert data["id"] == 1 and data["name"] == "Ann Lee" and data["tags"] == ["a", "b"]


def test_show_and_find(db: Path) -> None:
    seed()
    out = invoke("contact", "show", "helene")
    assert out.exit_code == 0
    assert "Hélène Dupré  #1" in out.stdout and "+33 6 12 34 56 78" in out.stdout
    assert "\x1b[" not in out.stdout  # not a terminal: no colour
    out = invoke("find", "helen", "dup")
    assert out.exit_code == 0
    lines = out.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "NAME", "COMPANY"]
    assert "Hélène Dupré" in lines[1]


def test_find_formats(db: Path) -> None:
    seed()
    rows = json.loads(invoke("find", "dupre", "--json").stdout)
    assert rows[0]["name"] == "Hélène Dupré"
    jl = invoke("find", "dupre", "--format", "jsonl").stdout.splitlines()
    assert json.loads(jl[0])["email"] == "helene.dupre@acme.fr"
    table = list(csv.DictReader(io.StringIO(invoke("find", "dupre", "-f", "csv").stdout)))
    assert table[0]["name"] == "Hélène Dupré" and table[0]["phone"] == "+33 6 12 34 56 78"


def test_find_no_match_exits_1_with_empty_json(db: Path) -> None:
    seed()
    out = invoke("find", "zzzz")
    assert out.exit_code == 1 and out.stdout == "" and "no contact matches" in out.stderr
    out = invoke("find", "zzzz", "--json")
    assert out.exit_code == 1 and json.loads(out.stdout) == []
    out = invoke("find", "zzzz", "--format", "csv")
    assert out.exit_code == 1 and out.stdout.strip() == "id,name,company,email,phone,matched"


def test_json_and_format_must_agree(db: Path) -> None:
    seed()
    out = invoke("find", "dupre", "--json", "--format", "csv")
    assert out.exit_code == 2 and "disagree" in out.stderr


def test_list_filters_and_formats(db: Path) -> None:
    seed()
    out = invoke("contact", "list", "--tag", "vip", "--json")
    assert [r["name"] for r in json.loads(out.stdout)] == ["Hélène Dupré"]
    out = invoke("contact", "list", "--company", "globex", "--format", "csv")
    assert next(csv.DictReader(io.StringIO(out.stdout)))["name"] == "Marc Dupree"
    out = invoke("contact", "list", "--status", "customer")
    assert out.exit_code == 1 and "no contacts match" in out.stderr
    out = invoke("contact", "list", "--limit", "1", "--format", "jsonl")
    assert len(out.stdout.splitlines()) == 1


def test_edit(db: Path) -> None:
    seed()
    out = invoke(
        "contact",
        "edit",
        "marc@globex.com",
        "--add-tag",
        "partner",
        "--title",
        "CTO",
        "--status",
        "customer",
        "--add-phone",
        "+1 415 555 0132",
    )
    assert out.exit_code == 0, out.stderr
    data = json.loads(invoke("contact", "show", "marc", "--json").stdout)
    assert data["title"] == "CTO" and data["tags"] == ["partner"]
    assert data["status"] == "customer" and data["phones"][0]["e164"] == "+14155550132"
    out = invoke("contact", "edit", "marc", "--rm-tag", "partner", "--dnc")
    assert out.exit_code == 0
    data = json.loads(invoke("contact", "show", "marc", "--json").stdout)
    assert data["tags"] == [] and data["do_not_contact"] is True


def test_archive_unarchive_and_rm(db: Path) -> None:
    seed()
    assert invoke("contact", "archive", "marc").exit_code == 0
    assert invoke("find", "marc").exit_code == 1
    assert invoke("contact", "list", "--archived", "--json").stdout.count("Marc Dupree") == 1
    assert invoke("contact", "unarchive", "marc").exit_code == 0
    out = invoke("contact", "rm", "marc")  # no terminal to ask on, no --yes
    assert out.exit_code == 1 and "--yes" in out.stderr
    assert invoke("contact", "show", "marc").exit_code == 0
    out = invoke("contact", "rm", "marc", "--yes")
    assert out.exit_code == 0 and out.stdout == "deleted #2 Marc Dupree\n"
    assert invoke("contact", "show", "marc").exit_code == 1


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("contact", "add", ""), 2, "name must not be empty"),
        (("contact", "add", "Ann", "--email", "ann@"), 2, "malformed email"),
        (("contact", "add", "Ann", "--status", "friend"), 2, "friend"),
        (("contact", "add", "Ann", "--birthday", "31/02"), 2, "birthday"),
        (("contact", "add"), 2, "Missing argument"),
        (("contact", "add", "Ann", "--bogus"), 2, "No such option"),
        (("contact", "show", "nobody"), 1, "no contact"),
        (("contact", "show", "dupr"), 1, "close matches"),
        (("contact", "edit", "999", "--title", "x"), 1, "no contact #999"),
        (("contact", "edit", "marc"), 2, "nothing to change"),
        (("contact", "edit", "marc", "--rm-tag", "nope"), 2, "no tag"),
        (("contact", "list", "--company", "nowhere"), 1, "no company"),
        (("find", ""), 2, "empty search"),
        (("company", "add", "Acme"), 2, "already exists"),
        (("company", "add", "X", "--domain", "not a domain"), 2, "malformed domain"),
        (("company", "show", "nowhere"), 1, "no company"),
        (("nosuch",), 2, "No such command"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    db: Path, args: tuple[str, ...], code: int, needle: str
) -> None:
    seed()
    before = dump(db)
    out = invoke(*args)
    assert out.exit_code == code, out.stderr
    assert needle in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert dump(db) == before


def test_ambiguous_names_list_candidates(db: Path) -> None:
    invoke("contact", "add", "Anna Smith", "-e", "anna@a.com")
    invoke("contact", "add", "Anna Smith", "-e", "anna@b.com")
    out = invoke("contact", "edit", "Anna Smith", "--title", "x")
    assert out.exit_code == 1
    assert "#1 Anna Smith <anna@a.com>" in out.stderr and "#2 Anna Smith <anna@b.com>" in out.stderr


def test_unparseable_phone_is_kept_with_a_warning(db: Path) -> None:
    out = invoke("contact", "add", "Ann Lee", "--phone", "ask reception")
    assert out.exit_code == 0 and "warning:" in out.stderr and "kept as text" in out.stderr
    data = json.loads(invoke("contact", "show", "ann", "--json").stdout)
    assert data["phones"] == [
        {"number": "ask reception", "e164": None, "extension": None, "label": None}
    ]


def test_read_commands_never_create_a_database(db: Path) -> None:
    for args in (
        ("find", "x"),
        ("contact", "list"),
        ("contact", "show", "1"),
        ("company", "list"),
        ("db", "info"),
    ):
        out = invoke(*args)
        assert out.exit_code == 1 and "no crm database" in out.stderr
    assert not db.exists()


def test_db_option_anywhere_on_the_line(tmp_path: Path, db: Path) -> None:
    other = tmp_path / "other.db"
    assert invoke("contact", "add", "Ann Lee", "--db", str(other)).exit_code == 0
    assert invoke("find", "ann", "--db", str(other)).exit_code == 0
    assert invoke("--db", str(other), "find", "ann").exit_code == 0
    assert not db.exists()


def test_company_commands(db: Path) -> None:
    out = invoke(
        "company",
        "add",
        "Initech",
        "--domain",
        "https://www.initech.com/",
        "--industry",
        "Software",
    )
    assert out.exit_code == 0 and out.stdout == "added company #1 Initech\n"
    invoke("contact", "add", "Peter Gibbons", "--company", "initech")
    out = invoke("company", "show", "initech.com")
    assert "Initech" in out.stdout and "Peter Gibbons" in out.stdout
    data = json.loads(invoke("company", "show", "1", "--json").stdout)
    assert data["domain"] == "initech.com" and data["people"][0]["name"] == "Peter Gibbons"
    assert invoke("company", "edit", "initech", "--name", "Initrode").exit_code == 0
    assert "Initrode" in invoke("find", "initrode").stdout
    rows = json.loads(invoke("company", "list", "--json").stdout)
    assert rows == [
        {"id": 1, "name": "Initrode", "domain": "initech.com", "industry": "Software", "people": 1}
    ]


def test_help_lists_every_group() -> None:
    out = invoke("--help")
    assert out.exit_code == 0
    for name in ("contact", "company", "find", "config", "db", "demo"):
        assert name in out.stdout
