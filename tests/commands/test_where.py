"""`--where` on the lists and exports: ANDed with their flags, errors with a caret, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import dump

NOW = "2026-03-02T09:00:00Z"


@pytest.fixture
def book(crm, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Four people, two companies, two deals, follow-ups and a logged call, at `NOW`."""
    monkeypatch.setenv("CRM_NOW", NOW)
    for args in (
        ["Hélène Dupré", "-c", "ACME SAS", "--tag", "VIP", "--status", "customer",
         "-e", "helene@acme.fr", "--source", "LinkedIn"],
        ["Bob Smith", "-c", "Globex", "--tag", "dnc", "-e", "bob@globex.com"],
        ["Zoë Ångström", "-c", "Acme Robotics", "--tag", "VIP", "--tag", "gold",
         "--status", "prospect"],
        ["Jean-Pierre O'Brien", "--title", "Consultant", "--source", "web"],
    ):  # fmt: skip
        assert crm("contact", "add", *args).exit_code == 0
    assert crm("deal", "add", "ACME renewal", "--contact", "1", "--amount", "12k").exit_code == 0
    assert crm("deal", "add", "Globex pilot", "--contact", "2", "--amount", "800").exit_code == 0
    assert crm("followup", "add", "1", "tomorrow", "Send the contract").exit_code == 0
    assert crm("followup", "add", "2", "next week", "Ping Bob").exit_code == 0
    assert crm("log", "call", "Bob Smith", "Intro call").exit_code == 0


def names(stdout: str) -> list[str]:
    return [row["name"] for row in json.loads(stdout)]


def test_where_lists_the_matching_contacts(crm, book) -> None:  # type: ignore[no-untyped-def]
    result = crm("contact", "list", "--where", "tag:vip -status:customer", "--json")
    assert result.exit_code == 0, result.stderr
    assert names(result.stdout) == ["Zoë Ångström"]
    assert crm("contact", "list", "-w", "acme", "--json").stdout.count('"id"') == 2


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--tag", "gold"], ["Zoë Ångström"]),
        (["--status", "customer"], ["Hélène Dupré"]),
        (["--company", "Globex"], []),
        (["--limit", "1"], ["Hélène Dupré"]),
        (["--sort", "score"], ["Hélène Dupré", "Zoë Ångström"]),
        (["--archived"], []),
    ],
)
def test_where_and_the_other_flags_all_apply(crm, book, flags, expected) -> None:  # type: ignore[no-untyped-def]
    result = crm("contact", "list", "--where", "tag:vip OR name:bob -tag:dnc", *flags, "--json")
    got = names(result.stdout) if result.stdout.strip() else []
    assert sorted(got) == sorted(expected)
    assert result.exit_code == (0 if expected else 1)


def test_an_unreadable_query_is_one_error_with_a_caret(crm, book, db: Path) -> None:  # type: ignore[no-untyped-def]
    before = dump(db)
    result = crm("contact", "list", "--where", "tag:vip (status:lead OR")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "crm: cannot read --where at column 24: expected a term after 'OR'\n"
        "  tag:vip (status:lead OR\n"
        "                         ^\n"
    )
    assert dump(db) == before


def test_an_unknown_field_lists_the_fields_of_that_list(crm, book) -> None:  # type: ignore[no-untyped-def]
    result = crm("company", "list", "--where", "tag:vip touched:>3d")
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("crm: cannot read --where at column 9: unknown field 'touched' for ")
    assert "companies (fields: id, name, domain, industry, notes, city, country, people, " in first
    assert result.stderr.splitlines()[2] == "          ^"


def test_injection_finds_nothing_and_changes_nothing(crm, book, db: Path) -> None:  # type: ignore[no-untyped-def]
    before = dump(db)
    for query in ('name:"\'; DROP TABLE contact; --"', "name:%", "name:_", "email:%", "%"):
        result = crm("contact", "list", "--where", query)
        assert result.exit_code == 1, (query, result.stderr)
        assert result.stderr == "no contacts match\n"
    assert dump(db) == before
    assert crm("contact", "list", "--json").stdout.count('"id"') == 4


def test_ages_read_the_pinned_clock(crm, book, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    assert names(crm("contact", "list", "-w", "touched:<1d", "--json").stdout) == ["Bob Smith"]
    monkeypatch.setenv("CRM_NOW", "2026-04-15T09:00:00Z")
    listed = names(crm("contact", "list", "-w", "touched:>30d", "--json").stdout)
    assert listed == ["Bob Smith"]
    assert crm("contact", "list", "-w", "touched:<1d").exit_code == 1


def test_company_list_where(crm, book) -> None:  # type: ignore[no-untyped-def]
    result = crm("company", "list", "--where", "name:acme people:1", "--json")
    assert sorted(r["name"] for r in json.loads(result.stdout)) == ["ACME SAS", "Acme Robotics"]
    missing = crm("company", "list", "--where", "name:initech")
    assert (missing.exit_code, missing.stderr) == (1, "no companies match\n")


def test_followup_list_where_with_done(crm, book) -> None:  # type: ignore[no-untyped-def]
    result = crm("followup", "list", "--where", "due:<+3d", "--json")
    assert [r["note"] for r in json.loads(result.stdout)] == ["Send the contract"]
    assert crm("followup", "done", "1").exit_code == 0
    assert crm("followup", "list", "--where", "contract").exit_code == 1
    done = crm("followup", "list", "--done", "--where", "contract status:done", "--json")
    assert [r["note"] for r in json.loads(done.stdout)] == ["Send the contract"]


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_exports_take_where(crm, book) -> None:  # type: ignore[no-untyped-def]
    people = _csv(crm("export", "contacts", "--where", "tag:vip", "--tag", "gold").stdout)
    assert [r["name"] for r in people] == ["Zoë Ångström"]
    firms = _csv(crm("export", "companies", "--where", "-name:acme").stdout)
    assert [r["name"] for r in firms] == ["Globex"]
    deals = _csv(crm("export", "deals", "--where", "amount:>10k").stdout)
    assert [r["title"] for r in deals] == ["ACME renewal"]
    calls = _csv(crm("export", "interactions", "--where", "kind:call contact:bob").stdout)
    assert [r["summary"] for r in calls] == ["Intro call"]
    assert _csv(crm("export", "interactions", "--where", "kind:email").stdout) == []
    jsonl = crm("export", "interactions", "-f", "jsonl", "--where", "intro").stdout
    assert [json.loads(line)["summary"] for line in jsonl.splitlines()] == ["Intro call"]
    due = _csv(crm("export", "followups", "--where", "contact:bob").stdout)
    assert [r["note"] for r in due] == ["Ping Bob"]
    bad = crm("export", "deals", "--where", "amount:>lots")
    assert bad.exit_code == 2 and bad.stdout == ""
    assert bad.stderr.startswith("crm: cannot read --where at column 9: amount: takes an amount")


def test_a_filtered_vcard_export_has_no_company_cards(crm, book) -> None:  # type: ignore[no-untyped-def]
    assert crm("company", "edit", "ACME SAS", "--website", "https://acme.fr").exit_code == 0
    whole = crm("export", "contacts", "-f", "vcard").stdout
    assert "FN:ACME SAS" in whole and whole.count("BEGIN:VCARD") == 5  # its company card
    some = crm("export", "contacts", "-f", "vcard", "--where", "tag:vip").stdout
    assert "FN:ACME SAS" not in some and some.count("BEGIN:VCARD") == 2


def test_help_lists_the_fields(crm) -> None:  # type: ignore[no-untyped-def]
    text = crm("contact", "list", "--help").stdout
    assert "--where" in " ".join(text.split())
    flat = " ".join(text.split())
    assert "touched" in flat and "deal.amount" in flat


def test_where_on_postgresql_too(crm, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CRM_NOW", NOW)
    crm("contact", "add", "Hélène Dupré", "--tag", "VIP", "--title", "Directrice")
    crm("contact", "add", "Helen Troy", "--title", "DIRECTOR")
    result = crm("contact", "list", "--where", "title:dir -tag:vip", "--json")
    assert names(result.stdout) == ["Helen Troy"]
    assert names(crm("contact", "list", "-w", "name:HELENE", "--json").stdout) == ["Hélène Dupré"]


def test_deal_list_where(crm, book) -> None:  # type: ignore[no-untyped-def]
    result = crm("deal", "list", "--where", "amount:>10k", "--json")
    assert [d["title"] for d in json.loads(result.stdout)] == ["ACME renewal"]
    both = crm("deal", "list", "--status", "all", "--where", "contact:bob OR tag:vip", "--json")
    assert sorted(d["title"] for d in json.loads(both.stdout)) == ["ACME renewal", "Globex pilot"]
    bad = crm("deal", "list", "--where", "stage:")
    assert bad.exit_code == 2
    assert bad.stderr.splitlines()[0] == (
        "crm: cannot read --where at column 7: expected a value after 'stage:'"
    )
