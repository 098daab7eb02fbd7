"""`crm dedupe` and `crm contact merge`: duplicates found by the import's rules, merged whole."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import dump, invoke


def findings() -> list[dict[str, object]]:
    out = invoke("dedupe", "--json")
    return json.loads(out.stdout)


def test_dedupe_reports_certain_possible_and_shared(db: Path) -> None:
    invoke("contact", "add", "Hélène Dupré", "-e", "helene@acme.fr", "-c", "Acme")
    invoke("contact", "add", "Helene Dupre", "-e", "HELENE@acme.fr")  # same email, same name
    invoke("contact", "add", "Marc Dupree", "-p", "+33 6 12 34 56 78")
    invoke("contact", "add", "Marc Dupree", "-p", "06 12 34 56 78")  # same name and phone
    invoke("contact", "add", "Jean Martin", "-c", "Globex")
    invoke("contact", "add", "Jean Martine", "-c", "Globex")  # similar name, same company
    for name in ("Ann One", "Bob Two", "Cid Three"):
        invoke("contact", "add", name, "-e", "sales@globex.com")  # a role mailbox
    invoke("contact", "add", "Someone Else", "-e", "helene@acme.fr")  # different name: not her
    found = findings()
    kinds = [(f["kind"], f["ids"]) for f in found]
    assert ("certain", [1, 2]) in kinds and ("certain", [3, 4]) in kinds
    assert ("possible", [5, 6]) in kinds
    shared = [f["ids"] for f in found if f["kind"] == "shared"]
    assert shared == [[1, 2, 10], [7, 8, 9]]  # each mailbox once, as a group
    assert not any(  # the role mailbox makes no pairs; the stranger is not Hélène
        f["kind"] == "certain" and (set(f["ids"]) & {7, 8, 9, 10}) for f in found
    )
    out = invoke("dedupe")
    assert out.exit_code == 1 and "same email helene@acme.fr" in out.stdout


def test_merge_moves_everything_and_undo_takes_it_back(db: Path) -> None:
    invoke("contact", "add", "Hélène Dupré", "-e", "helene@acme.fr", "-c", "Acme")
    invoke(
        "contact",
        "add",
        "Helene Dupre",
        "-e",
        "h@home.fr",
        "-p",
        "06 12 34 56 78",
        "--title",
        "CFO",
        "--tag",
        "vip",
    )
    invoke("log", "call", "2", "Discussed pricing")
    invoke("followup", "add", "2", "tomorrow", "Call back")
    invoke("deal", "add", "Big deal", "--contact", "2")
    before = dump(db)
    out = invoke("contact", "merge", "1", "2")
    assert out.exit_code == 1 and "--yes" in out.stderr  # shows the plan, asks, no terminal
    assert "interactions moved: 1" in out.stderr and "title filled in: CFO" in out.stderr
    assert dump(db) == before
    out = invoke("contact", "merge", "1", "2", "--yes")
    assert out.exit_code == 0 and "merged #2 Helene Dupre into #1 Hélène Dupré" in out.stdout
    data = json.loads(invoke("contact", "show", "1", "--json").stdout)
    assert [e["email"] for e in data["emails"]] == ["helene@acme.fr", "h@home.fr"]
    assert data["title"] == "CFO" and data["tags"] == ["vip"] and data["company"] == "Acme"
    assert data["phones"][0]["e164"] == "+33612345678"
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT DISTINCT contact_id FROM interaction").fetchall() == [(1,)]
    assert conn.execute("SELECT contact_id FROM deal").fetchall() == [(1,)]
    assert conn.execute("SELECT count(*) FROM contact").fetchone() == (1,)
    conn.close()
    assert invoke("find", "home.fr").stdout.count("Hélène") == 1
    assert invoke("undo").exit_code == 0
    assert json.loads(invoke("contact", "show", "2", "--json").stdout)["title"] == "CFO"
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT contact_id FROM deal").fetchall() == [(2,)]
    conn.close()


def test_merge_with_itself_is_refused(db: Path) -> None:
    invoke("contact", "add", "Ann Lee")
    out = invoke("contact", "merge", "ann", "1", "--yes")
    assert out.exit_code == 2 and "itself" in out.stderr


def test_company_merge(db: Path) -> None:
    invoke("company", "add", "Acme SAS", "--domain", "acme.fr")
    invoke("company", "add", "ACME France", "--industry", "Software")
    invoke("contact", "add", "Ann Lee", "-c", "ACME France")
    invoke("deal", "add", "Acme deal", "--company", "ACME France")
    out = invoke("company", "merge", "acme sas", "acme france", "--yes")
    assert out.exit_code == 0 and "1 person, 1 deal moved" in out.stdout
    acme = json.loads(invoke("company", "show", "acme sas", "--json").stdout)
    assert acme["industry"] == "Software" and [p["name"] for p in acme["people"]] == ["Ann Lee"]
    assert invoke("company", "show", "acme france").exit_code == 1
    assert "Acme SAS" in invoke("find", "acme").stdout  # the people's index follows
    assert invoke("undo").exit_code == 0
    assert invoke("company", "show", "acme france").exit_code == 0
    assert invoke("company", "merge", "acme sas", "1", "--yes").exit_code == 2
