"""`crm view save|list|show|rm` and `--view NAME` on every list and export that takes --where."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import dump
from tests.terminal import drain

NOW = "2026-03-02T09:00:00Z"
CRM = str(Path(sys.executable).with_name("crm"))


@pytest.fixture
def book(crm, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Three people, two companies, two deals and their follow-ups, at `NOW`."""
    monkeypatch.setenv("CRM_NOW", NOW)
    for args in (
        ["Hélène Dupré", "-c", "ACME SAS", "--tag", "VIP", "--status", "customer"],
        ["Bob Smith", "-c", "Globex", "--tag", "dnc"],
        ["Zoë Ångström", "-c", "Acme Robotics", "--tag", "VIP", "--status", "prospect"],
    ):
        assert crm("contact", "add", *args).exit_code == 0
    assert crm("deal", "add", "ACME renewal", "--contact", "1", "--amount", "12k").exit_code == 0
    assert crm("deal", "add", "Globex pilot", "--contact", "2", "--amount", "800").exit_code == 0
    assert crm("followup", "add", "1", "tomorrow", "Send the contract").exit_code == 0
    assert crm("followup", "add", "2", "next week", "Ping Bob").exit_code == 0


def ok(crm, *args: str) -> str:  # type: ignore[no-untyped-def]
    result = crm(*args)
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


def listed(crm, *args: str, key: str = "name") -> list[str]:  # type: ignore[no-untyped-def]
    result = crm(*args, "--json")
    assert result.exit_code in (0, 1), result.stderr
    return sorted(r[key] for r in json.loads(result.stdout or "[]"))


def test_save_list_show_rm(crm, book) -> None:  # type: ignore[no-untyped-def]
    said = ok(crm, "view", "save", "vip", "tag:vip -status:customer")
    assert said == "saved view vip (contacts): tag:vip -status:customer\n"
    ok(crm, "view", "save", "Big deals", "amount:>10k", "--list", "deals")
    table = ok(crm, "view", "list")
    assert table.splitlines() == [
        "NAME       LIST      QUERY",
        "Big deals  deals     amount:>10k",
        "vip        contacts  tag:vip -status:customer",
    ]
    assert json.loads(ok(crm, "view", "list", "--json")) == [
        {"name": "Big deals", "list": "deals", "query": "amount:>10k"},
        {"name": "vip", "list": "contacts", "query": "tag:vip -status:customer"},
    ]
    shown = ok(crm, "view", "show", "big DEALS")
    assert "Query  amount:>10k" in shown
    assert "Run    crm deal list --view 'Big deals'" in shown
    assert json.loads(ok(crm, "view", "show", "vip", "--json"))["list"] == "contacts"
    assert ok(crm, "view", "rm", "vip") == "removed view vip (contacts: tag:vip -status:customer)\n"
    assert [v["name"] for v in json.loads(ok(crm, "view", "list", "--json"))] == ["Big deals"]


def test_no_views_yet_is_exit_1(crm, book) -> None:  # type: ignore[no-untyped-def]
    result = crm("view", "list")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "no views yet (crm view save NAME QUERY)\n"
    assert crm("view", "list", "--json").stdout == "[]\n"


def test_a_bad_query_is_the_where_error_and_saves_nothing(crm, book, db: Path) -> None:  # type: ignore[no-untyped-def]
    before = dump(db)
    result = crm("view", "save", "hot", "tag:vip (status:lead OR")
    assert result.exit_code == 2
    assert result.stderr == (
        "crm: cannot read the query at column 24: expected a term after 'OR'\n"
        "  tag:vip (status:lead OR\n"
        "                         ^\n"
    )
    wrong_list = crm("view", "save", "hot", "amount:>10k")  # a deals field, for contacts
    assert wrong_list.exit_code == 2
    assert "unknown field 'amount' for contacts" in wrong_list.stderr
    assert crm("view", "save", "hot", "tag:vip", "--list", "people").exit_code == 2
    assert dump(db) == before


def test_a_name_in_use_needs_replace_without_a_terminal(crm, book, db: Path) -> None:  # type: ignore[no-untyped-def]
    ok(crm, "view", "save", "hot", "tag:vip")
    before = dump(db)
    again = crm("view", "save", "HOT", "tag:dnc")
    assert (again.exit_code, again.stdout) == (1, "")
    assert again.stderr == (
        "crm: you already have a view named 'hot': give --replace to replace it\n"
    )
    assert dump(db) == before
    bad = crm("view", "save", "hot", "tag:")  # the query is read before anything is asked
    assert bad.exit_code == 2 and "column 5" in bad.stderr
    replaced = ok(crm, "view", "save", "hot", "tag:dnc", "--replace")
    assert replaced == "replaced view hot (contacts): tag:dnc\n"
    assert listed(crm, "contact", "list", "--view", "hot") == ["Bob Smith"]


def test_each_change_is_one_undo(crm, book) -> None:  # type: ignore[no-untyped-def]
    ok(crm, "view", "save", "hot", "tag:vip")
    ok(crm, "view", "save", "hot", "tag:dnc", "--replace")
    ok(crm, "view", "rm", "hot")
    assert "view rm hot" in ok(crm, "undo")
    assert json.loads(ok(crm, "view", "show", "hot", "--json"))["query"] == "tag:dnc"
    assert "view save hot" in ok(crm, "undo")
    assert json.loads(ok(crm, "view", "show", "hot", "--json"))["query"] == "tag:vip"
    assert "view save hot" in ok(crm, "undo")
    gone = crm("view", "show", "hot")
    assert (gone.exit_code, gone.stderr) == (
        1,
        "crm: no view named 'hot' (no views yet: crm view save NAME QUERY)\n",
    )


def test_view_on_every_list(crm, book) -> None:  # type: ignore[no-untyped-def]
    ok(crm, "view", "save", "vip", "tag:vip")
    ok(crm, "view", "save", "big", "amount:>10k", "-l", "deals")
    ok(crm, "view", "save", "bob's", "contact:bob", "-l", "followups")
    ok(crm, "view", "save", "acme", "name:acme", "-l", "companies")
    assert listed(crm, "contact", "list", "--view", "vip") == ["Hélène Dupré", "Zoë Ångström"]
    assert listed(crm, "deal", "list", "--view", "big", key="title") == ["ACME renewal"]
    assert listed(crm, "followup", "list", "--view", "BOB'S", key="note") == ["Ping Bob"]
    assert listed(crm, "company", "list", "--view", "acme") == ["ACME SAS", "Acme Robotics"]


def test_view_and_where_are_anded_and_other_flags_apply(crm, book) -> None:  # type: ignore[no-untyped-def]
    ok(crm, "view", "save", "vip", "tag:vip")
    both = listed(crm, "contact", "list", "--view", "vip", "--where", "status:prospect")
    assert both == ["Zoë Ångström"]
    assert listed(crm, "contact", "list", "--view", "vip", "--status", "customer") == [
        "Hélène Dupré"
    ]
    none = crm("contact", "list", "--view", "vip", "-w", "tag:dnc")
    assert (none.exit_code, none.stderr) == (1, "no contacts match\n")
    bad = crm("contact", "list", "--view", "vip", "-w", "status:")
    assert bad.exit_code == 2
    assert bad.stderr.splitlines()[0] == (
        "crm: cannot read --where at column 8: expected a value after 'status:'"
    )


def test_an_unknown_view_or_one_of_another_list_is_refused(crm, book) -> None:  # type: ignore[no-untyped-def]
    ok(crm, "view", "save", "big", "amount:>10k", "-l", "deals")
    ok(crm, "view", "save", "vip", "tag:vip")
    unknown = crm("contact", "list", "--view", "nope")
    assert (unknown.exit_code, unknown.stdout) == (1, "")
    assert unknown.stderr == "crm: no view named 'nope' (views: big, vip)\n"
    other = crm("contact", "list", "--view", "big")
    assert (other.exit_code, other.stdout) == (2, "")
    assert other.stderr == "crm: view 'big' filters deals, not contacts (views of contacts: vip)\n"
    exported = crm("export", "deals", "--view", "vip")
    assert exported.exit_code == 2
    assert exported.stderr.startswith("crm: view 'vip' filters contacts, not deals")


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_exports_take_view(crm, book) -> None:  # type: ignore[no-untyped-def]
    ok(crm, "view", "save", "vip", "tag:vip")
    ok(crm, "view", "save", "big", "amount:>10k", "-l", "deals")
    ok(crm, "view", "save", "bob", "contact:bob", "-l", "followups")
    ok(crm, "view", "save", "acme", "name:acme", "-l", "companies")
    people = _csv(ok(crm, "export", "contacts", "--view", "vip", "--where", "status:customer"))
    assert [r["name"] for r in people] == ["Hélène Dupré"]
    assert [r["title"] for r in _csv(ok(crm, "export", "deals", "--view", "big"))] == [
        "ACME renewal"
    ]
    assert [r["note"] for r in _csv(ok(crm, "export", "followups", "--view", "bob"))] == [
        "Ping Bob"
    ]
    firms = _csv(ok(crm, "export", "companies", "--view", "acme"))
    assert sorted(r["name"] for r in firms) == ["ACME SAS", "Acme Robotics"]
    cards = ok(crm, "export", "contacts", "-f", "vcard", "--view", "vip")
    assert cards.count("BEGIN:VCARD") == 2  # filtered: no company cards


def test_help_shows_view_beside_where(crm) -> None:  # type: ignore[no-untyped-def]
    for command in (
        ("contact", "list"),
        ("deal", "list"),
        ("followup", "list"),
        ("company", "list"),
        ("export", "contacts"),
        ("export", "deals"),
        ("export", "followups"),
        ("export", "companies"),
    ):
        flat = " ".join(crm(*command, "--help").stdout.split())
        assert "--view NAME" in flat and "--where" in flat, command


def test_views_on_postgresql_too(crm, backend: str) -> None:  # type: ignore[no-untyped-def]
    ok(crm, "contact", "add", "Hélène Dupré", "--tag", "VIP")
    ok(crm, "contact", "add", "Helen Troy")
    ok(crm, "view", "save", "vip", "tag:vip")
    assert listed(crm, "contact", "list", "--view", "vip") == ["Hélène Dupré"]
    assert "view save vip" in ok(crm, "undo")
    assert crm("contact", "list", "--view", "vip").exit_code == 1


def _save_on_a_terminal(db: Path, answer: str) -> tuple[int, str]:
    """`crm view save hot tag:dnc` as a rep runs it on a terminal, answering `answer`."""
    import pty

    master, slave = pty.openpty()
    env = {**os.environ, "CRM_DB": str(db), "TERM": "dumb"}
    proc = subprocess.Popen(
        [CRM, "view", "save", "hot", "tag:dnc"], stdin=slave, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    os.write(master, answer.encode())
    out = drain(master)
    return proc.wait(timeout=60), out.decode()


@pytest.mark.subprocess
def test_a_name_in_use_is_replaced_after_a_yes_on_a_terminal(crm, db: Path) -> None:  # type: ignore[no-untyped-def]
    ok(crm, "view", "save", "hot", "tag:vip")
    code, screen = _save_on_a_terminal(db, "n\n")
    assert code == 1, screen
    assert "Replace the view hot (contacts: tag:vip)? [y/N]" in screen
    assert "kept the view hot as it was" in screen
    assert json.loads(ok(crm, "view", "show", "hot", "--json"))["query"] == "tag:vip"
    code, screen = _save_on_a_terminal(db, "y\n")
    assert code == 0, screen
    assert "replaced view hot (contacts): tag:dnc" in screen
    assert json.loads(ok(crm, "view", "show", "hot", "--json"))["query"] == "tag:dnc"
